"""PC007 invalid-pool-bounds."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.describe import described
from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, Violation, amount


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    library = pool.site.library
    table = library_for(pool.site)
    settings = pool.settings
    for concept in sorted(settings):
        setting = settings[concept]
        value = amount(setting)
        knob = table.knob(setting.knob or "") or table.knob(table.knob_name(concept))
        unit = knob.unit if knob else None
        if value is None or not setting.written or setting.via or unit not in ("count", "seconds"):
            continue
        if knob is not None and knob.refused is not None:
            continue  # one value only is accepted here: _refused judges it
        # What a zero really does in this library (a panic, a non-blocking try) is table data.
        zero = knob.zero if knob and value == 0 else None
        if zero is not None:
            effect, priority = zero.effect, zero.priority
        elif concept == "max_connections" and value == 0:
            effect, priority = "no connection can ever be acquired", "p1"
        elif unit == "count" and value < 0:
            effect, priority = "a count cannot be negative", "p1"
        elif unit == "seconds" and value <= 0:
            effect, priority = "a zero or negative timeout fails or expires every time", "p1"
        else:
            continue  # most settings: no words to make
        yield Violation(f"{concept} is {described(concept, setting, library)}: {effect}", priority, concept)
    yield from _outside_bounds(pool)
    yield from _refused(pool)
    low, high = settings.get("min_connections"), settings.get("max_connections")
    minimum, maximum = amount(low), amount(high)
    if low and high and minimum is not None and maximum is not None and 0 < maximum < minimum:
        floor = table.knob(low.knob or "")
        effect = (
            floor.above_max.effect
            if floor and floor.above_max
            else "the pool cannot keep the floor it is asked for"
        )
        yield Violation(
            f"min_connections {described('min_connections', low, library)} is above "
            f"max_connections {described('max_connections', high, library)}: {effect}",
            "p1",
            "min_connections" if low.written else "max_connections",
        )


def _outside_bounds(pool: Pool) -> Iterator[Violation]:
    """A written count the library requires between two others (asyncpg's init_size) outside them."""
    from poolcheck.libraries import library_for

    library = pool.site.library
    table = library_for(pool.site)
    for concept, setting in sorted(pool.settings.items()):
        knob = table.knob(setting.knob or "") or table.knob(table.knob_name(concept))
        value = amount(setting)
        if knob is None or knob.between is None or value is None or not setting.written or setting.via:
            continue
        for name, side in ((knob.between.low, "below"), (knob.between.high, "above")):
            bound = pool.settings.get(name)
            limit = amount(bound)
            if bound is None or limit is None or not (value < limit if side == "below" else value > limit):
                continue
            yield Violation(
                f"{concept} is {described(concept, setting, library)}, {side} {name} "
                f"{described(name, bound, library)}: {knob.between.effect}",
                knob.between.priority,
                concept,
            )


def _refused(pool: Pool) -> Iterator[Violation]:
    """A value the library refuses in this construction (Django's CONN_MAX_AGE beside a pool)."""
    from poolcheck.libraries import library_for

    table = library_for(pool.site)
    for knob in table.knobs:
        setting = pool.settings.get(knob.concept)
        if knob.refused is None or setting is None or not knob.refuses(setting):
            continue
        shown = described(knob.concept, setting, pool.site.library)
        yield Violation(
            f"{knob.name} is {shown}: {knob.refused.effect}; {knob.refused.instead}", "p1", knob.concept
        )


RULE = Rule(
    id="PC007",
    name="invalid-pool-bounds",
    priority="p1",
    tags=("correctness", "database", "connection-pool"),
    summary=(
        "Checks that counts and timeouts are possible: max above zero, min not above max, timeouts positive."
    ),
    why=(
        "A maximum of zero, a negative count, a minimum above the maximum or a zero timeout "
        "is rarely what was meant: depending on the library it panics at start-up (bb8 and r2d2 "
        "assert positive values), is silently clamped, or makes every acquire fail (sqlx times out "
        "each one). The message says what the library does with it; where a zero only turns "
        "waiting off (deadpool's wait: a non-blocking try) it is p3."
    ),
    check=check,
    card=CardText(
        title="{pool} has an impossible {setting} ({current})",
        slug="invalid-pool-bounds",
        problem=(
            "A maximum of zero, a negative count, a minimum above the maximum or a zero timeout is "
            "never what was meant: depending on the library it panics at start-up, is silently "
            "clamped, or makes every acquire fail, so the configuration in the code is not the one "
            "that runs."
        ),
        acceptance="Invalid {setting} corrected to {value} ({code})",
        verification=(
            "The service starts against a test database and acquires a connection with the corrected bounds"
        ),
    ),
    fix="Use a positive maximum, a minimum no larger than it, and positive timeouts.",
    exempt_pools_too=True,
    examples=(
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    SqlitePoolOptions::new().max_connections(0).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    SqlitePoolOptions::new().max_connections(1).connect(url).await
}
""",
        ),
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(5).min_connections(20).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(50).min_connections(20).connect(url).await
}
""",
        ),
        Example(
            library="psycopg2",
            bad="""
from psycopg2.pool import ThreadedConnectionPool

db_pool = ThreadedConnectionPool(20, 5, dsn)
""",
            good="""
from psycopg2.pool import ThreadedConnectionPool

db_pool = ThreadedConnectionPool(5, 20, dsn)
""",
        ),
        Example(
            library="asyncpg",
            bad="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, min_size=20)
""",
            good="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, min_size=10)
""",
        ),
        Example(
            library="asyncpg",
            bad="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, min_size=5, max_size=60, init_size=80)
""",
            good="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, min_size=5, max_size=60, init_size=20)
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_timeout=0)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_timeout=5)
""",
        ),
        Example(
            library="r2d2",
            bad="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(5).min_idle(Some(20)).build(manager).expect("pool")
}
""",
            good="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).min_idle(Some(20)).build(manager).expect("pool")
}
""",
        ),
        Example(
            library="bb8",
            bad="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).connection_timeout(Duration::ZERO).build(manager).await.unwrap()
}
""",
            good="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).connection_timeout(Duration::from_secs(5)).build(manager).await.unwrap()
}
""",
        ),
    ),
)
