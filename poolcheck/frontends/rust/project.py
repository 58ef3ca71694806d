"""The crate's other modules, read when a pool's value is a ``const`` or ``static`` defined there.

A path is found as rustc finds a module from the crate's layout: ``crate::config::MAX``
is ``MAX`` in ``src/config.rs`` or ``src/config/mod.rs`` of the crate whose
``Cargo.toml`` is nearest above the using file; ``super::`` and ``self::`` are
relative to the using file's module, and a bare ``config::MAX`` to it as well
(a child module) or to the crate root (2015-style paths). A crate of the same
project that the using crate depends on by path (a workspace member) is found
from the ``Cargo.toml`` files. ``#[path]`` attributes are not followed. Each file
is parsed once per process, and again only when it changes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from poolcheck.frontends.rust.syntax import RustFile
from poolcheck.read import read_regular

MAX_PARENTS = 8  # folders above a file searched for its crate's Cargo.toml
MAX_MODULE_BYTES = 1_000_000
MAX_MANIFEST_BYTES = 1_000_000

_files: dict[tuple[str, int, int], RustFile | None] = {}
_manifests: dict[tuple[str, int, int], dict[str, Any]] = {}


def module_file(using: str, path: list[str]) -> RustFile | None:
    """The file of the module ``path`` (its segments, the item's name left out), seen from ``using``."""
    if not path:
        return None
    here = Path(os.path.abspath(using))
    crate = _crate_source(here)
    if crate is None:
        return None
    own = _module_path(here, crate)
    head, rest = path[0], path[1:]
    bases: list[list[str]]
    if head == "crate":
        bases = [[]]
    elif head == "self":
        bases = [own]
    elif head == "super":
        up = 1
        while rest[:1] == ["super"]:
            rest, up = rest[1:], up + 1
        bases = [own[:-up]] if up <= len(own) else []
    else:
        rest = path
        bases = [own, []]
    for base in bases:
        found = _file_of(crate, [*base, *rest])
        if found is not None:
            return found
    return None


def dependency_module_file(using: str, path: list[str]) -> RustFile | None:
    """The file of the module ``path`` of another crate of the project, ``path[0]`` naming it as the
    using crate's ``Cargo.toml`` depends on it by path: ``common = { path = "../common" }``, or
    ``common = { workspace = true }`` with the path in the workspace's ``[workspace.dependencies]``.
    A crate from a registry or git is a library's, and not read.
    """
    here = Path(os.path.abspath(using))
    crate = next((f for f in list(here.parents)[:MAX_PARENTS] if (f / "Cargo.toml").is_file()), None)
    if not path or crate is None:
        return None
    wanted = path[0].replace("-", "_")
    dependencies = {name.replace("-", "_"): spec for name, spec in _dependencies(crate).items()}
    spec = dependencies.get(wanted)
    folder = crate / spec["path"] if isinstance(spec, dict) and isinstance(spec.get("path"), str) else None
    if isinstance(spec, dict) and spec.get("workspace") is True:
        for root in [crate, *list(crate.parents)[:MAX_PARENTS]]:
            shared = _table(_table(_manifest(root / "Cargo.toml").get("workspace")).get("dependencies"))
            inherited = {name.replace("-", "_"): value for name, value in shared.items()}.get(wanted)
            if isinstance(inherited, dict) and isinstance(inherited.get("path"), str):
                folder = root / inherited["path"]
                break
    source = folder / "src" if folder is not None else None
    return _file_of(source, path[1:]) if source is not None and source.is_dir() else None


def _dependencies(crate: Path) -> dict[str, Any]:
    document = _manifest(crate / "Cargo.toml")
    found = dict(_table(document.get("dependencies")))
    for target in _table(document.get("target")).values():  # [target.'cfg(unix)'.dependencies]
        found.update(_table(_table(target).get("dependencies")))
    return found


def _manifest(path: Path) -> dict[str, Any]:
    """A Cargo.toml's tables, read once while it is unchanged; empty when it is missing or broken."""
    try:
        status = path.stat()
    except (OSError, ValueError):
        return {}
    key = (str(path), status.st_mtime_ns, status.st_size)
    if key not in _manifests:
        # here: most files' matchers never ask for their crate, and the workers load this module early
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        try:
            _manifests[key] = tomllib.loads(read_regular(path, MAX_MANIFEST_BYTES).decode("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            _manifests[key] = {}
    return _manifests[key]


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _crate_source(file: Path) -> Path | None:
    for folder in list(file.parents)[:MAX_PARENTS]:
        if (folder / "Cargo.toml").is_file():
            source = folder / "src"
            return source if source.is_dir() else None
    return None


def _module_path(file: Path, source: Path) -> list[str]:
    """``src/db/pool.rs`` is ``db::pool``; ``src/db/mod.rs`` is ``db``; ``main.rs``/``lib.rs`` the root."""
    try:
        parts = list(file.relative_to(source).with_suffix("").parts)
    except ValueError:
        return []
    if parts and parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["main"], ["lib"]) or parts[:1] == ["bin"]:
        return []
    return parts


def _file_of(source: Path, module: list[str]) -> RustFile | None:
    if not module:
        candidates = [source / "lib.rs", source / "main.rs"]
    else:
        stem = source.joinpath(*module)
        candidates = [stem.with_suffix(".rs"), stem / "mod.rs"]
    for candidate in candidates:
        try:
            status = candidate.stat()
        except (OSError, ValueError):
            continue
        key = (str(candidate), status.st_mtime_ns, status.st_size)
        if key not in _files:
            _files[key] = _parsed(candidate)
        if _files[key] is not None:
            return _files[key]
    return None


def _parsed(path: Path) -> RustFile | None:
    try:
        return RustFile(str(path), read_regular(path, MAX_MODULE_BYTES))
    except OSError:
        return None
