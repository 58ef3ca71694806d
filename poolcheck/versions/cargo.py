"""Cargo.lock and Cargo.toml: the crate versions a Rust package (or a workspace's members) builds with."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from poolcheck.versions.names import WANTED, crate_name
from poolcheck.versions.packages import package_tables, quoted_names
from poolcheck.versions.requirements import Pin, Pins, VersionProblem, caret_bound, locked, lowest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CRATES = WANTED["rust"]
MENTIONS = quoted_names(CRATES)


@dataclass(frozen=True)
class CargoLock:
    """``[[package]]`` entries: each known crate's locked versions, and which package uses which."""

    versions: Mapping[str, tuple[Pin, ...]] = field(default_factory=dict)
    # Package name -> the known crates it depends on as written ("sqlx", or "sqlx 0.7.4" when two are locked).
    uses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """Is a crate locked at two versions, so that which one a package builds with depends on it?"""
        return any(len(pins) > 1 for pins in self.versions.values())

    def pins_for(self, package: str | None) -> Pins:
        """The versions one package builds with: where a crate is locked twice, the one it names."""
        named = {
            crate_name(name): version
            for entry in self.uses.get(package or "", ())
            for name, _, version in [entry.partition(" ")]
            if version
        }
        pins = {}
        for crate, versions in self.versions.items():
            chosen = [pin for pin in versions if pin.version == named.get(crate)]
            pins[crate] = chosen[0] if chosen else lowest(list(versions))
        return Pins(pins, self.problems)


@dataclass(frozen=True)
class CargoManifest:
    package: str | None = None  # [package] name
    requirements: Pins = field(default_factory=Pins)  # [dependencies], lower bounds
    inherited: frozenset[str] = frozenset()  # known crates written `{ workspace = true }`
    workspace: bool = False  # has a [workspace] table: its folder's Cargo.lock serves the members
    workspace_requirements: Pins = field(default_factory=Pins)  # [workspace.dependencies]


def read_lock(data: bytes) -> CargoLock:
    versions: dict[str, list[Pin]] = {}
    uses: dict[str, tuple[str, ...]] = {}
    problems = []
    for package in package_tables(data, MENTIONS):
        name = package.get("name")
        if not isinstance(name, str):
            continue
        dependencies = tuple(
            entry
            for entry in _list(package.get("dependencies"))
            if isinstance(entry, str) and crate_name(entry.partition(" ")[0]) in CRATES
        )
        if dependencies:
            uses[name] = dependencies
        crate = crate_name(name)
        if crate not in CRATES:
            continue
        try:
            pin = locked(package.get("version"))
        except VersionProblem as problem:
            problems.append(f"{crate}: {problem}")
            continue
        versions.setdefault(crate, []).append(pin)
    return CargoLock({c: tuple(v) for c, v in versions.items()}, uses, tuple(problems))


def read_manifest(data: bytes) -> CargoManifest:
    document = tomllib.loads(data.decode("utf-8"))
    package = _table(document.get("package")).get("name")
    workspace = document.get("workspace")
    dependencies = dict(_table(document.get("dependencies")))
    for target in _table(document.get("target")).values():  # [target.'cfg(unix)'.dependencies]
        dependencies.update(_table(_table(target).get("dependencies")))
    requirements, inherited = _requirements(dependencies)
    shared, _ = _requirements(_table(_table(workspace).get("dependencies")))
    return CargoManifest(
        package if isinstance(package, str) else None,
        requirements,
        inherited,
        isinstance(workspace, dict),
        shared,
    )


def _requirements(dependencies: Mapping[str, Any]) -> tuple[Pins, frozenset[str]]:
    """``sqlx = "0.7"``, ``sqlx = { version = "0.7" }``, ``db = { package = "sqlx", .. }``."""
    pins: dict[str, Pin] = {}
    inherited = set()
    problems = []
    for key, spec in dependencies.items():
        table = _table(spec)
        name = table.get("package", key)
        crate = crate_name(name) if isinstance(name, str) else ""
        if crate not in CRATES:
            continue
        if table.get("workspace") is True:
            inherited.add(crate)
            continue
        requirement = spec if isinstance(spec, str) else table.get("version")
        if not isinstance(requirement, str):
            continue  # a path or git dependency: no version to read
        try:
            pin = caret_bound(requirement)
        except VersionProblem as problem:
            problems.append(f"{crate}: {problem}")
            continue
        if pin is not None:
            pins[crate] = pin
    return Pins(pins, tuple(problems)), frozenset(inherited)


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _tables(value: object) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]
