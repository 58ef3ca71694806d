"""PC011 pool-unbounded."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.describe import described
from poolcheck.model import Pool
from poolcheck.rule import CardText, Example, Options, Rule, Violation


def check(pool: Pool, options: Options) -> Iterator[Violation]:
    setting = pool.settings.get("max_connections")
    if setting is None or not setting.unbounded:
        return
    yield Violation(
        f"max_connections is {described('max_connections', setting, pool.site.library)}: the pool "
        "opens a new connection for every concurrent request, so a traffic spike becomes a "
        "connection storm that exhausts the server's slots for every service",
        "p2",
        "max_connections",
    )


RULE = Rule(
    id="PC011",
    name="pool-unbounded",
    priority="p2",
    tags=("reliability", "database", "connection-pool"),
    summary="Checks that a pool has an upper bound on its connections.",
    why=(
        "A pool without a maximum (SQLAlchemy max_overflow=-1 or pool_size=0, "
        "psycopg_pool's NullConnectionPool without max_size) never makes a request wait: "
        "under load it keeps opening connections until the database refuses them, and then "
        "every service sharing that server fails, not only the one that spiked."
    ),
    check=check,
    concept="max_connections",
    recommended_by="min-max-connections",
    card=CardText(
        title="{pool} is unbounded: a traffic spike opens connections without limit",
        slug="pool-unbounded",
        problem=(
            "A pool without a maximum never makes a request wait: under load it keeps opening "
            "connections until the database refuses them, and then every service sharing that "
            "server fails, not only the one that spiked."
        ),
        acceptance="Pool bounded: maximum pool size set to {value} ({code})",
        verification=(
            "A load test beyond the pool's maximum shows requests waiting for a pooled connection "
            "while this pool never holds more than {value} server connections"
        ),
    ),
    fix="Give the pool a finite maximum sized for the service and the server's max_connections.",
    examples=(
        Example(
            library="sqlalchemy",
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=20, max_overflow=-1, pool_timeout=5)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_timeout=5)
""",
        ),
        Example(
            library="sqlalchemy",
            bad="""
import sqlalchemy as sa

engine = sa.create_engine(DATABASE_URL, pool_size=0)
""",
            good="""
import sqlalchemy as sa

engine = sa.create_engine(DATABASE_URL, pool_size=40)
""",
        ),
        Example(
            library="psycopg_pool",
            bad="""
from psycopg_pool import NullConnectionPool

pool = NullConnectionPool(conninfo, timeout=5)
""",
            good="""
from psycopg_pool import NullConnectionPool

pool = NullConnectionPool(conninfo, max_size=50, timeout=5)
""",
        ),
        Example(
            library="aiopg",
            bad="""
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn, maxsize=0)
""",
            good="""
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn, maxsize=50)
""",
        ),
    ),
)
