"""The normalized model: the plain records that flow between pipeline stages.

This module imports nothing of poolcheck, so every stage can depend on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from poolcheck.roles import SERVICE, Role

Source = Literal["explicit", "default", "env-default", "env", "constant", "dynamic", "disabled"]
Priority = Literal["p1", "p2", "p3"]
ErrorKind = Literal["parse", "read", "config", "timeout"]
Value = int | float | bool | None

CONCEPTS = (
    "max_connections",
    "min_connections",
    "initial_connections",  # asyncpg 0.32's init_size: how many open at start
    "acquire_timeout",
    "connect_timeout",
    "max_lifetime",
    "idle_timeout",
    "health_check",
    "recycle_timeout",  # deadpool: bounds the checkout check that recycling runs
    "persistent_connections",  # Django's CONN_MAX_AGE beside a pool: refused unless 0
)
TIME_CONCEPTS = frozenset(
    {
        "acquire_timeout",
        "connect_timeout",
        "max_lifetime",
        "idle_timeout",
        "recycle_timeout",
        "persistent_connections",
    }
)
COUNT_CONCEPTS = frozenset({"max_connections", "min_connections", "initial_connections"})
PRIORITIES: tuple[Priority, ...] = ("p1", "p2", "p3")


@dataclass(frozen=True, order=True)
class Span:
    """A source range: 1-based lines, 1-based columns counted in characters."""

    line: int
    column: int
    end_line: int
    end_column: int

    def contains(self, other: Span) -> bool:
        return (self.line, self.column) <= (other.line, other.column) and (
            other.end_line,
            other.end_column,
        ) <= (self.end_line, self.end_column)


@dataclass(frozen=True)
class Setting:
    """One configuration value: what it is, where it comes from, where it is written."""

    value: Value
    source: Source
    expr: str | None = None
    span: Span | None = None
    env: str | None = None  # the variable of an env lookup, kept for messages
    constant: str | None = None  # the constant's name when source is "constant"
    knob: str | None = None  # the library's own name for it, as written
    note: str | None = None  # a default that is not a plain number ("CPU-dependent")
    via: str | None = None  # how a derived value was reached ("max_size unset: min_size")
    parts: tuple[tuple[str, Setting], ...] = ()  # the knobs a summed value adds up, by name
    by: str | None = None  # who sets a default, when not the library itself ("Flask-SQLAlchemy")
    # Source "env": the file and line that give the variable the value used ("docker-compose.yml:12").
    defined_at: str | None = None
    # Every value the repository's files give ``env``, the one used among them (project/environment.py).
    declared: tuple[DeclaredValue, ...] = ()
    # The factor from the variable's number to ``value``: 0.001 for ``Duration::from_millis(env..)``.
    scale: float = 1.0
    # Set differently in each arm of an if/elif/else, a conditional expression or a match: each
    # arm's value with its condition. ``value`` stays dynamic; the rules read each arm (variants.py).
    variants: tuple[Variant, ...] = ()

    @property
    def written(self) -> bool:
        return self.source != "default"

    @property
    def unbounded(self) -> bool:
        """True when the effective value means "never" / "forever" / "no limit"."""
        return self.value is None and self.source in ("default", "disabled") and not self.note


@dataclass(frozen=True)
class Variant:
    """One arm's value of a setting: ``settings.ENVIRONMENT == "production"``, ``else``, ``case "prod"``."""

    condition: str  # as written; "else" for an else arm, "otherwise" for the value before the if
    value: Value
    source: Source
    # Where the arm is written: in the pool's file, or in the module that sets an imported constant
    # in each branch (``from app.settings import POOL_SIZE``), whose "path:line" is then ``defined_at``.
    span: Span | None = None
    defined_at: str | None = None  # as Setting's: where the value is defined, in another file or class
    constant: str | None = None  # the constant's name as a message gives it ("settings.POOL_SIZE")


EnvKind = Literal["deployment", "development", "example", "test"]


@dataclass(frozen=True)
class DeclaredValue:
    """A value a file of the repository gives an environment variable, and the service it is for.

    ``kind`` says which environment the file describes: compose, Kubernetes and a production
    ``.env`` deploy; a plain ``.env`` is a developer's; ``.env.example`` and ``.env.test`` are neither.
    """

    variable: str
    value: str  # as written, quotes removed
    path: str
    line: int
    how: str  # ".env file", "docker-compose environment", "Kubernetes ConfigMap app-config via envFrom"
    kind: EnvKind
    service: str = ""  # the compose service or Kubernetes workload it is given to; "" for a file's own
    build: str | None = None  # the compose service's build context, relative to the compose file
    images: tuple[str, ...] = ()
    document: str = ""  # the ConfigMap that holds it, by name

    @property
    def defined_at(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class EnvironmentReference:
    """A service that takes its environment from another file or document: compose ``env_file:``,
    Kubernetes ``envFrom`` / ``valueFrom.configMapKeyRef``. Resolved once every file is read."""

    path: str
    line: int
    how: str  # "docker-compose env_file", "Kubernetes envFrom", "Kubernetes configMapKeyRef"
    service: str
    target: str  # the env file's path as written, or the ConfigMap's name
    build: str | None = None
    images: tuple[str, ...] = ()
    prefix: str = ""  # envFrom's prefix, put before each key
    key: str | None = None  # configMapKeyRef: the one key read, under ``variable``
    variable: str = ""


ASSUMED = "assumed"  # the source of a version no file names: the latest release's facts apply


@dataclass(frozen=True)
class LibraryVersion:
    """The version of a pool's library whose facts apply, and where it was read (poolcheck/versions/)."""

    version: str  # "0.7.4", as the file writes it
    source: str  # the lockfile or manifest as shown, or ASSUMED: the table's latest release
    at_least: bool = False  # a manifest's lower bound ("0.7" allows 0.7.0 and up)

    @property
    def assumed(self) -> bool:
        return self.source == ASSUMED


@dataclass(frozen=True)
class PoolSite:
    """A pool construction as a front end found it: the knobs written, no defaults yet."""

    path: str
    span: Span
    language: str
    library: str
    constructor: str  # as written, e.g. "sa.create_engine"
    database: str
    text: str  # the construction as written, from the first builder call to the terminal
    lines: tuple[str, ...] = ()  # the whole source lines the construction spans, for frames and cards
    knobs: tuple[tuple[str, Setting], ...] = ()  # library knob name -> setting, in written order
    pooled: bool = True
    entry: str = ""  # the library's own name for the constructor, e.g. "sqlalchemy.create_engine"
    # The environment variable its URL is read from (a BaseSettings field, os.getenv): a value the
    # repository declares for it names the database as it runs (project/environment.py).
    database_env: str | None = None
    # In the branch a SQLite URL test excludes (frontends/python/branches.py): never SQLite, whatever
    # a value of its URL says.
    sqlite_excluded: bool = False
    role: Role = SERVICE  # what the pool is for, set by the pipeline from where it is built
    # The library's version whose facts apply, set by the pipeline; None: not looked up (the latest's).
    version: LibraryVersion | None = None
    # The project function building this pool from its parameters ("/abs/path.py:make_engine"): the
    # site in its body stands for the calls of it, until the pipeline finds one (pipeline.py).
    wrapper: str | None = None
    wrapper_call: bool = False  # built at a call of ``wrapper``, with the call's arguments


@dataclass(frozen=True)
class Pool:
    """A pool with its effective configuration: each concept the library has, written or default."""

    site: PoolSite
    settings: Mapping[str, Setting] = field(default_factory=dict)
    ceiling: Ceiling | None = None  # the largest maximum the budgets it counts in allow (capacity/shares.py)

    @property
    def version(self) -> LibraryVersion | None:
        return self.site.version

    @property
    def exempt(self) -> bool:
        """SQLite pools are checked for invalid bounds only (SPEC section 3)."""
        return self.site.database == "sqlite"


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    priority: Priority
    path: str
    span: Span
    message: str
    library: str
    fingerprint: str
    pool: int | None  # index into the report's pools; None for system-level findings
    concept: str | None = None  # the setting the finding is about, when it is one
    # Where ``span`` falls in the pool's lines as shown, when masking a password there moved it.
    shown_span: Span | None = None


@dataclass(frozen=True)
class FileError:
    path: str
    message: str
    kind: ErrorKind


@dataclass(frozen=True)
class Suppression:
    """An inline ``poolcheck: ignore`` or ``noqa`` comment: where, and the rules named (none: every rule)."""

    line: int
    column: int  # of the comment token, 1-based in characters
    codes: tuple[str, ...] = ()
    alone: bool = False  # nothing but the comment on its line, so it may cover the line below
    noqa: bool = False  # spelt noqa: a bare one may serve another tool, so it is never reported unused


@dataclass(frozen=True)
class UnusedSuppression:
    """A suppression comment that silenced nothing, or names rules that did not fire there."""

    path: str
    suppression: Suppression
    codes: tuple[str, ...] = ()  # the named rules that silenced nothing; empty for a bare comment


@dataclass(frozen=True)
class Candidate:
    """A file the prefilter kept for parsing: read once, its bytes travel to the front end (or a worker)."""

    path: str  # as shown, which also opens it
    language: str  # the front end that reads it
    data: bytes
    # The project's wrapper functions whose calls are wanted here instead of the entries' (pipeline.py).
    wrappers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileResult:
    """What one file contributed: its pool sites, suppression comments, and the errors met reading it."""

    path: str
    sites: tuple[PoolSite, ...] = ()
    errors: tuple[FileError, ...] = ()
    suppressions: tuple[Suppression, ...] = ()  # collected only in files that hold a pool
    # Names it binds to a pool entry that other files may import and call ("/abs/app/db.py:DbPool").
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    pools: tuple[Pool, ...]
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    files_checked: int
    unused_suppressions: tuple[UnusedSuppression, ...] = ()
    baselined: int = 0  # findings hidden because their fingerprint is in the baseline
    capacity: tuple[Budget, ...] = ()  # per database server: the pools it serves and their sum
    warnings: tuple[str, ...] = ()  # about the run, not a file's content: no file found, a file not checked
    root: Path | None = None  # the project root (poolcheck/root.py); None: the working directory
    fixed: int = 0  # findings removed by --fix (or that --diff would remove)


# Server capacity (PC010): what the repository declares, and the budget per server.


@dataclass(frozen=True)
class ServerSetting:
    """A server setting as written: which knob, its value, where, and how."""

    name: str  # max_connections, superuser_reserved_connections, reserved_connections
    value: int
    path: str
    line: int
    how: str  # "postgresql.conf", "docker-compose command", "ALTER SYSTEM", ...
    server: str = ""  # the compose service it belongs to, when known


@dataclass(frozen=True)
class ReplicaCount:
    """How many copies of a service run, and what ties it to code."""

    count: int
    path: str
    line: int
    how: str  # "docker-compose deploy.replicas", "Kubernetes Deployment"
    service: str
    build: str | None = None  # compose build context, relative to the compose file
    images: tuple[str, ...] = ()
    # A rolling update's extra pods, as written ("1", "25%"); Kubernetes' default for a Deployment.
    surge: str | None = None


@dataclass(frozen=True)
class Autoscaler:
    """The most replicas an autoscaler may run of a workload: the worst case a budget counts."""

    target: str  # the workload's name (scaleTargetRef.name)
    max_replicas: int
    path: str
    line: int
    how: str  # "Kubernetes HorizontalPodAutoscaler maxReplicas", "KEDA ScaledObject maxReplicaCount"


@dataclass(frozen=True)
class ProcessCount:
    """How many processes each replica of a service runs (gunicorn workers, Celery concurrency).

    Each process has pools of its own. ``count`` None: as many as the machine has CPUs.
    """

    count: int | None
    path: str
    line: int
    how: str  # "gunicorn --workers in Dockerfile CMD", "WEB_CONCURRENCY in docker-compose environment"
    service: str = ""  # the compose service or Kubernetes workload it belongs to; "" for a folder's
    build: str | None = None  # compose build context, relative to the compose file
    images: tuple[str, ...] = ()
    # As gunicorn reads them: 2 a command-line flag, 1 its configuration file, 0 a default or WEB_CONCURRENCY.
    precedence: int = 2
    threads: int = 1  # per process (gunicorn --threads, threads = N): Django holds a connection per thread


@dataclass(frozen=True)
class BouncerDatabase:
    """One ``[databases]`` entry of PgBouncer: a pool of server connections per user."""

    name: str  # "*": every database
    line: int
    pool_size: int | None  # None: the bouncer's default_pool_size
    max_db_connections: int | None  # None: the bouncer's
    # user= in its connection string: every client shares one pool as that user (PgBouncer's
    # doc/config.md, [databases] user), instead of one pool per client user.
    user: str | None = None


@dataclass(frozen=True)
class Bouncer:
    """PgBouncer in front of a server: the clients it takes, and the server connections it opens."""

    path: str
    line: int
    how: str  # "pgbouncer.ini", "edoburu/pgbouncer image environment in docker-compose"
    service: str  # its compose service or Kubernetes workload: the host name services reach it by
    listen_port: int
    max_client_conn: int
    default_pool_size: int
    reserve_pool_size: int
    max_db_connections: int  # 0: no cap
    databases: tuple[BouncerDatabase, ...] = ()
    written: tuple[str, ...] = ()  # the settings declared; the others are PgBouncer's defaults
    # (database, user) its clients connect as, from their URLs; "" where the URL does not say.
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def server_connections(self) -> int:
        """The most it opens to the server: a pool per database and user, of its pool size and the
        reserve, capped per database by max_db_connections."""
        return sum(self._server_pools(database)[1] for database in self._entries())

    @property
    def pairs_counted(self) -> int:
        """The server pools it keeps: per database, one per client user, or one when none is known."""
        return sum(self._server_pools(database)[0] for database in self._entries())

    def _entries(self) -> tuple[BouncerDatabase, ...]:
        return self.databases or (BouncerDatabase("*", self.line, None, None),)

    def _server_pools(self, entry: BouncerDatabase) -> tuple[int, int]:
        """(pools, connections) of one [databases] entry: "*" serves each database not listed."""
        listed = {d.name for d in self.databases if d.name != "*"}
        names = {entry.name} if entry.name != "*" else {d for d, _ in self.pairs if d not in listed}
        size = self.default_pool_size if entry.pool_size is None else entry.pool_size
        cap = self.max_db_connections if entry.max_db_connections is None else entry.max_db_connections
        pools = connections = 0
        for name in names or {entry.name}:
            users = {user for database, user in self.pairs if database == name and user}
            count = 1 if entry.user is not None else max(1, len(users))
            opened = count * (size + self.reserve_pool_size)
            pools += count
            connections += min(opened, cap) if cap else opened
        return pools, connections


@dataclass(frozen=True)
class DatabaseUrl:
    """A database URL (or conninfo) in a service's environment: it says which host the service reaches."""

    value: str
    path: str
    line: int
    service: str
    build: str | None = None
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Server:
    max_connections: int
    reserved: int
    where: str  # "docker-compose.yml:5 (docker-compose command)", "server-max-connections option"
    setting: ServerSetting | None = None
    scope: str = ""  # the folder whose pools it serves ("" for all)
    # Read from the running server (--server-url): its connections open now, by application_name.
    in_use: tuple[tuple[str, int], ...] | None = None
    bouncer: Bouncer | None = None  # set when this budget is PgBouncer's client side, max_client_conn
    # Of in_use, the connections of applications that are none of the repository's services: they
    # hold slots the pools cannot have.
    other_clients: tuple[tuple[str, int], ...] = ()

    @property
    def others_in_use(self) -> int:
        return sum(count for _, count in self.other_clients)

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved - self.others_in_use


@dataclass(frozen=True)
class Demand:
    """One pool's share of a server: its maximum times its replicas (the worst case) and processes."""

    index: int  # of the pool in the report's pools
    pool: Pool
    maximum: int | None  # None: dynamic, unbounded or CPU-dependent, so not counted
    replicas: int  # at most: an autoscaler's maximum when one scales the workload, plus the surge
    replicas_from: ReplicaCount | None  # None: nothing ties the code to a replica count
    scaled_by: Autoscaler | None = None
    surge: int = 0  # of the replicas, the extra pods of a rolling update
    processes: int | None = 1  # per replica; None: one per CPU, so not counted
    processes_from: ProcessCount | None = None  # None: one process, as none is declared
    pairs: tuple[tuple[str, str], ...] = ()  # (database, user) of the URLs it connects with

    @property
    def connections(self) -> int | None:
        if self.maximum is None or self.processes is None:
            return None
        return self.maximum * self.replicas * self.processes


@dataclass(frozen=True)
class Budget:
    server: Server
    demands: tuple[Demand, ...]
    bouncers: tuple[Bouncer, ...] = ()  # in front of the server: their server connections count here

    @property
    def total(self) -> int:
        return sum(d.connections or 0 for d in self.demands) + sum(
            b.server_connections for b in self.bouncers
        )

    @property
    def unknown(self) -> tuple[Demand, ...]:
        return tuple(d for d in self.demands if d.connections is None)

    @property
    def exceeded(self) -> bool:
        return self.total > self.server.available


@dataclass(frozen=True)
class Ceiling:
    """The largest maximum one pool may have for a budget to hold, and the arithmetic behind it."""

    connections: int  # per process: its share of the available connections
    per_process: int  # replicas x processes: how many times its maximum counts
    others: int  # what the other pools (and bouncers) of the budget may open
    reserved: int
    available: int
    where: str  # the budget's server or bouncer, as Server.where says it
    bouncer: bool = False  # the budget is a PgBouncer's max_client_conn
    in_use: int = 0  # held by other clients of the running server (--server-url)

    def limit_for(self, size: int) -> int:
        """The server's max_connections (or the bouncer's max_client_conn) that ``size`` would need."""
        return self.reserved + self.in_use + self.others + size * self.per_process


@dataclass(frozen=True)
class Declarations:
    """What the repository's files declare about servers and replicas, and the values not read."""

    settings: tuple[ServerSetting, ...] = ()
    replicas: tuple[ReplicaCount, ...] = ()
    errors: tuple[FileError, ...] = ()  # a value out of range, a document that cannot be read
    autoscalers: tuple[Autoscaler, ...] = ()
    processes: tuple[ProcessCount, ...] = ()
    bouncers: tuple[Bouncer, ...] = ()
    urls: tuple[DatabaseUrl, ...] = ()
    # The environment values given to the variables pools read (read only when a pool reads one).
    environment: tuple[DeclaredValue, ...] = ()
    references: tuple[EnvironmentReference, ...] = ()
    # Files that could not be read at all: most such files declare nothing, so a warning, not an error.
    warnings: tuple[str, ...] = ()
