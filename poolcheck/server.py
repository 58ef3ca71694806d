"""Database-server facts that pool sizing answers to (LIBRARIES.md, "Server side").

Data only, like the library tables: issue cards quote it, and the server-capacity
rule can sum pools against it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerDefaults:
    name: str  # as reviewers say it: "PostgreSQL"
    max_connections: int  # the server's default connection limit
    reserved_connections: int  # slots ordinary roles cannot use
    idle_backend_mib: float  # memory one idle connection holds on the server
    work_mem_mb: int  # more per sort or hash node while a query runs
    setting: str  # how the limit is set

    @property
    def usable_connections(self) -> int:
        """Slots left for every pool of every service and replica together."""
        return self.max_connections - self.reserved_connections


# max_connections 100, superuser_reserved_connections 3, reserved_connections 0 (PG16+).
POSTGRESQL = ServerDefaults(
    name="PostgreSQL",
    max_connections=100,
    reserved_connections=3,
    idle_backend_mib=2,
    work_mem_mb=4,
    setting="`max_connections` in postgresql.conf (or `-c max_connections=N`)",
)

SERVERS: dict[str, ServerDefaults] = {"postgres": POSTGRESQL}
