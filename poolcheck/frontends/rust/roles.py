"""What a Rust pool is for, read from the code around its construction.

poolcheck/roles.py reads a pool's role from its file's path; this reads what only the syntax
shows, and the pipeline keeps the stronger of the two (test, then migration, then tool):

- ``test``: built in a test function (``#[tokio::test]``, ``#[sqlx::test]``, ...) or in an item
  compiled for tests only (``#[cfg(test)] mod tests``, ``#![cfg(test)]``);
- ``migration``: a pool its function uses for nothing but running migrations
  (``let pool = ..; sqlx::migrate!().run(&pool).await?;``), or built inside that call; a pool
  that migrates and then serves (``axum::serve(.., app(pool))``) stays a service pool;
- ``tool``: a deliberate single connection (``max_connections(1)``) built in the ``main`` of a
  binary target under ``src/bin/``;
- ``service``, with its reason: a ``src/bin/`` target that starts a server (``axum::serve``,
  ``HttpServer::new``, ...), which its ``bin/`` folder alone would make a tool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from poolcheck.frontends.rust.syntax import Node, RustFile, field, method_name, path_segments, receiver
from poolcheck.libraries import Library
from poolcheck.model import Setting
from poolcheck.roles import SERVICE, Role

# Attributes that make a function a test, by their path as written (arguments aside).
TEST_ATTRIBUTES = frozenset(
    {
        "test",
        "tokio::test",
        "sqlx::test",
        "actix_rt::test",
        "actix_web::test",
        "async_std::test",
        "test_log::test",
        "rstest",
        "rstest::rstest",
    }
)
TEST_WORDS = (b"test",)  # in every attribute above: a file without it has no test code to find
# Where inner attributes (``#![cfg(test)]``) sit: a file, or an inline module's body.
ITEM_LISTS = frozenset({"source_file", "declaration_list"})
KINDS = {"function_item": "function", "mod_item": "module", "impl_item": "impl", "trait_item": "trait"}

# Migrations. sqlx: `sqlx::migrate!()` builds a Migrator; `Migrator::run` and `undo` take anything
# that acquires a connection, a pool included (sqlx-core 0.8.6 src/migrate/migrator.rs).
MIGRATOR_MACROS = frozenset({"migrate", "sqlx::migrate"})
MIGRATOR_CONSTRUCTORS = frozenset({("Migrator", "new")})  # Migrator::new(Path::new("./migrations"))
MIGRATOR_METHODS = frozenset({"run", "undo"})
MIGRATOR_SETTERS = frozenset({"set_ignore_missing", "set_locking"})  # return &Self, the migrator (0.8.6)
# sea-orm-migration: the MigratorTrait functions take the connection first, `Migrator::up(&db, None)`
# (sea-orm-migration 1.1.20 src/migrator.rs).
MIGRATOR_FUNCTIONS = frozenset({"up", "down", "fresh", "refresh", "reset", "install", "status"})
MIGRATOR_TYPE = "Migrator"
# A project's own migrator or migration function says so in its name (`MIGRATOR.run(&pool)`,
# `db::run_migrations(&pool)`).
MIGRATION_NAME = re.compile(r"migrat", re.IGNORECASE)
# Every migration above is written with one of these: a file without them has no migration pool, and
# its pools' uses are never looked up.
MIGRATION_WORDS = (b"migrat", b"Migrat", b"MIGRAT")
# What hands the pool on unchanged from its construction to its binding, and what a one-shot pool
# may do besides migrating.
CARRIERS = frozenset({"unwrap", "expect", "context", "with_context", "map_err"})
WRAPPERS = frozenset({"await_expression", "try_expression", "parenthesized_expression"})
TRANSPARENT = WRAPPERS | {"reference_expression"}
REFERENCES = frozenset(
    {"reference_expression", "unary_expression", "parenthesized_expression"}
)  # &pool, &*pool
FINISHERS = frozenset({"close"})

# Calls that start serving requests, by their path through the file's `use` declarations: a bin
# target that makes one is a server (`src/bin/api.rs`), not a command-line tool.
SERVERS = frozenset(
    {
        ("axum", "serve"),  # axum 0.7+
        ("axum", "Server", "bind"),  # axum 0.6, hyper's re-export
        ("hyper", "Server", "bind"),  # hyper 0.14
        ("actix_web", "HttpServer", "new"),
        ("tonic", "transport", "Server", "builder"),
        ("warp", "serve"),
        ("rocket", "build"),
        ("poem", "Server", "new"),
        ("salvo", "Server", "new"),
    }
)
MAX_STEPS = 40  # how far a cfg's nesting or a migrator's constants are followed
MAIN = "main"
BIN = "bin"


def role_in(
    file: RustFile, start: Node, end: Node, library: Library, knobs: Sequence[tuple[str, Setting]]
) -> Role:
    """The role of the pool built from ``start`` to ``end``, as far as the syntax around it tells."""
    above = file.ancestors(start)
    return (
        _test_role(file, above)
        or _migration_role(file, end)
        or _server_role(file)
        or _tool_role(file, above, library, knobs)
        or SERVICE
    )


def _test_role(file: RustFile, above: list[Node]) -> Role | None:
    """A test function or a ``#[cfg(test)]`` item around the construction, the outermost first."""
    if not file.names_any(TEST_WORDS):
        return None
    for depth, node in enumerate(above):
        parent = above[depth - 1] if depth else None
        if parent is not None and parent.type == "if_expression" and _test_arm(file, parent, node):
            return Role("test", "in the branch of an if cfg!(test)")
        if node.type in ITEM_LISTS:  # #![cfg(test)] at the top of a file or a module
            attributes = file.attributes_in(node).get(node.id, ())
        elif parent is not None and parent.type in ITEM_LISTS:
            attributes = file.attributes_in(parent).get(node.id, ())
        else:
            continue
        for attribute in attributes:
            if not _marks_test(file, attribute):
                continue
            if node.type in ITEM_LISTS:
                where = "file" if node.type == "source_file" else "module"
                return Role("test", f"in a {where} under #![{_shown(file, attribute)}]")
            return Role("test", f"in a #[{_shown(file, attribute)}] {KINDS.get(node.type, 'item')}")
    return None


def _test_arm(file: RustFile, statement: Node, arm: Node) -> bool:
    """Is ``arm`` of the if ``statement`` compiled in tests only?"""
    tested = cfg_test(file, statement)
    if tested is None:
        return False
    taken = arm == field(statement, "consequence")
    return taken == tested and (taken or arm.type == "else_clause")


def cfg_test(file: RustFile, statement: Node) -> bool | None:
    """Of an ``if``: True when its block runs in tests only (``if cfg!(test) { .. }``), False when its
    ``else`` does (``if !cfg!(test)``); None when its condition is no ``cfg!(test)``."""
    condition = field(statement, "condition")
    negated = (
        condition is not None and condition.type == "unary_expression" and file.text(condition)[:1] == "!"
    )
    tested = condition.named_children[0] if negated and condition is not None else condition
    name = field(tested, "macro") if tested is not None and tested.type == "macro_invocation" else None
    if tested is None or name is None or file.text(name) != "cfg":
        return None
    tokens = tested.named_children[-1] if tested.named_children else None
    if tokens is None or tokens.type != "token_tree" or not _requires_test(file.text(tokens)):
        return None
    return not negated


def _marks_test(file: RustFile, attribute: Node) -> bool:
    path = attribute.named_children[0] if attribute.named_children else None
    if path is None:
        return False
    name = file.text(path)
    if name in TEST_ATTRIBUTES:
        return True
    tokens = field(attribute, "arguments")
    return name == "cfg" and tokens is not None and _requires_test(file.text(tokens))


def _shown(file: RustFile, attribute: Node) -> str:
    """``tokio::test`` for ``#[tokio::test(flavor = "multi_thread")]``; a cfg whole, ``cfg(test)``."""
    path = attribute.named_children[0]
    name = file.text(path)
    return " ".join(file.text(attribute).split()) if name == "cfg" else name


CFG_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[(),=]')


def _requires_test(predicate: str) -> bool:
    """Does the cfg predicate ``(..)`` hold only when compiling tests: ``(test)``, ``(all(test, ..))``?

    ``any(test, feature = "x")`` holds in a build with the feature too, and ``not(test)`` never
    in tests: neither marks test code.
    """
    tokens = CFG_TOKENS.findall(predicate)
    if tokens[:1] != ["("]:
        return False
    requires, _ = _predicate_list(tokens, 1, 0)
    return len(requires) == 1 and requires[0]


def _predicate_list(tokens: list[str], at: int, depth: int) -> tuple[list[bool], int]:
    """The predicates of a list from ``at`` to its closing parenthesis: whether each requires test.

    Nested past MAX_STEPS, a predicate is taken not to (no crash on a hostile cfg).
    """
    found: list[bool] = []
    while at < len(tokens) and tokens[at] != ")":
        if tokens[at] == ",":
            at += 1
            continue
        name = tokens[at]
        at += 1
        if at < len(tokens) and tokens[at] == "(":
            if depth >= MAX_STEPS:
                return [], len(tokens)
            inner, at = _predicate_list(tokens, at + 1, depth + 1)
            found.append((name == "all" and any(inner)) or (name == "any" and bool(inner) and all(inner)))
        elif at < len(tokens) and tokens[at] == "=":
            at += 2  # feature = "x"
            found.append(False)
        else:
            found.append(name == "test")
    return found, at + 1


def _migration_role(file: RustFile, end: Node) -> Role | None:
    """A pool built for a migration and nothing else."""
    if not file.names_any(MIGRATION_WORDS):
        return None
    top, above = _handed_on(file, end)
    parent = above[-1] if above else None
    if parent is not None and parent.type == "arguments":
        call = above[-2] if len(above) > 1 else None
        what = _migration_call(file, call) if call is not None else None
        return Role("migration", f"built for {what} alone") if what else None
    if parent is None or parent.type != "let_declaration" or field(parent, "value") != top:
        return None
    pattern = field(parent, "pattern")
    scope = file.enclosing_function(parent)
    if pattern is None or pattern.type != "identifier" or scope is None:
        return None
    runs = _only_migrates(file, file.text(pattern), parent, scope)
    return Role("migration", f"used only for {runs}") if runs else None


def _handed_on(file: RustFile, node: Node) -> tuple[Node, list[Node]]:
    """From the construction's last call up through ``.await``, ``?``, ``&`` and ``.unwrap()``-like
    calls: the outermost expression that is still the pool, and its ancestors."""
    above = file.ancestors(node)
    while above:
        parent = above[-1]
        if parent.type in TRANSPARENT:
            node = above.pop()
            continue
        call = above[-2] if len(above) > 1 else None
        if (
            parent.type == "field_expression"
            and field(parent, "value") == node
            and call is not None
            and call.type == "call_expression"
            and method_name(call, file) in CARRIERS
        ):
            above.pop()
            node = above.pop()
            continue
        break
    return node, above


def _only_migrates(file: RustFile, name: str, binding: Node, scope: Node) -> str | None:
    """The migration the variable bound by ``binding`` is used for, when it is used for nothing else
    in its function (closing it aside)."""
    runs: str | None = None
    for use in file.identifiers_named(name, binding.end_byte, scope.end_byte):
        above = file.ancestors(use)
        parent = above[-1] if above else None
        if parent is not None and parent.type == "let_declaration" and field(parent, "pattern") == use:
            break  # shadowed: later uses are another variable's
        top, around = _handed_on_by_reference(use, above)
        holder = around[-1] if around else None
        if holder is not None and holder.type == "arguments" and len(around) > 1:
            what = _migration_call(file, around[-2])
            if what is not None:
                runs = runs or what
                continue
        if holder is not None and holder.type == "field_expression" and field(holder, "value") == top:
            call = around[-2] if len(around) > 1 else None
            if call is not None and method_name(call, file) in FINISHERS:
                continue
        return None
    return runs


def _handed_on_by_reference(use: Node, above: list[Node]) -> tuple[Node, list[Node]]:
    """``&pool``, ``&*pool`` or ``(pool)``: the expression the use stands in, and its ancestors."""
    above = list(above)
    node = use
    while above and above[-1].type in REFERENCES:
        node = above.pop()
    return node, above


def _migration_call(file: RustFile, call: Node) -> str | None:
    """What the call that takes the pool runs, when it runs migrations: ``sqlx::migrate!().run``."""
    if call.type != "call_expression":
        return None
    method = method_name(call, file)
    if method is not None:
        target = receiver(call)
        if method in MIGRATOR_METHODS and target is not None and _is_migrator(file, target):
            return f"{_short(file, target)}.{method}(..)"
        return None
    function = field(call, "function")
    segments = [name for name, _ in path_segments(function, file)] if function is not None else []
    if len(segments) >= 2 and segments[-2] == MIGRATOR_TYPE and segments[-1] in MIGRATOR_FUNCTIONS:
        return f"{MIGRATOR_TYPE}::{segments[-1]}(..)"
    if segments and MIGRATION_NAME.search(segments[-1]):
        return f"{segments[-1]}(..)"
    return None


def _is_migrator(file: RustFile, node: Node) -> bool:
    """``sqlx::migrate!(..)``, ``Migrator::new(..).await?``, or a migrator's name (``MIGRATOR``).

    Followed through ``.unwrap()``-like calls and same-file constants for at most MAX_STEPS
    steps: constants that name each other in a ring are no migrator.
    """
    for _ in range(MAX_STEPS):
        while node.type in WRAPPERS:
            if not node.named_children:
                return False
            node = node.named_children[0]
        if node.type == "macro_invocation":
            macro = field(node, "macro")
            return macro is not None and file.text(macro) in MIGRATOR_MACROS
        if node.type == "call_expression":
            inner = receiver(node)
            if method_name(node, file) in CARRIERS | MIGRATOR_SETTERS and inner is not None:
                node = inner
                continue
            function = field(node, "function")
            segments = [name for name, _ in path_segments(function, file)] if function is not None else []
            return tuple(segments[-2:]) in MIGRATOR_CONSTRUCTORS
        if node.type not in ("identifier", "scoped_identifier"):
            return False
        name = file.text(node).rsplit("::", 1)[-1]
        constant = file.constants.get(name)
        if constant is None:
            return bool(MIGRATION_NAME.search(name))
        node = constant
    return False


def _short(file: RustFile, node: Node) -> str:
    """The migrator as a reader knows it: ``sqlx::migrate!()``, ``MIGRATOR``, ``Migrator::new(..)``."""
    while node.type in WRAPPERS and node.named_children:
        node = node.named_children[0]
    head = field(node, "macro" if node.type == "macro_invocation" else "function")
    if node.type == "macro_invocation" and head is not None:
        return f"{file.text(head)}!()"
    if node.type == "call_expression" and head is not None:
        return f"{' '.join(file.text(head).split())}(..)"
    return " ".join(file.text(node).split())


def _server_role(file: RustFile) -> Role | None:
    """A bin target that serves requests: its pools are a service's, whatever its folder says."""
    if not _bin_target(file.path):
        return None
    serving = sorted(SERVERS & file.called_paths)
    return (
        Role("service", f"a bin target that serves requests ({'::'.join(serving[0])})") if serving else None
    )


def _tool_role(
    file: RustFile, above: list[Node], library: Library, knobs: Sequence[tuple[str, Setting]]
) -> Role | None:
    """One connection, on purpose, in the ``main`` of a ``src/bin/`` target: a command-line tool."""
    single = any(
        (knob := library.knob(name)) is not None and knob.concept == "max_connections" and setting.value == 1
        for name, setting in knobs
    )
    if not single or not _bin_target(file.path):
        return None
    function = next((n for n in reversed(above) if n.type == "function_item"), None)
    name = field(function, "name") if function is not None else None
    if name is None or file.text(name) != MAIN:
        return None
    return Role("tool", "one connection in a bin target's main")


def _bin_target(path: str) -> bool:
    """Cargo's binary targets beside the library: ``src/bin/NAME.rs`` and ``src/bin/NAME/main.rs``."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    return (len(parts) >= 3 and parts[-3:-1] == ("src", BIN)) or (
        len(parts) >= 4 and parts[-4:-2] == ("src", BIN) and parts[-1] == "main.rs"
    )
