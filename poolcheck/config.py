"""The configuration file: find it, read it, and check every key before the run starts.

``[tool.poolcheck]`` in pyproject.toml, or the top level of ``poolcheck.toml`` /
``.poolcheck.toml``. Keys are kebab-case, as in ruff; rule options are top-level
keys named as the rules declare them (``min-max-connections``).
"""

from __future__ import annotations

import difflib
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from poolcheck.check import all_rules
from poolcheck.discover import display_path
from poolcheck.filters import unknown_selectors
from poolcheck.model import PRIORITIES, Priority

PYPROJECT = "pyproject.toml"
# Looked for in each folder in this order, as ruff looks for its own files.
CONFIG_NAMES = (".poolcheck.toml", "poolcheck.toml", PYPROJECT)
KEYS = (
    "select",
    "ignore",
    "extend-exclude",
    "per-file-ignores",
    "fail-on",
    "server-max-connections",
    "timeout",
    "max-file-size",
)
Fail = Callable[[str, str], "ConfigError"]  # (key as shown, problem) -> the error to raise
TOML_TYPES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array"}


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """What a configuration file asks for; a field left out of the file stays empty or None."""

    path: Path | None = None  # the file read; None when there is none
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # gitignore-style pattern -> selectors
    fail_on: Priority | None = None
    options: Mapping[str, float] = field(default_factory=dict)  # rule option -> value, as written
    server_max_connections: int | None = None  # for the server-capacity rule (PC010)
    timeout: float | None = None  # seconds one file's analysis may take
    max_file_size: float | None = None  # MB; bigger files are not parsed

    @property
    def root(self) -> Path | None:
        """The folder the file's patterns are relative to."""
        return self.path.parent if self.path is not None else None


def load_config(explicit: Path | None, paths: Sequence[Path]) -> Config:
    """``--config FILE`` when given, else the nearest configuration file, else an empty Config."""
    if explicit is not None:
        path = Path(os.path.abspath(explicit))
        table = _read_table(path)
        if table is None:
            raise ConfigError(f"{display_path(path)}: no [tool.poolcheck] table")
        return _config(path, table)
    for candidate in candidate_files(paths):
        table = _read_table(candidate)
        if table is not None:
            return _config(candidate, table)
    return Config()


def candidate_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Configuration files, nearest first: from the checked paths' common folder up, then the cwd's."""
    seen: set[Path] = set()
    for start in (_common_folder(paths), Path.cwd()):
        for folder in [start, *start.parents]:
            if folder in seen:
                continue
            seen.add(folder)
            for name in CONFIG_NAMES:
                if (folder / name).is_file():
                    yield folder / name


def _common_folder(paths: Sequence[Path]) -> Path:
    # One configuration per run: the one nearest to every checked path at once.
    folders = [os.path.abspath(p if p.is_dir() else p.parent) for p in paths] or [os.getcwd()]
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # paths on different drives share no folder
        return Path.cwd()


def _read_table(path: Path) -> dict[str, Any] | None:
    """The file's poolcheck settings; None for a pyproject.toml without a [tool.poolcheck] table."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read: {error.strerror or error}") from error
    # Most pyproject.toml files are not ours: skip them without parsing.
    if path.name == PYPROJECT and b"poolcheck" not in data:
        return None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{shown}: not UTF-8 text") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: invalid TOML: {error}") from error
    if path.name != PYPROJECT:
        return cast(dict[str, Any], document)
    tool = document.get("tool")
    table = tool.get("poolcheck") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.poolcheck] must be a table")
    return cast(dict[str, Any] | None, table)


def _config(path: Path, table: Mapping[str, Any]) -> Config:
    where = f"{display_path(path)}: " + ("[tool.poolcheck] " if path.name == PYPROJECT else "")
    option_names = {option.name for rule in all_rules() for option in rule.options}
    known = [*KEYS, *sorted(option_names)]
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}unknown key {key!r}{_suggestion(key, known)}")

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}{key}: {problem}")

    select = _selectors(table, "select", fail)
    if "select" in table and not select:
        raise fail("select", "must name at least one rule (leave it out to run every rule)")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in PRIORITIES:
        raise fail("fail-on", f"must be one of {', '.join(PRIORITIES)}, not {_shown(fail_on)}")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise fail("per-file-ignores", f"must be a table of pattern = [rules], not {_kind(per_file)}")
    options = {}
    for name in sorted(option_names & table.keys()):
        value = table[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise fail(name, f"must be a number of 0 or more, not {_shown(value)}")
        options[name] = value
    capacity = table.get("server-max-connections")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        raise fail("server-max-connections", f"must be a whole number of 1 or more, not {_shown(capacity)}")
    return Config(
        path=path,
        select=select,
        ignore=_selectors(table, "ignore", fail),
        extend_exclude=_strings(table, "extend-exclude", fail),
        per_file_ignores=tuple(
            (pattern, _selectors(per_file, pattern, fail, f"per-file-ignores {pattern!r}"))
            for pattern in per_file
        ),
        fail_on=cast(Priority | None, fail_on),
        options=options,
        server_max_connections=capacity,
        timeout=_positive(table, "timeout", fail),
        max_file_size=_positive(table, "max-file-size", fail),
    )


def _positive(table: Mapping[str, Any], key: str, fail: Fail) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise fail(key, f"must be a number above 0, not {_shown(value)}")
    return float(value)


def _strings(table: Mapping[str, Any], key: str, fail: Fail, shown_key: str | None = None) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise fail(shown_key or key, f"must be an array of strings, not {_shown(value)}")
    wrong = next((item for item in value if not isinstance(item, str)), None)
    if wrong is not None:
        raise fail(shown_key or key, f"must be an array of strings, but holds {_shown(wrong)}")
    return tuple(value)


def _selectors(
    table: Mapping[str, Any], key: str, fail: Fail, shown_key: str | None = None
) -> tuple[str, ...]:
    selectors = _strings(table, key, fail, shown_key)
    unknown = unknown_selectors(all_rules(), selectors)
    if unknown:
        names = ", ".join(repr(s) for s in unknown)
        raise fail(shown_key or key, f"unknown rule selector {names} (see poolcheck --list-rules)")
    return selectors


def _suggestion(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key.replace("_", "-").lower(), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    return next((name for kind, name in TOML_TYPES.items() if isinstance(value, kind)), type(value).__name__)


def _shown(value: object) -> str:
    """A wrong value as the message shows it: scalars as written, containers by their kind."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return repr(value)
    return _kind(value)
