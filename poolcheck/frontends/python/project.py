"""The project's own modules, read when a pool's value is defined in another file.

``from app.core.config import settings`` is looked up the way the interpreter
would find it when run from the project: ``app/core/config.py`` (or a package's
``__init__.py``) under the importing file's folder or one of its parents, up to
the repository's root. Modules outside the project (a library, the standard
library) are not found and stay unknown. Each module is read and parsed once per
process, and again only when its file changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from poolcheck.frontends.python.bindings import ModuleBindings
from poolcheck.frontends.python.statements import Node, Scope, scope_of
from poolcheck.frontends.python.syntax import parse
from poolcheck.read import read_regular

MAX_PARENTS = 8  # folders above the importing file searched for the top-level package
MAX_MODULE_BYTES = 1_000_000
ROOT_MARKERS = (".git", ".hg")  # a repository's root: nothing above it is the project's


@dataclass(frozen=True)
class Module:
    path: str
    bindings: ModuleBindings
    scope: Scope  # the module's own
    root: Node
    text: str


_modules: dict[tuple[str, int, int], Module | None] = {}


_located: dict[tuple[str, str], Path | None] = {}  # (importing folder, module name) -> its file


def find_module(importer: str, name: str) -> Module | None:
    """The project module ``name`` (``app.core.config``, or ``.config`` relative to ``importer``)."""
    if name.startswith("<") or name.startswith("builtins"):
        return None
    key = (os.path.dirname(os.path.abspath(importer)), name)
    if key not in _located:
        _located[key] = next((path for path in _candidates(importer, name) if path.is_file()), None)
    found = _located[key]
    return _load(found) if found is not None else None


def _candidates(importer: str, name: str) -> list[Path]:
    here = Path(os.path.abspath(importer)).parent
    dots = len(name) - len(name.lstrip("."))
    parts = [part for part in name.lstrip(".").split(".") if part]
    if dots:  # relative: from the importer's package, one folder up per dot after the first
        base = here
        for _ in range(dots - 1):
            base = base.parent
        folders = [base]
    else:
        folders = []
        for folder in [here, *here.parents][:MAX_PARENTS]:
            folders.append(folder)
            if any((folder / marker).exists() for marker in ROOT_MARKERS):
                break
    found = []
    for folder in folders:
        stem = folder.joinpath(*parts) if parts else folder
        found += [stem.with_suffix(".py") if parts else stem / "__init__.py", stem / "__init__.py"]
    return found


def module_at(path: str) -> Module | None:
    """The project module in the file ``path``, parsed once per process like every module found."""
    return _load(Path(os.path.abspath(path)))


def _load(path: Path) -> Module | None:
    try:
        status = path.stat()
    except (OSError, ValueError):
        return None
    key = (str(path), status.st_mtime_ns, status.st_size)
    if key not in _modules:
        _modules[key] = _parsed(path)
    return _modules[key]


def _parsed(path: Path) -> Module | None:
    try:
        data = read_regular(path, MAX_MODULE_BYTES)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if "\0" in text:
        return None
    try:
        root = parse(text).root
        return Module(str(path), ModuleBindings(root), scope_of(root), root, text)
    except RecursionError:
        return None
