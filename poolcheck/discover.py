"""Which files to check: walk folders respecting .gitignore and excludes; keep named files.

The walk works on strings with ``os.scandir``: on a 10,000-file tree, pathlib objects
per file cost more than reading the files' trigger tokens.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from poolcheck.model import FileError

if TYPE_CHECKING:
    import pathspec

DEFAULT_EXCLUDES = (".git", "target", "node_modules", ".venv", "venv", "__pycache__", "build", "dist")

# A gitignore line that only names a file or folder: it matches that name at any depth.
LITERAL_NAME = re.compile(r"[\w.-]*[\w-][\w.-]*")


class Patterns:
    """Gitignore-style patterns, with plain names matched by a set lookup instead of a regex each.

    Without negations a path is excluded when any pattern matches it, so the
    names can be checked apart from the rest (most exclude lists are all names).
    """

    def __init__(self, lines: Iterable[str]) -> None:
        written = list(lines)
        plain = not any(line.startswith("!") for line in written)
        self.names = frozenset(
            line.rstrip() for line in written if plain and LITERAL_NAME.fullmatch(line.rstrip())
        )
        rest = [line for line in written if line.rstrip() not in self.names]
        self.spec: pathspec.GitIgnoreSpec | None = None
        if any(line.strip() for line in rest):
            import pathspec  # here: names alone, as the default excludes are, need no regex engine

            self.spec = pathspec.GitIgnoreSpec.from_lines(rest)

    def match(self, relative: str, is_dir: bool) -> bool:
        """Does a file or folder at ``relative`` (posix form) match?"""
        if self.names and not self.names.isdisjoint(relative.split("/")):
            return True
        return self.spec is not None and self.spec.match_file(relative + "/" if is_dir else relative)


# A folder (absolute, with a trailing separator) and its .gitignore.
Ignores = list[tuple[str, Patterns]]


@dataclass(frozen=True)
class Discovery:
    files: tuple[str, ...]  # as shown (see display_path), which also opens them; sorted
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
    root = os.path.abspath(exclude_root) if exclude_root is not None else None
    excludes = Patterns([*DEFAULT_EXCLUDES, *extend_exclude])
    found: dict[str, None] = {}  # absolute paths: one spelling per file, so each is checked once
    errors: list[FileError] = []
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            for file in _walk(path, suffixes, excludes, root, errors):
                found.setdefault(file, None)
        elif os.path.lexists(path):  # a file, a dangling symlink, a fifo: reading says what is wrong
            ignored = force_exclude and _ignored(path, excludes, root)
            if not ignored and path.endswith(suffixes):
                found.setdefault(path, None)
        else:
            errors.append(FileError(display_path(given), "no such file or directory", "read"))
    cwd = _folder_prefix(os.getcwd())
    shown = (_shown(file, cwd) for file in found)
    return Discovery(tuple(sorted(shown)), tuple(errors))


def display_path(path: str | os.PathLike[str]) -> str:
    """Relative to the working directory when under it, as SPEC section 4 asks."""
    return _shown(os.path.abspath(path), _folder_prefix(os.getcwd()))


def _shown(absolute: str, cwd_prefix: str) -> str:
    if _folder_prefix(absolute) == cwd_prefix:
        return "."
    shown = absolute[len(cwd_prefix) :] if absolute.startswith(cwd_prefix) else absolute
    return shown.replace(os.sep, "/") if os.sep != "/" else shown


def _folder_prefix(folder: str) -> str:
    """``folder`` with one trailing separator, so a prefix test cannot match ``/src2`` for ``/src``."""
    return folder if folder.endswith(os.sep) else folder + os.sep


def _walk(
    start: str,
    suffixes: tuple[str, ...],
    excludes: Patterns,
    root: str | None,
    errors: list[FileError],
) -> list[str]:
    files: list[str] = []
    pending = [(start, _inherited_gitignores(start))]
    while pending:
        folder, ignores = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as error:
            errors.append(
                FileError(display_path(folder), f"cannot read folder: {error.strerror or error}", "read")
            )
            continue
        gitignore = os.path.join(folder, ".gitignore")
        if any(entry.name == ".gitignore" for entry in entries) and os.path.isfile(gitignore):
            ignores = [*ignores, (_folder_prefix(folder), _read_spec(gitignore))]
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                # Symlinked folders are not followed, as os.walk does not: symlink loops cannot trap the walk.
                if not entry.is_symlink() and not _excluded(entry.path, True, excludes, ignores, root):
                    pending.append((entry.path, ignores))
            elif entry.name.endswith(suffixes) and not _excluded(entry.path, False, excludes, ignores, root):
                files.append(entry.path)
    return files


def _excluded(
    path: str,
    is_dir: bool,
    excludes: Patterns,
    ignores: Ignores,
    root: str | None = None,
) -> bool:
    if excludes.match(os.path.basename(path), is_dir):
        return True
    # A pattern with a slash (`legacy/old.rs`) is anchored at the configuration's folder, as in a .gitignore.
    relative = _under(path, root)
    if relative is not None and excludes.match(relative, is_dir):
        return True
    return any(
        path.startswith(base) and spec.match(_posix(path[len(base) :]), is_dir) for base, spec in ignores
    )


def _under(path: str, root: str | None) -> str | None:
    """``path`` relative to ``root`` in posix form, or None when it is not below it."""
    if root is None:
        return None
    prefix = _folder_prefix(root)
    return _posix(path[len(prefix) :]) if path.startswith(prefix) and path != root else None


def _posix(relative: str) -> str:
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _ignored(path: str, excludes: Patterns, root: str | None = None) -> bool:
    """For --force-exclude: is a named file excluded by any part of its path or a .gitignore?"""
    parent = os.path.dirname(path)
    if any(excludes.match(part, True) for part in Path(parent).parts[1:]):
        return True
    return _excluded(path, False, excludes, _inherited_gitignores(parent), root)


def _inherited_gitignores(start: str) -> Ignores:
    """The .gitignore files from the repository root down to ``start`` (exclusive of start itself)."""
    folder = Path(os.path.abspath(start))
    chain = [folder, *folder.parents]
    repository = next((d for d in chain if (d / ".git").exists()), None)
    if repository is None:
        return []
    ignores = []
    for above in reversed(chain[: chain.index(repository) + 1]):
        gitignore = above / ".gitignore"
        if above != folder and gitignore.is_file():
            ignores.append((_folder_prefix(str(above)), _read_spec(str(gitignore))))
    return ignores


def _read_spec(gitignore: str) -> Patterns:
    try:
        with open(gitignore, encoding="utf-8", errors="replace") as stream:
            return Patterns(stream.read().splitlines())
    except OSError:
        return Patterns(())
