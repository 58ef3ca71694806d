"""The shape of a library table: knob names, the concept each sets, defaults, units.

Each library's facts (../shared/LIBRARIES.md) live in one module beside this one
as a ``Library`` value; the front ends and the effective-configuration stage read
them, so adding a library means adding a table and its front-end matcher.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from poolcheck.model import Value

# "callback": a function parameter; any value but None turns the concept on.
Unit = Literal["count", "seconds", "flag", "callback"]


@dataclass(frozen=True)
class Default:
    """A library default. ``value`` None means unbounded ("never", "waits forever")."""

    value: Value
    note: str | None = None  # said instead of a number, e.g. "CPU count x 2"


@dataclass(frozen=True)
class Knob:
    """A parameter as the library spells it, and the concept it sets."""

    name: str
    concept: str
    unit: Unit
    disabled_by: tuple[Value, ...] = ()  # written values that mean "never" / "no limit"
    rank: int = 0  # when two knobs set one concept, the higher rank wins whatever the order
    note: str | None = None
    part_default: Default | None = None  # for a knob that is one term of a summed concept


@dataclass(frozen=True)
class Library:
    name: str  # as users know it: "sqlx", "sqlalchemy"
    language: Literal["rust", "python"]
    knobs: tuple[Knob, ...]
    # Concepts the library has, with their defaults; a concept absent here has no knob.
    defaults: Mapping[str, Default]
    docs: tuple[tuple[str, str], ...] = ()  # (title, url) of the pool documentation
    # Concepts that are the sum of several knobs (SQLAlchemy: pool_size + max_overflow).
    sums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Concepts that take another concept's value when unset or None (psycopg_pool: max_size = min_size).
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    # Constructors whose semantics differ, by entry name (psycopg_pool's NullConnectionPool).
    variants: Mapping[str, Library] = field(default_factory=dict)

    def for_entry(self, entry: str) -> Library:
        """The table that applies to one constructor of the library."""
        return self.variants.get(entry, self)

    def knob(self, name: str) -> Knob | None:
        return next((k for k in self.knobs if k.name == name), None)

    def has(self, concept: str) -> bool:
        return concept in self.defaults

    def knob_name(self, concept: str) -> str:
        """How the library spells a concept: the highest-ranked knob that sets it."""
        knobs = [k for k in self.knobs if k.concept == concept]
        return max(knobs, key=lambda k: k.rank).name if knobs else concept
