"""What a front end's value resolution yields: a value and its provenance, shared by every language."""

from __future__ import annotations

from dataclasses import dataclass, replace

from poolcheck.model import Source
from poolcheck.numbers import bounded, parse_number

Raw = int | float | bool | str | None

# When a value is computed from others, the least certain provenance names the result.
PRECEDENCE: dict[Source, int] = {"explicit": 0, "constant": 1, "env-default": 2}


@dataclass(frozen=True)
class Resolved:
    value: Raw
    source: Source
    env: str | None = None  # the variable of an env lookup
    constant: str | None = None  # the constant's name
    scale: float = 1.0  # from the env variable's number to the value: 0.001 for Duration::from_millis
    defined_at: str | None = None  # "path:line" of a value defined in another file or class


DYNAMIC = Resolved(None, "dynamic")


def combine(first: Resolved, second: Resolved, value: Raw) -> Resolved:
    """The provenance of a value computed from two others: dynamic wins, then env, then constant."""
    if "dynamic" in (first.source, second.source):
        return DYNAMIC
    lead = max(first, second, key=lambda r: PRECEDENCE.get(r.source, 0))
    return replace(lead, value=value)


def number(value: Raw) -> int | float | None:
    """A count or duration: numbers as they are, numeric strings ("20", "1_000") parsed, else None.

    A number out of range (beyond a 64-bit integer, infinite, NaN) is None: unknown, never a crash.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return bounded(value)
    if isinstance(value, str):
        return parse_number(value)
    return None
