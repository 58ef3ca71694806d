"""The configuration files: find the one for each file, read it, and check every key before use.

``[tool.poolcheck]`` in pyproject.toml, or the top level of ``poolcheck.toml`` /
``.poolcheck.toml``. Keys are kebab-case, as in ruff; rule options are top-level
keys named as the rules declare them (``min-max-connections``). As in ruff, each
file gets the settings of the nearest configuration above it, and ``extend``
inherits another file's settings.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from poolcheck.check import all_rules
from poolcheck.discover import display_path
from poolcheck.extract import MAX_TIMEOUT
from poolcheck.filters import Anchored, PerFileIgnore, Selection, unknown_selectors
from poolcheck.gitignore import line_problem
from poolcheck.model import PRIORITIES, Priority
from poolcheck.read import MAX_FILE_SIZE, DocumentFault, DocumentProblem, read_document
from poolcheck.redact import redact
from poolcheck.root import common_folder

PYPROJECT = "pyproject.toml"
# Looked for in each folder in this order, as ruff looks for its own files.
CONFIG_NAMES = (".poolcheck.toml", "poolcheck.toml", PYPROJECT)
KEYS = (
    "extend",
    "select",
    "extend-select",
    "ignore",
    "extend-ignore",
    "extend-exclude",
    "per-file-ignores",
    "extend-per-file-ignores",
    "fail-on",
    "server-max-connections",
    "server-url",
    "include-tests",
    "load",  # [load]: read as PC001's load-* options
    "timeout",
    "max-file-size",
    "respect-gitignore",
    "fix",
    "unsafe-fixes",
    "fixable",
    "unfixable",
)
# The load a service's pools serve ([load]), for sizing them from it (capacity/load.py).
LOAD_KEYS = ("requests-per-second", "hold-ms", "acceptable-wait-ms")
Fail = Callable[[str, str], "ConfigError"]  # (key as shown, problem) -> the error to raise
# A configuration file is a few kilobytes; the cap keeps a hostile one from filling memory.
MAX_CONFIG_SIZE = 4 * 2**20
CONFIG_PROBLEMS: dict[DocumentFault, str] = {
    "unreadable": "cannot read: {}",
    "too large": f"larger than {MAX_CONFIG_SIZE // 2**20} MB; not a configuration file",
    "not utf-8": "not UTF-8 text",
    "invalid": "invalid TOML: {}",
    "nested": "invalid TOML: arrays or tables nested too deeply",
    "memory": "invalid TOML: too large to read",
}
MAX_EXTEND_DEPTH = 50
SHOWN_LENGTH = 60  # a wrong value or key longer than this is cut short in messages
TOML_TYPES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array"}


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """What a configuration file asks for, with what it extends folded in; unset fields stay empty or None."""

    path: Path | None = None  # the file read; None when there is none
    extends: tuple[Path, ...] = ()  # the files it inherits from, nearest first
    selections: tuple[Selection, ...] = ()  # the extended files' layers first
    extend_exclude: tuple[Anchored, ...] = ()
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    fail_on: Priority | None = None
    options: Mapping[str, float] = field(default_factory=dict)  # rule option -> value, as written
    server_max_connections: int | None = None  # for the server-capacity rule (PC010)
    server_url: str | None = None  # a running server to read the limit from (PC010); no password in it
    timeout: float | None = None  # seconds one file's analysis may take
    max_file_size: float | None = None  # MB; bigger files are not parsed
    respect_gitignore: bool | None = None  # skip what git ignores (default True)
    include_tests: bool | None = None  # check test code's pools too (default False)
    fix: bool | None = None  # apply the safe fixes, as --fix (default False)
    unsafe_fixes: bool | None = None  # apply the unsafe fixes too (default False)
    fixable: tuple[str, ...] | None = None  # rule selectors that may be fixed (default: every rule)
    unfixable: tuple[str, ...] = ()  # rule selectors never fixed

    @property
    def root(self) -> Path | None:
        """The folder the file's patterns are relative to."""
        return self.path.parent if self.path is not None else None


def load_config(explicit: Path | None, paths: Sequence[Path]) -> Config:
    """The run's configuration: ``--config FILE``, else the nearest file to the working directory,
    else the nearest to the checked paths, else an empty Config.

    It gives the settings that belong to the run rather than to a file (``fail-on``,
    ``timeout``, ``max-file-size``, ``server-max-connections``, ``server-url``, ``include-tests``,
    ``respect-gitignore``).
    """
    if explicit is not None:
        return read_config(Path(os.path.abspath(explicit)), required=True) or Config()
    for start in (Path.cwd(), common_folder(paths)):
        found = Configs().nearest(str(start))
        if found.path is not None:
            return found
    return Config()


class Configs:
    """The configuration that applies to each file: the nearest one above it, read once per run.

    With ``--config`` (``explicit``) that one file applies everywhere. A file with no
    configuration above it gets ``fallback`` (as in ruff: the working directory's).
    """

    def __init__(self, explicit: Config | None = None, fallback: Config | None = None) -> None:
        self.explicit = explicit
        self.fallback = fallback or Config()
        self._by_folder: dict[str, Config] = {}
        self._by_file: dict[Path, Config | None] = {}

    def for_file(self, path: str) -> Config:
        """The configuration of the file at ``path`` (as shown or absolute)."""
        if self.explicit is not None:
            return self.explicit
        return self.nearest(os.path.dirname(os.path.abspath(path)))

    def nearest(self, folder: str) -> Config:
        """The configuration of ``folder``: its own file, else its parent's (memoized per folder)."""
        walked = []
        config: Config | None = None
        current = os.path.abspath(folder)
        while True:
            if current in self._by_folder:
                config = self._by_folder[current]
                break
            walked.append(current)
            config = self._in_folder(current)
            if config is not None:
                break
            parent = os.path.dirname(current)
            if parent == current:
                config = self.fallback
                break
            current = parent
        for seen in walked:
            self._by_folder[seen] = config
        return config

    def _in_folder(self, folder: str) -> Config | None:
        for name in CONFIG_NAMES:
            if not os.path.isfile(os.path.join(folder, name)):  # most folders have none: no Path made
                continue
            candidate = Path(folder, name)
            if candidate not in self._by_file:
                self._by_file[candidate] = read_config(candidate)
            found = self._by_file[candidate]
            if found is not None:
                return found
        return None


def read_config(path: Path, required: bool = False, chain: tuple[Path, ...] = ()) -> Config | None:
    """The configuration in ``path`` with what it extends; None for a pyproject.toml that is not ours.

    ``required``: the file was named (``--config``, ``extend``), so it must hold a table.
    """
    table = _read_table(path)
    if table is None:
        if required:
            raise ConfigError(f"{display_path(path)}: no [tool.poolcheck] table")
        return None
    return _config(path, table, chain)


def _read_table(path: Path) -> dict[str, Any] | None:
    """The file's poolcheck settings; None for a pyproject.toml without a [tool.poolcheck] table."""
    shown = display_path(path)

    def parse(data: bytes) -> dict[str, Any] | None:
        # Most pyproject.toml files are not ours: skip them without decoding or parsing.
        if path.name == PYPROJECT and b"poolcheck" not in data:
            return None
        # here: most runs find no configuration of theirs to parse
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            import tomli as tomllib

        # Annotated, not cast: tomli is typed where it is installed (Python 3.10) and Any where not.
        document: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
        return document

    try:
        document = read_document(path, MAX_CONFIG_SIZE, parse)
    except DocumentProblem as problem:
        raise ConfigError(f"{shown}: {CONFIG_PROBLEMS[problem.fault].format(problem.detail)}") from problem
    if document is None:
        return None
    if path.name != PYPROJECT:
        return document
    tool = document.get("tool")
    table = tool.get("poolcheck") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.poolcheck] must be a table")
    return cast(dict[str, Any] | None, table)


def _flattened_load(table: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """``[load]`` (``[tool.poolcheck.load]``): its keys are PC001's ``load-*`` options."""
    load = table.get("load")
    if load is None:
        return table
    if not isinstance(load, dict):
        raise ConfigError(f"{where}load: must be a table of {', '.join(LOAD_KEYS)}")
    for key in load:
        if key not in LOAD_KEYS:
            raise ConfigError(f"{where}unknown key load.{_shown(key)}{_suggestion(key, list(LOAD_KEYS))}")
    return {**{k: v for k, v in table.items() if k != "load"}, **{f"load-{k}": v for k, v in load.items()}}


def _config(path: Path, table: Mapping[str, Any], chain: tuple[Path, ...]) -> Config:
    where = f"{display_path(path)}: " + ("[tool.poolcheck] " if path.name == PYPROJECT else "")
    option_names = {option.name for rule in all_rules() for option in rule.options}
    table = _flattened_load(table, where)
    known = [*KEYS, *sorted(option_names)]
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}unknown key {_shown(key)}{_suggestion(key, known)}")

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}{key}: {problem}")

    base = _extended(path, table, chain, fail)
    select = _selectors(table, "select", fail)
    if "select" in table and not select:
        raise fail("select", "must name at least one rule (leave it out to run every rule)")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in PRIORITIES:
        raise fail("fail-on", f"must be one of {', '.join(PRIORITIES)}, not {_shown(fail_on)}")
    options = dict(base.options)
    for name in sorted(option_names & table.keys()):
        value = table[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise fail(name, f"must be a number of 0 or more, not {_shown(value)}")
        options[name] = value
    capacity = table.get("server-max-connections")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        raise fail("server-max-connections", f"must be a whole number of 1 or more, not {_shown(capacity)}")
    server_url = table.get("server-url")
    if server_url is not None and (not isinstance(server_url, str) or not server_url.strip()):
        raise fail("server-url", f"must be a PostgreSQL URL, not {_shown(server_url)}")
    if server_url is not None and redact(server_url) != server_url:
        # A committed file is read by everyone who reads the repository.
        raise fail("server-url", "must not hold a password: libpq reads it from PGPASSWORD or ~/.pgpass")
    folder = path.parent
    selection = Selection(select, _selectors(table, "extend-select", fail), _ignores(table, fail))
    # As in ruff: per-file-ignores replaces what is inherited, extend-per-file-ignores adds to it.
    per_file = _per_file(table, "per-file-ignores", folder, fail)
    inherited = base.per_file_ignores if "per-file-ignores" not in table else ()
    respect_gitignore, include_tests, fix, unsafe_fixes = (
        _flag(table, key, fail) for key in ("respect-gitignore", "include-tests", "fix", "unsafe-fixes")
    )
    timeout = _positive(table, "timeout", fail, MAX_TIMEOUT)
    max_file_size = _positive(table, "max-file-size", fail, MAX_FILE_SIZE)
    return Config(
        path=path,
        extends=(base.path, *base.extends) if base.path is not None else (),
        selections=(*base.selections, selection) if selection != Selection() else base.selections,
        extend_exclude=base.extend_exclude
        + tuple(Anchored(p, folder) for p in _patterns(table, "extend-exclude", fail)),
        per_file_ignores=inherited + per_file + _per_file(table, "extend-per-file-ignores", folder, fail),
        fail_on=cast(Priority | None, fail_on) or base.fail_on,
        options=options,
        server_max_connections=capacity or base.server_max_connections,
        server_url=server_url or base.server_url,
        timeout=timeout or base.timeout,
        max_file_size=max_file_size or base.max_file_size,
        respect_gitignore=base.respect_gitignore if respect_gitignore is None else respect_gitignore,
        include_tests=base.include_tests if include_tests is None else include_tests,
        fix=base.fix if fix is None else fix,
        unsafe_fixes=base.unsafe_fixes if unsafe_fixes is None else unsafe_fixes,
        fixable=_selectors(table, "fixable", fail) if "fixable" in table else base.fixable,
        unfixable=base.unfixable + _selectors(table, "unfixable", fail),
    )


def _flag(table: Mapping[str, Any], key: str, fail: Fail) -> bool | None:
    value = table.get(key)
    if value is not None and not isinstance(value, bool):
        raise fail(key, f"must be true or false, not {_shown(value)}")
    return value


def _extended(path: Path, table: Mapping[str, Any], chain: tuple[Path, ...], fail: Fail) -> Config:
    """The configuration ``extend`` names, relative to this file's folder; an empty one without it."""
    extend = table.get("extend")
    if extend is None:
        return Config()
    if not isinstance(extend, str) or not extend.strip():
        raise fail("extend", f"must be the path of another configuration file, not {_shown(extend)}")
    target = Path(os.path.abspath(path.parent / os.path.expanduser(extend)))
    if len(chain) >= MAX_EXTEND_DEPTH:  # each level is a few stack frames: a hostile chain must not overflow
        raise fail("extend", f"more than {MAX_EXTEND_DEPTH} files extend one another")
    if target in (path, *chain):
        raise fail("extend", f"{display_path(target)} extends itself (through {len(chain) + 1} file(s))")
    if not target.is_file():
        raise fail("extend", f"{display_path(target)} is not a file")
    return read_config(target, required=True, chain=(*chain, path)) or Config()


def _ignores(table: Mapping[str, Any], fail: Fail) -> tuple[str, ...]:
    return _selectors(table, "ignore", fail) + _selectors(table, "extend-ignore", fail)


def _per_file(table: Mapping[str, Any], key: str, folder: Path, fail: Fail) -> tuple[PerFileIgnore, ...]:
    written = table.get(key, {})
    if not isinstance(written, dict):
        raise fail(key, f"must be a table of pattern = [rules], not {_kind(written)}")
    for pattern in written:
        _check_pattern(pattern, f"{key} {pattern!r}", fail)
    return tuple(
        PerFileIgnore(Anchored(pattern, folder), _selectors(written, pattern, fail, f"{key} {pattern!r}"))
        for pattern in written
    )


def _patterns(table: Mapping[str, Any], key: str, fail: Fail) -> tuple[str, ...]:
    patterns = _strings(table, key, fail)
    for pattern in patterns:
        _check_pattern(pattern, key, fail)
    return patterns


def _check_pattern(pattern: str, key: str, fail: Fail) -> None:
    problem = pattern_problem(pattern)
    if problem is not None:
        raise fail(key, problem)


def pattern_problem(pattern: str) -> str | None:
    """Why a gitignore pattern cannot be used (``!``, ``[z-a]``, too long), or None; for configurations
    and the command line."""
    problem = line_problem(pattern)
    return f"invalid pattern {_shown(pattern)}: {problem}" if problem is not None else None


def _positive(table: Mapping[str, Any], key: str, fail: Fail, most: float) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    # Written so that nan, which no comparison holds for, fails too.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
        raise fail(key, f"must be a number above 0 and at most {most:g}, not {_shown(value)}")
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
    import difflib  # here: only for a key misspelt

    close = difflib.get_close_matches(key.replace("_", "-").lower(), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    return next((name for kind, name in TOML_TYPES.items() if isinstance(value, kind)), type(value).__name__)


def _shown(value: object) -> str:
    """A wrong value as the message shows it: scalars as written (cut short), containers by their kind."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        written = repr(value)
        return written if len(written) <= SHOWN_LENGTH else written[: SHOWN_LENGTH - 4] + "...'"
    return _kind(value)
