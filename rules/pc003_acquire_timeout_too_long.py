"""PC003 acquire-timeout-too-long."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.describe import described, quantity
from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, RuleOption, Violation, amount


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    setting = pool.settings.get("acquire_timeout")
    seconds = amount(setting)
    limit = options["max-acquire-timeout"]
    if setting is None or not setting.written or seconds is None or seconds <= limit:
        return
    table = library_for(pool.site)
    knob = table.knob(table.knob_name("acquire_timeout"))
    if knob is not None and knob.shared is not None:
        return  # it also bounds queries (aiopg): a long value there is a query budget, not a wait
    yield Violation(
        f"acquire timeout is {described('acquire_timeout', setting, pool.site.library)}: "
        f"an exhausted pool keeps requests hanging that long before they fail; "
        f"keep it at or below {quantity('acquire_timeout', limit)}",
        "p3",
        "acquire_timeout",
    )


RULE = Rule(
    id="PC003",
    name="acquire-timeout-too-long",
    priority="p3",
    tags=("reliability", "database", "connection-pool"),
    summary="Checks that a written acquire timeout is no longer than `max-acquire-timeout`.",
    why=(
        "A long acquire timeout hides pool exhaustion: requests hang until the caller's own "
        "deadline (load balancer, client) expires first, so the service burns resources on "
        "work nobody waits for and errors surface as upstream timeouts instead of a clear "
        "'pool exhausted' error."
    ),
    check=check,
    concept="acquire_timeout",
    recommended_by="recommended-acquire-timeout",
    card=CardText(
        title="{pool} waits too long for a connection (acquire timeout {current})",
        slug="acquire-timeout-too-long",
        problem=(
            "A long acquire timeout hides pool exhaustion: requests hang until a caller's own "
            "deadline expires first, so the service spends resources on work nobody waits for and "
            "the failure shows up as upstream timeouts rather than a clear pool-exhausted error."
        ),
        acceptance="Acquire timeout lowered to {value} ({code}), below the callers' deadlines",
        verification=(
            "A test that holds every pooled connection shows the next acquire failing after about "
            "{value}, and the service answers it with a retryable error (e.g. HTTP 503)"
        ),
    ),
    fix="Lower the acquire timeout below the callers' deadlines, to `max-acquire-timeout` or less.",
    options=(RuleOption("max-acquire-timeout", 10, "the longest acquire timeout accepted, in seconds"),),
    examples=(
        Example(
            library="sqlx",
            bad="""
const ACQUIRE_SECS: u64 = 60;

async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .acquire_timeout(Duration::from_secs(ACQUIRE_SECS))
        .connect(url)
        .await
}
""",
            good="""
const ACQUIRE_SECS: u64 = 5;

async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(50)
        .acquire_timeout(Duration::from_secs(ACQUIRE_SECS))
        .connect(url)
        .await
}
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_timeout=60)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_timeout=5)
""",
        ),
        Example(
            library="psycopg_pool",
            bad="""
import os

from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, max_size=50, timeout=float(os.getenv("DB_POOL_TIMEOUT", "120")))
""",
            good="""
import os

from psycopg_pool import ConnectionPool

pool = ConnectionPool(conninfo, max_size=50, timeout=float(os.getenv("DB_POOL_TIMEOUT", "5")))
""",
        ),
        Example(
            library="r2d2",
            bad="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).connection_timeout(Duration::from_secs(30)).build(manager).expect("pool")
}
""",
            good="""
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager};

fn pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = ConnectionManager::<PgConnection>::new(url);
    r2d2::Pool::builder().max_size(50).connection_timeout(Duration::from_secs(3)).build(manager).expect("pool")
}
""",
        ),
    ),
)
