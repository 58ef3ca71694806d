"""git's ignore rules read without git: for trees outside a work tree, or when git cannot answer.

A walk asks about each folder before it enters it and about each file in it, so
a pattern decides only the path it matches itself, as git's does (a file inside
an ignored folder is never reached, so it cannot be re-included). Where several
ignore files match, the deepest folder's wins, then ``.git/info/exclude``, then
the global excludes file; within one file the last matching pattern wins.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

# A gitignore line that only names a file or folder: it matches that name at any depth.
# Written with one way to match a name: `[\w.-]*[\w-][\w.-]*` took 26 s on a 60,000-character line.
LITERAL_NAME = re.compile(r"(?!\.*\Z)[\w.-]+")
# pathspec's translation takes time quadratic in a pattern's length; git's own paths are shorter.
MAX_PATTERN_LENGTH = 1024
# Wildcards re must backtrack over (a `*` not matched atomically, a `**`): each one more multiplies
# the work by a path's length, so a pattern with more is skipped.
MAX_BACKTRACKING = 2
MAX_IGNORE_FILE_SIZE = 2**20  # bytes of an ignore file read
STAR = "[^/]*"  # pathspec's regex for `*`
# A stretch of regex between two stars that matches a fixed number of characters, none a slash:
# literals, escapes, `?` as pathspec writes it, and classes that are not negated.
FIXED = re.compile(r"(?:\\.|\[\^/\]|\[(?!\^)(?:\\.|[^\]\\/])+\]|[^\\\[\]()|*+?{}.^$/])+")
# What pathspec writes after a name: a slash, or the end (marking a folder's slash, or not).
NAME_ENDS = ("/", "(?:(?P<ps_d>/)|$)", "(?P<ps_d>/)", "$")
# A named group or a reference to one in a regex: `(?P<name>` or `(?P=name)`.
GROUP_NAME = re.compile(r"(\(\?P[<=])(\w+)([>)])")
ANY_DEPTH = "^(?:.+/)?"  # how pathspec starts a pattern for a name at any depth
ATOMIC_GROUP = "pc_star"  # the groups added for stars matched atomically; not pathspec's folder mark


def line_problem(line: str) -> str | None:
    """Why a gitignore line cannot be used (``!``, ``[z-a]``, too long, too many wildcards), or None."""
    import pathspec

    if len(line) > MAX_PATTERN_LENGTH:
        return f"longer than {MAX_PATTERN_LENGTH} characters"
    with warnings.catch_warnings():  # re warns of "possible nested set" for `[[`: a line, not a bug
        warnings.simplefilter("ignore")
        try:
            patterns = pathspec.GitIgnoreSpec.from_lines([line]).patterns
        # re's "at position N" counts in pathspec's regex, not in the line.
        except Exception as error:  # pathspec raises several kinds, re.error among them
            return re.sub(r" at position \d+", "", str(error)) or type(error).__name__
    if any(not _bounded(pattern) for pattern in patterns):
        return f"more than {MAX_BACKTRACKING} wildcards that need backtracking"
    return None


def usable_lines(lines: Sequence[str]) -> tuple[list[str], list[tuple[int, str]]]:
    """The lines that can be used, and (index, problem) of those that cannot (see line_problem)."""
    import pathspec

    whole = all(len(line) <= MAX_PATTERN_LENGTH for line in lines)
    if whole:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                whole = all(_bounded(p) for p in pathspec.GitIgnoreSpec.from_lines(lines).patterns)
            except Exception:  # as in line_problem: pathspec raises several kinds
                whole = False
    if whole:
        return list(lines), []
    kept: list[str] = []  # find the bad lines only when there is one
    problems: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        problem = line_problem(line)
        if problem is None:
            kept.append(line)
        else:
            problems.append((index, problem))
    return kept, problems


def gitignore_spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """The lines as one GitIgnoreSpec, leaving out any line that cannot be used (see line_problem).

    Each star that a fixed stretch and another star follow matches atomically, so that
    matching never tries every way to split a name between stars.
    """
    import pathspec  # here: ignore files of plain names, as most are, need no regex engine

    kept, _ = usable_lines(list(lines))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        patterns = pathspec.GitIgnoreSpec.from_lines(kept).patterns
        for pattern in patterns:
            if pattern.regex is not None:
                with contextlib.suppress(re.error):  # a star inside a class: keep pathspec's own
                    pattern.regex = re.compile(linear_regex(pattern.regex.pattern))
    return pathspec.GitIgnoreSpec(patterns)


def linear_regex(regex: str) -> str:
    """pathspec's regex with its stars matched atomically wherever that keeps every match.

    A star that a fixed stretch and another star follow: the leftmost match of the stretch is
    always as good as a later one (the next star takes the rest), so a lazy star inside a
    lookahead, which re never re-enters, keeps every match and drops the backtracking (the
    trick fnmatch.translate uses). A star whose stretch ends its name has one match only.
    """
    pieces = regex.split(STAR)
    written = [pieces[0]]
    for index in range(1, len(pieces)):
        chunk = pieces[index]
        last = index == len(pieces) - 1
        if chunk == "" and not last:  # `**` inside a name: one star does
            continue
        name = f"{ATOMIC_GROUP}{index}"
        fixed = FIXED.match(chunk)
        stretch = fixed.group() if fixed else ""
        if not last and stretch == chunk:
            written.append(f"(?=(?P<{name}>{STAR}?{chunk}))(?P={name})")
        elif stretch and chunk[len(stretch) :].startswith(NAME_ENDS):
            rest = chunk[len(stretch) :]
            written.append(f"(?=(?P<{name}>{STAR}?{stretch}(?=/|$)))(?P={name}){rest}")
        else:
            written.append(STAR + chunk)
    return "".join(written)


def _bounded(pattern: pathspec.Pattern) -> bool:
    """Has the pattern at most MAX_BACKTRACKING wildcards re may backtrack over, once made linear?

    A star that a slash or the end follows has one match (it takes the rest of the name).
    """
    regex = getattr(pattern, "regex", None)
    if regex is None:
        return True
    linear = linear_regex(regex.pattern)
    pieces = linear.split(STAR)
    stars = sum(1 for piece in pieces[1:] if not piece.startswith(("?", *NAME_ENDS)))
    return linear.count(".+") + linear.count(".*") + stars <= MAX_BACKTRACKING


class IgnoreFile:
    """One ignore file's patterns, each matched against a path as git matches it while walking."""

    def __init__(self, lines: Iterable[str], source: str | None = None) -> None:
        written = list(lines)
        plain = not any(line.startswith("!") for line in written)
        # Without negations any matching name ignores, so names are a set lookup, not a regex each.
        self.names = frozenset(
            line.rstrip() for line in written if plain and LITERAL_NAME.fullmatch(line.rstrip())
        )
        numbered = [
            (number, line)
            for number, line in enumerate(written, 1)
            if line.rstrip() not in self.names and line.strip()
        ]
        rest, problems = usable_lines([line for _, line in numbered])
        where = source or "ignore file"
        # The lines left out, named for a warning: git skips them too, but their author should know.
        self.problems = tuple(
            f"{where}:{numbered[index][0]}: invalid pattern {_cut(numbered[index][1])}: {problem}; skipped"
            for index, problem in problems
        )
        patterns = gitignore_spec(rest).patterns if rest else []
        # Last first: the last pattern that matches decides.
        self.patterns: Sequence[tuple[re.Pattern[str], bool]] = [
            (pattern.regex, pattern.include)
            for pattern in reversed(patterns)
            if pattern.include is not None and pattern.regex is not None
        ]
        self.any_pattern = _any_of([regex for regex, _ in self.patterns])

    def __bool__(self) -> bool:
        """Does the file hold any pattern? (git's template info/exclude holds only comments.)"""
        return bool(self.names or self.patterns or self.problems)

    def verdict(self, relative: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matches ``relative``."""
        if self.names and relative.rpartition("/")[2] in self.names:
            return True
        # Most paths match no pattern: one search says so, where asking each pattern costs one each.
        searched = relative + "/" if is_dir else relative  # as _matches_itself searches first
        if self.any_pattern is not None and self.any_pattern.search(searched) is None:
            return None
        for regex, ignores in self.patterns:
            if _matches_itself(regex, relative, is_dir):
                return ignores
        return None


def _any_of(regexes: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex that matches where any of ``regexes`` does, or None when they cannot be joined.

    Group names are made unique per pattern, as re allows each name once; the patterns for a
    name at any depth share one start, so that a search scans the path once for all of them.
    """
    if len(regexes) < 2:
        return None
    anywhere: list[str] = []
    rooted: list[str] = []
    for index, regex in enumerate(regexes):
        written = GROUP_NAME.sub(rf"\1p{index}_\2\3", regex.pattern)
        if written.startswith(ANY_DEPTH):
            anywhere.append(written[len(ANY_DEPTH) :])
        else:
            rooted.append(written)
    if anywhere:
        rooted.append(ANY_DEPTH + "(?:" + "|".join(anywhere) + ")")
    try:
        with warnings.catch_warnings():  # re's "possible nested set" for `[[`, as in gitignore_spec
            warnings.simplefilter("ignore")
            return re.compile("|".join(f"(?:{written})" for written in rooted))
    except re.error:
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
        if not name.startswith(ATOMIC_GROUP) and found.start(name) >= 0:
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
    """An ignore file's patterns; an unreadable file has none, and only its first MB is read."""
    from poolcheck.read import read_regular  # here: read.py imports discover.py, which imports this

    shown = shown_path(path)
    try:  # never waits on a fifo swapped in after the walk saw a file
        data = read_regular(path, MAX_IGNORE_FILE_SIZE)
    except OSError:
        return IgnoreFile(())
    rules = IgnoreFile(data[:MAX_IGNORE_FILE_SIZE].decode("utf-8", errors="replace").splitlines(), shown)
    if len(data) > MAX_IGNORE_FILE_SIZE:
        rules.problems += (f"{shown}: larger than {MAX_IGNORE_FILE_SIZE // 2**20} MB; the rest is not read",)
    return rules


def shown_path(path: str) -> str:
    """``path`` as a warning names it: from the working directory when under it, controls escaped."""
    here = os.getcwd() + os.sep
    shown = path[len(here) :] if path.startswith(here) else path
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in _posix(shown))


def _cut(line: str) -> str:
    """A pattern as a warning shows it: quoted, escaped, and cut short."""
    written = repr(line)
    return written if len(written) <= 80 else written[:76] + "...'"


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
