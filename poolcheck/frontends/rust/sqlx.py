"""sqlx: which calls build a pool, and the database each names (LIBRARIES.md, sqlx)."""

from __future__ import annotations

import re

from poolcheck.frontends.rust import aliases
from poolcheck.frontends.rust.chains import follow
from poolcheck.frontends.rust.sites import Origin, site_from_chain
from poolcheck.frontends.rust.syntax import Node, RustFile, path_segments
from poolcheck.frontends.rust.values import Resolver
from poolcheck.libraries.sqlx import SQLX
from poolcheck.model import PoolSite

# Builder types and the database each one is for; None: read from the type parameter.
BUILDERS: dict[str, str | None] = {
    "PgPoolOptions": "postgres",
    "MySqlPoolOptions": "mysql",
    "SqlitePoolOptions": "sqlite",
    "AnyPoolOptions": "unknown",
    "PoolOptions": None,
}
BUILDER_CONSTRUCTORS = frozenset({"new", "default"})
# Pool types whose connect functions build a pool with every default.
POOLS: dict[str, str | None] = {
    "PgPool": "postgres",
    "MySqlPool": "mysql",
    "SqlitePool": "sqlite",
    "AnyPool": "unknown",
    "Pool": None,
}
TERMINALS = frozenset({"connect", "connect_with", "connect_lazy", "connect_lazy_with"})
CALLED = BUILDER_CONSTRUCTORS | TERMINALS
DATABASE_TYPES = {"Postgres": "postgres", "MySql": "mysql", "Sqlite": "sqlite", "Any": "unknown"}
URL_SCHEMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
# Every builder and pool type names a Pool: a file without the word has no sqlx pool.
NAMES = (b"Pool",)


def find(file: RustFile) -> list[PoolSite]:
    if not file.names_any(NAMES):
        return []
    resolver = Resolver(file)
    sites = []
    for call, function in file.path_calls:
        # The name called decides first, at the cost of one node's text: most calls are none of these.
        if function.type != "scoped_identifier" or _called_name(function, file) not in CALLED:
            continue
        origin = _origin(call, function, file)
        if origin is not None:
            chain = follow(call, file, TERMINALS) if origin.builder else None
            sites.append(site_from_chain(resolver, SQLX, origin, chain, url_database))
    return sites


def _called_name(function: Node, file: RustFile) -> str | None:
    name = function.child_by_field_name("name")
    return file.text(name) if name is not None else None


def _origin(call: Node, function: Node, file: RustFile) -> Origin | None:
    segments = path_segments(function, file)
    if len(segments) < 2:
        return None
    (type_name, type_args), (name, _) = segments[-2], segments[-1]
    qualified = any(segment == "sqlx" for segment, _ in segments)
    written = file  # where the pool's type is written: here, or where its alias is defined
    aliased = _aliased_pool(function, file) if type_name not in POOLS and name in TERMINALS else None
    if aliased is not None:  # `DbPool::connect(url)` with `pub type DbPool = sqlx::PgPool;`
        pool, written = aliased
        [*path, (type_name, type_args)] = path_segments(pool, written)
        qualified = "sqlx" in written.qualified([segment for segment, _ in path])
    if type_name in BUILDERS and name in BUILDER_CONSTRUCTORS:
        builder = True
        database = BUILDERS[type_name] or _type_parameter(type_args, file)
    elif type_name in POOLS and name in TERMINALS:
        builder = False
        database = POOLS[type_name] or _type_parameter(type_args, written)
    else:
        return None
    # A bare `PoolOptions::new()` / `Pool::connect` is sqlx's only where the file says so.
    if database is None and not (qualified or _imports_from_sqlx(written, type_name)):
        return None
    constructor = file.text(function) + ("()" if builder else "")
    return Origin(call, constructor, f"{type_name}::{name}", database or "unknown", builder)


def _aliased_pool(function: Node, file: RustFile) -> tuple[Node, RustFile] | None:
    """The one pool type an alias the call is made on stands for, in the file that writes it."""
    named = function.child_by_field_name("path")
    targets = aliases.expansions(named, file) if named is not None else []
    if len(targets) != 1 or targets[0][0] == named or not path_segments(targets[0][0], targets[0][1]):
        return None
    return targets[0]


def _type_parameter(type_args: Node | None, file: RustFile) -> str | None:
    """``PoolOptions::<Postgres>`` -> postgres; an unknown parameter (``DB``) -> unknown."""
    if type_args is None:
        return None
    named = type_args.named_children
    if not named:
        return None
    segments = path_segments(named[0], file)
    return DATABASE_TYPES.get(segments[-1][0], "unknown") if segments else "unknown"


def _imports_from_sqlx(file: RustFile, name: str) -> bool:
    """Does a ``use sqlx::..`` bring ``name`` (or a glob) into scope?"""
    for path in file.use_trees:
        text = file.text(path)
        if text.startswith("sqlx") and (re.search(rf"\b{name}\b", text) or text.endswith("*")):
            return True
    return False


def url_database(url_node: Node | None, file: RustFile) -> str | None:
    """A literal URL in the terminal call names the database (``sqlite::memory:``, ``&format!("sqlite://{p}")``)."""
    while url_node is not None and url_node.type == "reference_expression":
        url_node = url_node.named_children[-1] if url_node.named_children else None
    if (
        url_node is not None
        and url_node.type == "macro_invocation"
        and file.text(url_node).startswith("format!")
    ):
        tokens = url_node.named_children[-1] if url_node.named_children else None
        literals = [t for t in (tokens.named_children if tokens else []) if t.type.endswith("string_literal")]
        url_node = literals[0] if literals else None
    if url_node is None or url_node.type not in ("string_literal", "raw_string_literal"):
        return None
    text = file.text(url_node).strip('r#"')
    scheme = text.split(":", 1)[0].lower()
    return URL_SCHEMES.get(scheme)
