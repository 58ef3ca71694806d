"""The ``[[package]]`` tables of a TOML lockfile (Cargo.lock, uv.lock, poetry.lock) that matter.

A lockfile lists every package of the project, often hundreds with their hashes and wheels; the
versions poolcheck needs are a few of them. The tables that name a wanted package (as their own
name, or in a dependency entry) are cut out by a text search and only they are parsed, so a large
lockfile costs a search, not a full parse. What comes before the first table is parsed too, so a
file that is no lockfile still fails as one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

HEADER = re.compile(r"^\[\[package\]\][ \t]*\r?$", re.M)


def quoted_names(names: Iterable[str]) -> re.Pattern[str]:
    """A search for any of ``names`` opening a TOML string, spelt with ``-``, ``_`` or ``.``, any case."""
    spellings = "|".join(sorted(re.escape(name).replace(r"\-", "[-_.]") for name in names))
    return re.compile(rf"\"(?:{spellings})[\" ]", re.I)


def package_tables(data: bytes, wanted: re.Pattern[str]) -> list[dict[str, Any]]:
    """The ``[[package]]`` tables that mention a wanted name, parsed; ValueError when the file is not TOML."""
    text = data.decode("utf-8")
    pieces = HEADER.split(text)
    preamble = tomllib.loads(pieces[0])  # `version = 3`: a file that is no lockfile fails here
    if len(pieces) == 1 and preamble and "package" not in preamble:
        raise ValueError("no [[package]] tables")
    kept = [piece for piece in pieces[1:] if wanted.search(piece)]
    if not kept:
        return []
    document = tomllib.loads("".join(f"[[package]]\n{piece}" for piece in kept))
    found = document.get("package")
    return [table for table in found if isinstance(table, dict)] if isinstance(found, list) else []
