"""The calls in a module that may reach a pool entry point, found without walking the whole tree.

A call can be an entry's only when its function is written with an entry's own
name (``sa.create_engine``, ``ConnectionPool``) or with a name the module binds to
one (an import alias, a subclass, ``make = sa.create_engine``): the names the
import-aware lookup can resolve to an entry. A string search finds the lines
holding such a name, and only the statements spanning one of them are entered,
so a module is walked along the paths to its candidate calls instead of through
all of its nodes.
"""

from __future__ import annotations

import ast
import unicodedata
from bisect import bisect_left

from poolcheck.frontends.python.bindings import Binding, ModuleBindings
from poolcheck.frontends.python.entries import ENTRIES
from poolcheck.frontends.python.expressions import expression, identifier
from poolcheck.frontends.python.statements import CLAUSES, COMPOUND, SCOPE_KINDS, Node, Scope, scope_of

ENTRY_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in ENTRIES)
STATEMENT_LISTS = frozenset({"module", "block"})


def entry_calls(
    root: Node, lines: list[str], bindings: ModuleBindings, names: frozenset[str] | None = None
) -> list[tuple[ast.Call, list[Scope], Node]]:
    """Every call whose function is written with a name that may stand for an entry (or with one of
    ``names``: a project's wrappers), with its scopes and its node in the tree.

    In source order; ``lines`` are the module's lines as the parser counts them.
    """
    names = calling_names(bindings) if names is None else names
    wanted = naming_lines(lines, names)
    found: list[tuple[ast.Call, list[Scope], Node]] = []
    pending: list[tuple[Node, list[Scope]]] = [(root, [scope_of(root)])] if wanted else []
    while pending:
        node, scopes = pending.pop()
        if node.type == "call" and _written_with(node, names):
            call = expression(node)
            if isinstance(call, ast.Call):
                found.append((call, scopes, node))
        inner = [*scopes, scope_of(node)] if node.type in SCOPE_KINDS and node.type != "module" else scopes
        statements = node.type in STATEMENT_LISTS or node.is_error
        for child in node.named_children:
            if child.type == "comment" or (child.is_error and not statements):
                continue
            if child.is_error:  # the complete statements an error node swallowed are still read
                pending.append((child, inner))
                continue
            # A statement is entered only when it covers a line naming an entry; one that holds a
            # syntax error is left to recovery, unless it is a compound one (its blocks are kept).
            if statements and not (_spans(child, wanted) and _readable(child)):
                continue
            pending.append((child, inner))
    found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    return found


def calling_names(bindings: ModuleBindings) -> frozenset[str]:
    """The entries' own names, and every name the module binds to an entry, a subclass of one, or an alias."""
    names = ENTRY_NAMES
    while True:  # a function binds such a name with one of them: walk those, and see what they add
        bindings.naming(names)
        found = _bound_names(bindings)
        if found == names:
            return found
        names = found


def _bound_names(bindings: ModuleBindings) -> frozenset[str]:
    """``calling_names`` among the scopes walked."""
    subclasses = {name for name, bases in bindings.class_bases.items() if not bases.isdisjoint(ENTRIES)}
    names = set(ENTRY_NAMES)
    aliases: list[tuple[str, str]] = []  # (name, the name it is assigned from)
    for index in bindings.scopes.values():
        for name, listed in index.bindings.items():
            for binding in listed:
                if binding.qualified in ENTRIES or binding.qualified in subclasses:
                    names.add(name)
                elif (alias := _alias_of(binding)) is not None:
                    aliases.append((name, alias))
    while added := {name for name, alias in aliases if alias in names and name not in names}:
        names |= added  # an alias of an alias: go round again
    return frozenset(names)


def naming_lines(lines: list[str], names: frozenset[str]) -> list[int]:
    """The 1-based numbers of the lines that hold one of ``names``, sorted."""
    text = "\n".join(lines)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # the parser reads identifiers in NFKC form (PEP 3131)
    found: set[int] = set()
    for name in names:
        line, counted = 1, 0
        at = text.find(name)
        while at >= 0:
            line += text.count("\n", counted, at)
            counted = at
            found.add(line)
            at = text.find(name, at + len(name))
    return sorted(found)


def _alias_of(binding: Binding) -> str | None:
    """``make = sa.create_engine``: the last name of a plain or dotted name assigned."""
    written = binding.written
    return _last_name(written.node) if written is not None and written.is_name else None


def _last_name(node: Node) -> str | None:
    """``make`` for ``make`` and ``create_engine`` for ``sa.create_engine``."""
    if node.type == "attribute":
        node = node.child_by_field_name("attribute") or node
    return identifier(node) if node.type == "identifier" else None


def _written_with(call: Node, names: frozenset[str]) -> bool:
    function = call.child_by_field_name("function")
    return (
        function is not None
        and function.type in ("identifier", "attribute")
        and _last_name(function) in names
    )


def _readable(statement: Node) -> bool:
    return statement.type in COMPOUND or statement.type in CLAUSES or not statement.has_error


def _spans(statement: Node, lines: list[int]) -> bool:
    """Does the statement cover one of ``lines`` (sorted)? A decorated definition starts at its decorators."""
    first, last = statement.start_point[0] + 1, statement.end_point[0] + 1
    at = bisect_left(lines, first)
    return at < len(lines) and lines[at] <= last
