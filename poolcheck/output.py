"""Writing a report file: whole or not at all (temp file in the same folder, then rename)."""

from __future__ import annotations

import os
from pathlib import Path


def write_output(path: Path, content: str) -> None:
    import tempfile  # here: only runs with --output need it, and it costs start-up time

    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
