"""Python extraction: every entry point and import style, in the styles real projects use."""

from __future__ import annotations

import pytest
from conftest import Snippets


def knobs(site) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {name: setting.value for name, setting in site.knobs}


@pytest.mark.parametrize(
    ("code", "entry"),
    [
        ("import sqlalchemy as sa\nengine = sa.create_engine(URL, pool_size=7)", "sqlalchemy.create_engine"),
        (
            "import sqlalchemy\nengine = sqlalchemy.create_engine(URL, pool_size=7)",
            "sqlalchemy.create_engine",
        ),
        (
            "from sqlalchemy import create_engine as make_engine\ne = make_engine(URL, pool_size=7)",
            "sqlalchemy.create_engine",
        ),
        (
            "from sqlalchemy.engine import create_engine\ne = create_engine(URL, pool_size=7)",
            "sqlalchemy.create_engine",
        ),
        (
            "import sqlalchemy.ext.asyncio\ne = sqlalchemy.ext.asyncio.create_async_engine(URL, pool_size=7)",
            "sqlalchemy.ext.asyncio.create_async_engine",
        ),
        (
            "from sqlalchemy.ext.asyncio import create_async_engine as _cae\ndef f():\n    return _cae(URL, pool_size=7)",
            "sqlalchemy.ext.asyncio.create_async_engine",
        ),
        (
            "from sqlalchemy.pool import QueuePool\np = QueuePool(creator, pool_size=7)",
            "sqlalchemy.pool.QueuePool",
        ),
        ("from sqlalchemy import pool\np = pool.QueuePool(get_conn, 7, 3)", "sqlalchemy.pool.QueuePool"),
        (
            "import asyncpg\nasync def f():\n    return await asyncpg.create_pool(DSN, max_size=7)",
            "asyncpg.create_pool",
        ),
        (
            "from asyncpg import create_pool\nasync def f():\n    return await create_pool(DSN, max_size=7)",
            "asyncpg.create_pool",
        ),
        (
            "import asyncpg\nasync def f():\n    async with asyncpg.create_pool(DSN, max_size=7) as pool:\n        pass",
            "asyncpg.create_pool",
        ),
        (
            "import psycopg_pool\npool = psycopg_pool.ConnectionPool(CONNINFO, max_size=7)",
            "psycopg_pool.ConnectionPool",
        ),
        (
            "from psycopg_pool import AsyncConnectionPool\nasync def f():\n    async with AsyncConnectionPool(CONNINFO, max_size=7) as p:\n        pass",
            "psycopg_pool.ConnectionPool",
        ),
        (
            "from psycopg_pool import AsyncNullConnectionPool\np = AsyncNullConnectionPool(CONNINFO, max_size=7)",
            "psycopg_pool.NullConnectionPool",
        ),
        (
            "from psycopg2 import pool\np = pool.ThreadedConnectionPool(1, 7, DSN)",
            "psycopg2.pool.ThreadedConnectionPool",
        ),
        (
            "import psycopg2.pool\np = psycopg2.pool.SimpleConnectionPool(1, 7, DSN)",
            "psycopg2.pool.ThreadedConnectionPool",
        ),
        (
            "import psycopg2.pool as pg_pool\np = pg_pool.ThreadedConnectionPool(minconn=1, maxconn=7, dsn=DSN)",
            "psycopg2.pool.ThreadedConnectionPool",
        ),
        (
            "from psycopg2.pool import ThreadedConnectionPool\nclass Pool(ThreadedConnectionPool):\n    pass\np = Pool(1, 7, DSN)",
            "psycopg2.pool.ThreadedConnectionPool",
        ),
        (
            "import psycopg_pool\nclass TracedPool(psycopg_pool.ConnectionPool):\n    pass\np = TracedPool(CONNINFO, max_size=7)",
            "psycopg_pool.ConnectionPool",
        ),
    ],
)
def test_entry_points_through_every_import_style(snippets: Snippets, code: str, entry: str) -> None:
    site = snippets.site(code, ".py")
    assert site.entry == entry
    values = knobs(site)
    assert 7 in values.values(), values


# Names bound inside functions, which are read when a lookup or a call's name reaches them: an import
# in a function, an alias of a module's alias, a subclass defined in a function, a nested function.
FUNCTION_BINDINGS = [
    "def make():\n    from sqlalchemy import create_engine as ce\n    return ce(URL, pool_size=7)",
    "import sqlalchemy as sa\nmake = sa.create_engine\n\n\ndef build():\n    mk = make\n    return mk(URL, pool_size=7)",
    "import psycopg_pool\n\n\ndef pool():\n    class Traced(psycopg_pool.ConnectionPool):\n        pass\n\n    return Traced(CONNINFO, max_size=7)",
    "import asyncpg\n\n\ndef outer():\n    size = 3\n\n    async def inner():\n        size = 7\n        return await asyncpg.create_pool(DSN, max_size=size)\n\n    return inner",
    "import sqlalchemy as sa\n\n\ndef settings():\n    return 1\n\n\ndef build():\n    opts = {'pool_size': 7}\n    opts['max_overflow'] = 0\n    return sa.create_engine(URL, **opts)",
]


@pytest.mark.parametrize("code", FUNCTION_BINDINGS)
@pytest.mark.parametrize("comment", ["", "# Café's database\n"], ids=["ascii", "not-ascii"])
def test_names_bound_inside_functions_are_read(snippets: Snippets, code: str, comment: str) -> None:
    """A file with a non-ASCII character has its functions read at once (names are compared in NFKC)."""
    site = snippets.site(comment + code, ".py")
    assert 7 in knobs(site).values(), knobs(site)


def test_an_optional_import_set_to_none_in_its_except_is_still_the_library(snippets: Snippets) -> None:
    code = """
        import os

        try:
            import asyncpg  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - optional dependency
            asyncpg = None


        class PostgresService:
            async def start(self):
                if asyncpg is None:
                    return
                self.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=6)


        async def recall(dsn):
            try:
                import asyncpg  # type: ignore
            except Exception:
                asyncpg = None
            if asyncpg is not None:
                return await asyncpg.create_pool(dsn=dsn, min_size=1, max_size=4)
    """
    sites = snippets.sites(code, ".py")
    assert [(s.entry, knobs(s)["max_size"]) for s in sites] == [
        ("asyncpg.create_pool", 6),
        ("asyncpg.create_pool", 4),
    ]


@pytest.mark.parametrize(
    ("call", "entry"),
    [
        ("ConnectionPool(DSN, min_size=2, max_size=10, timeout=5)", "psycopg_pool.ConnectionPool"),
        ("ConnectionPool(minconn=2, maxconn=10, dsn=DSN)", "psycopg2.pool.ThreadedConnectionPool"),
        ("ConnectionPool(2, 10, DSN)", "psycopg2.pool.ThreadedConnectionPool"),
        ("ConnectionPool(DSN)", "psycopg_pool.ConnectionPool"),  # no knob says: the try's library
    ],
)
def test_two_libraries_bound_to_one_name_are_told_by_the_knobs_the_call_uses(
    snippets: Snippets, call: str, entry: str
) -> None:
    code = f"""
        try:
            from psycopg_pool import ConnectionPool
        except ImportError:
            from psycopg2.pool import ThreadedConnectionPool as ConnectionPool

        pool = {call}
    """
    assert snippets.site(code, ".py").entry == entry


def test_a_fallback_that_is_no_pool_library_is_not_one(snippets: Snippets) -> None:
    code = """
        try:
            from aiocache import create_pool
        except ImportError:
            create_pool = None

        async def cache():
            return await create_pool("redis://cache", max_size=5)
    """
    assert snippets.sites(code, ".py") == []


def test_queue_pool_positional_arguments(snippets: Snippets) -> None:
    site = snippets.site("from sqlalchemy import pool\np = pool.QueuePool(get_conn, 7, 3, 12)", ".py")
    assert knobs(site) == {"pool_size": 7, "max_overflow": 3, "timeout": 12}


@pytest.mark.parametrize(
    ("code", "database"),
    [
        (
            'from sqlalchemy import create_engine\ne = create_engine("postgresql+psycopg://u@h/db")',
            "postgres",
        ),
        ('from sqlalchemy import create_engine\ne = create_engine(url="mysql+pymysql://u@h/db")', "mysql"),
        ('from sqlalchemy import create_engine\ne = create_engine("sqlite:///app.db")', "sqlite"),
        ("from sqlalchemy import create_engine\ne = create_engine(settings.DATABASE_URL)", "unknown"),
        ("import asyncpg\nasync def f():\n    await asyncpg.create_pool(dsn)", "postgres"),
        ("from psycopg_pool import ConnectionPool\np = ConnectionPool('dbname=app')", "postgres"),
    ],
)
def test_database(snippets: Snippets, code: str, database: str) -> None:
    assert snippets.site(code, ".py").database == database


def test_engine_from_config_with_a_literal_dict(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        from sqlalchemy import engine_from_config

        engine = engine_from_config(
            {
                "sqlalchemy.url": "postgresql://app@db/app",
                "sqlalchemy.pool_size": "20",
                "sqlalchemy.max_overflow": "5",
                "sqlalchemy.pool_recycle": "3600",
                "sqlalchemy.pool_pre_ping": "false",
            },
            prefix="sqlalchemy.",
        )
        """,
        ".py",
    )
    values = {c: s.value for c, s in pool.settings.items()}
    # Only the sizes and timeouts are converted; the string "false" is truthy.
    assert values == {
        "max_connections": 25,
        "acquire_timeout": 30.0,
        "max_lifetime": 3600,
        "health_check": True,
    }
    assert pool.site.database == "postgres"


def test_engine_from_config_with_an_unknown_dict_makes_every_knob_dynamic(snippets: Snippets) -> None:
    pool = snippets.pool(
        "from sqlalchemy import engine_from_config\nengine = engine_from_config(settings, prefix='sqlalchemy.')",
        ".py",
    )
    assert {s.source for s in pool.settings.values()} == {"dynamic"}


def test_unpooled_engines(snippets: Snippets) -> None:
    code = """
        from sqlalchemy import engine_from_config, pool
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool, StaticPool, QueuePool

        migrations = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
        tests = create_async_engine(TEST_URL, poolclass=NullPool)
        memory = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        app = create_async_engine(URL, poolclass=QueuePool, pool_size=10)
    """
    assert [s.pooled for s in snippets.sites(code, ".py")] == [False, False, False, True]


def test_subclass_defined_elsewhere_is_not_followed(snippets: Snippets) -> None:
    # A class from another module named like a pool is not known to be one.
    assert (
        snippets.sites("from .pools import ThreadedConnectionPool\np = ThreadedConnectionPool(1, 5)", ".py")
        == []
    )


def test_settings_located_on_their_keywords(snippets: Snippets) -> None:
    site = snippets.site(
        "from sqlalchemy import create_engine\n\nengine = create_engine(\n    URL,\n    pool_size=6,\n    max_overflow=12,\n)\n",
        ".py",
    )
    assert (site.span.line, site.span.column, site.span.end_line) == (3, 10, 7)
    spans = {name: (s.span.line, s.span.column) for name, s in site.knobs if s.span}
    assert spans == {"pool_size": (5, 5), "max_overflow": (6, 5)}
    assert site.lines[0] == "engine = create_engine("


@pytest.mark.parametrize(
    "code",
    [
        "e = create_async_engine(f\"sqlite+aiosqlite:///{tmp_path / 'setup.db'}\")",
        'TEST_DATABASE_URL = f"sqlite+aiosqlite:///{TEST_DB_PATH}"\ne = create_async_engine(TEST_DATABASE_URL, echo=False)',
        'e = create_async_engine("sqlite+aiosqlite:///:memory:", echo=False)',
    ],
)
def test_sqlite_test_engines_are_exempt_whatever_builds_the_url(snippets: Snippets, code: str) -> None:
    site = snippets.site("from sqlalchemy.ext.asyncio import create_async_engine\n" + code, ".py")
    assert site.database == "sqlite"
    assert snippets.findings("from sqlalchemy.ext.asyncio import create_async_engine\n" + code, ".py") == []
