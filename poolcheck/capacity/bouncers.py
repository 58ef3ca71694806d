"""PgBouncer in front of PostgreSQL: its limits as pgbouncer.ini and the common images write them.

A bouncer has two hops. Clients (the services' pools) count against its
``max_client_conn``; towards the server it opens at most ``default_pool_size``
(or a database's own ``pool_size``) per database and user, plus
``reserve_pool_size``, capped by ``max_db_connections``. Defaults are PgBouncer's
own (doc/config.md): listen_port 6432, max_client_conn 100, default_pool_size 20,
reserve_pool_size 0, max_db_connections 0 (no cap).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from poolcheck.model import Bouncer, BouncerDatabase
from poolcheck.numbers import parse_count

DEFAULTS = {
    "listen_port": 6432,
    "max_client_conn": 100,
    "default_pool_size": 20,
    "reserve_pool_size": 0,
    "max_db_connections": 0,
}
MAX_VALUE = 1_000_000
SECTION = re.compile(r"\s*\[\s*([^\]]+?)\s*\]\s*$")
KEY_VALUE = re.compile(r"\s*([^=;#\s][^=]*?)\s*=\s*(.*?)\s*$")
CONNSTR_SIZE = re.compile(r"(?:^|\s)(pool_size|max_db_connections|user)\s*=\s*'?([^\s']*)")
# A client's database and user, from a URL (postgresql+psycopg://app:pw@host:6432/shop) or a
# conninfo string (host=pgbouncer dbname=shop user=app).
URL = re.compile(
    r"postgres(?:ql)?(?:\+\w+)?://(?:(?P<user>[^:@/\s'\"]*)(?::[^@\s'\"]*)?@)?[^/\s?'\"]*"
    r"(?:/(?P<database>[^?\s'\"]*))?"
)
CONNINFO = re.compile(r"\b(dbname|user)\s*=\s*'?([^\s']+)")

# The images' variables for the same settings: edoburu/pgbouncer and bitnami/pgbouncer.
IMAGE_VARIABLES = {
    "MAX_CLIENT_CONN": "max_client_conn",
    "DEFAULT_POOL_SIZE": "default_pool_size",
    "RESERVE_POOL_SIZE": "reserve_pool_size",
    "MAX_DB_CONNECTIONS": "max_db_connections",
    "LISTEN_PORT": "listen_port",
    "PGBOUNCER_MAX_CLIENT_CONN": "max_client_conn",
    "PGBOUNCER_DEFAULT_POOL_SIZE": "default_pool_size",
    "PGBOUNCER_RESERVE_POOL_SIZE": "reserve_pool_size",
    "PGBOUNCER_MAX_DB_CONNECTIONS": "max_db_connections",
    "PGBOUNCER_PORT": "listen_port",
}
IMAGE_DATABASES = ("DB_NAME", "PGBOUNCER_DATABASE")


def read_ini(path: str, text: str) -> tuple[Bouncer | None, list[tuple[int, str]]]:
    """The bouncer a pgbouncer.ini declares, and (line, problem) for each value not read."""
    settings: dict[str, tuple[int, int]] = {}
    databases: list[BouncerDatabase] = []
    problems: list[tuple[int, str]] = []
    section = ""
    found = False
    for number, written in enumerate(text.splitlines(), 1):
        if written.lstrip().startswith((";", "#")):
            continue
        heading = SECTION.match(written)
        if heading is not None:
            section = heading.group(1).lower()
            found = found or section == "pgbouncer"
            continue
        pair = KEY_VALUE.match(written)
        if pair is None:
            continue
        key, value = pair.group(1), pair.group(2)
        if section == "pgbouncer" and key.lower() in DEFAULTS:
            count = parse_count(value, 0, MAX_VALUE)
            if count is None:
                problems.append((number, f"{key} {value[:20]!r} is not a count; PgBouncer's default is used"))
            else:
                settings[key.lower()] = (count, number)
        elif section == "databases":
            sizes = dict(CONNSTR_SIZE.findall(value))
            databases.append(
                BouncerDatabase(
                    key,
                    number,
                    parse_count(sizes["pool_size"], 0, MAX_VALUE) if "pool_size" in sizes else None,
                    parse_count(sizes["max_db_connections"], 0, MAX_VALUE)
                    if "max_db_connections" in sizes
                    else None,
                    sizes.get("user") or None,
                )
            )
    if not found:
        return None, problems
    line = min((line for _, line in settings.values()), default=1)
    return _bouncer(
        path, line, "pgbouncer.ini", {k: v for k, (v, _) in settings.items()}, databases
    ), problems


def from_environment(
    path: str, line: int, how: str, service: str, environment: Mapping[str, object]
) -> Bouncer:
    """A PgBouncer image's settings from its variables in a compose service or Kubernetes container."""
    settings: dict[str, int] = {}
    for variable, key in IMAGE_VARIABLES.items():
        value = environment.get(variable)
        if value is not None and (count := parse_count(str(value), 0, MAX_VALUE)) is not None:
            settings[key] = count
    names = [str(environment[v]) for v in IMAGE_DATABASES if environment.get(v)]
    # bitnami writes user= into the database line only when asked (libpgbouncer.sh); edoburu writes
    # auth_user=, which keeps a pool per client user.
    forced = str(environment.get("PGBOUNCER_SET_DATABASE_USER", "")).lower() in ("yes", "true", "1")
    user = str(environment.get("POSTGRESQL_USERNAME") or "postgres") if forced else None
    if user is not None and not names:
        names = ["*"]
    databases = [BouncerDatabase(name, line, None, None, user) for name in names[:1]]
    return _bouncer(path, line, how, settings, databases, service)


def _bouncer(
    path: str,
    line: int,
    how: str,
    settings: Mapping[str, int],
    databases: list[BouncerDatabase],
    service: str = "",
) -> Bouncer:
    value = {**DEFAULTS, **settings}
    return Bouncer(
        path,
        line,
        how,
        service,
        listen_port=value["listen_port"],
        max_client_conn=value["max_client_conn"],
        default_pool_size=value["default_pool_size"],
        reserve_pool_size=value["reserve_pool_size"],
        max_db_connections=value["max_db_connections"],
        databases=tuple(databases),
        written=tuple(sorted(settings)),
    )


def is_bouncer_image(image: object) -> bool:
    return isinstance(image, str) and "pgbouncer" in image.rsplit("/", 1)[-1].lower()


def client_pair(text: str) -> tuple[str, str] | None:
    """The (database, user) a client's URL or conninfo names; "" for a part not written or read from
    a variable (``${DB_USER}``), None when the text holds no database URL."""
    found = URL.search(text)
    if found is not None:
        return _known(found.group("database") or ""), _known(found.group("user") or "")
    parts = dict(CONNINFO.findall(text))
    if not parts:
        return None
    return _known(parts.get("dbname", "")), _known(parts.get("user", ""))


def _known(part: str) -> str:
    return "" if "$" in part or "{" in part else part


def server_pools_for(pairs: tuple[tuple[str, str], ...]) -> int:
    """The server pools a bouncer put in front would keep for clients connecting as ``pairs``."""
    return replace(_bouncer("", 1, "pgbouncer.ini", {}, []), pairs=pairs).pairs_counted
