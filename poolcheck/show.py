"""``--show-settings`` and ``--show-files``: what a run would use, printed instead of running it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poolcheck.discover import display_path
from poolcheck.emit.escape import printable

if TYPE_CHECKING:
    from poolcheck.config import Config
    from poolcheck.pipeline import Files, RunSettings
    from poolcheck.settings import SettingsLookup


def settings(path: Path, lookup: SettingsLookup, run: RunSettings, run_config: Config, as_json: bool) -> str:
    """The settings that apply to the file at ``path`` (for a folder, to the files directly in it)."""
    probe = str(path / "_") if path.is_dir() else str(path)  # a folder's files have its configuration
    applying = lookup.for_file(probe)
    config = applying.config
    document: dict[str, Any] = {
        "path": display_path(path),
        "configuration": _shown(config.path),
        "extends": [_shown(p) for p in config.extends],
        "rules": [rule.id for rule in applying.rules],
        "ignored-here": list(applying.ignored_rules(probe)) if not path.is_dir() else [],
        "options": dict(sorted(applying.options.items())),
        "per-file-ignores": [
            {"pattern": i.pattern.pattern, "relative-to": _shown(i.pattern.root), "rules": list(i.selectors)}
            for i in applying.per_file_ignores
        ],
        "extend-exclude": [
            {"pattern": a.pattern, "relative-to": _shown(a.root)} for a in applying.extend_exclude
        ],
        "excluded": applying.excludes(probe) if not path.is_dir() else False,
        # The run's own settings come from --config or the configuration nearest to the working directory.
        "run-configuration": _shown(run_config.path),
        "fail-on": run_config.fail_on or "p2",
        "timeout": run.timeout,
        "max-file-size": run.max_file_size,
        "respect-gitignore": run.respect_gitignore,
        "server-max-connections": run.server_max_connections,
        "project-root": _shown(run.project_root),
    }
    if as_json:
        return json.dumps(document, indent=2) + "\n"
    return "\n".join(f"{key}: {_text(value)}" for key, value in document.items()) + "\n"


def files(found: Files, as_json: bool) -> str:
    """Every file the run would read: sources, then the files declaring servers and replicas, sorted."""
    every = sorted((*found.sources, *found.declarations))
    if as_json:
        return json.dumps(every, indent=2) + "\n"
    return "".join(f"{printable(path)}\n" for path in every)


def _shown(path: Path | None) -> str | None:
    return display_path(path) if path is not None else None


def _text(value: object) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value) if value else "(none)"
    if value is None:
        return "(none)"
    return str(value).lower() if isinstance(value, bool) else printable(str(value))
