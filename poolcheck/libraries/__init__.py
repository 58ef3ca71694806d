"""Every supported library's table, by name."""

from functools import lru_cache

from poolcheck.libraries.aiopg import AIOPG
from poolcheck.libraries.asyncpg import ASYNCPG
from poolcheck.libraries.bb8 import BB8, R2D2
from poolcheck.libraries.deadpool import DEADPOOL
from poolcheck.libraries.django import DJANGO, DJANGO_POOL, DJANGO_POOL_ENTRY
from poolcheck.libraries.psycopg2 import PSYCOPG2
from poolcheck.libraries.psycopg_pool import PSYCOPG_POOL
from poolcheck.libraries.sea_orm import SEA_ORM
from poolcheck.libraries.sqlalchemy import SQLALCHEMY
from poolcheck.libraries.sqlx import SQLX
from poolcheck.libraries.table import Default, Knob, Library
from poolcheck.model import LibraryVersion, PoolSite

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

# Constructions whose table is another library's adapted by the framework that builds the pool.
ENTRY_TABLES: dict[str, Library] = {DJANGO_POOL_ENTRY: DJANGO_POOL}


def table_for(library: str, entry: str = "", database: str = "") -> Library:
    """The table that applies to one constructor of a library, over one database: a constructor's
    own table may differ by database too (Flask-SQLAlchemy's MySQL defaults).
    """
    table = ENTRY_TABLES.get(entry) or LIBRARIES[library].for_entry(entry, database)
    return table.for_entry("", database)


def library_for(site: PoolSite) -> Library:
    """The table that applies to a pool construction, at the library version it uses."""
    version = site.version.version if isinstance(site.version, LibraryVersion) else site.version
    return _table_at(site.library, site.entry, site.database, version)


# Each rule asks for its pool's table, and most pools of a run share a few tables: one table is
# built per library, constructor, database and version, not one per rule and pool.
@lru_cache(maxsize=1024)
def _table_at(library: str, entry: str, database: str, version: str | None) -> Library:
    return table_for(library, entry, database).at(version)


__all__ = ["ENTRY_TABLES", "LIBRARIES", "Default", "Knob", "Library", "library_for", "table_for"]
