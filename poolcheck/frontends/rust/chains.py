"""Builder chains: the method calls applied to a builder, followed through ``let`` bindings.

From an origin such as ``PgPoolOptions::new()`` the chain climbs through
``.method(..)`` calls, ``.await`` and ``?``. When the builder is bound to a
variable (``let opts = ..``, ``opts = ..``), later method calls on that variable
in the same function continue it, until a terminal call or until the variable
is shadowed, reassigned to something else, or handed away.
"""

from __future__ import annotations

from dataclasses import dataclass

from poolcheck.frontends.rust.syntax import Node, RustFile, captures, field, method_name
from poolcheck.frontends.rust.values import enclosing_function

TRANSPARENT = ("await_expression", "try_expression", "parenthesized_expression")


@dataclass(frozen=True)
class Step:
    """One method call on the builder: its name and the call node."""

    name: str
    call: Node


@dataclass(frozen=True)
class Chain:
    origin: Node
    steps: tuple[Step, ...]
    end: Node  # the last call that belongs to the construction
    terminal: Step | None


def follow(origin: Node, file: RustFile, terminals: frozenset[str]) -> Chain:
    """Every method applied to the builder created at ``origin``, in order."""
    steps: list[Step] = []
    end = origin
    node = origin
    name: str | None = None
    while True:
        climbed, top, terminal = _climb(node, file, terminals)
        steps.extend(climbed)
        if climbed:
            end = climbed[-1].call
        if terminal is not None:
            return Chain(origin, tuple(steps), end, terminal)
        bound = _binding(top, file)
        # A bare method-call statement (`opts.x(..);`) mutates in place (sea-orm style).
        in_place = top.parent is not None and top.parent.type == "expression_statement"
        if bound is not None:
            name = bound
        elif name is None or not in_place:
            return Chain(origin, tuple(steps), end, None)
        use = _next_use(name, top, file)
        if use is None:
            return Chain(origin, tuple(steps), end, None)
        node = use


def _climb(node: Node, file: RustFile, terminals: frozenset[str]) -> tuple[list[Step], Node, Step | None]:
    steps: list[Step] = []
    while True:
        parent = node.parent
        if parent is None:
            return steps, node, None
        if parent.type in TRANSPARENT:
            node = parent
            continue
        if parent.type != "field_expression" or field(parent, "value") != node:
            return steps, node, None
        function = parent
        if function.parent is not None and function.parent.type == "generic_function":
            function = function.parent
        call = function.parent
        if call is None or call.type != "call_expression" or field(call, "function") != function:
            return steps, node, None
        name = method_name(call, file)
        if name is None:
            return steps, node, None
        step = Step(name, call)
        steps.append(step)
        if name in terminals:
            return steps, call, step
        node = call


def _binding(top: Node, file: RustFile) -> str | None:
    """The variable the builder is stored in: ``let opts = <top>`` or ``opts = <top>``."""
    parent = top.parent
    if parent is None:
        return None
    if parent.type == "let_declaration" and field(parent, "value") == top:
        pattern = field(parent, "pattern")
        return file.text(pattern) if pattern is not None and pattern.type == "identifier" else None
    if parent.type == "assignment_expression" and field(parent, "right") == top:
        left = field(parent, "left")
        return file.text(left) if left is not None and left.type == "identifier" else None
    return None


def _next_use(name: str, after: Node, file: RustFile) -> Node | None:
    """The next place the variable is used as a method receiver, while it still holds the builder."""
    scope = enclosing_function(after)
    if scope is None:
        return None
    found = captures("(identifier) @id", scope, after.end_byte, scope.end_byte)
    for use in found.get("id", []):
        if use.start_byte < after.end_byte or file.text(use) != name:
            continue
        parent = use.parent
        if parent is None:
            return None
        if parent.type == "let_declaration" and field(parent, "pattern") == use:
            if not _mentions(field(parent, "value"), name, file):
                return None  # shadowed by an unrelated value
            continue
        if parent.type == "assignment_expression" and field(parent, "left") == use:
            if not _mentions(field(parent, "right"), name, file):
                return None  # reassigned to an unrelated value
            continue
        if parent.type == "field_expression" and field(parent, "value") == use:
            return use
        return None  # handed to something else: we stop following
    return None


def _mentions(node: Node | None, name: str, file: RustFile) -> bool:
    if node is None:
        return False
    found = captures("(identifier) @id", node)
    return any(file.text(n) == name for n in found.get("id", []))
