"""The rest of a construction's statement: the lines after it that continue it (``.await?;``).

A Rust chain formatted by rustfmt ends its statement on the lines after the terminal
call; the card shows and rewrites the whole statement, so it reads those lines.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from poolcheck.model import Pool

CONTINUATION_LINES = 4  # .await, ?, .expect(..), .context(..): a statement's tail is short


def statement_tail(pool: Pool) -> tuple[str, ...]:
    """The source lines right after the construction that still belong to its statement; () if none."""
    site = pool.site
    if site.language != "rust" or not site.lines:
        return ()
    rest = site.lines[-1][site.span.end_column - 1 :]
    if ";" in rest or rest.rstrip().endswith(("{", "}", ",")):
        return ()
    following = _lines(site.path)[site.span.end_line : site.span.end_line + CONTINUATION_LINES]
    tail = []
    for line in following:
        stripped = line.strip()
        if not stripped.startswith((".", "?")):
            break
        tail.append(line.rstrip())
        if stripped.endswith(";"):
            break
    return tuple(tail)


@lru_cache(maxsize=64)
def _lines(path: str) -> tuple[str, ...]:
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            return tuple(stream.read().splitlines())
    except OSError:
        return ()
