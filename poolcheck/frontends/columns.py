"""Character columns from byte offsets, for both front ends: each line is counted once.

Parsers give byte offsets; reports give 1-based character columns. Decoding a
line's prefix at every span would make the spans of one long line (a builder
chain, or many pools written on it) cost its length squared.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable


class Columns:
    """The character columns of byte offsets in the lines that ``line_bytes(row)`` gives (0-based rows)."""

    def __init__(self, line_bytes: Callable[[int], bytes]) -> None:
        self._line_bytes = line_bytes
        self._counts: dict[int, tuple[int, list[int] | None]] = {}

    def column(self, row: int, byte_offset: int) -> int:
        """1-based: one more than the characters ``line[:byte_offset]`` decodes to (UTF-8, replacing)."""
        if row not in self._counts:
            line = self._line_bytes(row)
            self._counts[row] = (len(line), char_counts(line))
        length, counts = self._counts[row]
        if counts is None:  # ASCII: a byte is a character
            return min(max(byte_offset, 0), length) + 1
        return counts[min(max(byte_offset, 0), length)] + 1


def char_counts(line: bytes) -> list[int] | None:
    """For each byte offset 0..len(line), how many characters ``line[:offset]`` decodes to; None if ASCII.

    Counted as ``decode("utf-8", "replace")`` counts: an undecodable byte, and an unfinished
    sequence cut at the offset, are one replacement character each.
    """
    if line.isascii():
        return None
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    counts, emitted = [0], 0
    for offset in range(len(line)):
        emitted += len(decoder.decode(line[offset : offset + 1]))
        pending = decoder.getstate()[0]
        counts.append(emitted + len(pending.decode("utf-8", "replace")))
    return counts
