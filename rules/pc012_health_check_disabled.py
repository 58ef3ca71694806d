"""PC012 health-check-disabled."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.describe import described
from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, Violation


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    setting = pool.settings.get("health_check")
    if setting is None or setting.value is not False:
        return
    library = pool.site.library
    yield Violation(
        f"{library_for(pool.site).knob_name('health_check')} is "
        f"{described('health_check', setting, library)}: a connection broken by a database "
        "restart, failover or network cut is handed out and the request's first query fails",
        "p3",
        "health_check",
    )


RULE = Rule(
    id="PC012",
    name="health-check-disabled",
    priority="p3",
    tags=("reliability", "database", "connection-pool"),
    summary="Checks that connections are tested before they are handed out.",
    why=(
        "Pooled connections die quietly: the server restarts, a failover moves the primary, a "
        "proxy drops an idle session. Without a check on checkout the pool hands such a "
        "connection to a request, whose first query fails. The check costs one round trip "
        "and turns those failures into a silent reconnect."
    ),
    check=check,
    concept="health_check",
    card=CardText(
        title="{pool} hands out connections without a health check",
        slug="no-health-check",
        problem=(
            "Pooled connections die quietly when the server restarts, a failover moves the primary "
            "or a proxy drops an idle session; without a check on checkout the pool hands such a "
            "connection to a request, whose first query fails."
        ),
        acceptance="Checkout health check enabled ({code})",
        verification=(
            "Restarting the database during a test run causes no failed requests once it is back: "
            "broken connections are replaced on checkout"
        ),
    ),
    fix=(
        "Enable the library's checkout test: sqlx test_before_acquire(true), SQLAlchemy "
        "pool_pre_ping=True, psycopg_pool check=ConnectionPool.check_connection, deadpool "
        "ManagerConfig { recycling_method: RecyclingMethod::Verified }."
    ),
    examples=(
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(50).test_before_acquire(false).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(50).test_before_acquire(true).connect(url).await
}
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_pre_ping=True)
""",
        ),
        Example(
            library="psycopg_pool",
            bad="""
from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, max_size=50)
""",
            good="""
from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, max_size=50, check=ConnectionPool.check_connection)
""",
        ),
        Example(
            library="bb8",
            bad="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).test_on_check_out(false).build(manager).await.unwrap()
}
""",
            good="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).test_on_check_out(true).build(manager).await.unwrap()
}
""",
        ),
        Example(
            library="sea-orm",
            bad="""
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

async fn connect(url: String) -> Result<DatabaseConnection, DbErr> {
    let mut opt = ConnectOptions::new(url);
    opt.max_connections(50).test_before_acquire(false);
    Database::connect(opt).await
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
            library="django",
            bad="""
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "CONN_MAX_AGE": 600,
    },
}
""",
            good="""
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    },
}
""",
        ),
        Example(
            library="deadpool",
            bad="""
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

fn pool(pg: tokio_postgres::Config) -> Pool {
    let config = ManagerConfig { recycling_method: RecyclingMethod::Fast };
    let manager = Manager::from_config(pg, NoTls, config);
    Pool::builder(manager).max_size(50).build().unwrap()
}
""",
            good="""
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

fn pool(pg: tokio_postgres::Config) -> Pool {
    let config = ManagerConfig { recycling_method: RecyclingMethod::Verified };
    let manager = Manager::from_config(pg, NoTls, config);
    Pool::builder(manager).max_size(50).build().unwrap()
}
""",
        ),
    ),
)
