"""PC004 max-lifetime-missing."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, RuleOption, Violation

from ._expiry import missing_timer


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    yield from missing_timer(
        pool,
        "max_lifetime",
        "connections live until they break, surviving failovers, DNS changes and "
        "credential rotation, and server-side memory grows with each session",
    )


RULE = Rule(
    id="PC004",
    name="max-lifetime-missing",
    priority="p2",
    tags=("reliability", "database", "connection-pool"),
    summary="Checks that a pool recycles connections after a deliberate maximum lifetime.",
    why=(
        "Long-lived connections accumulate server-side state (caches, prepared statements, "
        "memory), keep pointing at an old primary after a failover or DNS change, and are "
        "cut without notice by proxies and load balancers with their own limits. A maximum "
        "lifetime rotates them before that happens. Where the library has no default bound "
        "(SQLAlchemy's pool_recycle=-1) connections are never rotated at all (p2); where a "
        "default applies it should still be chosen, not inherited (p3)."
    ),
    check=check,
    concept="max_lifetime",
    recommended_by="recommended-max-lifetime",
    card=CardText(
        title="{pool} needs an explicit connection lifetime (now {current})",
        slug="no-max-lifetime",
        problem=(
            "Long-lived connections accumulate server-side state, keep pointing at an old primary "
            "after a failover or DNS change, and are cut without notice by proxies with limits of "
            "their own; a deliberate maximum lifetime rotates them before that happens."
        ),
        acceptance="Maximum connection lifetime set to {value} ({code})",
        verification=(
            "After a run longer than {value}, the server's session list (PostgreSQL: "
            "`pg_stat_activity.backend_start`) shows no connection of this pool older than {value}"
        ),
    ),
    options=(
        RuleOption(
            "recommended-max-lifetime", 1800, "the maximum lifetime issue cards recommend, in seconds"
        ),
    ),
    fix="Set the maximum lifetime explicitly, below any proxy or server idle cut-off (30 min is common).",
    examples=(
        Example(
            library="sqlx",
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .max_lifetime(None)
        .connect(url)
        .await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .max_lifetime(Some(Duration::from_secs(30 * 60)))
        .connect(url)
        .await
}
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_recycle=-1)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_recycle=1800)
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

pool = ConnectionPool(conninfo, min_size=10, max_size=50, max_lifetime=1800)
""",
        ),
        Example(
            library="bb8",
            bad="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).max_lifetime(None).build(manager).await.unwrap()
}
""",
            good="""
use bb8::Pool;
use bb8_postgres::PostgresConnectionManager;

async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
    let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    Pool::builder().max_size(50).max_lifetime(Some(Duration::from_secs(1800))).build(manager).await.unwrap()
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
    r2d2::Pool::builder().max_size(50).build(manager).expect("pool")
}
""",
            good="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).max_lifetime(Some(Duration::from_secs(1800))).build(manager).expect("pool")
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
    opt.max_connections(50).max_lifetime(Duration::from_secs(1800));
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
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
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
    ),
)
