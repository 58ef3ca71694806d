"""What a Python pool is for, read from the code around its construction.

poolcheck/roles.py reads a pool's role from its file's path (``alembic/env.py`` is a migration's);
this reads what only the code shows, and the pipeline keeps the stronger of the two:

- ``migration``: an engine a function builds into a local name and uses for nothing but
  connections (``engine.connect()``, ``engine.begin()``, ``engine.dispose()``), in a function
  that runs alembic there (``MigrationContext.configure(connection)``, ``context.configure(..)``,
  ``command.upgrade(cfg, "head")``): a check of the schema's head, or a migration run at start-up.
  An engine the function returns, stores, binds a session to or passes on stays a service's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from poolcheck.frontends.python.expressions import identifier
from poolcheck.frontends.python.statements import Node
from poolcheck.roles import Role

# alembic's entry points that run or inspect migrations on a connection (alembic 1.13:
# runtime/migration.py MigrationContext.configure, context.configure in env.py, command.py).
MIGRATION_CALL = re.compile(
    r"(?:\w+\.)*(?:MigrationContext\.configure|context\.(?:configure|run_migrations)"
    r"|command\.(?:upgrade|downgrade|stamp|check|current))"
)
MIGRATION_WORDS = (b"MigrationContext", b"context.", b"command.")  # one is in every call above
CONNECTING = frozenset({"connect", "begin", "dispose"})  # what an engine used only to migrate is asked


def migration_role(call: Node) -> Role | None:
    """The role of the pool built by ``call`` when its function only migrates with it, else None."""
    assignment = call.parent
    if (
        assignment is None
        or assignment.type != "assignment"
        or assignment.child_by_field_name("right") != call
    ):
        return None
    target = assignment.child_by_field_name("left")
    function = _enclosing_function(assignment)
    body = function.child_by_field_name("body") if function is not None else None
    if target is None or target.type != "identifier" or body is None or function is None:
        return None
    text = body.text or b""
    if not any(word in text for word in MIGRATION_WORDS):
        return None
    name, migrates = identifier(target), False
    for node in _named_descendants(body):
        if node.type == "call":
            called = node.child_by_field_name("function")
            migrates |= called is not None and MIGRATION_CALL.fullmatch(_text(called)) is not None
        elif (
            node.type == "identifier" and node != target and identifier(node) == name and not _connects(node)
        ):
            return None  # returned, stored, bound to a session, passed on: the engine outlives the migration
    if not migrates:
        return None
    owner = function.child_by_field_name("name")
    where = f" in {identifier(owner)}()" if owner is not None else ""
    return Role("migration", f"used only to connect for alembic's migrations{where}")


def _connects(node: Node) -> bool:
    """Is the name used as ``name.connect()``, ``name.begin()`` or ``name.dispose()``?"""
    attribute = node.parent
    if attribute is None or attribute.type != "attribute" or attribute.child_by_field_name("object") != node:
        return False
    method = attribute.child_by_field_name("attribute")
    called = attribute.parent
    return (
        method is not None
        and identifier(method) in CONNECTING
        and called is not None
        and called.type == "call"
        and called.child_by_field_name("function") == attribute
    )


def _enclosing_function(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in ("function_definition", "class_definition", "module"):
        parent = parent.parent
    return parent if parent is not None and parent.type == "function_definition" else None


def _named_descendants(node: Node) -> Iterator[Node]:
    pending = list(node.named_children)
    while pending:
        current = pending.pop()
        yield current
        pending.extend(current.named_children)


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")
