"""Python entry points that build a pool, by qualified name (LIBRARIES.md, per library).

Matching is on the qualified name the front end resolves through imports and aliases,
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
    config: str | None = None  # the parameter holding a dict of the pool's keywords
    prefix: str = "sqlalchemy."  # the keys' prefix in that dict (engine_from_config's default)
    # Flask-SQLAlchemy reads its options from app.config when not passed: without them, nothing is known here.
    needs_config: bool = False


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
AIOPG_CREATE_POOL = Entry("aiopg", "aiopg.create_pool", ("dsn",), database="postgres")
FLASK_SQLALCHEMY = Entry(
    "sqlalchemy",
    "flask_sqlalchemy.SQLAlchemy",
    ("app",),
    config="engine_options",
    prefix="",
    needs_config=True,
)
# Settings rather than calls (see settings.py).
FLASK_OPTIONS = Entry("sqlalchemy", "flask_sqlalchemy.SQLALCHEMY_ENGINE_OPTIONS", (), prefix="")
DJANGO_DATABASE = Entry("django", "django.DATABASES", ())
DJANGO_POOL = Entry("psycopg_pool", "django.DATABASES.OPTIONS.pool", (), database="postgres")
PSYCOPG2_POOL = Entry(
    "psycopg2", "psycopg2.pool.ThreadedConnectionPool", ("minconn", "maxconn"), database="postgres"
)

# SQLModel re-exports SQLAlchemy's engine functions and pool classes (sqlmodel 0.0.50 __init__.py,
# sqlmodel/pool); 0.0.8 wrapped create_engine in sqlmodel/engine/create.py, passing the same keywords on.
ENTRIES: dict[str, Entry] = _entries(
    (
        (
            "sqlalchemy.create_engine",
            "sqlalchemy.engine.create_engine",
            "sqlmodel.create_engine",
            "sqlmodel.engine.create.create_engine",
        ),
        CREATE_ENGINE,
    ),
    (
        ("sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine"),
        CREATE_ASYNC_ENGINE,
    ),
    (
        (
            "sqlalchemy.engine_from_config",
            "sqlalchemy.engine.engine_from_config",
            "sqlmodel.engine_from_config",
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
            "sqlmodel.QueuePool",
        ),
        QUEUE_POOL,
    ),
    (("asyncpg.create_pool", "asyncpg.pool.create_pool"), ASYNCPG_CREATE_POOL),
    (
        (
            "aiopg.create_pool",
            "aiopg.pool.create_pool",
            "aiopg.sa.create_engine",
            "aiopg.sa.engine.create_engine",
        ),
        AIOPG_CREATE_POOL,
    ),
    (("flask_sqlalchemy.SQLAlchemy",), FLASK_SQLALCHEMY),
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
        "sqlmodel.StaticPool",
        "sqlmodel.pool.StaticPool",
    }
)

# Every entry's last name segment and every settings name: a file without one cannot configure a pool.
SETTINGS_NAMES = {b"DATABASES", b"SQLALCHEMY_ENGINE_OPTIONS"}
TRIGGERS = tuple(sorted({name.rsplit(".", 1)[-1].encode() for name in ENTRIES} | SETTINGS_NAMES))


def _modules() -> dict[bytes, tuple[bytes, ...]]:
    """An entry's last name segment -> the top-level modules of the entries ending with it."""
    modules: dict[bytes, set[bytes]] = {}
    for name in ENTRIES:
        modules.setdefault(name.rsplit(".", 1)[-1].encode(), set()).add(name.split(".", 1)[0].encode())
    return {token: tuple(sorted(found)) for token, found in modules.items()}


# A call resolves to an entry only through an import of the entry's module, so a file naming an
# entry is worth parsing only when it names that module too (a redis ConnectionPool is not).
COMPANIONS = _modules()
