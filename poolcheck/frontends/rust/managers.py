"""Which database a generic pool (bb8, r2d2, deadpool) serves, read off its connection manager.

A Redis, AMQP or other non-database manager makes the pool no database pool
at all; a manager that cannot be identified is not guessed.
"""

from __future__ import annotations

from poolcheck.frontends.rust import aliases
from poolcheck.frontends.rust.syntax import Node, RustFile, arguments, captures, field, path_segments
from poolcheck.frontends.rust.values import Resolver

NOT_A_DATABASE = "not-a-database"

# Manager type -> database; None: read it from the type parameter (diesel's ConnectionManager<PgConnection>).
MANAGERS: dict[str, str | None] = {
    "PostgresConnectionManager": "postgres",
    "PgConnectionManager": "postgres",
    "SqliteConnectionManager": "sqlite",
    "MysqlConnectionManager": "mysql",
    "MySqlConnectionManager": "mysql",
    "ConnectionManager": None,
    "AsyncDieselConnectionManager": None,
    "RedisConnectionManager": NOT_A_DATABASE,
    "RedisMultiplexedConnectionManager": NOT_A_DATABASE,
    "RedisClusterConnectionManager": NOT_A_DATABASE,
    "LapinConnectionManager": NOT_A_DATABASE,
}
CONNECTIONS = {
    "PgConnection": "postgres",
    "AsyncPgConnection": "postgres",
    "MysqlConnection": "mysql",
    "AsyncMysqlConnection": "mysql",
    "SqliteConnection": "sqlite",
    "SyncConnectionWrapper": "sqlite",
}
# deadpool's crates each have a `Manager`: the crate names the database.
CRATES = {
    "deadpool_postgres": "postgres",
    "deadpool_sqlite": "sqlite",
    "deadpool_diesel": None,
    # deadpool-diesel's per-database modules alias its Manager and Pool over one connection each
    # (deadpool-diesel 0.4 - 0.6.1 src/postgres.rs, mysql.rs, sqlite.rs: Manager<diesel::PgConnection>).
    "deadpool_diesel::postgres": "postgres",
    "deadpool_diesel::mysql": "mysql",
    "deadpool_diesel::sqlite": "sqlite",
    "deadpool_redis": NOT_A_DATABASE,
    "deadpool_lapin": NOT_A_DATABASE,
    "deadpool_memcached": NOT_A_DATABASE,
}


def manager_database(node: Node | None, resolver: Resolver) -> str | None:
    """postgres/mysql/sqlite, ``NOT_A_DATABASE``, or None when the manager cannot be identified."""
    return type_database(manager_type(node, resolver), resolver.file)


def manager_type(node: Node | None, resolver: Resolver, depth: int = 0) -> Node | None:
    """The type of the manager ``node`` builds or names: its constructor's path, or a parameter's type."""
    file = resolver.file
    if node is None or depth > 8:
        return None
    if node.type in ("reference_expression", "parenthesized_expression"):
        inner = node.named_children[-1] if node.named_children else None
        return manager_type(inner, resolver, depth + 1)
    if node.type == "identifier":
        binding = resolver.local_binding(node, file.text(node))
        if binding is not None:
            return manager_type(binding, resolver, depth + 1)
        return parameter_type(node, file)
    if node.type == "call_expression":
        function = field(node, "function")
        if function is not None and function.type == "field_expression":  # Manager::new(..).into(), x.clone()
            return manager_type(field(function, "value"), resolver, depth + 1)
        if function is not None and function.type == "scoped_identifier":
            return field(function, "path")
    if node.type == "try_expression" or node.type == "await_expression":
        return manager_type(node.named_children[0] if node.named_children else None, resolver, depth + 1)
    return None


def declared_database(call: Node, file: RustFile) -> str | None:
    """The database of the pool type declared for what ``call`` builds, when its manager is written
    without its type (diesel's ``ConnectionManager::new(url)``): the type of the ``let``, ``static``
    or ``const`` it is the value of (``let pool: DbPool = ..``), else the return type of its function
    (``-> Pool<ConnectionManager<PgConnection>>``, within a Result too), aliases followed into the
    crate's other modules. The innermost declaration that names a pool decides; it says nothing when
    it names pools of more than one database, or of one it cannot tell.
    """
    for around in reversed(file.ancestors(call)):
        if around.type in ("let_declaration", "static_item", "const_item"):
            value = field(around, "value")
            if value is None or not value.start_byte <= call.start_byte < value.end_byte:
                continue
            declared = field(around, "type")
        elif around.type == "function_item":
            declared = field(around, "return_type")
        else:
            continue
        served = _declared_pools(declared, file) if declared is not None else set()
        if served or around.type == "function_item":
            return served.pop() if len(served) == 1 else None
    return None


DECLARED_TYPES = """
[(generic_type) (type_identifier) (scoped_type_identifier)] @type
(generic_type type: (_) @name)
(scoped_type_identifier name: (_) @name)
"""


def _declared_pools(declared: Node, file: RustFile) -> set[str | None]:
    """The databases of the pools a declared type names, in it or in its aliases (None: one unknown)."""
    written = captures(DECLARED_TYPES, declared)
    names = {node.id for node in written.get("name", [])}  # of `Pool<..>` or `r2d2::Pool`: read whole
    found: set[str | None] = set()
    for node in written.get("type", []):
        if node.id not in names:
            found |= pool_databases(node, file)
    return found


def pool_databases(node: Node, file: RustFile) -> set[str | None]:
    """The databases a pool *type* serves: ``Pool<ConnectionManager<PgConnection>>``, diesel-async's
    ``Pool<AsyncPgConnection>``, deadpool-postgres's ``Pool``, or an alias of one (``DbPool``); empty
    when it is no pool, None for a pool whose database it does not say.
    """
    found: set[str | None] = set()
    for pool, where in aliases.expansions(node, file):
        segments = path_segments(pool, where)
        if not segments or segments[-1][0] != "Pool":
            continue
        served = segments[-1][1].named_children if segments[-1][1] is not None else []
        if served:
            found |= {_served(written, defined) for written, defined in aliases.expansions(served[0], where)}
        else:  # deadpool_postgres::Pool: the crate says, where it is one of deadpool's
            crate = where.qualified([name for name, _ in segments])[:-1]
            found.add(CRATES.get("::".join(crate)))
    return found


def _served(served: Node, file: RustFile) -> str | None:
    """What a pool's type argument names: its manager (``ConnectionManager<PgConnection>``) or, for
    diesel-async's pools, its connection."""
    database = type_database(served, file)
    segments = path_segments(served, file) if database is None else []
    return database or (CONNECTIONS.get(segments[-1][0]) if segments else None)


def type_database(node: Node | None, file: RustFile) -> str | None:
    """The database a manager *type* (a path, maybe generic) stands for, or the type an alias of
    one does (``type PgManager = ConnectionManager<PgConnection>;``, here or in another module)."""
    if node is None:
        return None
    found = {_named_manager(target, where) for target, where in aliases.expansions(node, file)}
    return found.pop() if len(found) == 1 else None


def _named_manager(node: Node, file: RustFile) -> str | None:
    segments = path_segments(node, file)
    if not segments:
        return None
    name, type_args = segments[-1]
    crates = file.qualified([s for s, _ in segments])
    # deadpool_postgres::Manager, deadpool_diesel::postgres::Manager
    crate = next((c for c in ("::".join(crates[:-1]), "::".join(crates[-2:-1])) if c in CRATES), None)
    if name == "Manager" and crate is not None:
        return CRATES[crate] or _connection(type_args, file)
    if name not in MANAGERS:
        return None
    return MANAGERS[name] or _connection(type_args, file)


def parameter_type(use: Node, file: RustFile) -> Node | None:
    """The declared type of a function parameter named like ``use``."""
    scope = file.enclosing_function(use)
    params = field(scope, "parameters") if scope is not None else None
    for param in params.named_children if params is not None else ():
        pattern, declared = field(param, "pattern"), field(param, "type")
        if pattern is not None and declared is not None and file.text(pattern) == file.text(use):
            while declared is not None and declared.type in ("reference_type", "pointer_type"):
                declared = field(declared, "type")
            return declared
    return None


def _connection(type_args: Node | None, file: RustFile) -> str | None:
    """``<PgConnection>``, or ``<DbConnection>`` with ``type DbConnection = diesel::PgConnection;``
    (one per database under ``#[cfg(feature = ..)]``: then it says nothing)."""
    if type_args is None or not type_args.named_children:
        return None
    found = set()
    for connection, where in aliases.expansions(type_args.named_children[0], file):
        segments = path_segments(connection, where)
        found.add(CONNECTIONS.get(segments[-1][0]) if segments else None)
    return found.pop() if len(found) == 1 else None


def first_argument(call: Node) -> Node | None:
    args = arguments(call)
    return args[0] if args else None
