"""Which database a connection URL names, by its scheme: ``postgresql+psycopg://..`` is PostgreSQL.

SQLAlchemy writes the driver after a ``+`` (``mysql+aiomysql://``); libpq, asyncpg, sqlx and
dj-database-url take ``postgres://`` and ``postgresql://`` alike.
"""

from __future__ import annotations

URL_SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}


def database_of_url(url: str) -> str:
    """``postgres``, ``mysql`` or ``sqlite``; ``unknown`` when the text has no scheme that names one."""
    if ":" not in url:
        return "unknown"
    scheme = url.split(":", 1)[0].split("+", 1)[0].strip().lower()
    return URL_SCHEMES.get(scheme, "unknown")
