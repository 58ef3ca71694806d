"""The connection budget: every pool's maximum, times its replicas and processes, against the server's slots.

Replicas are the worst case: an autoscaler's maximum when one scales the workload, plus the pods
a rolling update adds. Processes count for Python services (each worker builds its own pools); a
Rust service is one process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from poolcheck.model import (
    Autoscaler,
    Bouncer,
    Budget,
    DatabaseUrl,
    Declarations,
    DeclaredValue,
    Demand,
    Pool,
    ProcessCount,
    ReplicaCount,
    Server,
    ServerSetting,
)
from poolcheck.numbers import parse_count
from poolcheck.server import POSTGRESQL

if TYPE_CHECKING:
    from poolcheck.live import LiveServer

COUNTED_DATABASES = ("postgres", "unknown")  # a pool whose URL is not written is counted, and said so
POSTGRESQL_PORT = 5432  # a URL with it reaches the server itself, whatever a bouncer listens on
MAX_SURGE = 100_000  # pods, as many as the replicas a declaration may have
# application_name as a URL or conninfo sets it, or a keyword or mapping entry in code.
APPLICATION_NAME = re.compile(r"application_name['\"]?\s*[=:]\s*['\"]?([^&\s'\",)}]+)")


def budgets(
    declared: Declarations,
    pools: Sequence[Pool],
    given: int | None,
    assume_default: bool,
    live: LiveServer | None = None,
) -> tuple[Budget, ...]:
    """One budget per server found (or given, or read, or assumed), over the pools it serves."""
    servers = find_servers(declared, given, assume_default, live)
    behind = {
        index: found
        for index, pool in enumerate(pools)
        if pool.site.role.name == "service" and (found := bouncer_of(pool, declared))
    }
    # Each bouncer keeps a server pool per database and user its clients connect as.
    counted = {
        id(bouncer): replace(bouncer, pairs=_bouncer_pairs(bouncer, pools, declared, behind))
        for bouncer in declared.bouncers
    }
    behind = {index: counted[id(bouncer)] for index, bouncer in behind.items()}
    declared = replace(declared, bouncers=tuple(counted.values()))
    if live is not None:
        servers = [with_other_clients(server, pools, declared) for server in servers]
    server_side = [budget(server, pools, declared, behind) for server in servers]
    return (*server_side, *(client_budget(b, pools, declared, behind) for b in declared.bouncers))


def find_servers(
    declared: Declarations, given: int | None, assume_default: bool, live: LiveServer | None = None
) -> list[Server]:
    """The servers' limits: read from the running server, given in options, declared in the
    repository, or PostgreSQL's default assumed.

    A server declared in a docker-compose file serves the code beside that file; one declared
    elsewhere (postgresql.conf, Helm values, ALTER SYSTEM) serves every pool checked.
    """
    if live is not None:  # what the server says wins over what any file or option says of it
        reserved = live.superuser_reserved + live.reserved
        where = f"the running server {live.where}"
        return [Server(live.max_connections, reserved, where, in_use=live.in_use)]
    if given is not None:
        return [Server(given, _reserved(declared.settings), "server-max-connections option")]
    servers: list[Server] = []
    for setting in (s for s in declared.settings if s.name == "max_connections"):
        scope = str(PurePosixPath(setting.path).parent) if setting.how.startswith("docker-compose") else ""
        if any(server.scope == scope for server in servers):
            continue  # the first declaration per scope counts
        same_file = [s for s in declared.settings if s.path == setting.path]
        where = f"{setting.path}:{setting.line} ({setting.how})"
        servers.append(
            Server(setting.value, _reserved(same_file), where, setting, "" if scope == "." else scope)
        )
    if not servers and assume_default:
        servers.append(
            Server(POSTGRESQL.max_connections, _reserved(declared.settings), "PostgreSQL's default, assumed")
        )
    return servers


def with_other_clients(server: Server, pools: Sequence[Pool], declared: Declarations) -> Server:
    """The running server with the connections other clients hold now taken off its slots: those of
    an application that is none of the repository's (its services, or an application_name its URLs
    set); a connection that names no application cannot be told to be the repository's, so counts."""
    if not server.in_use:
        return server
    names = own_applications(pools, declared)
    others = tuple((name, count) for name, count in server.in_use if not _is_own(name, names))
    return replace(server, other_clients=others)


def own_applications(pools: Sequence[Pool], declared: Declarations) -> set[str]:
    """The names the repository's services may show in pg_stat_activity.application_name."""
    ties: list[ReplicaCount | ProcessCount | DatabaseUrl | DeclaredValue] = [
        *declared.replicas,
        *declared.processes,
        *declared.urls,
        *declared.environment,
    ]
    names = {tie.service for tie in ties if tie.service}
    texts = [*(pool.site.text for pool in pools), *(url.value for url in declared.urls)]
    names |= {found for text in texts for found in APPLICATION_NAME.findall(text)}
    return names


def _is_own(application: str, names: set[str]) -> bool:
    """``orders`` or ``orders-api`` (the service's name, or it and a suffix) is the orders service's."""
    return any(
        application == name or application.startswith(tuple(name + s for s in "-_.:")) for name in names
    )


def budget(
    server: Server, pools: Sequence[Pool], declared: Declarations, behind: Mapping[int, Bouncer] | None = None
) -> Budget:
    """The server's budget: its pools, but for those behind a bouncer, whose server connections
    count instead (every bouncer in the server's scope: it opens them whoever its clients are)."""
    behind = behind or {}
    demands = []
    scope = PurePosixPath(server.scope)
    for index, pool in enumerate(pools):
        if not pool.site.pooled or pool.site.database not in COUNTED_DATABASES or index in behind:
            continue
        if pool.site.role.name != "service":  # tests, migrations and tools do not run under the load
            continue
        if server.scope and not _inside(PurePosixPath(pool.site.path), scope):
            continue
        demands += demands_of(index, pool, _maximum(pool), declared)
    bouncers = tuple(
        b for b in declared.bouncers if not server.scope or _inside(PurePosixPath(b.path).parent, scope)
    )
    return Budget(server, tuple(demands), bouncers)


def client_budget(
    bouncer: Bouncer, pools: Sequence[Pool], declared: Declarations, behind: Mapping[int, Bouncer]
) -> Budget:
    """A bouncer's client side: the pools behind it, against its ``max_client_conn``."""
    setting = ServerSetting(
        "max_client_conn", bouncer.max_client_conn, bouncer.path, bouncer.line, bouncer.how
    )
    where = f"PgBouncer {bouncer.path}:{bouncer.line} ({bouncer.how})"
    server = Server(bouncer.max_client_conn, 0, where, setting, bouncer=bouncer)
    demands = [
        found
        for index, pool in enumerate(pools)
        if behind.get(index) is bouncer
        for found in demands_of(index, pool, _maximum(pool), declared)
    ]
    return Budget(server, tuple(demands))


def bouncer_of(pool: Pool, declared: Declarations) -> Bouncer | None:
    """The bouncer the pool reaches: its URL in the code, or in its service's environment, names the
    bouncer's host (its compose service) or its port."""
    urls = _urls_of(pool, declared)
    for bouncer in declared.bouncers:
        if any(_reaches(text, bouncer) for text in (pool.site.text, *urls)):
            return bouncer
    return None


def _bouncer_pairs(
    bouncer: Bouncer, pools: Sequence[Pool], declared: Declarations, behind: Mapping[int, Bouncer]
) -> tuple[tuple[str, str], ...]:
    """The (database, user) pairs of the URLs by which the pools behind the bouncer reach it."""
    from poolcheck.capacity.bouncers import client_pair  # here: only a bouncer's pools are paired

    found: dict[tuple[str, str], None] = {}
    for index, pool in enumerate(pools):
        if behind.get(index) is not bouncer:
            continue
        for text in (pool.site.text, *_urls_of(pool, declared)):
            if _reaches(text, bouncer) and (pair := client_pair(text)) is not None:
                found.setdefault(pair, None)
    return tuple(found)


def pairs_of(pool: Pool, declared: Declarations) -> tuple[tuple[str, str], ...]:
    """The (database, user) pairs of the URLs a pool connects with, in its code or its service's
    environment: a bouncer put in front would keep a server pool for each."""
    from poolcheck.capacity.bouncers import client_pair

    found = (client_pair(text) for text in (pool.site.text, *_urls_of(pool, declared)))
    return tuple(dict.fromkeys(pair for pair in found if pair is not None))


def _urls_of(pool: Pool, declared: Declarations) -> list[str]:
    source = PurePosixPath(pool.site.path)
    return [url.value for url in declared.urls if runs_code(source, url)]


def _reaches(text: str, bouncer: Bouncer) -> bool:
    host = re.escape(bouncer.service)
    hosts = rf"(?:@{host}(?=[:/?\s'\"]|$)|\bhost={host}\b)" if bouncer.service else None
    port = rf"(?::{bouncer.listen_port}(?=[/?\s'\"]|$)|\bport={bouncer.listen_port}\b)"
    if hosts is not None and re.search(hosts, text):
        return True
    return bouncer.listen_port != POSTGRESQL_PORT and re.search(port, text) is not None


def demands_of(index: int, pool: Pool, maximum: int | None, declared: Declarations) -> list[Demand]:
    """The pool's demands: one per compose service built from its code (a web service and its Celery
    worker from one build context each run the pool), else one."""
    source = PurePosixPath(pool.site.path)
    services: dict[tuple[str, str], None] = {}
    ties: list[ReplicaCount | ProcessCount] = [*declared.replicas, *declared.processes]
    for tie in ties:
        if tie.service and tie.build is not None and runs_code(source, tie):
            services.setdefault((tie.path, tie.service), None)
    if len(services) < 2:
        return [demand(index, pool, maximum, declared)]
    found = []
    for path, service in services:
        replicas = next((r for r in declared.replicas if (r.path, r.service) == (path, service)), None)
        processes = next((p for p in declared.processes if (p.path, p.service) == (path, service)), None)
        found.append(demand(index, pool, maximum, declared, replicas or _one(path, service), processes))
    return found


def _one(path: str, service: str) -> ReplicaCount:
    """A compose service with no replica count: compose runs one."""
    return ReplicaCount(1, path, 1, "docker-compose service (1 replica: none declared)", service)


def demand(
    index: int,
    pool: Pool,
    maximum: int | None,
    declared: Declarations,
    service: ReplicaCount | None = None,
    service_processes: ProcessCount | None = None,
) -> Demand:
    """The pool's maximum, with the worst case of replicas and the processes per replica it runs in;
    ``service`` (and its processes), when the pool runs in more than one."""
    replicas = service or replicas_for(pool.site.path, declared.replicas)
    if replicas is None:
        count, scaled, surge = 1, None, 0
    else:
        scaled = _autoscaler(replicas, declared.autoscalers)
        count = max(replicas.count, scaled.max_replicas) if scaled else replicas.count
        surge = (surge_of(replicas.surge, count) or 0) if replicas.surge else 0
    # Each Python worker builds its own pools; a Rust service is one process.
    processes = None
    if pool.site.language == "python":
        processes = service_processes if service else processes_for(pool, replicas, declared.processes)
    per_replica = processes.count if processes else 1
    from poolcheck.libraries.django import DJANGO_POOL_ENTRY  # here: it loads every library's table

    if maximum is None and pool.site.library == "django" and pool.site.entry != DJANGO_POOL_ENTRY:
        # Django without a pool holds one connection per thread serving a request (CONN_MAX_AGE only
        # says how long it is kept): a process's maximum is its threads.
        maximum = processes.threads if processes else 1
    return Demand(
        index,
        pool,
        maximum,
        count + surge,
        replicas,
        scaled,
        surge,
        per_replica,
        processes,
        pairs_of(pool, declared),
    )


def _autoscaler(replicas: ReplicaCount | None, declared: Sequence[Autoscaler]) -> Autoscaler | None:
    """The autoscaler of a Kubernetes workload, by its name (a compose service has none)."""
    if replicas is None or not replicas.how.startswith("Kubernetes"):
        return None
    return next((a for a in declared if a.target == replicas.service), None)


def processes_for(
    pool: Pool, replicas: ReplicaCount | None, declared: Sequence[ProcessCount]
) -> ProcessCount | None:
    """The processes each replica of the pool's service runs.

    The command of the compose service or Kubernetes workload that the replicas came from wins
    (it overrides the image's); else the deepest folder holding the code that declares them, where
    a flag on a command (Dockerfile, Procfile) wins over gunicorn's configuration file, which wins
    over a default or WEB_CONCURRENCY, as gunicorn reads them.
    """
    source = PurePosixPath(pool.site.path)
    if replicas is not None:
        for processes in declared:
            if processes.service == replicas.service and processes.path == replicas.path:
                return processes
    tied = [p for p in declared if p.service and runs_code(source, p)]
    if tied:
        return tied[0]
    folders = [p for p in declared if not p.service and _inside(source, PurePosixPath(p.path).parent)]
    if not folders:
        return None
    return max(folders, key=lambda p: (len(PurePosixPath(p.path).parent.parts), p.precedence))


def runs_code(
    source: PurePosixPath, declared: ProcessCount | ReplicaCount | DatabaseUrl | DeclaredValue
) -> bool:
    """Is the code at ``source`` that of the service ``declared`` belongs to (build context or name)?"""
    if declared.build is not None:
        return _inside(source, PurePosixPath(declared.path).parent / declared.build)
    names = {declared.service} | {_image_name(image) for image in declared.images}
    return bool(names & set(source.parent.parts))


def replicas_for(path: str, declared: Sequence[ReplicaCount]) -> ReplicaCount | None:
    """The replica count declared for the service whose code contains ``path``, if one can be tied."""
    source = PurePosixPath(path)
    # A build context ties more surely than a name: asked first.
    return next((r for r in declared if r.build is not None and runs_code(source, r)), None) or next(
        (r for r in declared if r.build is None and runs_code(source, r)), None
    )


def surge_of(written: str, replicas: int) -> int | None:
    """The extra pods a rolling update of ``replicas`` may start: ``1``, or ``25%`` rounded up."""
    text = written.strip()
    if text.endswith("%"):
        percent = parse_count(text[:-1], 0, 100_000)
        return None if percent is None else -(-replicas * percent // 100)
    return parse_count(text, 0, MAX_SURGE)


def _maximum(pool: Pool) -> int | None:
    setting = pool.settings.get("max_connections")
    value = setting.value if setting is not None else None
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _reserved(settings: Sequence[ServerSetting]) -> int:
    superuser = next((s.value for s in settings if s.name == "superuser_reserved_connections"), None)
    other = next((s.value for s in settings if s.name == "reserved_connections"), 0)
    return (POSTGRESQL.reserved_connections if superuser is None else superuser) + other


def _inside(path: PurePosixPath, folder: PurePosixPath) -> bool:
    parts = [p for p in folder.parts if p not in (".", "")]
    normalized: list[str] = []
    for part in parts:
        if part == ".." and normalized:
            normalized.pop()
        else:
            normalized.append(part)
    return list(path.parts[: len(normalized)]) == normalized


def _image_name(image: str) -> str:
    """``registry.example.com/shop/orders-api:1.4`` -> ``orders-api``."""
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
