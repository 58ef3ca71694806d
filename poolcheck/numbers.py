"""Counts and durations as written in untrusted files: parsed within bounds, or refused.

Every reader goes through here, so no written number can cost quadratic time
(``int()`` of a 5,000-digit string), raise (Python's 4,300-digit limit, a float
overflow), or reach arithmetic and messages as ``inf`` or a 400-digit count.
"""

from __future__ import annotations

import math
import re

# Beyond a 64-bit integer no pool, timeout or server limit is meant: such a value is out of range.
LIMIT = 2**64
MAX_TEXT = 40  # characters: the longest number worth parsing (digits, sign, point, exponent, '_')
DECIMAL_INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def bounded(value: int | float) -> int | float | None:
    """``value`` when it is finite and within ``LIMIT`` of zero, else None (out of range)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and value.bit_length() > LIMIT.bit_length():
        return None  # checked before comparing, so a huge int is never turned into anything
    return value if -LIMIT <= value <= LIMIT else None


def parse_number(text: str) -> int | float | None:
    """``"20"``, ``" 1_000 "``, ``"2.5"``, ``"1e3"`` -> the number; anything else or out of range -> None."""
    text = text.strip().replace("_", "")
    if not text or len(text) > MAX_TEXT:
        return None
    if DECIMAL_INTEGER.fullmatch(text):
        return bounded(int(text))
    if DECIMAL_FLOAT.fullmatch(text):
        return bounded(float(text))
    return None


def parse_count(text: str, low: int = 0, high: int = LIMIT) -> int | None:
    """A whole count from ``low`` to ``high``: ``"250"``, ``"1e3"`` (1000), ``"250.0"``; else None.

    PostgreSQL reads an integer setting written as a float by rounding it; a count that
    is not whole ("2.5") is refused rather than truncated.
    """
    value = parse_number(text)
    if value is None or (isinstance(value, float) and not value.is_integer()):
        return None
    return int(value) if low <= value <= high else None
