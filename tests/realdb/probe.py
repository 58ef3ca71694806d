"""Run inside a version set's venv: open the pool a module builds, SELECT 1 through it, read it back.

Usage: ``python probe.py REQUEST_JSON``, with ``{"module": path, "kind": ..., "expected": {knob:
expression}}``. It prints one JSON object: the library's version, what ``SELECT 1`` returned, and
for each knob the value read from the live pool object next to the card's expression evaluated in
the module's namespace. Only the standard library and the library under test are imported here.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import json
import sys
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

Reader = Callable[[Any], Any]

SQLALCHEMY: dict[str, Reader] = {
    "pool_size": lambda pool: pool.size(),
    "max_overflow": lambda pool: pool._max_overflow,
    "pool_timeout": lambda pool: pool._timeout,
    "pool_recycle": lambda pool: pool._recycle,
    "pool_pre_ping": lambda pool: pool._pre_ping,
}
PSYCOPG_POOL: dict[str, Reader] = {
    "min_size": lambda pool: pool.min_size,
    "max_size": lambda pool: pool.max_size,
    "timeout": lambda pool: pool.timeout,
    "max_idle": lambda pool: pool.max_idle,
    "max_lifetime": lambda pool: pool.max_lifetime,
    "max_waiting": lambda pool: pool.max_waiting,
    "reconnect_timeout": lambda pool: pool.reconnect_timeout,
    "check": lambda pool: pool._check,  # psycopg_pool 3.2+ (pool.py keeps the callable as _check)
}
ASYNCPG: dict[str, Reader] = {
    "min_size": lambda pool: pool._minsize,
    "max_size": lambda pool: pool._maxsize,
    "max_queries": lambda pool: pool._max_queries,
    "max_inactive_connection_lifetime": lambda pool: pool._max_inactive_connection_lifetime,
    # create_pool passes the connection keywords through to every connect() (pool.py).
    "command_timeout": lambda pool: pool._connect_kwargs.get("command_timeout"),
    "timeout": lambda pool: pool._connect_kwargs.get("timeout", 60),
}
AIOPG: dict[str, Reader] = {
    "minsize": lambda pool: pool.minsize,
    "maxsize": lambda pool: pool.maxsize,
    "timeout": lambda pool: pool.timeout,
    "pool_recycle": lambda pool: pool._recycle,
}
PSYCOPG2: dict[str, Reader] = {
    "minconn": lambda pool: pool.minconn,
    "maxconn": lambda pool: pool.maxconn,
}


def load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("card_fixed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read(pool: Any, readers: dict[str, Reader], expected: dict[str, str], namespace: dict[str, Any]) -> dict:
    knobs = {}
    for knob, expression in expected.items():
        reader = readers.get(knob)
        actual = reader(pool) if reader else "<no reader for this knob>"
        wanted = eval(expression, dict(namespace))  # the card's value, as the fixed file would spell it
        knobs[knob] = {
            "actual": repr(actual),
            "expected": repr(wanted),
            "equal": reader is not None and actual == wanted,
        }
    return knobs


def sqlalchemy_engine(engine: Any, expected: dict[str, str], namespace: dict[str, Any]) -> dict:
    from sqlalchemy import text

    with engine.connect() as connection:
        one = connection.execute(text("SELECT 1")).scalar()
    report = {"select_1": one, "knobs": read(engine.pool, SQLALCHEMY, expected, namespace)}
    engine.dispose()
    return report


def probe_sqlalchemy(module: ModuleType, expected: dict[str, str]) -> dict:
    return sqlalchemy_engine(module.engine, expected, vars(module))


def probe_sqlalchemy_async(module: ModuleType, expected: dict[str, str]) -> dict:
    from sqlalchemy import text

    async def main() -> dict:
        engine = module.engine
        async with engine.connect() as connection:
            one = (await connection.execute(text("SELECT 1"))).scalar()
        knobs = read(engine.sync_engine.pool, SQLALCHEMY, expected, vars(module))
        await engine.dispose()
        return {"select_1": one, "knobs": knobs}

    return asyncio.run(main())


def probe_flask(module: ModuleType, expected: dict[str, str]) -> dict:
    app = module.create_app()
    with app.app_context():
        return sqlalchemy_engine(module.db.engine, expected, vars(module))


def probe_psycopg_pool(module: ModuleType, expected: dict[str, str]) -> dict:
    pool = module.pool
    if pool.closed:  # built with open=False: the application opens it at start-up
        pool.open(wait=True, timeout=30)
    try:
        with pool.connection() as connection:
            one = connection.execute("SELECT 1").fetchone()[0]
        return {"select_1": one, "knobs": read(pool, PSYCOPG_POOL, expected, vars(module))}
    finally:
        pool.close()


def probe_asyncpg(module: ModuleType, expected: dict[str, str]) -> dict:
    async def main() -> dict:
        pool = await module.make_pool()
        try:
            one = await pool.fetchval("SELECT 1")
            return {"select_1": one, "knobs": read(pool, ASYNCPG, expected, vars(module))}
        finally:
            await pool.close()

    return asyncio.run(main())


def probe_asyncpg_with(module: ModuleType, expected: dict[str, str]) -> dict:
    """A pool used as ``async with create_pool(...) as pool:`` inside the module's ``consume(handle)``."""
    report: dict = {}

    async def handle(pool: Any) -> None:
        report["select_1"] = await pool.fetchval("SELECT 1")
        report["knobs"] = read(pool, ASYNCPG, expected, vars(module))

    asyncio.run(module.consume(handle))
    return report


def probe_psycopg_pool_async(module: ModuleType, expected: dict[str, str]) -> dict:
    """An AsyncConnectionPool used as ``async with`` inside the module's ``build(handle)``."""
    report: dict = {}

    async def handle(pool: Any) -> None:
        async with pool.connection() as connection:
            report["select_1"] = (await (await connection.execute("SELECT 1")).fetchone())[0]
        report["knobs"] = read(pool, PSYCOPG_POOL, expected, vars(module))

    asyncio.run(module.build(handle))
    return report


def probe_aiopg(module: ModuleType, expected: dict[str, str]) -> dict:
    async def main() -> dict:
        pool = await module.make_pool()
        try:
            async with pool.acquire() as connection:
                async with connection.cursor() as cursor:
                    await cursor.execute("SELECT 1")
                    one = (await cursor.fetchone())[0]
                # aiopg's pool passes its timeout to connect(), and a connection's timeout is the
                # default of every cursor.execute() on it (aiopg/pool.py, aiopg/connection.py, 1.4.0).
                query_timeout = connection._timeout
            knobs = read(pool, AIOPG, expected, vars(module))
            return {"select_1": one, "knobs": knobs, "query_timeout": query_timeout}
        finally:
            pool.close()
            await pool.wait_closed()

    return asyncio.run(main())


def probe_psycopg2(module: ModuleType, expected: dict[str, str]) -> dict:
    pool = module.db_pool
    connection = pool.getconn()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            one = cursor.fetchone()[0]
    finally:
        pool.putconn(connection)
    report = {"select_1": one, "knobs": read(pool, PSYCOPG2, expected, vars(module))}
    pool.closeall()
    return report


def probe_django(module: ModuleType, expected: dict[str, str]) -> dict:
    import django
    from django.conf import settings

    settings.configure(DATABASES=module.DATABASES, USE_TZ=True)
    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        one = cursor.fetchone()[0]
    pool = connection.pool  # Django 5.1+: the psycopg_pool built from OPTIONS["pool"]
    readers = dict(PSYCOPG_POOL)
    readers["CONN_MAX_AGE"] = lambda _pool: connection.settings_dict["CONN_MAX_AGE"]
    # With a pool, CONN_HEALTH_CHECKS is on only if it became the pool's check (backends/postgresql/base.py).
    readers["CONN_HEALTH_CHECKS"] = lambda pool: (
        connection.settings_dict["CONN_HEALTH_CHECKS"] and (pool._check is not None)
    )
    knobs = read(pool, readers, expected, vars(module))
    connection.close()
    connection.close_pool()
    return {"select_1": one, "knobs": knobs}


PROBES = {
    "sqlalchemy": (probe_sqlalchemy, "SQLAlchemy"),
    "sqlalchemy_async": (probe_sqlalchemy_async, "SQLAlchemy"),
    "flask": (probe_flask, "Flask-SQLAlchemy"),
    "psycopg_pool": (probe_psycopg_pool, "psycopg-pool"),
    "asyncpg": (probe_asyncpg, "asyncpg"),
    "asyncpg_with": (probe_asyncpg_with, "asyncpg"),
    "psycopg_pool_async": (probe_psycopg_pool_async, "psycopg-pool"),
    "aiopg": (probe_aiopg, "aiopg"),
    "psycopg2": (probe_psycopg2, "psycopg2-binary"),
    "django": (probe_django, "Django"),
}


def main() -> None:
    request = json.loads(sys.argv[1])
    probe, distribution = PROBES[request["kind"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = load(request["module"])
        report = probe(module, request["expected"])
    report["version"] = importlib.metadata.version(distribution)
    report["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
