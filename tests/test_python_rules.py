"""Library semantics for Python pools: defaults, sums, fallbacks, and which rules apply."""

from __future__ import annotations

from conftest import Snippets


def fired(snippets: Snippets, code: str) -> dict[str, tuple[str, str]]:
    return {f.rule: (f.priority, f.message) for f in snippets.findings(code, ".py")}


def test_bare_create_engine(snippets: Snippets) -> None:
    found = fired(snippets, "from sqlalchemy import create_engine\nengine = create_engine(url)\n")
    assert set(found) == {"PC001", "PC002", "PC004", "PC012"}
    assert "pool_size 5 (sqlalchemy default) + max_overflow 10 (sqlalchemy default) = 15" in found["PC001"][1]
    assert found["PC004"][0] == "p2"
    assert "pool_recycle is unlimited (sqlalchemy default)" in found["PC004"][1]
    assert "pool_pre_ping is off (sqlalchemy default)" in found["PC012"][1]


def test_tuned_async_engine_is_clean(snippets: Snippets) -> None:
    code = """
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(
            "postgresql+asyncpg://app@db/app",
            pool_size=40,
            max_overflow=10,
            pool_timeout=5,
            pool_recycle=1800,
            pool_pre_ping=True,
        )
    """
    assert fired(snippets, code) == {}


def test_env_default_sum_names_its_source(snippets: Snippets) -> None:
    code = 'import os\nfrom sqlalchemy import create_engine\ne = create_engine(u, pool_size=int(os.getenv("DB_POOL_SIZE", "20")))'
    message = fired(snippets, code)["PC001"][1]
    assert "pool_size 20 (default of env DB_POOL_SIZE) + max_overflow 10 (sqlalchemy default) = 30" in message


def test_env_default_of_a_variable_named_at_run_time_says_so(snippets: Snippets) -> None:
    code = (
        "import os\nfrom sqlalchemy import create_engine\nPREFIX = os.environ['SERVICE']\n"
        'e = create_engine(u, pool_size=int(os.getenv(f"{PREFIX}_POOL_SIZE", "20")))'
    )
    message = fired(snippets, code)["PC001"][1]
    assert "pool_size 20 (default of an environment variable named at run time) + max_overflow 10" in message


def test_sqlite_and_null_pool_engines_get_nothing(snippets: Snippets) -> None:
    code = """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        local = create_engine("sqlite:///data.db")
        serverless = create_engine(URL, poolclass=NullPool)
    """
    assert fired(snippets, code) == {}


def test_asyncpg_has_no_acquire_timeout_or_lifetime_knob(snippets: Snippets) -> None:
    found = fired(
        snippets, "import asyncpg\nasync def f():\n    return await asyncpg.create_pool(DSN, max_size=50)"
    )
    assert set(found) == {"PC005"}
    assert found["PC005"][0] == "p3"
    assert "5 min (asyncpg default)" in found["PC005"][1]


def test_psycopg_pool_max_size_none_means_min_size(snippets: Snippets) -> None:
    pool = snippets.pool(
        "from psycopg_pool import ConnectionPool\np = ConnectionPool(c, min_size=12, max_size=None)", ".py"
    )
    setting = pool.settings["max_connections"]
    assert (setting.value, setting.via) == (12, "max_size unset: min_size")
    message = fired(snippets, "from psycopg_pool import ConnectionPool\np = ConnectionPool(c)")["PC001"][1]
    assert "max_connections is 4 (max_size unset: min_size; psycopg_pool default)" in message


def test_psycopg2_never_waits_so_no_acquire_timeout(snippets: Snippets) -> None:
    found = fired(snippets, "from psycopg2 import pool\np = pool.SimpleConnectionPool(5, 60, dsn)")
    assert found == {}


def test_null_connection_pool_unbounded(snippets: Snippets) -> None:
    found = fired(
        snippets, "from psycopg_pool import NullConnectionPool\np = NullConnectionPool(c, timeout=5)"
    )
    assert set(found) == {"PC011"}
    assert "unlimited (psycopg_pool default)" in found["PC011"][1]


def test_overflow_minus_one_is_unbounded_not_small(snippets: Snippets) -> None:
    found = fired(
        snippets,
        "from sqlalchemy import create_engine\ne = create_engine(u, pool_size=5, max_overflow=-1, pool_timeout=5, pool_recycle=1800, pool_pre_ping=True)",
    )
    assert set(found) == {"PC011"}


def test_finding_locations(snippets: Snippets) -> None:
    found = snippets.findings(
        "from sqlalchemy import create_engine\n\nengine = create_engine(\n    url,\n    pool_size=5,\n)\n",
        ".py",
    )
    located = {f.rule: (f.span.line, f.span.column) for f in found}
    assert located["PC001"] == (5, 5)  # on the written pool_size
    assert located["PC002"] == (3, 10)  # nothing written: the construction's first line
