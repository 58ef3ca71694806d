"""Python entry points that build a pool, by qualified name (LIBRARIES.md, per library).

Matching is on the qualified name libcst resolves through imports and aliases,
so a same-named function from anywhere else (redis, multiprocessing, a local
wrapper) never matches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    library: str
    name: str  # the canonical qualified name, shared by re-exports
    positional: tuple[str, ...]  # parameter names of the leading positional arguments
    database: str | None = None  # fixed by the library, else read from the URL argument
    url: str | None = None  # the parameter holding the URL
    config: str | None = None  # engine_from_config: the parameter holding the settings dict


def _entries(*entries: tuple[tuple[str, ...], Entry]) -> dict[str, Entry]:
    return {alias: entry for aliases, entry in entries for alias in aliases}


CREATE_ENGINE = Entry("sqlalchemy", "sqlalchemy.create_engine", ("url",), url="url")
CREATE_ASYNC_ENGINE = Entry("sqlalchemy", "sqlalchemy.ext.asyncio.create_async_engine", ("url",), url="url")
ENGINE_FROM_CONFIG = Entry(
    "sqlalchemy", "sqlalchemy.engine_from_config", ("configuration", "prefix"), config="configuration"
)
QUEUE_POOL = Entry(
    "sqlalchemy", "sqlalchemy.pool.QueuePool", ("creator", "pool_size", "max_overflow", "timeout")
)
ASYNCPG_CREATE_POOL = Entry("asyncpg", "asyncpg.create_pool", ("dsn",), database="postgres")
PSYCOPG_POOL = Entry("psycopg_pool", "psycopg_pool.ConnectionPool", ("conninfo",), database="postgres")
PSYCOPG_NULL_POOL = Entry(
    "psycopg_pool", "psycopg_pool.NullConnectionPool", ("conninfo",), database="postgres"
)
PSYCOPG2_POOL = Entry(
    "psycopg2", "psycopg2.pool.ThreadedConnectionPool", ("minconn", "maxconn"), database="postgres"
)

ENTRIES: dict[str, Entry] = _entries(
    (("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine"), CREATE_ENGINE),
    (
        ("sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine"),
        CREATE_ASYNC_ENGINE,
    ),
    (
        (
            "sqlalchemy.engine_from_config",
            "sqlalchemy.engine.engine_from_config",
            "sqlalchemy.ext.asyncio.async_engine_from_config",
            "sqlalchemy.ext.asyncio.engine.async_engine_from_config",
        ),
        ENGINE_FROM_CONFIG,
    ),
    (
        (
            "sqlalchemy.pool.QueuePool",
            "sqlalchemy.QueuePool",
            "sqlalchemy.pool.AsyncAdaptedQueuePool",
            "sqlalchemy.AsyncAdaptedQueuePool",
        ),
        QUEUE_POOL,
    ),
    (("asyncpg.create_pool", "asyncpg.pool.create_pool"), ASYNCPG_CREATE_POOL),
    (
        (
            "psycopg_pool.ConnectionPool",
            "psycopg_pool.AsyncConnectionPool",
            "psycopg_pool.pool.ConnectionPool",
            "psycopg_pool.pool_async.AsyncConnectionPool",
        ),
        PSYCOPG_POOL,
    ),
    (
        (
            "psycopg_pool.NullConnectionPool",
            "psycopg_pool.AsyncNullConnectionPool",
            "psycopg_pool.null_pool.NullConnectionPool",
            "psycopg_pool.null_pool_async.AsyncNullConnectionPool",
        ),
        PSYCOPG_NULL_POOL,
    ),
    (
        (
            "psycopg2.pool.SimpleConnectionPool",
            "psycopg2.pool.ThreadedConnectionPool",
            "psycopg2.pool.PersistentConnectionPool",
        ),
        PSYCOPG2_POOL,
    ),
)

# SQLAlchemy pool classes that keep no sized pool: an engine built with one gets no pool rules.
UNPOOLED_CLASSES = frozenset(
    {
        "sqlalchemy.pool.NullPool",
        "sqlalchemy.NullPool",
        "sqlalchemy.pool.StaticPool",
        "sqlalchemy.StaticPool",
        "sqlalchemy.pool.SingletonThreadPool",
        "sqlalchemy.SingletonThreadPool",
        "sqlalchemy.pool.AssertionPool",
        "sqlalchemy.AssertionPool",
    }
)

URL_SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}

# Every entry's last name segment: a file without one of these cannot build a pool.
TRIGGERS = tuple(sorted({name.rsplit(".", 1)[-1].encode() for name in ENTRIES}))
