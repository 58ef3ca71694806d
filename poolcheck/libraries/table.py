"""The shape of a library table: knob names, the concept each sets, defaults, units.

Each library's facts (../shared/LIBRARIES.md) live in one module beside this one
as a ``Library`` value; the front ends and the effective-configuration stage read
them, so adding a library means adding a table and its front-end matcher.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from poolcheck.model import LibraryVersion, Priority, Setting, Value
from poolcheck.versions.release import Release, release

# "callback": a function parameter; any value but None turns the concept on.
Unit = Literal["count", "seconds", "flag", "callback"]
# The concept of a knob that names the pool class (SQLAlchemy's poolclass): not a setting, it says
# whether the library's own choice of class applies (``Library.unpooled``).
POOL_CLASS = "pool_class"


@dataclass(frozen=True)
class Default:
    """A library default. ``value`` None means unbounded ("never", "waits forever")."""

    value: Value
    note: str | None = None  # said instead of a number, e.g. "CPU count x 2"
    by: str | None = None  # who sets it, when not the library itself ("Flask-SQLAlchemy")


@dataclass(frozen=True)
class Zero:
    """What a knob set to zero really does in this library, and how bad that is."""

    effect: str  # "the builder panics when the pool is built (it asserts a positive value)"
    priority: Priority = "p1"


@dataclass(frozen=True)
class Between:
    """The concepts a written count must lie between, where the library checks it, and what it does
    otherwise (asyncpg's init_size: from min_size to max_size, else ValueError).
    """

    low: str
    high: str
    effect: str
    priority: Priority = "p1"


@dataclass(frozen=True)
class Refused:
    """A knob the library refuses in this construction with any value but ``accepted`` (Django's
    CONN_MAX_AGE beside OPTIONS["pool"]): an error PC007 reports, and cards write ``accepted``.
    """

    accepted: Value
    code: str  # the accepted value as code: "0"
    effect: str  # what the library does with another value
    instead: str  # what bounds the concept in this construction, as advice


@dataclass(frozen=True)
class Parameter:
    """A setter, constructor or struct field as the library declares it, for checking proposed code:
    ``max_size`` (a builder method), ``PoolConfig::new`` (a function), ``Timeouts.wait`` (a field),
    ``create_pool#0`` (a positional argument of a method). ``kind`` is the declared Rust type.
    """

    name: str
    kind: str  # "u32", "usize", "bool", "Duration", "Option<Duration>", "impl Into<Option<Duration>>"


@dataclass(frozen=True)
class Requirement:
    """Parameters that need another one: any of ``when`` given a value (not ``None``) needs ``needs``,
    written as ``code`` (deadpool: a timeout needs a runtime).
    """

    when: tuple[str, ...]
    needs: str
    code: str
    reason: str


@dataclass(frozen=True)
class Shared:
    """One value that bounds more than the knob's concept (aiopg's ``timeout`` is also every query's),
    so a value sized for the concept alone breaks the rest: rules and cards never propose one.
    """

    bounds: str  # what else it bounds: "opening each connection and every query on them, by default"
    instead: str  # how to bound the concept alone, as advice with code: "... `asyncio.timeout(5)` ..."


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
    shared: Shared | None = None  # the value also bounds something else
    zero: Zero | None = None  # what a written zero does, where it is not "fails every time"
    above_max: Zero | None = None  # what a minimum above the maximum does, where the library checks it
    between: Between | None = None  # the bounds a written count must keep, where the library checks them
    refused: Refused | None = None  # only one value is accepted in this construction

    def refuses(self, setting: Setting) -> bool:
        """Is the written value one the library refuses? Unknown (dynamic) values are not judged."""
        if self.refused is None or setting.source == "dynamic":
            return False
        return setting.source == "disabled" or setting.value != self.refused.accepted


@dataclass(frozen=True)
class Era:
    """Facts of a range of a library's versions that differ from the table's (the latest release's).

    ``since`` is the first version they hold for (None: every earlier one), ``before`` the first
    they no longer hold for (None: through the latest). A range removes or replaces, never adds:
    the front ends read the whole table, so every version's knob names stay in it.
    """

    since: str | None = None
    before: str | None = None
    without: tuple[str, ...] = ()  # knobs (and API names) these versions do not have
    defaults: Mapping[str, Default | None] = field(default_factory=dict)  # replaced; None: no such concept
    notes: Mapping[str, str] = field(default_factory=dict)  # what a concept's knob means here
    idle_keeps_min: bool | None = None
    remarks: tuple[str, ...] | None = None  # replace the table's
    unpooled: Mapping[str, str] | None = None  # replace the table's

    def holds_for(self, version: Release) -> bool:
        low = release(self.since) if self.since else None
        high = release(self.before) if self.before else None
        return (low is None or version >= low) and (high is None or version < high)

    def applied(self, table: Library) -> Library:
        replaced = {**table.defaults, **self.defaults}
        defaults = {concept: d for concept, d in replaced.items() if d is not None}
        return replace(
            table,
            knobs=tuple(knob for knob in table.knobs if knob.name not in self.without),
            api=tuple(parameter for parameter in table.api if parameter.name not in self.without),
            defaults=defaults,
            fallbacks={concept: other for concept, other in table.fallbacks.items() if concept in defaults},
            notes={
                concept: note
                for concept, note in {**table.notes, **self.notes}.items()
                if concept in defaults
            },
            idle_keeps_min=table.idle_keeps_min if self.idle_keeps_min is None else self.idle_keeps_min,
            remarks=table.remarks if self.remarks is None else self.remarks,
            unpooled=table.unpooled if self.unpooled is None else self.unpooled,
        )


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
    # Tables that differ by database, by database name (sea-orm: SQLite's max_connections is 1).
    databases: Mapping[str, Library] = field(default_factory=dict)
    # The idle timeout closes connections only down to min_connections (r2d2, bb8, sqlx).
    idle_keeps_min: bool = False
    # The setters, functions and fields proposed code may use, and what they need (Rust).
    api: tuple[Parameter, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    # The release whose facts the table states, and the ranges of earlier ones that differ.
    latest: str = ""
    eras: tuple[Era, ...] = ()
    # What a concept's knob means, where the name does not say it (asyncpg's min_size), for cards.
    notes: Mapping[str, str] = field(default_factory=dict)
    remarks: tuple[str, ...] = ()  # other facts of the version a card says (psycopg_pool's `open`)
    # Databases the library gives no sized pool when no pool class is written, with the class it
    # picks instead, by database (SQLAlchemy before 2.0: a SQLite file gets NullPool).
    unpooled: Mapping[str, str] = field(default_factory=dict)

    def at(self, version: LibraryVersion | str | None) -> Library:
        """The table for one version of the library: the latest release's facts when it is None."""
        if isinstance(version, LibraryVersion):
            version = version.version
        parts = release(version) if version else None
        if parts is None or not self._versioned():
            return self
        table = self
        for era in self.eras:
            if era.holds_for(parts):
                table = era.applied(table)
        return replace(
            table,
            eras=(),
            variants={entry: variant.at(version) for entry, variant in self.variants.items()},
            databases={database: other.at(version) for database, other in self.databases.items()},
        )

    def _versioned(self) -> bool:
        return bool(self.eras) or any(
            other._versioned() for other in (*self.variants.values(), *self.databases.values())
        )

    def for_entry(self, entry: str, database: str = "") -> Library:
        """The table that applies to one constructor of the library, over one database."""
        return self.variants.get(entry) or self.databases.get(database) or self

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.api if p.name == name), None)

    def knob(self, name: str) -> Knob | None:
        return self._knobs_by_name.get(name)

    def has(self, concept: str) -> bool:
        return concept in self.defaults

    def knob_name(self, concept: str) -> str:
        """How the library spells a concept: the highest-ranked knob that sets it."""
        return self._knob_names.get(concept, concept)

    # The rules ask for knobs by name and concept many times per pool: indexed once per table.
    @cached_property
    def _knobs_by_name(self) -> dict[str, Knob]:
        return {knob.name: knob for knob in reversed(self.knobs)}  # the first of a name wins

    @cached_property
    def _knob_names(self) -> dict[str, str]:
        ranked: dict[str, Knob] = {}
        for knob in self.knobs:  # of equal ranks the first wins
            if knob.concept not in ranked or knob.rank > ranked[knob.concept].rank:
                ranked[knob.concept] = knob
        return {concept: knob.name for concept, knob in ranked.items()}
