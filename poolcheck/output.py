"""Writing a report file: whole or not at all (temp file in the same folder, then rename).

A new file gets the mode any program's new file gets (0666 less the umask, or the
folder's default ACL): the kernel applies them when the temporary file is created
with mode 0666, so nothing reads or changes the process-wide umask. A file that
already exists keeps its permission bits, as editors keep them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Exclusive, so nothing already there is written into; binary, so Windows keeps "\n" as is.
CREATE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
)
ATTEMPTS = 100  # temporary names to try before giving up on a folder


def write_output(path: Path, content: str) -> None:
    """Replace ``path`` with ``content`` whole; a new file follows the umask, an old one keeps its mode."""
    folder = path.parent if str(path.parent) else Path(".")
    kept = _permissions(path)
    descriptor, temporary = _create_temporary(folder, path.name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            if kept is not None and hasattr(os, "fchmod"):  # before any byte is written
                os.fchmod(stream.fileno(), kept)
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
