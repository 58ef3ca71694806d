"""uv.lock, poetry.lock, Pipfile.lock, requirements and constraints files, pyproject.toml dependencies."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from poolcheck.versions.names import WANTED, python_name
from poolcheck.versions.packages import package_tables, quoted_names
from poolcheck.versions.release import release
from poolcheck.versions.requirements import (
    Pin,
    Pins,
    VersionProblem,
    caret_bound,
    locked,
    lowest,
    python_requirement,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PACKAGES = WANTED["python"]
MENTIONS = quoted_names(PACKAGES)


def read_package_lock(data: bytes) -> Pins:
    """uv.lock and poetry.lock: ``[[package]]`` tables with ``name`` and ``version``."""
    entries = package_tables(data, MENTIONS)
    return _collect((item.get("name"), item.get("version"), locked) for item in entries)


def read_pipfile_lock(data: bytes) -> Pins:
    """Pipfile.lock (JSON): ``{"default": {"psycopg-pool": {"version": "==3.2.2"}}, "develop": ..}``."""
    document = json.loads(data.decode("utf-8"))
    sections = [document.get(key) for key in ("default", "develop")] if isinstance(document, dict) else []
    return _collect(
        (name, entry.get("version"), locked)
        for section in sections
        if isinstance(section, dict)
        for name, entry in section.items()
        if isinstance(entry, dict)
    )


def read_requirements(data: bytes) -> Pins:
    """requirements*.txt and constraints*.txt: one requirement a line; options, URLs and comments skipped."""
    text = data.decode("utf-8").replace("\\\n", " ")
    pins: dict[str, list[Pin]] = {}
    problems = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".", "/")):
            continue
        try:
            found = python_requirement(line)
        except VersionProblem as problem:
            problems.append(f"{line.split()[0][:40]}: {problem}")
            continue
        if found is not None:
            _keep(pins, found[0], found[1])
    return Pins({name: _best(found) for name, found in pins.items()}, tuple(problems))


def read_pyproject(data: bytes) -> Pins:
    """``[project] dependencies`` (PEP 508) and ``[tool.poetry.dependencies]`` (Poetry constraints)."""
    document = tomllib.loads(data.decode("utf-8"))
    pins: dict[str, list[Pin]] = {}
    problems = []
    project = _table(document.get("project"))
    for requirement in _list(project.get("dependencies")):
        if not isinstance(requirement, str):
            continue
        try:
            found = python_requirement(requirement)
        except VersionProblem as problem:
            problems.append(f"{requirement[:40]}: {problem}")
            continue
        if found is not None:
            _keep(pins, found[0], found[1])
    poetry = _table(_table(_table(document.get("tool")).get("poetry")).get("dependencies"))
    for name, spec in poetry.items():
        constraint = spec if isinstance(spec, str) else _table(spec).get("version")
        if not isinstance(constraint, str):
            continue
        try:
            _keep(pins, name, caret_bound(constraint, bare_exact=True))
        except VersionProblem as problem:
            problems.append(f"{python_name(name)}: {problem}")
    return Pins({name: _best(found) for name, found in pins.items()}, tuple(problems))


def _collect(entries: Iterable[tuple[object, object, Any]]) -> Pins:
    pins: dict[str, list[Pin]] = {}
    problems = []
    for name, version, read in entries:
        if not isinstance(name, str) or python_name(name) not in PACKAGES:
            continue
        try:
            pin = read(version)
        except VersionProblem as problem:
            problems.append(f"{python_name(name)}: {problem}")
            continue
        pins.setdefault(python_name(name), []).append(pin)
    return Pins({name: lowest(found) for name, found in pins.items()}, tuple(problems))


def _keep(pins: dict[str, list[Pin]], name: str, pin: Pin | None) -> None:
    normalized = python_name(name)
    if pin is not None and normalized in PACKAGES:
        pins.setdefault(normalized, []).append(pin)


def _best(found: list[Pin]) -> Pin:
    """Of one file's requirements for a package: a pin, else the highest lower bound."""
    exact = [pin for pin in found if not pin.at_least]
    return lowest(exact) if exact else max(found, key=lambda pin: _release(pin))


def _release(pin: Pin) -> tuple[int, ...]:
    return release(pin.version) or ()


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
