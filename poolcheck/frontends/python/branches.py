"""Which database a branch runs with, when its condition tests the URL for SQLite.

    if settings.DATABASE_URL.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, pool_size=20, max_overflow=10)

is the way FastAPI and Flask services keep a SQLite engine for development: the
first engine is a SQLite one, whatever its URL says at run time, and gets no pool
rules; the second is the production pool, never SQLite: its database is what a
declared value of its URL names (project/environment.py), else unknown. Conditional
expressions are read the same way.
"""

from __future__ import annotations

import re
from dataclasses import replace

from poolcheck.frontends.python.statements import Node
from poolcheck.model import PoolSite

# A condition that tests for SQLite: the word in a URL, a scheme or a backend name, or an in-memory
# database. Negation (`not ..`, `!=`) flips the branch.
SQLITE = re.compile(rb"sqlite|:memory:", re.IGNORECASE)
NEGATED = re.compile(rb"^\s*not\b|!=|\bnot\s+in\b")


def sqlite_branch(node: Node) -> bool | None:
    """True when ``node`` runs only on a SQLite URL, False only on another, None when no test says."""
    child, parent = node, node.parent
    while parent is not None:
        tested = _tested(child, parent)
        if tested is not None:
            condition, taken = tested
            text = condition.text or b""
            if SQLITE.search(text):
                return taken != bool(NEGATED.search(text))
        child, parent = parent, parent.parent
    return None


def in_branch(site: PoolSite, branch: bool | None) -> PoolSite:
    """The site in the branch ``sqlite_branch`` says: SQLite in the one a SQLite URL takes, whatever
    values its URL has; never SQLite in the other, where a SQLite default (or declared value) of the
    URL is not what runs."""
    if branch is True:
        database = "sqlite" if site.database == "unknown" else site.database
        return replace(site, database=database, database_env=None)
    if branch is False:
        site = replace(site, sqlite_excluded=True)
        if site.database == "sqlite":
            return replace(site, database="unknown", pooled=True)
    return site


def _tested(child: Node, parent: Node) -> tuple[Node, bool] | None:
    """The condition deciding whether ``child`` of ``parent`` runs, and whether it runs when true."""
    if parent.type == "conditional_expression":  # body if condition else alternative
        parts = parent.named_children
        if len(parts) != 3 or child == parts[1]:
            return None
        return parts[1], child == parts[0]
    condition = parent.child_by_field_name("condition")
    if condition is None or child == condition:
        return None
    if parent.type in ("if_statement", "elif_clause"):
        if child == parent.child_by_field_name("consequence"):
            return condition, True
        if child.type in ("elif_clause", "else_clause"):  # runs only when the if's test fails
            return condition, False
    return None


def arm_condition(node: Node) -> str | None:
    """The condition of the innermost ``if``/``elif``/``else``/``case`` arm holding ``node``, as
    written (``settings.ENVIRONMENT == "production"``, ``else``, ``case "prod"``); None outside any."""
    child, parent = node, node.parent
    while parent is not None and parent.type not in ("function_definition", "class_definition", "module"):
        if child.type == "block" and parent.type in ("if_statement", "elif_clause"):
            condition = parent.child_by_field_name("condition")
            return (condition.text or b"").decode("utf-8", "replace") if condition is not None else None
        if child.type == "block" and parent.type == "else_clause":
            return "else"
        if child.type == "block" and parent.type == "case_clause":  # `case "prod" | "production":`
            head = (parent.text or b"")[: child.start_byte - parent.start_byte]
            return head.decode("utf-8", "replace").strip().rstrip(":").strip()
        child, parent = parent, parent.parent
    return None
