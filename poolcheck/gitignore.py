"""git's ignore rules read without git: for trees outside a work tree, or when git cannot answer.

A walk asks about each folder before it enters it and about each file in it, so
a pattern decides only the path it matches itself, as git's does (a file inside
an ignored folder is never reached, so it cannot be re-included). Where several
ignore files match, the deepest folder's wins, then ``.git/info/exclude``, then
the global excludes file; within one file the last matching pattern wins.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

# A gitignore line that only names a file or folder: it matches that name at any depth.
LITERAL_NAME = re.compile(r"[\w.-]*[\w-][\w.-]*")


def gitignore_spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """The lines as one GitIgnoreSpec, leaving out any line pathspec cannot compile (``!``, ``[z-a]``)."""
    import pathspec  # here: ignore files of plain names, as most are, need no regex engine

    written = list(lines)
    with warnings.catch_warnings():  # re warns of "possible nested set" for `[[`: a line, not a bug
        warnings.simplefilter("ignore")
        try:
            return pathspec.GitIgnoreSpec.from_lines(written)
        except (ValueError, re.error):  # find the bad lines only when there is one
            return pathspec.GitIgnoreSpec.from_lines(line for line in written if _compiles(line))


def _compiles(line: str) -> bool:
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


class IgnoreFile:
    """One ignore file's patterns, each matched against a path as git matches it while walking."""

    def __init__(self, lines: Iterable[str]) -> None:
        written = list(lines)
        plain = not any(line.startswith("!") for line in written)
        # Without negations any matching name ignores, so names are a set lookup, not a regex each.
        self.names = frozenset(
            line.rstrip() for line in written if plain and LITERAL_NAME.fullmatch(line.rstrip())
        )
        rest = [line for line in written if line.rstrip() not in self.names and line.strip()]
        patterns = gitignore_spec(rest).patterns if rest else []
        # Last first: the last pattern that matches decides.
        self.patterns: Sequence[tuple[re.Pattern[str], bool]] = [
            (pattern.regex, pattern.include)
            for pattern in reversed(patterns)
            if pattern.include is not None and pattern.regex is not None
        ]

    def __bool__(self) -> bool:
        """Does the file hold any pattern? (git's template info/exclude holds only comments.)"""
        return bool(self.names or self.patterns)

    def verdict(self, relative: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matches ``relative``."""
        if self.names and relative.rpartition("/")[2] in self.names:
            return True
        for regex, ignores in self.patterns:
            if _matches_itself(regex, relative, is_dir):
                return ignores
        return None


def _matches_itself(regex: re.Pattern[str], relative: str, is_dir: bool) -> bool:
    """Does the pattern match the path itself, not only as a path inside a folder it matches?

    pathspec's regexes also match every path below a match, marking the folder's
    separator with their one named group; git matches only the path itself, and
    the walk has already asked about each folder above it.
    """
    if is_dir:
        found = regex.search(relative + "/")  # a folder: directory-only patterns (`build/`) apply
        if found is None:
            return False
        mark = _marked_end(found)
        if mark is not None:
            return mark == len(relative) + 1
        # Matched without the mark: only if not by the slash added here (`foo/**` is not foo itself).
        found = regex.search(relative)
        return found is not None and _marked_end(found) is None
    found = regex.search(relative)
    return found is not None and _marked_end(found) is None


def _marked_end(found: re.Match[str]) -> int | None:
    for name in found.groupdict():
        if found.start(name) >= 0:
            return found.end(name)
    return None


@dataclass(frozen=True)
class Level:
    """An ignore file and the folder its patterns are relative to."""

    base: str  # absolute, with a trailing separator
    rules: IgnoreFile


# The ignore files that apply in a folder, the weakest first.
Ignores = tuple[Level, ...]


def is_ignored(path: str, is_dir: bool, ignores: Ignores) -> bool:
    """Is ``path`` (absolute) ignored: the strongest ignore file with a matching pattern decides."""
    for level in reversed(ignores):
        if path.startswith(level.base):
            verdict = level.rules.verdict(_posix(path[len(level.base) :]), is_dir)
            if verdict is not None:
                return verdict
    return False


def inside(folder: str, names: Iterable[str], ignores: Ignores) -> Ignores:
    """The ignore files that apply inside ``folder``, which holds ``names``, given those around it.

    A folder holding ``.git`` is a repository of its own: the ignore files of an
    enclosing one do not apply in it, as ``git ls-files`` run in it has them.
    """
    held = set(names)
    if ".git" in held:
        ignores = repository_ignores(folder)
    gitignore = os.path.join(folder, ".gitignore")
    if ".gitignore" in held and os.path.isfile(gitignore):
        ignores = _with(ignores, folder, read_ignore_file(gitignore))
    return ignores


def _with(ignores: Ignores, folder: str, rules: IgnoreFile) -> Ignores:
    """``ignores`` and then ``rules``, which apply below ``folder``; an empty file changes nothing."""
    return (*ignores, Level(_folder_prefix(folder), rules)) if rules else ignores


def around(start: str) -> Ignores:
    """The ignore files of ``start``'s repository that apply inside it, but for its own .gitignore.

    None outside a repository: a folder's own .gitignore still applies as the walk meets it.
    """
    top = repository_top(start)
    if top is None:
        return ()
    ignores = repository_ignores(top)
    folder = top
    for part in _parts(start, top):
        gitignore = os.path.join(folder, ".gitignore")
        if os.path.isfile(gitignore):
            ignores = _with(ignores, folder, read_ignore_file(gitignore))
        folder = os.path.join(folder, part)
    return ignores


def named_file_ignored(path: str) -> bool:
    """Would git ignore ``path`` (absolute), or a folder above it, were it untracked?"""
    parent = os.path.dirname(path)
    top = repository_top(parent)
    if top is None:
        return False
    ignores = repository_ignores(top)
    folder = top
    for part in _parts(parent, top):
        ignores = inside(folder, (".gitignore",), ignores)
        folder = os.path.join(folder, part)
        if is_ignored(folder, True, ignores):
            return True
    return is_ignored(path, False, inside(folder, (".gitignore",), ignores))


def repository_top(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` (absolute) holding ``.git``."""
    current = folder
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def repository_ignores(top: str) -> Ignores:
    """The repository-wide ignore files: the global excludes file, then ``.git/info/exclude``.

    The global file is git's default place for it (``$XDG_CONFIG_HOME/git/ignore``
    or ``~/.config/git/ignore``); a ``core.excludesFile`` set elsewhere needs git to read.
    """
    ignores: Ignores = ()
    for source in (_global_excludes_file(), _info_exclude(top)):
        if source is not None and os.path.isfile(source):
            ignores = _with(ignores, top, read_ignore_file(source))
    return ignores


def read_ignore_file(path: str) -> IgnoreFile:
    """An ignore file's patterns; an unreadable file has none."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return IgnoreFile(stream.read().splitlines())
    except OSError:
        return IgnoreFile(())


def _global_excludes_file() -> str | None:
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "git", "ignore") if os.path.isabs(config) else None


def _info_exclude(top: str) -> str | None:
    """``info/exclude`` in the repository's git folder: ``.git``, or where a ``.git`` file points."""
    dot_git = os.path.join(top, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, "info", "exclude")
    try:  # a submodule or a linked work tree: "gitdir: <path>", and a worktree's shared "commondir"
        with open(dot_git, encoding="utf-8", errors="replace") as stream:
            first = stream.readline().strip()
        if not first.startswith("gitdir:"):
            return None
        git_dir = os.path.join(top, first.removeprefix("gitdir:").strip())
        common = os.path.join(git_dir, "commondir")
        if os.path.isfile(common):
            with open(common, encoding="utf-8", errors="replace") as stream:
                git_dir = os.path.join(git_dir, stream.read().strip())
    except (OSError, ValueError):
        return None
    return os.path.join(git_dir, "info", "exclude")


def _parts(folder: str, top: str) -> list[str]:
    """The names of the folders from below ``top`` down to ``folder``."""
    relative = os.path.relpath(folder, top)
    return [] if relative == os.curdir else relative.split(os.sep)


def _folder_prefix(folder: str) -> str:
    return folder if folder.endswith(os.sep) else folder + os.sep


def _posix(relative: str) -> str:
    return relative.replace(os.sep, "/") if os.sep != "/" else relative
