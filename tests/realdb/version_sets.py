"""The version lines poolcheck's library tables tell apart, each pinned to its newest release on PyPI."""

from __future__ import annotations

from realdb.venvs import VersionSet

SQLALCHEMY_1_4 = VersionSet(
    "sqlalchemy-1.4", ("SQLAlchemy==1.4.54", "psycopg2-binary==2.9.13", "asyncpg==0.31.0")
)
SQLALCHEMY_2_0 = VersionSet(
    "sqlalchemy-2.0", ("SQLAlchemy==2.0.58", "psycopg2-binary==2.9.13", "asyncpg==0.32.0")
)
FLASK_SQLALCHEMY_3_1 = VersionSet(
    "flask-sqlalchemy-3.1",
    ("Flask-SQLAlchemy==3.1.1", "Flask==3.1.3", "SQLAlchemy==2.0.58", "psycopg2-binary==2.9.13"),
)
PSYCOPG_POOL_3_1 = VersionSet("psycopg_pool-3.1", ("psycopg-pool==3.1.9", "psycopg[binary]==3.1.20"))
PSYCOPG_POOL_3_2 = VersionSet("psycopg_pool-3.2", ("psycopg-pool==3.2.8", "psycopg[binary]==3.2.13"))
PSYCOPG_POOL_3_3 = VersionSet("psycopg_pool-3.3", ("psycopg-pool==3.3.3", "psycopg[binary]==3.3.9"))
ASYNCPG_0_31 = VersionSet("asyncpg-0.31", ("asyncpg==0.31.0",))
ASYNCPG_0_32 = VersionSet("asyncpg-0.32", ("asyncpg==0.32.0",))
# Django's pool option needs psycopg 3 and psycopg_pool; 6.x needs Python 3.12.
DJANGO_5_1 = VersionSet("django-5.1", ("Django==5.1.15", "psycopg[binary]==3.2.13", "psycopg-pool==3.2.8"))
DJANGO_5_2 = VersionSet("django-5.2", ("Django==5.2.19", "psycopg[binary]==3.2.13", "psycopg-pool==3.2.8"))
DJANGO_6_0 = VersionSet(
    "django-6.0", ("Django==6.0.10", "psycopg[binary]==3.3.9", "psycopg-pool==3.3.3"), python=(3, 12)
)
DJANGO_6_1 = VersionSet(
    "django-6.1", ("Django==6.1.3", "psycopg[binary]==3.3.9", "psycopg-pool==3.3.3"), python=(3, 12)
)
# SQLAlchemy's own choice of pool class for SQLite URLs, pysqlite (the standard library) and aiosqlite
# (1.3 has no asyncio engines).
SQLALCHEMY_SQLITE_1_3 = VersionSet("sqlalchemy-sqlite-1.3", ("SQLAlchemy==1.3.24",))
SQLALCHEMY_SQLITE_1_4 = VersionSet("sqlalchemy-sqlite-1.4", ("SQLAlchemy==1.4.54", "aiosqlite==0.22.1"))
SQLALCHEMY_SQLITE_2_0 = VersionSet("sqlalchemy-sqlite-2.0", ("SQLAlchemy==2.0.58", "aiosqlite==0.22.1"))
SQLALCHEMY_SQLITE_2_1 = VersionSet(  # SQLAlchemy 2.1.9's METADATA: Requires-Python >=3.11
    "sqlalchemy-sqlite-2.1", ("SQLAlchemy[asyncio]==2.1.9", "aiosqlite==0.22.1"), python=(3, 11)
)
AIOPG_1_4 = VersionSet("aiopg-1.4", ("aiopg==1.4.0", "psycopg2-binary==2.9.13"))
PSYCOPG2_2_9 = VersionSet("psycopg2-2.9", ("psycopg2-binary==2.9.13",))

ALL = (
    SQLALCHEMY_1_4,
    SQLALCHEMY_2_0,
    FLASK_SQLALCHEMY_3_1,
    PSYCOPG_POOL_3_1,
    PSYCOPG_POOL_3_2,
    PSYCOPG_POOL_3_3,
    ASYNCPG_0_31,
    ASYNCPG_0_32,
    DJANGO_5_1,
    DJANGO_5_2,
    DJANGO_6_0,
    DJANGO_6_1,
    AIOPG_1_4,
    PSYCOPG2_2_9,
    SQLALCHEMY_SQLITE_1_3,
    SQLALCHEMY_SQLITE_1_4,
    SQLALCHEMY_SQLITE_2_0,
    SQLALCHEMY_SQLITE_2_1,
)
