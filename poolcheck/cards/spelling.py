"""How a library spells a recommended setting: which knob (or knobs, for a sum) and where it is written.

The knob names come from the library tables; the few choices a table cannot make
(which of two names a constructor uses, what "on" is for a callback) are data here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from poolcheck.cards.recommend import Target, library_of
from poolcheck.libraries.deadpool import RECYCLING_CODE, RECYCLING_PLACE
from poolcheck.libraries.table import Library, Unit
from poolcheck.model import Pool, Setting
from poolcheck.rule import amount

# Where a library has two names for one concept: the one a constructor's own signature uses.
PREFERRED_KNOBS: dict[str, dict[str, str]] = {
    "sqlalchemy.pool.QueuePool": {
        "acquire_timeout": "timeout",
        "max_lifetime": "recycle",
        "health_check": "pre_ping",
    },
    # deadpool's PoolConfig spells the timeouts as Timeouts fields.
    "Config::create_pool": {"acquire_timeout": "wait", "connect_timeout": "create"},
}

# What turns a callback-style health check on, by library; {constructor} is the call as written.
HEALTH_CHECK_CALLBACKS: dict[str, str] = {"psycopg_pool": "{constructor}.check_connection"}


@dataclass(frozen=True)
class Writing:
    """How a construction takes a new value: whether a missing knob can be added to it (a builder
    method, a keyword argument) or only named for the reader (a struct, a settings dict), and which
    knobs take an ``Option`` (Rust) so the value is wrapped in ``Some(..)``.
    """

    adds: bool = True
    optional: frozenset[str] = frozenset()
    size_type: str = "u32"  # Rust: the integer type the maximum takes
    flags: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # a flag knob's on and off code
    # Knobs set on another value than the construction, and where: "{code}" is the new value.
    elsewhere: Mapping[str, str] = field(default_factory=dict)


BB8_OPTIONAL = frozenset({"min_idle", "max_lifetime", "idle_timeout"})
DEADPOOL_OPTIONAL = frozenset(
    {"wait_timeout", "create_timeout", "recycle_timeout", "wait", "create", "recycle"}
)
WRITING: dict[str, Writing] = {
    "bb8": Writing(optional=BB8_OPTIONAL),
    "r2d2": Writing(optional=BB8_OPTIONAL),
    "deadpool": Writing(
        optional=DEADPOOL_OPTIONAL, size_type="usize", flags=RECYCLING_CODE, elsewhere=RECYCLING_PLACE
    ),
    "django": Writing(adds=False),  # a DATABASES entry, not a call
}
# Constructors of a library that differ from its usual form, by entry.
ENTRY_WRITING: dict[str, Writing] = {
    "Config::create_pool": Writing(
        adds=False,
        optional=DEADPOOL_OPTIONAL,
        size_type="usize",
        flags=RECYCLING_CODE,
        elsewhere=RECYCLING_PLACE,
    ),  # deadpool's PoolConfig struct
}


def writing(pool: Pool) -> Writing:
    return ENTRY_WRITING.get(pool.site.entry) or WRITING.get(pool.site.library, Writing())


@dataclass(frozen=True)
class Assignment:
    """One knob to set to one value, and where the construction already writes it."""

    knob: str
    concept: str
    unit: Unit
    value: int | float | bool
    written: tuple[Setting, ...] = ()  # empty: the knob is not written, so it is added


def assignments(pool: Pool, target: Target) -> tuple[Assignment, ...]:
    """The knobs that give ``target`` its value; a summed concept is split over its terms."""
    library = library_of(pool)
    terms = library.sums.get(target.concept)
    if terms and isinstance(target.value, int):
        return _split(pool, library, target, terms)
    name = knob_for(pool, library, target.concept)
    knob = library.knob(name)
    unit: Unit = knob.unit if knob else "count"
    return (Assignment(name, target.concept, unit, target.value, _written(pool, name)),)


def knob_for(pool: Pool, library: Library, concept: str) -> str:
    """The knob already written for ``concept``, else the constructor's own name, else the library's."""
    written = [name for name, _ in pool.site.knobs if _concept(library, name) == concept]
    if written:
        return written[-1]
    preferred = PREFERRED_KNOBS.get(pool.site.entry, {}).get(concept)
    if preferred and library.knob(preferred):
        return preferred
    return library.knob_name(concept)


def callback_on(pool: Pool) -> str | None:
    template = HEALTH_CHECK_CALLBACKS.get(pool.site.library)
    return template.format(constructor=pool.site.constructor) if template else None


def _split(pool: Pool, library: Library, target: Target, terms: tuple[str, ...]) -> tuple[Assignment, ...]:
    """pool_size + max_overflow = total: the burst terms keep a sane written value or their default,
    the first term takes the rest.
    """
    total = int(target.value)
    setting = pool.settings.get(target.concept)
    parts = dict(setting.parts) if setting else {}
    rest = []
    for name in terms[1:]:
        knob = library.knob(name)
        written = amount(parts.get(name)) if parts.get(name, Setting(None, "default")).written else None
        default = knob.part_default.value if knob and knob.part_default else 0
        keep = written if written is not None and 0 < written < total else default
        rest.append(int(keep) if isinstance(keep, (int, float)) and not isinstance(keep, bool) else 0)
    if sum(rest) >= total:
        rest = [0 for _ in rest]
    values = [total - sum(rest), *rest]
    return tuple(
        Assignment(name, target.concept, "count", value, _written(pool, name))
        for name, value in zip(terms, values, strict=True)
    )


def _concept(library: Library, name: str) -> str | None:
    knob = library.knob(name)
    return knob.concept if knob else None


def _written(pool: Pool, name: str) -> tuple[Setting, ...]:
    return tuple(setting for knob, setting in pool.site.knobs if knob == name)
