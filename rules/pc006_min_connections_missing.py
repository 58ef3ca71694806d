"""PC006 min-connections-missing."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.describe import described
from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, RuleOption, Violation


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    setting = pool.settings.get("min_connections")
    if setting is None or setting.source != "default" or setting.value != 0:
        return
    library = pool.site.library
    yield Violation(
        f"{library_for(pool.site).knob_name('min_connections')} is "
        f"{described('min_connections', setting, library)}: no warm connections are kept, "
        "so the first requests after a quiet period pay for opening connections; keep a warm floor",
        "p3",
        "min_connections",
    )


RULE = Rule(
    id="PC006",
    sizing=True,
    name="min-connections-missing",
    priority="p3",
    tags=("performance", "database", "connection-pool"),
    summary="Checks that a pool whose library defaults to no idle floor keeps some warm connections.",
    why=(
        "With a minimum of 0 the pool empties when traffic stops, and every burst starts by "
        "opening connections: a TCP and TLS handshake plus authentication per connection, "
        "tens of milliseconds each, right when latency matters most."
    ),
    check=check,
    concept="min_connections",
    recommended_by="recommended-min-connections",
    card=CardText(
        title="{pool} keeps no warm connections (minimum {current})",
        slug="no-warm-connections",
        problem=(
            "With a minimum of 0 the pool empties when traffic stops, so every burst starts by "
            "opening connections, a TCP (and TLS) handshake plus authentication each, paid by the "
            "first requests right when latency matters."
        ),
        acceptance="Minimum pool size set to {value} ({code}) to keep warm connections",
        verification=(
            "After an idle period the pool still holds {value} open connections, and the first "
            "requests show no connection-setup latency"
        ),
    ),
    options=(RuleOption("recommended-min-connections", 10, "the warm minimum issue cards recommend"),),
    fix="Set the minimum to the steady-state concurrency (about a fifth of the maximum is a common start).",
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
    PgPoolOptions::new().max_connections(50).min_connections(10).connect(url).await
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
    Pool::builder().max_size(50).min_idle(Some(10)).build(manager).await.unwrap()
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
    opt.max_connections(50).min_connections(10);
    Database::connect(opt).await
}
""",
        ),
    ),
)
