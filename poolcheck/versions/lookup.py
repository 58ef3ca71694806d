"""The nearest lockfile or manifest at or above a source file, read once per folder.

In each folder a lockfile counts over a manifest; a package that folder's files do
not name comes from the folder above. A Cargo.toml without a Cargo.lock beside it
is a workspace member when a folder above holds the workspace (a Cargo.toml with
``[workspace]`` and its Cargo.lock): that lock serves it. The walk up stops at the
first folder holding ``.git`` (the repository's top, as poolcheck/root.py finds the
project root); outside any repository at the project root, and a file outside both
reads only its own folder's files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from poolcheck.discover import display_path
from poolcheck.libraries import LIBRARIES
from poolcheck.model import ASSUMED, LibraryVersion, PoolSite
from poolcheck.read import DocumentFault, DocumentProblem, read_document
from poolcheck.root import GIT
from poolcheck.versions.cargo import CargoLock, CargoManifest, read_lock, read_manifest
from poolcheck.versions.names import PACKAGES
from poolcheck.versions.python import read_package_lock, read_pipfile_lock, read_pyproject, read_requirements
from poolcheck.versions.release import release
from poolcheck.versions.requirements import Pin, Pins

# A large workspace's Cargo.lock or uv.lock is a few MB; the caps keep a hostile one from filling memory.
LOCK_MOST = 16 * 2**20
MANIFEST_MOST = 2 * 2**20
PYTHON_LOCKS: tuple[tuple[str, Callable[[bytes], Pins]], ...] = (
    ("uv.lock", read_package_lock),
    ("poetry.lock", read_package_lock),
    ("Pipfile.lock", read_pipfile_lock),
)
CARGO_LOCK, CARGO_TOML, PYPROJECT = "Cargo.lock", "Cargo.toml", "pyproject.toml"
REQUIREMENT_PREFIXES = ("requirements", "constraints")
PROBLEMS: dict[DocumentFault, str] = {
    "unreadable": "cannot read it ({})",
    "too large": "too large to be one",
    "not utf-8": "not UTF-8 text",
    "invalid": "invalid ({})",
    "nested": "nested too deeply",
    "memory": "too large to parse",
}
Parsed = TypeVar("Parsed")


@dataclass(frozen=True)
class Found:
    """A package's version and the file it was read from, as shown."""

    pin: Pin
    path: str


Versions = Mapping[str, Found]  # by normalized package name


class VersionLookup:
    """The versions each folder's source files use; every folder and file is looked at once."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = os.path.abspath(root) if root is not None else os.getcwd()
        self._below_root = os.path.normcase(os.path.join(self.root, ""))  # with its trailing separator
        self.warnings: list[str] = []
        self._versions: dict[tuple[str, str], Versions] = {}
        self._names: dict[str, frozenset[str]] = {}
        self._git_tops: dict[str, str | None] = {}
        self._locks: dict[str, CargoLock | None] = {}
        self._manifests: dict[str, CargoManifest | None] = {}
        self._folders: dict[str, str] = {}  # a file as shown -> its folder, absolute

    def version(self, path: str, language: str, library: str) -> Found | None:
        """The version of ``library`` that the file at ``path`` (as shown) uses, when a file says it."""
        if path in ("", "-"):
            return None
        folder = self._folders.get(path)
        if folder is None:  # a file's many pools ask once
            folder = self._folders[path] = os.path.dirname(os.path.abspath(path))
        versions = self._versions.get((folder, language))
        if versions is None:
            versions = self.folder_versions(folder, language)
        return next(
            (versions[name] for name in PACKAGES.get(language, {}).get(library, ()) if name in versions),
            None,
        )

    def folder_versions(self, folder: str, language: str) -> Versions:
        """The folder's own files' versions over the folder above's, up to the walk's boundary."""
        chain = []
        current = folder
        boundary = self._boundary(folder)
        while (current, language) not in self._versions:
            chain.append(current)
            parent = os.path.dirname(current)
            if current == boundary or parent == current:
                break
            current = parent
        above = self._versions.get((current, language), {}) if chain[-1:] != [current] else {}
        for each in reversed(chain):
            own = self._rust(each) if language == "rust" else self._python(each)
            above = {**above, **own}
            self._versions[(each, language)] = above
        return self._versions[(folder, language)]

    # --- where the walk stops -----------------------------------------------------------------

    def _boundary(self, folder: str) -> str:
        top = self._git_top(folder)
        if top is not None:
            return top
        return self.root if self._inside(folder) else folder

    def _inside(self, folder: str) -> bool:
        """Is ``folder`` (absolute, as the root is) the root or below it?"""
        return os.path.normcase(os.path.join(folder, "")).startswith(self._below_root)

    def _git_top(self, folder: str) -> str | None:
        walked = []
        current = folder
        while current not in self._git_tops:
            walked.append(current)
            if self._holds_git(current):
                self._git_tops[current] = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                self._git_tops[current] = None
                break
            current = parent
        top = self._git_tops[current]
        for each in walked:
            self._git_tops[each] = top
        return top

    def _holds_git(self, folder: str) -> bool:
        """``.git`` there? Below the root, the folder's listing (which its versions read anyway) says
        so for most folders; a stat only where it names one, or where the folder cannot be listed."""
        if self._inside(folder):
            names = self._listed(folder)
            if names and GIT not in names:
                return False
        return os.path.exists(os.path.join(folder, GIT))

    def _listed(self, folder: str) -> frozenset[str]:
        if folder not in self._names:
            try:
                self._names[folder] = frozenset(os.listdir(folder))
            except OSError:
                self._names[folder] = frozenset()
        return self._names[folder]

    # --- Python --------------------------------------------------------------------------------

    def _python(self, folder: str) -> Versions:
        names = self._listed(folder)
        for name, reader in PYTHON_LOCKS:
            if name in names:
                pins = self._read(os.path.join(folder, name), LOCK_MOST, reader)
                if pins is not None:
                    return self._found(pins, os.path.join(folder, name))
        manifests = [PYPROJECT] if PYPROJECT in names else []
        manifests += sorted(
            name for name in names if name.startswith(REQUIREMENT_PREFIXES) and name.endswith(".txt")
        )
        merged: dict[str, Found] = {}
        for name in manifests:
            path = os.path.join(folder, name)
            reader = read_pyproject if name == PYPROJECT else read_requirements
            pins = self._read(path, MANIFEST_MOST, reader)
            for package, found in self._found(pins, path).items() if pins else ():
                if package not in merged or _better(found.pin, merged[package].pin):
                    merged[package] = found
        return merged

    # --- Rust ----------------------------------------------------------------------------------

    def _rust(self, folder: str) -> Versions:
        names = self._listed(folder)
        lock = self._lock(folder) if CARGO_LOCK in names else None
        if lock is not None:
            return self._locked(lock, folder, names, folder)
        if CARGO_TOML not in names:
            return {}
        workspace = self._workspace_above(folder)
        lock = self._lock(workspace) if workspace is not None else None
        if workspace is not None and lock is not None:
            return self._locked(lock, folder, names, workspace)
        manifest = self._manifest(folder)
        if manifest is None:
            return {}
        found = dict(self._found(manifest.requirements, os.path.join(folder, CARGO_TOML)))
        if manifest.inherited:
            root = workspace or self._workspace_above(folder, locked=False)
            shared = self._manifest(root) if root is not None else None
            if root is not None and shared is not None:
                inherited = self._found(shared.workspace_requirements, os.path.join(root, CARGO_TOML))
                found.update({c: f for c, f in inherited.items() if c in manifest.inherited})
        return found

    def _locked(self, lock: CargoLock, folder: str, names: frozenset[str], locked_in: str) -> Versions:
        """The pins the package in ``folder`` builds with by the lock in ``locked_in``. Its name, from
        its Cargo.toml, only decides between two locked versions of a crate: read only then."""
        manifest = self._manifest(folder) if lock.ambiguous and CARGO_TOML in names else None
        package = manifest.package if manifest is not None else None
        return self._found(lock.pins_for(package), os.path.join(locked_in, CARGO_LOCK))

    def _workspace_above(self, folder: str, locked: bool = True) -> str | None:
        """The nearest folder above, within the walk, whose Cargo.toml has ``[workspace]`` (and a lock)."""
        boundary = self._boundary(folder)
        current = folder
        while current != boundary and os.path.dirname(current) != current:
            current = os.path.dirname(current)
            names = self._listed(current)
            if CARGO_TOML in names and (not locked or CARGO_LOCK in names):
                manifest = self._manifest(current)
                if manifest is not None and manifest.workspace:
                    return current
        return None

    def _lock(self, folder: str) -> CargoLock | None:
        if folder not in self._locks:
            self._locks[folder] = self._read(os.path.join(folder, CARGO_LOCK), LOCK_MOST, read_lock)
        return self._locks[folder]

    def _manifest(self, folder: str) -> CargoManifest | None:
        if folder not in self._manifests:
            path = os.path.join(folder, CARGO_TOML)
            self._manifests[folder] = self._read(path, MANIFEST_MOST, read_manifest)
        return self._manifests[folder]

    # --- reading -------------------------------------------------------------------------------

    def _read(self, path: str, most: int, parse: Callable[[bytes], Parsed]) -> Parsed | None:
        """The file parsed, or None with a warning: a bad lockfile costs its versions, not the run."""
        try:
            return read_document(Path(path), most, parse)
        except DocumentProblem as problem:
            why = PROBLEMS[problem.fault].format(problem.detail)
            self.warnings.append(
                f"{display_path(path)}: library versions not read, {why}; "
                "the advice for those libraries assumes their latest release"
            )
        except (TypeError, AttributeError, KeyError) as error:  # a document of an unexpected shape
            self.warnings.append(f"{display_path(path)}: library versions not read ({error})")
        return None

    def _found(self, pins: Pins, path: str) -> dict[str, Found]:
        shown = display_path(path)
        for problem in pins.problems:
            self.warnings.append(f"{shown}: {problem}; the advice for it assumes its latest release")
        return {name: Found(pin, shown) for name, pin in pins.pins.items()}


def _better(new: Pin, old: Pin) -> bool:
    """An exact pin over a lower bound; of two lower bounds, the higher."""
    if new.at_least != old.at_least:
        return not new.at_least
    return new.at_least and (release(new.version) or ()) > (release(old.version) or ())


def version_used(site: PoolSite, lookup: VersionLookup | None) -> LibraryVersion:
    """The version whose facts apply to a pool: the nearest file's, else the table's latest release."""
    found = lookup.version(site.path, site.language, site.library) if lookup is not None else None
    if found is not None:
        return LibraryVersion(found.pin.version, found.path, found.pin.at_least)
    return LibraryVersion(LIBRARIES[site.library].latest, ASSUMED)
