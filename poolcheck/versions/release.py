"""A version string as comparable numbers: ``0.7.4`` -> (0, 7, 4), bounded so a hostile one costs nothing."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_TEXT = 64  # characters: longer is no version poolcheck reads (a 5,000-digit one among them)
# The leading release numbers, each of at most 9 digits; pre-release and build tails are ignored.
RELEASE = re.compile(r"\s*v?(?:\d{1,4}!)?(\d{1,9}(?:\.\d{1,9}){0,7})(?![\d])")

Release = tuple[int, ...]


@lru_cache(maxsize=4096)  # the tables' eras compare against the same few versions for every pool
def release(text: str) -> Release | None:
    """The release numbers of ``text`` without trailing zeros (0.6.0 and 0.6 compare equal); None when
    it does not start with one. ``0.8.0-alpha.1`` is (0, 8): a pre-release counts as its release.
    """
    if len(text) > MAX_TEXT:
        return None
    found = RELEASE.match(text)
    if found is None:
        return None
    parts = [int(part) for part in found.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def plain(text: str) -> str | None:
    """The version as it is shown, when it is one: ``==3.2.1`` -> ``3.2.1``."""
    text = text.strip().lstrip("=^~>v ").strip()
    return text if release(text) is not None else None
