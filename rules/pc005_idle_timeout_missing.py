"""PC005 idle-timeout-missing."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, RuleOption, Violation, amount

from ._expiry import missing_timer


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    if library_for(pool.site).idle_keeps_min and _never_shrinks(pool):
        return  # the pool refills to its floor, which is its maximum: no idle timeout closes anything
    yield from missing_timer(
        pool,
        "idle_timeout",
        "connections opened for a burst hold server slots and memory forever, and "
        "firewalls or NAT drop them silently so the next request gets a dead socket",
    )


def _never_shrinks(pool: Pool) -> bool:
    """The minimum is the maximum (r2d2's min_idle None, a fixed pool)."""
    low, high = amount(pool.settings.get("min_connections")), amount(pool.settings.get("max_connections"))
    return low is not None and high is not None and low >= high > 0


RULE = Rule(
    id="PC005",
    sizing=True,
    name="idle-timeout-missing",
    priority="p2",
    tags=("performance", "database", "connection-pool"),
    summary="Checks that a pool closes connections that stay idle beyond a deliberate timeout.",
    why=(
        "After a traffic burst the pool holds every connection it opened. Without an idle "
        "timeout they occupy server slots that other services need, and network middleboxes "
        "drop idle TCP sessions so the next checkout fails. An unbounded idle time is p2; a "
        "library default that applies unchosen is p3."
    ),
    check=check,
    concept="idle_timeout",
    recommended_by="recommended-idle-timeout",
    card=CardText(
        title="{pool} needs an explicit idle timeout (now {current})",
        slug="no-idle-timeout",
        problem=(
            "After a traffic burst the pool keeps every connection it opened: without a deliberate "
            "idle timeout they hold server slots and memory that other services need, and firewalls "
            "or NAT drop idle sessions so the next checkout gets a dead socket."
        ),
        acceptance="Idle timeout set to {value} ({code})",
        verification=(
            "After a burst, the pool's open connections fall back to its minimum within {value} "
            "(pool metrics or the server's session list)"
        ),
    ),
    options=(
        RuleOption("recommended-idle-timeout", 600, "the idle timeout issue cards recommend, in seconds"),
    ),
    fix="Set the idle timeout explicitly (10 min is common), shorter than firewall and proxy idle cut-offs.",
    examples=(
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(50).idle_timeout(None).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .idle_timeout(Duration::from_secs(600))
        .connect(url)
        .await
}
""",
        ),
        Example(
            library="asyncpg",
            bad="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, max_size=50, max_inactive_connection_lifetime=0)
""",
            good="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, max_size=50, max_inactive_connection_lifetime=300)
""",
        ),
        Example(
            library="psycopg_pool",
            bad="""
from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, min_size=10, max_size=50)
""",
            good="""
from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, min_size=10, max_size=50, max_idle=600)
""",
        ),
        Example(
            library="aiopg",
            bad="""
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn, maxsize=50)
""",
            good="""
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn, maxsize=50, pool_recycle=600)
""",
        ),
        Example(
            library="bb8",
            bad="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).idle_timeout(None).build(manager).await.unwrap()
}
""",
            good="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).idle_timeout(Some(Duration::from_secs(600))).build(manager).await.unwrap()
}
""",
        ),
        Example(
            library="r2d2",
            bad="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).min_idle(Some(5)).build(manager).expect("pool")
}
""",
            # min_idle None keeps r2d2 at max_size: an idle timeout could close nothing.
            good="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).build(manager).expect("pool")
}
""",
        ),
    ),
)
