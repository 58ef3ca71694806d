"""Which database a generic pool (bb8, r2d2, deadpool) serves, read off its connection manager.

A Redis, AMQP or other non-database manager makes the pool no database pool
at all; a manager that cannot be identified is not guessed.
"""

from __future__ import annotations

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


def returned_database(call: Node, file: RustFile) -> str | None:
    """The database of the pool type the function around ``call`` returns, when its manager is not
    written: ``-> Pool<ConnectionManager<PgConnection>>`` with ``ConnectionManager::new(url)``, also
    within a Result; diesel-async's ``Pool<AsyncPgConnection>`` names the connection. None when the
    type names no pool, or pools of more than one database.
    """
    function = file.enclosing_function(call)
    for _ in range(8):  # out of closures and async blocks, to the fn item
        if function is None or function.type == "function_item":
            break
        function = file.enclosing_function(function)
    returned = field(function, "return_type") if function is not None else None
    if returned is None:
        return None
    found = set()
    for pool in captures("(generic_type) @pool", returned).get("pool", []):
        segments = path_segments(pool, file)
        if not segments or segments[-1][0] != "Pool" or segments[-1][1] is None:
            continue
        served = segments[-1][1].named_children
        argument = path_segments(served[0], file) if served else []
        database = type_database(served[0], file) if served else None
        found.add(database or (CONNECTIONS.get(argument[-1][0]) if argument else None))
    return found.pop() if len(found) == 1 else None


def type_database(node: Node | None, file: RustFile) -> str | None:
    """The database a manager *type* (a path, maybe generic) stands for."""
    if node is None:
        return None
    segments = path_segments(node, file)
    if not segments:
        return None
    name, type_args = segments[-1]
    crates = file.qualified([s for s, _ in segments])
    if name == "Manager" and len(crates) >= 2 and crates[-2] in CRATES:
        return CRATES[crates[-2]] or _connection(type_args, file)
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
    if type_args is None or not type_args.named_children:
        return None
    segments = path_segments(type_args.named_children[0], file)
    return CONNECTIONS.get(segments[-1][0]) if segments else None


def first_argument(call: Node) -> Node | None:
    args = arguments(call)
    return args[0] if args else None
