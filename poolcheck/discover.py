"""Which files to check: walk folders respecting .gitignore and excludes; keep named files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from poolcheck.model import FileError

DEFAULT_EXCLUDES = (".git", "target", "node_modules", ".venv", "venv", "__pycache__", "build", "dist")


@dataclass(frozen=True)
class Discovery:
    files: tuple[Path, ...]
    errors: tuple[FileError, ...] = field(default=())


def discover(
    paths: list[Path],
    suffixes: tuple[str, ...],
    extend_exclude: tuple[str, ...] = (),
    force_exclude: bool = False,
    exclude_root: Path | None = None,
) -> Discovery:
    """Files under ``paths`` with one of ``suffixes``, each once, sorted.

    Exclude patterns match a file's or folder's name, and its path relative to
    ``exclude_root`` (the configuration's folder) when it lies under it.
    """
    root = Path(os.path.abspath(exclude_root)) if exclude_root is not None else None
    excludes = pathspec.GitIgnoreSpec.from_lines([*DEFAULT_EXCLUDES, *extend_exclude])
    found: dict[Path, None] = {}
    errors: list[FileError] = []
    for given in paths:
        path = Path(os.path.abspath(given))  # one spelling per file, so each is checked once
        if path.is_dir():
            for file in _walk(path, suffixes, excludes, root):
                found.setdefault(file, None)
        elif path.is_file() or path.is_symlink():
            ignored = force_exclude and _ignored(path, excludes, root)
            if not ignored and path.name.endswith(suffixes):
                found.setdefault(path, None)
        elif not path.exists():
            errors.append(FileError(display_path(given), "no such file or directory", "read"))
    return Discovery(tuple(sorted(found, key=display_path)), tuple(errors))


def display_path(path: Path) -> str:
    """Relative to the working directory when under it, as SPEC section 4 asks."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def _walk(
    start: Path, suffixes: tuple[str, ...], excludes: pathspec.GitIgnoreSpec, root: Path | None
) -> list[Path]:
    files: list[Path] = []
    ignores = _inherited_gitignores(start)
    # os.walk does not follow symlinked folders, so symlink loops cannot trap it.
    for dirpath, dirnames, filenames in os.walk(start, onerror=None):
        here = Path(dirpath)
        gitignore = here / ".gitignore"
        if gitignore.is_file():
            ignores = [*ignores, (here, _read_spec(gitignore))]
        dirnames[:] = sorted(d for d in dirnames if not _excluded(here / d, True, excludes, ignores, root))
        for name in sorted(filenames):
            candidate = here / name
            if name.endswith(suffixes) and not _excluded(candidate, False, excludes, ignores, root):
                files.append(candidate)
    return files


def _excluded(
    path: Path,
    is_dir: bool,
    excludes: pathspec.GitIgnoreSpec,
    ignores: list[tuple[Path, pathspec.GitIgnoreSpec]],
    root: Path | None = None,
) -> bool:
    suffix = "/" if is_dir else ""
    if excludes.match_file(path.name + suffix):
        return True
    # A pattern with a slash (`legacy/old.rs`) is anchored at the configuration's folder, as in a .gitignore.
    relative = _under(path, root)
    if relative is not None and excludes.match_file(relative + suffix):
        return True
    for base, spec in ignores:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if spec.match_file(relative + suffix):
            return True
    return False


def _under(path: Path, root: Path | None) -> str | None:
    """``path`` relative to ``root`` in posix form, or None when it is not below it."""
    if root is None or path == root or not path.is_relative_to(root):
        return None
    return path.relative_to(root).as_posix()


def _ignored(path: Path, excludes: pathspec.GitIgnoreSpec, root: Path | None = None) -> bool:
    """For --force-exclude: is a named file excluded by any part of its path or a .gitignore?"""
    absolute = Path(os.path.abspath(path))
    if any(excludes.match_file(part + "/") for part in absolute.parent.parts[1:]):
        return True
    return _excluded(absolute, False, excludes, _inherited_gitignores(absolute.parent), root)


def _inherited_gitignores(start: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
    """The .gitignore files from the repository root down to ``start`` (exclusive of start itself)."""
    start = Path(os.path.abspath(start))
    chain = [start, *start.parents]
    root = next((d for d in chain if (d / ".git").exists()), None)
    if root is None:
        return []
    ignores = []
    for folder in reversed(chain[: chain.index(root) + 1]):
        gitignore = folder / ".gitignore"
        if folder != start and gitignore.is_file():
            ignores.append((folder, _read_spec(gitignore)))
    return ignores


def _read_spec(gitignore: Path) -> pathspec.GitIgnoreSpec:
    try:
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return pathspec.GitIgnoreSpec.from_lines(lines)
