"""PC010 server-capacity-exceeded."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.capacity.shares import ceilings
from poolcheck.describe import described, provenance, replica_sources
from poolcheck.emit.escape import printable
from poolcheck.model import Bouncer, Budget, Demand, Server
from poolcheck.rule import CardText, Example, Options, Rule, Violation


def check_system(budget: Budget, options: Options) -> Iterator[Violation]:
    if not budget.exceeded:
        return
    server = budget.server
    counted = [d for d in budget.demands if d.connections is not None]
    terms = " + ".join([*(_term(d) for d in counted), *(_bouncer_term(b) for b in budget.bouncers)])
    unknown = f"; not counted: {_uncounted(budget.unknown)}" if budget.unknown else ""
    if server.bouncer is not None:  # PgBouncer's client side
        yield Violation(
            f"the pools behind PgBouncer may open {terms} = {budget.total} client connections, above its "
            f"max_client_conn {server.max_connections} ({_declared(server.bouncer, 'max_client_conn')})"
            f"{unknown}: under load PgBouncer refuses the clients past it and their requests fail"
            f"{_the_change(budget)}",
            "p1",
        )
        return
    yield Violation(
        f"the pools on this server may open {terms} = {budget.total} connections, above the "
        f"{server.available} it allows (max_connections {server.max_connections} from {server.where} "
        f"minus {server.reserved} reserved{other_clients(server)}){unknown}: under load connections are "
        "refused and requests fail"
        f"{_the_change(budget)}",
        "p1",
    )


def other_clients(server: Server) -> str:
    """`` minus 4 in use by other clients on the server at the time of the run (metabase 3, psql 1)``."""
    if not server.other_clients:
        return ""
    # application_name is the clients' own text: shown printable, as the inventory shows it.
    named = ", ".join(f"{printable(name)} {count}" for name, count in server.other_clients)
    return (
        f" minus {server.others_in_use} in use by other clients on the server at the time of the run "
        f"({named})"
    )


def _the_change(budget: Budget) -> str:
    """Each pool's size that brings the sum within the budget, in proportion to its size now."""
    shares = ceilings([budget])
    changes = [
        f"{d.pool.site.path}:{d.pool.site.span.line} to {shares[d.index].connections}{_declared_by(d)}"
        for d in budget.demands
        if d.index in shares and d.maximum is not None and shares[d.index].connections < d.maximum
    ]
    return f"; to fit, lower {', '.join(changes)}" if changes else ""


def _declared_by(demand: Demand) -> str:
    """`` (set by env DB_POOL_SIZE at docker-compose.yml:17)``: where a size it counts is declared."""
    setting = demand.pool.settings.get("max_connections")
    read = [setting, *(part for _, part in setting.parts)] if setting is not None else []
    declared = [
        f"env {s.env} at {s.defined_at}" for s in read if s is not None and s.source == "env" and s.env
    ]
    return f" (set by {', '.join(dict.fromkeys(declared))})" if declared else ""


UNCOUNTED_LISTED = 3  # pools named one by one in the message; the rest are a count


def _uncounted(demands: tuple[Demand, ...]) -> str:
    """``app/db.py:5 (maximum set at run time by `settings.pool_size`)``: why each is left out."""
    named = []
    for demand in demands[:UNCOUNTED_LISTED]:
        site = demand.pool.site
        setting = demand.pool.settings.get("max_connections")
        if demand.maximum is None and setting is not None and setting.source == "dynamic":
            why = f"maximum {provenance(setting, site.library)}"
        elif demand.maximum is None and setting is not None:
            why = f"maximum {described('max_connections', setting, site.library)}"
        elif demand.maximum is None:
            why = "no maximum"
        else:
            why = "a process per CPU"
        named.append(f"{site.path}:{site.span.line} ({why})")
    more = len(demands) - len(named)
    return ", ".join(named) + (f" and {more} more" if more else "")


def _bouncer_term(bouncer: Bouncer) -> str:
    """``PgBouncer 20 per pool x 3 database/user pairs + 5 reserve each (pgbouncer.ini:3)``: a server pool
    per database and user its clients connect as, one per database where no user is known."""
    pairs = bouncer.pairs_counted
    listed = f"{pairs} database/user pair{'s' if pairs != 1 else ''}"
    if not any(user for _, user in bouncer.pairs):
        listed += " (no client user known: one per database)"
    reserve = f" + {bouncer.reserve_pool_size} reserve each" if bouncer.reserve_pool_size else ""
    size = f"default_pool_size {bouncer.default_pool_size} ({_declared(bouncer, 'default_pool_size')})"
    return f"{bouncer.server_connections} from PgBouncer ({size} x {listed}{reserve})"


def _declared(bouncer: Bouncer, setting: str) -> str:
    where = f"{bouncer.path}:{bouncer.line}"
    return f"{bouncer.how}, {where}" if setting in bouncer.written else f"PgBouncer's default; {where}"


def _term(demand: Demand) -> str:
    """``40 x 4 replicas (app/db.py:3; k8s/hpa.yaml:9 ...) x 3 processes (...)``: factors and sources."""
    site = demand.pool.site
    where = f"{site.path}:{site.span.line}"
    processes = demand.processes_from
    per_replica = (
        f" x {demand.processes} processes ({processes.how}, {processes.path}:{processes.line})"
        if processes is not None and demand.processes != 1
        else ""
    )
    if demand.replicas_from is None:
        return f"{demand.maximum}{per_replica} ({where}, 1 replica: none declared)"
    sources = "; ".join(replica_sources(demand))
    return f"{demand.maximum} x {demand.replicas} replicas ({where}; {sources}){per_replica}"


RULE = Rule(
    id="PC010",
    name="server-capacity-exceeded",
    priority="p1",
    tags=("reliability", "database", "connection-pool", "capacity"),
    summary=(
        "Checks that the pools on one PostgreSQL server, times their replicas (at most, with an "
        "autoscaler's maximum and a rolling update's surge) and their processes per replica (gunicorn, "
        "uvicorn, Hypercorn and Celery workers), fit in its max_connections minus reserved slots."
    ),
    why=(
        "Each pool may open its maximum, and each replica of a service, and each worker process in a "
        "replica, has its own pool. When their sum "
        "exceeds the server's max_connections minus the superuser-reserved slots, the server refuses new "
        "connections under load: every service sharing it fails at once, and scaling out a service makes "
        "it worse. A pool that is right on its own can be wrong for the system."
    ),
    check=None,
    check_system=check_system,
    card=CardText(
        title="{pool} exceed the database server's connection limit",
        slug="server-capacity-exceeded",
        problem=(
            "When traffic rises every pool grows toward its maximum at once, and the server refuses "
            "connections past its limit: requests fail in every service that shares it, and adding "
            "replicas makes it worse."
        ),
        acceptance="The pools' maxima times their replicas fit in the server's available connections",
        verification=(
            "A load test with every service at its maximum pool size shows no refused connections "
            "(no 'too many clients already' errors in the server log)"
        ),
    ),
    fix=(
        "Lower the pools' maxima so their sum fits, raise the server's max_connections (memory: about "
        "2 MiB per idle backend), or put PgBouncer in front of the server."
    ),
    examples=(
        Example(
            library="sqlx",
            path="orders/src/db.rs",
            files=(
                (
                    "docker-compose.yml",
                    """
services:
  postgres:
    image: postgres:16
    command: postgres -c max_connections=200
  orders:
    build: ./orders
    deploy:
      replicas: 3
""",
                ),
            ),
            bad="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(80).connect(url).await
}
""",
            good="""
async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(60).connect(url).await
}
""",
        ),
        Example(
            library="sqlalchemy",
            path="catalog/app/db.py",
            files=(("deploy/postgresql.conf", "max_connections = 60\nsuperuser_reserved_connections = 3\n"),),
            bad="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=30)
""",
            good="""
from sqlalchemy import create_engine

engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10)
""",
        ),
    ),
    references=(
        (
            "PostgreSQL: max_connections",
            "https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-MAX-CONNECTIONS",
        ),
        ("PgBouncer", "https://www.pgbouncer.org/config.html"),
    ),
)
