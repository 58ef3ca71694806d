"""Which files to check: the files git considers, or a walk with git's ignore rules; then excludes.

Inside a git work tree a folder holds what ``git ls-files --cached --others
--exclude-standard`` lists (gitfiles.py); outside one, or when git cannot
answer, poolcheck walks the folder itself with the same ignore rules
(gitignore.py). poolcheck's own excludes and the suffixes apply to both. Files
named on the command line are kept unless ``--force-exclude``.

The walk works on strings with ``os.scandir``: on a 10,000-file tree, pathlib objects
per file cost more than reading the files' trigger tokens.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from poolcheck import gitfiles
from poolcheck.gitignore import (
    LITERAL_NAME,
    Ignores,
    around,
    gitignore_spec,
    inside,
    is_ignored,
    named_file_ignored,
    repository_top,
)
from poolcheck.model import FileError

if TYPE_CHECKING:
    import pathspec

LINK_OUTSIDE = "symbolic link to a file outside the checked folders; not followed (see --follow-symlinks)"
DEFAULT_EXCLUDES = (".git", "target", "node_modules", ".venv", "venv", "__pycache__", "build", "dist")


class Patterns:
    """Gitignore-style patterns, with plain names matched by a set lookup instead of a regex each.

    Without negations a path is excluded when any pattern matches it, so the
    names can be checked apart from the rest (most exclude lists are all names).
    A line pathspec cannot compile is left out.
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
            self.spec = gitignore_spec(rest)

    def match(self, relative: str, is_dir: bool) -> bool:
        """Does a file or folder at ``relative`` (posix form) match?"""
        if self.names and not self.names.isdisjoint(relative.split("/")):
            return True
        return self.spec is not None and self.spec.match_file(relative + "/" if is_dir else relative)


@dataclass(frozen=True)
class WalkRules:
    """What decides whether a file is checked, shared by every folder of a run."""

    suffixes: tuple[str, ...]
    excludes: Patterns  # poolcheck's own: the defaults and extend-exclude
    root: str | None  # the folder exclude patterns with a slash are relative to
    respect_gitignore: bool
    use_git: bool
    # Not a rule: the ignore-file lines the walk met and could not use, for the run's warnings.
    unusable: dict[str, None] = field(default_factory=dict, compare=False)
    # Nor this: the files found that are, or may be, symbolic links (the walk's d_type and git's
    # index tell the others apart without a stat of every file).
    links: set[str] = field(default_factory=set, compare=False)
    # Told the files each folder listed (or each git listing) adds, as the walk goes on.
    on_found: Callable[[Sequence[str]], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Discovery:
    """The files to check and the paths that could not be read."""

    files: tuple[str, ...]  # as shown (see display_path), which also opens them; sorted
    errors: tuple[FileError, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())  # ignore-file lines that cannot be used, by file and line


def discover(
    paths: list[Path],
    suffixes: tuple[str, ...],
    extend_exclude: tuple[str, ...] = (),
    force_exclude: bool = False,
    exclude_root: Path | None = None,
    respect_gitignore: bool = True,
    use_git: bool = True,
    follow_symlinks: bool = False,
    on_found: Callable[[Sequence[str]], None] | None = None,
) -> Discovery:
    """Files under ``paths`` with one of ``suffixes``, each once, sorted.

    Exclude patterns match a file's or folder's name, and its path relative to
    ``exclude_root`` (the configuration's folder) when it lies under it. With
    ``respect_gitignore``, files git ignores are left out too: git is asked
    when ``use_git`` and a folder lies in a work tree, else the ignore files are
    read here (False for ``use_git`` makes every folder walk as outside git). A
    symlinked file whose target lies outside the folders checked (for a file named,
    its own folder) is a read error unless ``follow_symlinks``: a link to
    ``~/.aws/credentials`` in a pull request must not be read into the report.
    ``on_found`` is told the files each folder adds while the walk goes on.
    """
    rules = WalkRules(
        suffixes,
        Patterns([*DEFAULT_EXCLUDES, *extend_exclude]),
        os.path.abspath(exclude_root) if exclude_root is not None else None,
        respect_gitignore,
        use_git,
        on_found=on_found,
    )
    found: dict[str, None] = {}  # absolute paths: one spelling per file, so each is checked once
    errors: list[FileError] = []
    folders: list[str] = []
    named: list[str] = []
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            folders.append(path)
        elif os.path.lexists(path):  # a file, a dangling symlink, a fifo: reading says what is wrong
            if path.endswith(suffixes):
                named.append(path)
        else:
            errors.append(FileError(display_path(given), "no such file or directory", "read"))
    for file in _in_folders(folders, rules, errors, set()):
        found.setdefault(file, None)
    for file in _without_excluded(named, rules) if force_exclude else named:
        found.setdefault(file, None)
    if not follow_symlinks:
        roots = [os.path.realpath(folder) for folder in folders]
        roots += [os.path.realpath(os.path.dirname(file)) for file in named]
        maybe = rules.links.union(named)
        for file in [file for file in found if file in maybe and _links_outside(file, roots)]:
            del found[file]
            errors.append(FileError(display_path(file), LINK_OUTSIDE, "read"))
    cwd = _folder_prefix(os.getcwd())
    shown = (_shown(file, cwd) for file in found)
    return Discovery(tuple(sorted(shown)), tuple(errors), tuple(rules.unusable))


def _links_outside(file: str, roots: list[str]) -> bool:
    """Is ``file`` a symbolic link whose target (followed to the end) lies under none of ``roots``?"""
    if not os.path.islink(file):
        return False
    target = os.path.realpath(file)
    return not any(target == root or target.startswith(_folder_prefix(root)) for root in roots)


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


def _in_folders(folders: list[str], rules: WalkRules, errors: list[FileError], listed: set[str]) -> list[str]:
    """The files to check under ``folders``: git's listing per work tree, else the own walk.

    ``listed`` holds the work trees git has listed (real paths), so that a
    nested repository reached again through a symlinked folder is not listed twice.
    """
    files: list[str] = []
    by_work_tree: dict[str, list[str]] = {}
    for folder in folders:
        real = os.path.realpath(folder)
        if real != folder:  # named through a symlink: found where it is, by its repository's rules
            for file in _in_folders([real], rules, errors, listed):
                files.append(folder + file[len(real) :])
                if file in rules.links:
                    rules.links.add(files[-1])
            continue
        top = repository_top(folder) if rules.respect_gitignore and rules.use_git else None
        # Inside .git itself git lists nothing: walk it, as a folder named on purpose.
        if top is None or ".git" in _relative(folder, top).split("/"):
            files += _walk(folder, rules, errors)
        else:
            by_work_tree.setdefault(top, []).append(folder)
    for top, group in by_work_tree.items():
        # A folder named on purpose is walked even when git ignores it, as ruff and ripgrep do:
        # git would list only its tracked files; the walk applies the rules below it.
        below = [_relative(folder, top) for folder in group if folder != top]
        ignored = gitfiles.ignored_files(top, below) if below else set()
        listed_by_git = [f for f in group if ignored is not None and _relative(f, top) not in ignored]
        from_git = _from_git(top, listed_by_git, rules, errors, listed) if listed_by_git else []
        for folder in group:
            if from_git is None or folder not in listed_by_git:
                files += _walk(folder, rules, errors)
        files += from_git or []
    return files


def _from_git(
    top: str, folders: list[str], rules: WalkRules, errors: list[FileError], listed: set[str]
) -> list[str] | None:
    """The files git lists under ``folders`` of the work tree at ``top``, less poolcheck's excludes.

    Submodules and untracked nested repositories, in which git lists no files,
    are listed with their own git (their own ignore rules), as ``git status``
    run inside them would see them. None when git cannot answer.
    """
    starts = sorted({_start(_relative(folder, top)) for folder in folders}, key=len, reverse=True)
    listing = gitfiles.list_files(top, [start or "." for start in starts])
    if listing is None:
        return None
    listed.add(os.path.realpath(top))
    base = _folder_prefix(top)
    verdicts: dict[tuple[str, str], bool] = {}  # (start, folder below it) -> excluded by poolcheck's own

    def folder_excluded(start: str, folder: str) -> bool:
        """Is ``folder`` (relative to the top, posix) or a folder between it and ``start`` excluded?"""
        unknown = []  # from ``folder`` up to the first folder decided: no recursion on deep paths
        while len(folder) >= len(start) and folder and (start, folder) not in verdicts:
            unknown.append(folder)
            folder = folder.rpartition("/")[0]
        # The start itself, named on the command line, is always walked.
        excluded = verdicts.get((start, folder), False)
        for below in reversed(unknown):
            excluded = excluded or _own_excluded(base + _native(below), True, rules)
            verdicts[start, below] = excluded
        return excluded

    files = []
    for path in listing.files:
        if not path.endswith(rules.suffixes):
            continue
        start = next((s for s in starts if path.startswith(s)), "")
        absolute = base + _native(path)
        if not folder_excluded(start, path.rpartition("/")[0]) and not _own_excluded(absolute, False, rules):
            files.append(absolute)
            if path in listing.links:
                rules.links.add(absolute)
    if rules.on_found is not None:
        rules.on_found(files)
    for path in listing.repositories:
        start = next((s for s in starts if path.startswith(s)), "")
        absolute = base + _native(path)
        if folder_excluded(start, path) or not os.path.isdir(absolute) or os.path.islink(absolute):
            continue
        if os.path.realpath(absolute) in listed:  # reached again through a symlinked folder
            continue
        if os.path.lexists(os.path.join(absolute, ".git")):
            nested = _from_git(absolute, [absolute], rules, errors, listed)
            files += _walk(absolute, rules, errors) if nested is None else nested
        else:  # a submodule not checked out: an empty folder, or what someone put there
            files += _walk(absolute, rules, errors)
    return files


def _start(relative: str) -> str:
    """A folder relative to its work tree's top as a prefix of the paths git lists: ``a/b/``, or ""."""
    return "" if relative == "." else relative + "/"


def _relative(path: str, top: str) -> str:
    relative = os.path.relpath(path, top)
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _native(posix: str) -> str:
    return posix.replace("/", os.sep) if os.sep != "/" else posix


def _walk(start: str, rules: WalkRules, errors: list[FileError]) -> list[str]:
    """The own walk: poolcheck's excludes, and git's ignore rules as gitignore.py reads them."""
    files: list[str] = []
    respect = rules.respect_gitignore
    pending: list[tuple[str, Ignores]] = [(start, around(start) if respect else ())]
    told = 0  # of the files found, how many ``rules.on_found`` was told of
    while pending:
        if rules.on_found is not None and len(files) > told:
            rules.on_found(files[told:])
            told = len(files)
        folder, ignores = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as error:
            errors.append(
                FileError(display_path(folder), f"cannot read folder: {error.strerror or error}", "read")
            )
            continue
        if respect:
            ignores = inside(folder, (entry.name for entry in entries), ignores)
            for level in ignores:
                rules.unusable.update(dict.fromkeys(level.rules.problems))
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                # Symlinked folders are not followed, as os.walk does not: symlink loops cannot trap the walk.
                if (
                    not entry.is_symlink()
                    and not _own_excluded(entry.path, True, rules)
                    and not (ignores and is_ignored(entry.path, True, ignores))
                ):
                    pending.append((entry.path, ignores))
            elif (
                entry.name.endswith(rules.suffixes)
                and not _own_excluded(entry.path, False, rules)
                and not (ignores and is_ignored(entry.path, False, ignores))
            ):
                files.append(entry.path)
                if entry.is_symlink():
                    rules.links.add(entry.path)
    if rules.on_found is not None and len(files) > told:
        rules.on_found(files[told:])
    return files


def _own_excluded(path: str, is_dir: bool, rules: WalkRules) -> bool:
    """Does one of poolcheck's own exclude patterns match the file or folder at ``path``?"""
    excludes = rules.excludes
    if excludes.match(os.path.basename(path), is_dir):
        return True
    # A pattern with a slash (`legacy/old.rs`) is anchored at the configuration's folder, as in a .gitignore.
    relative = _under(path, rules.root)
    return relative is not None and excludes.match(relative, is_dir)


def _under(path: str, root: str | None) -> str | None:
    """``path`` relative to ``root`` in posix form, or None when it is not below it."""
    if root is None:
        return None
    prefix = _folder_prefix(root)
    return _posix(path[len(prefix) :]) if path.startswith(prefix) and path != root else None


def _posix(relative: str) -> str:
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _without_excluded(named: list[str], rules: WalkRules) -> list[str]:
    """For --force-exclude: the named files that no exclude, folder name or ignore rule leaves out."""
    kept = [
        path
        for path in named
        if not any(rules.excludes.match(part, True) for part in Path(os.path.dirname(path)).parts[1:])
        and not _own_excluded(path, False, rules)
    ]
    if not rules.respect_gitignore:
        return kept
    by_work_tree: dict[str | None, list[str]] = {}
    for path in kept:
        top = repository_top(os.path.dirname(path)) if rules.use_git else None
        by_work_tree.setdefault(top, []).append(path)
    ignored: set[str] = set()
    for top, paths in by_work_tree.items():
        from_git = None if top is None else gitfiles.ignored_files(top, [_relative(p, top) for p in paths])
        if top is not None and from_git is not None:
            ignored.update(p for p in paths if _relative(p, top) in from_git)
        else:
            ignored.update(p for p in paths if named_file_ignored(p))
    return [path for path in kept if path not in ignored]
