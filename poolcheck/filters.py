"""Which rules run where and which findings fail the run: --select/--ignore, per-file-ignores, --fail-on."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from poolcheck.model import PRIORITIES, Finding, Priority
from poolcheck.rule import Rule


def selects(selector: str, rule: Rule) -> bool:
    """ruff-style selectors: ``ALL``, an id prefix (``PC00``), or a rule name."""
    return _selects(selector, rule.id, rule.name)


def _selects(selector: str, rule_id: str, name: str) -> bool:
    wanted = selector.strip()
    return wanted.upper() == "ALL" or rule_id.startswith(wanted.upper()) or name == wanted


def selected_rules(rules: Sequence[Rule], select: Sequence[str], ignore: Sequence[str]) -> list[Rule]:
    chosen = [r for r in rules if not select or any(selects(s, r) for s in select)]
    return [r for r in chosen if not any(selects(s, r) for s in ignore)]


def unknown_selectors(rules: Sequence[Rule], selectors: Sequence[str]) -> list[str]:
    return [s for s in selectors if not any(selects(s, r) for r in rules)]


def without_per_file_ignores(
    findings: Sequence[Finding],
    per_file_ignores: Sequence[tuple[str, Sequence[str]]],
    root: Path,
) -> list[Finding]:
    """Drop findings whose path, relative to ``root``, matches a pattern whose selectors name their rule.

    Patterns are gitignore-style; ``root`` is the configuration file's folder.
    """
    if not per_file_ignores:
        return list(findings)
    import pathspec  # here: most runs have no per-file-ignores, and the import costs start-up time

    specs = [(pathspec.GitIgnoreSpec.from_lines([pattern]), names) for pattern, names in per_file_ignores]
    kept = []
    for finding in findings:
        try:
            relative = Path(os.path.abspath(finding.path)).relative_to(root).as_posix()
        except ValueError:  # outside the configuration's folder: no pattern can name it
            kept.append(finding)
            continue
        ignored = any(
            spec.match_file(relative) and any(_selects(s, finding.rule, finding.name) for s in names)
            for spec, names in specs
        )
        if not ignored:
            kept.append(finding)
    return kept


def at_or_above(finding: Finding, threshold: Priority) -> bool:
    return PRIORITIES.index(finding.priority) <= PRIORITIES.index(threshold)
