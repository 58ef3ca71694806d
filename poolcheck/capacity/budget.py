"""The connection budget: every pool's maximum, times its replicas, against the server's slots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from poolcheck.model import Budget, Declarations, Demand, Pool, ReplicaCount, Server, ServerSetting
from poolcheck.server import POSTGRESQL

COUNTED_DATABASES = ("postgres", "unknown")  # a pool whose URL is not written is counted, and said so


def budgets(
    declared: Declarations, pools: Sequence[Pool], given: int | None, assume_default: bool
) -> tuple[Budget, ...]:
    """One budget per server found (or given, or assumed), over the pools it serves."""
    return tuple(budget(server, pools, declared) for server in find_servers(declared, given, assume_default))


def find_servers(declared: Declarations, given: int | None, assume_default: bool) -> list[Server]:
    """The servers' limits: given in options, declared in the repository, or PostgreSQL's default assumed.

    A server declared in a docker-compose file serves the code beside that file; one declared
    elsewhere (postgresql.conf, Helm values, ALTER SYSTEM) serves every pool checked.
    """
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


def budget(server: Server, pools: Sequence[Pool], declared: Declarations) -> Budget:
    demands = []
    scope = PurePosixPath(server.scope)
    for index, pool in enumerate(pools):
        if not pool.site.pooled or pool.site.database not in COUNTED_DATABASES:
            continue
        if server.scope and not _inside(PurePosixPath(pool.site.path), scope):
            continue
        setting = pool.settings.get("max_connections")
        value = setting.value if setting is not None else None
        maximum = int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        replicas = replicas_for(pool.site.path, declared.replicas)
        demands.append(Demand(index, pool, maximum, replicas.count if replicas else 1, replicas))
    return Budget(server, tuple(demands))


def replicas_for(path: str, declared: Sequence[ReplicaCount]) -> ReplicaCount | None:
    """The replica count declared for the service whose code contains ``path``, if one can be tied."""
    source = PurePosixPath(path)
    for replicas in declared:
        if replicas.build is not None:
            context = PurePosixPath(replicas.path).parent / replicas.build
            if _inside(source, context):
                return replicas
    folders = set(source.parent.parts)
    for replicas in declared:
        names = {replicas.service} | {_image_name(image) for image in replicas.images}
        if replicas.build is None and names & folders:
            return replicas
    return None


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
