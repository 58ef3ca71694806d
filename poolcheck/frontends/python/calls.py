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

from poolcheck.frontends.python.bindings import SCOPES, Binding, ModuleBindings, Scope
from poolcheck.frontends.python.entries import ENTRIES

ENTRY_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in ENTRIES)


def entry_calls(
    tree: ast.Module, lines: list[str], bindings: ModuleBindings
) -> list[tuple[ast.Call, list[Scope]]]:
    """Every call whose function is written with a name that may stand for an entry, with its scopes.

    In source order; ``lines`` are the module's lines as the parser counts them.
    """
    names = calling_names(bindings)
    wanted = naming_lines(lines, names)
    found: list[tuple[ast.Call, list[Scope]]] = []
    pending: list[tuple[ast.AST, list[Scope]]] = [(tree, [tree])] if wanted else []
    while pending:
        node, scopes = pending.pop()
        if isinstance(node, ast.Call) and _written_with(node.func, names):
            found.append((node, scopes))
        inner = [*scopes, node] if isinstance(node, SCOPES) and node is not tree else scopes
        for child in ast.iter_child_nodes(node):
            # Statements are skipped by their lines; expressions are always entered (f-string parts
            # are misplaced before Python 3.12).
            if not isinstance(child, ast.stmt) or _spans(child, wanted):
                pending.append((child, inner))
    found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    return found


def calling_names(bindings: ModuleBindings) -> frozenset[str]:
    """The entries' own names, and every name the module binds to an entry, a subclass of one, or an alias."""
    subclasses = {name for name, bases in bindings.class_bases.items() if not bases.isdisjoint(ENTRIES)}
    bound = [
        (name, binding)
        for index in bindings.scopes.values()
        for name, listed in index.bindings.items()
        for binding in listed
    ]
    names = set(ENTRY_NAMES)
    while added := {
        name for name, binding in bound if name not in names and _stands_for(binding, names, subclasses)
    }:
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


def _stands_for(binding: Binding, names: set[str], subclasses: set[str]) -> bool:
    value = binding.value
    return (
        binding.qualified in ENTRIES
        or binding.qualified in subclasses
        or (isinstance(value, ast.Attribute) and value.attr in names)
        or (isinstance(value, ast.Name) and value.id in names)
    )


def _written_with(function: ast.expr, names: frozenset[str]) -> bool:
    if isinstance(function, ast.Attribute):
        return function.attr in names
    return isinstance(function, ast.Name) and function.id in names


def _spans(statement: ast.stmt, lines: list[int]) -> bool:
    """Does the statement cover one of ``lines`` (sorted)? Decorators stand above a definition's line."""
    decorators = getattr(statement, "decorator_list", None) or ()
    first = min([statement.lineno, *(d.lineno for d in decorators)])
    last = statement.end_lineno or statement.lineno
    at = bisect_left(lines, first)
    return at < len(lines) and lines[at] <= last
