"""Writing a report file: whole or not at all (temp file in the same folder, then rename).

A new file gets the mode any program's new file gets (0666 less the umask, or the
folder's default ACL): the kernel applies them when the temporary file is created
with mode 0666, so nothing reads or changes the process-wide umask. A file that
already exists keeps its permission bits, as editors keep them.

Only a regular file (or nothing) is replaced: a symbolic link, a folder, a socket or a
block device is refused (``UnsafeTarget``), so ``-o`` never turns a device node into a
file or a link into a copy. A character device (a terminal, ``/dev/null``) and a pipe
are written into as streams, as are ``-``, ``/dev/stdout`` and ``/dev/stderr``.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

# Exclusive, so nothing already there is written into; binary, so Windows keeps "\n" as is.
CREATE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
)
ATTEMPTS = 100  # temporary names to try before giving up on a folder
# Written through Python's own stream, whatever fd 1 or 2 is (a file, a pipe, a terminal).
STANDARD_STREAMS = {"-": "stdout", "/dev/stdout": "stdout", "/dev/stderr": "stderr"}


class UnsafeTarget(OSError):
    """The output path names something that is not a regular file, so replacing it would do damage."""


def write_output(path: Path, content: str) -> None:
    """Replace ``path`` with ``content`` whole; a new file follows the umask, an old one keeps its mode.

    ``-`` and character devices are written into; any other non-regular target raises UnsafeTarget.
    """
    standard = STANDARD_STREAMS.get(str(path))
    if standard is not None:
        stream = getattr(sys, standard)
        stream.write(content)
        stream.flush()
        return
    if _is_stream(path):
        with path.open("w", encoding="utf-8", errors="surrogateescape", newline="") as stream:
            stream.write(content)
        return
    refusal = unsafe_target(path)
    if refusal is not None:
        raise UnsafeTarget(refusal)
    folder = path.parent if str(path.parent) else Path(".")
    kept = _permissions(path)
    descriptor, temporary = _create_temporary(folder, path.name)
    try:
        # surrogateescape: a file name that is not UTF-8 is written as its bytes, as on stdout.
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="surrogateescape", newline="") as stream:
            if kept is not None and hasattr(os, "fchmod"):  # before any byte is written
                os.fchmod(stream.fileno(), kept)
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def unsafe_target(path: Path) -> str | None:
    """Why ``path`` must not be replaced by a report (a link, a folder, a device...); None when it may."""
    if _is_stream(path):
        return None
    try:
        status = path.lstat()
    except FileNotFoundError:
        return None
    except OSError:  # unreadable folder and the like: the write itself reports it
        return None
    if stat.S_ISLNK(status.st_mode):
        return f"{path} is a symbolic link; give the file it points to, or a new name"
    if stat.S_ISREG(status.st_mode):
        return None
    kind = "a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file"
    return f"{path} is {kind}; not replaced"


def _is_stream(path: Path) -> bool:
    """A terminal, /dev/null, a pipe (``-o >(cmd)``), links followed: written into, never replaced."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _permissions(path: Path) -> int | None:
    """The permission bits of the regular file at ``path``; None when there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return stat.S_IMODE(status.st_mode) & 0o777 if stat.S_ISREG(status.st_mode) else None


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty file beside the target, created with mode 0666 so the umask applies."""
    for _ in range(ATTEMPTS):
        temporary = folder / f".{name}.{os.urandom(6).hex()}.tmp"
        try:
            return os.open(temporary, CREATE_FLAGS, 0o666), temporary
        except FileExistsError:  # a name taken by chance: draw another
            continue
    raise FileExistsError(f"no free temporary file name in {folder} for {name}")
