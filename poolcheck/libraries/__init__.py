"""Every supported library's table, by name."""

from poolcheck.libraries.aiopg import AIOPG
from poolcheck.libraries.asyncpg import ASYNCPG
from poolcheck.libraries.bb8 import BB8, R2D2
from poolcheck.libraries.deadpool import DEADPOOL
from poolcheck.libraries.django import DJANGO
from poolcheck.libraries.psycopg2 import PSYCOPG2
from poolcheck.libraries.psycopg_pool import PSYCOPG_POOL
from poolcheck.libraries.sea_orm import SEA_ORM
from poolcheck.libraries.sqlalchemy import SQLALCHEMY
from poolcheck.libraries.sqlx import SQLX
from poolcheck.libraries.table import Default, Knob, Library

LIBRARIES: dict[str, Library] = {
    lib.name: lib
    for lib in (
        SQLX,
        SEA_ORM,
        DEADPOOL,
        BB8,
        R2D2,
        ASYNCPG,
        SQLALCHEMY,
        PSYCOPG_POOL,
        PSYCOPG2,
        AIOPG,
        DJANGO,
    )
}

__all__ = ["LIBRARIES", "Default", "Knob", "Library"]
