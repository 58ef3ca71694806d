"""``--server-url``: the connection limit of a running PostgreSQL server, read when asked.

Read-only: the session is opened read-only, with a short connect timeout, and runs
``SHOW``-like queries and one count over ``pg_stat_activity``. psycopg is an optional
extra (``poolcheck[live]``), imported only here. The URL's password is never shown:
messages name the server by host, port and database.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from poolcheck.redact import redact

CONNECT_TIMEOUT = 5  # seconds, for the connection and each statement
LIMITS = """
SELECT current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int,
       coalesce(current_setting('reserved_connections', true), '0')::int
"""
# Client backends only: autovacuum and the WAL writer take no max_connections slot a pool could.
IN_USE = """
SELECT coalesce(nullif(application_name, ''), '(none)'), count(*)::int
FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
GROUP BY 1 ORDER BY 2 DESC, 1
"""


class LiveServerError(Exception):
    """The server could not be read: a message for the person who asked, with no password in it."""


@dataclass(frozen=True)
class LiveServer:
    where: str  # "db.example.com:5432/app", never with the user's password
    max_connections: int
    superuser_reserved: int
    reserved: int  # reserved_connections, PostgreSQL 16+; 0 before
    in_use: tuple[tuple[str, int], ...]  # connections open now, by application_name, most first


def shown(url: str) -> str:
    """``host:port/database`` of a URL or conninfo string, for messages."""
    if "://" not in url:
        return redact(url)
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path or ''}"


def read_live_server(url: str) -> LiveServer:
    """The server's limits and the connections it holds now, from a read-only session."""
    try:
        import psycopg
    except ImportError as error:
        raise LiveServerError(
            "--server-url needs psycopg: pip install 'poolcheck[live]' (or psycopg[binary])"
        ) from error
    where = shown(url)
    options = f"-c default_transaction_read_only=on -c statement_timeout={CONNECT_TIMEOUT * 1000}"
    try:
        with psycopg.connect(
            url,
            connect_timeout=CONNECT_TIMEOUT,
            options=options,
            application_name="poolcheck",
            autocommit=True,
        ) as connection:
            limits = connection.execute(LIMITS).fetchone()
            in_use = connection.execute(IN_USE).fetchall()
    except psycopg.Error as error:
        # libpq's messages name host and user, not the password; masked all the same.
        message = redact(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        raise LiveServerError(f"cannot read the server at {where}: {message}") from error
    if limits is None:
        raise LiveServerError(f"cannot read the server at {where}: no settings returned")
    max_connections, superuser, reserved = limits
    return LiveServer(where, max_connections, superuser, reserved, tuple((str(a), int(n)) for a, n in in_use))
