"""PC002 acquire-timeout-missing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from poolcheck.describe import quantity
from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, RuleOption, Violation

if TYPE_CHECKING:
    from poolcheck.libraries.table import Library


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    setting = pool.settings.get("acquire_timeout")
    if setting is None or setting.source not in ("default", "disabled"):
        return  # the library has no pool-level acquire timeout, or one is written
    library = pool.site.library
    table = library_for(pool.site)
    knob = table.knob_name("acquire_timeout")
    if setting.value is None:
        wait = "waits forever" if setting.source == "disabled" else f"waits forever ({library} default)"
    else:
        wait = f"waits up to {quantity('acquire_timeout', setting.value)} ({library} default)"
    written_by = table.knob(knob)
    shared = written_by.shared if written_by is not None else None
    if shared is not None:  # a few seconds here would also cut what else the knob bounds
        yield Violation(
            f"no acquire timeout is set: when the pool is exhausted a request {wait} for a "
            f"connection, and {knob} also bounds {shared.bounds}, so a few seconds there makes "
            f"slower work fail; {shared.instead}",
            "p3",
            "acquire_timeout",
        )
        return
    yield Violation(
        f"no acquire timeout is set: when the pool is exhausted a request {wait} for a "
        f"connection instead of failing fast; set {knob} to a few seconds{_needed_with(table, knob)}",
        "p2",
        "acquire_timeout",
    )


def _needed_with(table: Library, knob: str) -> str:
    """What the library requires once the knob has a value, as words (deadpool: a runtime)."""
    for requirement in table.requirements:
        if knob in (name.rsplit(".", 1)[-1] for name in requirement.when):
            return f" ({requirement.reason})"
    return ""


RULE = Rule(
    id="PC002",
    name="acquire-timeout-missing",
    priority="p2",
    tags=("reliability", "database", "connection-pool"),
    summary="Checks that a pool whose library has an acquire timeout sets one explicitly.",
    why=(
        "When every connection is busy, the next request waits for one to be returned. "
        "Without a deliberate acquire timeout that wait is the library's default (30 s in "
        "sqlx, bb8 and SQLAlchemy; forever in deadpool), far longer than any caller waits: "
        "requests pile up, hold memory and sockets, and an overload becomes an outage "
        "instead of a few fast, retryable errors."
    ),
    check=check,
    concept="acquire_timeout",
    recommended_by="recommended-acquire-timeout",
    card=CardText(
        title="{pool} needs a fail-fast acquire timeout (now {current})",
        slug="no-acquire-timeout",
        problem=(
            "When every connection is busy the next request waits for one, and without a deliberate "
            "acquire timeout that wait is the library's, far longer than any caller waits: requests "
            "pile up holding memory and sockets, and an overload becomes an outage instead of a few "
            "fast, retryable errors."
        ),
        acceptance="Acquire timeout set to {value} ({code}) so an exhausted pool fails fast",
        verification=(
            "A test that holds every pooled connection shows the next acquire failing after about "
            "{value}, and the service answers it with a retryable error (e.g. HTTP 503)"
        ),
    ),
    options=(
        RuleOption("recommended-acquire-timeout", 5, "the acquire timeout issue cards recommend, in seconds"),
    ),
    fix="Set the acquire timeout to a few seconds (5 s is common) and handle the timeout error.",
    examples=(
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(50).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
}
""",
        ),
        Example(
            library="sqlx",  # before 0.6 the same knob was called connect_timeout
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPool::connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().connect_timeout(Duration::from_secs(5)).connect(url).await
}
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(DATABASE_URL, pool_size=40, max_overflow=10)
""",
            good="""
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_timeout=5)
""",
        ),
        Example(
            library="psycopg_pool",
            bad="""
from psycopg_pool import AsyncConnectionPool

pool = AsyncConnectionPool(conninfo, min_size=10, max_size=50, open=False)
""",
            good="""
from psycopg_pool import AsyncConnectionPool

pool = AsyncConnectionPool(conninfo, min_size=10, max_size=50, timeout=5, open=False)
""",
        ),
        Example(
            library="deadpool",
            bad="""
use deadpool_postgres::{Config, PoolConfig, Runtime};

fn pool() -> deadpool_postgres::Pool {
    let mut cfg = Config::new();
    cfg.dbname = Some("shop".to_string());
    cfg.pool = Some(PoolConfig::new(50));
    cfg.create_pool(Some(Runtime::Tokio1), NoTls).expect("pool")
}
""",
            good="""
use deadpool_postgres::{Config, PoolConfig, Runtime, Timeouts};

fn pool() -> deadpool_postgres::Pool {
    let mut cfg = Config::new();
    cfg.dbname = Some("shop".to_string());
    cfg.pool = Some(PoolConfig {
        max_size: 50,
        timeouts: Timeouts { wait: Some(Duration::from_secs(5)), ..Default::default() },
        ..Default::default()
    });
    cfg.create_pool(Some(Runtime::Tokio1), NoTls).expect("pool")
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
    Pool::builder().max_size(50).build(manager).await.unwrap()
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
        Example(
            library="sea-orm",
            bad="""
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

async fn connect(url: String) -> Result<DatabaseConnection, DbErr> {
    let mut opt = ConnectOptions::new(url);
    opt.max_connections(50);
    Database::connect(opt).await
}
""",
            good="""
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

async fn connect(url: String) -> Result<DatabaseConnection, DbErr> {
    let mut opt = ConnectOptions::new(url);
    opt.max_connections(50).acquire_timeout(Duration::from_secs(5));
    Database::connect(opt).await
}
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
    return await aiopg.create_pool(dsn, maxsize=50, timeout=60)  # also every query's timeout
""",
        ),
    ),
    references=(
        (
            "sqlx PoolOptions::acquire_timeout",
            "https://docs.rs/sqlx/latest/sqlx/pool/struct.PoolOptions.html#method.acquire_timeout",
        ),
    ),
)
