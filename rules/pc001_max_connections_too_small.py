"""PC001 max-connections-too-small."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.capacity.load import declared_load
from poolcheck.describe import described
from poolcheck.model import Ceiling, Pool
from poolcheck.rule import CardText, Example, Options, Rule, RuleOption, Violation, amount


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    setting = pool.settings.get("max_connections")
    size = amount(setting)
    if setting is None or size is None or size <= 0:
        return  # dynamic, unlimited, CPU-dependent, or invalid (PC007)
    minimum, because = required_size(pool, options)
    if size < minimum:
        yield Violation(
            f"max_connections is {described('max_connections', setting, pool.site.library)}: "
            f"{because or f'under load, requests queue for one of {size:g} connections and time out'}; "
            f"{_advice(pool.ceiling, size, minimum)}",
            "p2",
            "max_connections",
        )


def required_size(pool: Pool, options: Options) -> tuple[int, str | None]:
    """The size the pool needs: from its declared load when there is one, else the configured floor;
    and, for a load, the reasoning."""
    load = declared_load(options)
    if load is None:
        return int(options["min-max-connections"]), None
    pools = pool.ceiling.per_process if pool.ceiling is not None else 1
    needed = load.needed(pools)
    rate = load.per_pool(pools)
    share = f" ({load.requests_per_second:g} over {pools} pools)" if pools > 1 else ""
    return needed, (
        f"at the declared peak of {rate:g} requests a second{share}, each holding a connection "
        f"{load.hold * 1000:g} ms, {rate * load.hold:.3g} connections are busy on average and "
        f"{needed} keep the mean acquire wait within {load.acceptable_wait * 1000:g} ms (Erlang C)"
    )


def _advice(ceiling: Ceiling | None, size: float, minimum: int) -> str:
    """Raise it to the floor, or as far as the budgets it counts in allow, with the ways past them."""
    if ceiling is None or ceiling.connections >= minimum:
        return f"raise it to at least {minimum}"
    limit = "PgBouncer's max_client_conn" if ceiling.bouncer else "the server's max_connections"
    reserved = f"{ceiling.reserved} reserved + " if ceiling.reserved else ""
    if ceiling.in_use:
        reserved += f"{ceiling.in_use} in use by other clients at the time of the run + "
    needed = (
        f"{minimum} needs {limit} of {ceiling.limit_for(minimum)} ({reserved}{ceiling.others} for the "
        f"other pools + {minimum} x {ceiling.per_process}): raise it"
    )
    ways = f"{needed}, run fewer replicas or processes" + (
        "" if ceiling.bouncer else ", or put PgBouncer in front"
    )
    budget = f"{ceiling.where} ({ceiling.available} available)"
    if ceiling.connections > size:
        return f"raise it to {ceiling.connections}, the most that fits {budget}; {ways}"
    return f"it cannot grow within {budget}; {ways}"


RULE = Rule(
    id="PC001",
    sizing=True,
    name="max-connections-too-small",
    priority="p2",
    tags=("performance", "database", "connection-pool"),
    summary=(
        "Checks that a pool's effective maximum size is at least `min-max-connections`, or the size "
        "its declared load needs ([load]), and says how far it can grow within the server's budget."
    ),
    why=(
        "Every request that needs the database holds a connection while its queries run. "
        "When more requests are in flight than the pool has connections, the rest wait in "
        "the acquire queue: latency climbs, acquire timeouts fire, and a burst of traffic "
        "turns into errors although the database itself is idle. Library defaults (sqlx "
        "and bb8: 10) are sized for development, not for production traffic."
    ),
    check=check,
    concept="max_connections",
    recommended_by="min-max-connections",
    card=CardText(
        title="{pool} too small for production ({current} connections)",
        slug="pool-too-small",
        problem=(
            "Under production load more requests need a connection at once than the pool holds: the "
            "rest wait in the acquire queue, latency climbs, and acquire timeouts turn a traffic burst "
            "into errors while the database itself has capacity to spare."
        ),
        acceptance="Maximum pool size raised to {value} ({code})",
        verification=(
            "A load test at twice the expected peak concurrency completes without pool-exhaustion "
            "errors or acquire timeouts"
        ),
    ),
    fix=(
        "Size the pool for the service's concurrency, at least `min-max-connections`, "
        "and keep the sum over all services and replicas below the server's "
        "max_connections (PC010)."
    ),
    options=(
        RuleOption("min-max-connections", 50, "the smallest maximum pool size accepted in production"),
        RuleOption(
            "load-requests-per-second",
            0,
            "the service's peak requests per second, over all its replicas and processes ([load]); "
            "with load-hold-ms, the pool's size comes from the load (docs/load-model.md), not the floor",
        ),
        RuleOption("load-hold-ms", 0, "how long a request holds its connection, in milliseconds ([load])"),
        RuleOption("load-acceptable-wait-ms", 5, "the mean acquire wait accepted at that load ([load])"),
    ),
    examples=(
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(10).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .min_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(600))
        .max_lifetime(Duration::from_secs(1800))
        .connect(url)
        .await
}
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10)
""",
        ),
        Example(
            library="asyncpg",
            bad="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn)
""",
            good="""
import asyncpg


async def connect(dsn):
    return await asyncpg.create_pool(dsn, min_size=10, max_size=50)
""",
        ),
        Example(
            library="psycopg_pool",
            bad="""
from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo)
""",
            good="""
from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, min_size=10, max_size=50)
""",
        ),
        Example(
            library="psycopg2",
            bad="""
from psycopg2 import pool

db_pool = pool.ThreadedConnectionPool(1, 20, dsn)
""",
            good="""
from psycopg2 import pool

db_pool = pool.ThreadedConnectionPool(10, 50, dsn)
""",
        ),
        Example(
            library="bb8",
            bad="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().build(manager).await.unwrap()
}
""",
            good="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).build(manager).await.unwrap()
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
    r2d2::Pool::new(manager).expect("pool")
}
""",
            good="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).build(manager).expect("pool")
}
""",
        ),
        Example(
            library="sea-orm",
            bad="""
use sea_orm::Database;

async fn connect(url: &str) -> DatabaseConnection {
    Database::connect(url).await.unwrap()
}
""",
            good="""
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

async fn connect(url: String) -> Result<DatabaseConnection, DbErr> {
    let mut opt = ConnectOptions::new(url);
    opt.max_connections(50);
    Database::connect(opt).await
}
""",
        ),
        Example(
            library="aiopg",
            bad="""
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn)
""",
            good="""
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn, maxsize=50)
""",
        ),
    ),
    references=(
        (
            "PostgreSQL wiki: Number Of Database Connections",
            "https://wiki.postgresql.org/wiki/Number_Of_Database_Connections",
        ),
        (
            "HikariCP: About Pool Sizing",
            "https://github.com/brettwooldridge/HikariCP/wiki/About-Pool-Sizing",
        ),
    ),
)
