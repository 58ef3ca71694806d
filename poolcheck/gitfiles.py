"""Ask git which files a work tree holds, and which named files it ignores.

git applies every ignore rule exactly (nested negations, ``.git/info/exclude``,
``core.excludesFile``) and knows which files are tracked. Any failure - git not
installed, a broken ``.git``, git refusing a repository of another owner
("dubious ownership"), a timeout - returns None, and the caller walks the
folders itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

GIT_TIMEOUT = 60.0  # seconds; git lists a 100,000-file work tree in well under one

# Variables that point git at another repository or index than the folder's own: inside
# a git hook they name the repository the hook runs for, not the folder poolcheck lists.
REPOSITORY_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_INDEX_VERSION",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
    }
)

GITLINK_MODE = "160000"  # a submodule's entry in the index
SYMLINK_MODE = "120000"  # a symbolic link's


@dataclass(frozen=True)
class Listing:
    """What ``git ls-files`` says a work tree holds under some folders; paths relative to its top."""

    files: tuple[str, ...]  # tracked and untracked-not-ignored files present on disk, posix form
    repositories: tuple[str, ...]  # submodules and untracked nested repositories: git lists no files in them
    # The files that may be symbolic links: so in the index, changed since (a file replaced by a
    # link shows as changed), or untracked. The others are regular files, as git checked them out.
    links: frozenset[str] = frozenset()


def list_files(top: str, folders: list[str]) -> Listing | None:
    """The files git considers under ``folders`` (posix, relative to ``top``), or None when git fails.

    One ``git ls-files`` for the work tree at ``top``. Files deleted from disk but
    still in the index are left out; skip-worktree entries only when absent.
    """
    output = _git(
        top,
        "--literal-pathspecs",
        "ls-files",
        "-z",
        "-t",  # a tag per entry: R marks a deleted file, ? an untracked one
        "-s",  # the mode, which tells a submodule or a symbolic link from a file
        "--cached",
        "--modified",  # C marks a file whose type or content changed since the index
        "--others",
        "--deleted",
        "--exclude-standard",
        "--",
        *folders,
    )
    if output is None:
        return None
    listed: dict[str, None] = {}
    deleted: set[str] = set()
    repositories: list[str] = []
    links: set[str] = set()
    for entry in os.fsdecode(output).split("\0"):
        tag, path = entry[:1], entry[2:]
        if not path:
            continue
        if tag == "?":
            if path.endswith("/"):  # an untracked folder git lists whole: a nested repository
                repositories.append(path.rstrip("/"))
            else:
                listed[path] = None
                links.add(path)
            continue
        mode, _, path = path.partition("\t")
        if tag == "C" or mode.startswith(SYMLINK_MODE):
            links.add(path)
        if tag == "R":
            deleted.add(path)
        elif mode.startswith(GITLINK_MODE):
            repositories.append(path)
        elif tag != "S" or os.path.lexists(os.path.join(top, path)):  # S: outside a sparse checkout
            listed[path] = None
    files = tuple(path for path in listed if path not in deleted)
    return Listing(files, tuple(dict.fromkeys(repositories)), frozenset(links))


def ignored_files(top: str, paths: list[str]) -> set[str] | None:
    """Those of ``paths`` (relative to ``top``) that git ignores, or None when git fails.

    Tracked files are never ignored, as git has it.
    """
    request = b"".join(os.fsencode(path) + b"\0" for path in paths)
    # check-ignore exits 1 when none of the paths is ignored.
    output = _git(top, "check-ignore", "-z", "--stdin", stdin=request, also_ok=(1,))
    if output is None:
        return None
    return {path for path in os.fsdecode(output).split("\0") if path}


def _git(cwd: str, *arguments: str, stdin: bytes = b"", also_ok: tuple[int, ...] = ()) -> bytes | None:
    command = ["git", "-C", cwd, "-c", "core.fsmonitor=false", *arguments]  # no hook of the repository runs
    environment = {key: value for key, value in os.environ.items() if key not in REPOSITORY_VARIABLES}
    environment["GIT_OPTIONAL_LOCKS"] = "0"  # a listing never writes the index another git may hold
    import subprocess  # here: a walk outside git never starts a process

    try:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            env=environment,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git on PATH, a timeout: walk the folders instead
        return None
    if done.returncode != 0 and done.returncode not in also_ok:  # not a repository git can read, say
        return None
    return done.stdout
