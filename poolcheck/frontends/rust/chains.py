"""Builder chains: the method calls applied to a builder, followed through ``let`` bindings.

From an origin such as ``PgPoolOptions::new()`` the chain climbs through
``.method(..)`` calls, ``.await`` and ``?``. When the builder is bound to a
variable (``let opts = ..``, ``opts = ..``), later method calls on that variable
in the same function continue it, until a terminal call or until the variable
is shadowed, reassigned to something else, or handed away.
"""

from __future__ import annotations

from dataclasses import dataclass

from poolcheck.frontends.rust.syntax import Node, RustFile, field, method_name

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
    """Every method applied to the builder created at ``origin``, in order.

    The climb walks one list of ancestors, found once per origin or use: ``Node.parent`` would
    search down from the root on every step and make a chain of n calls cost n^2.
    """
    steps: list[Step] = []
    end = origin
    node = origin
    above = file.ancestors(origin)
    name: str | None = None
    while True:
        climbed, top, terminal = _climb(node, above, file, terminals)
        steps.extend(climbed)
        if climbed:
            end = climbed[-1].call
        if terminal is not None:
            return Chain(origin, tuple(steps), end, terminal)
        parent = above[-1] if above else None
        bound = _binding(top, parent, file)
        # A bare method-call statement (`opts.x(..);`) mutates in place (sea-orm style).
        in_place = parent is not None and parent.type == "expression_statement"
        if bound is not None:
            name = bound
        elif name is None or not in_place:
            return Chain(origin, tuple(steps), end, None)
        use = _next_use(name, top, file)
        if use is None:
            return Chain(origin, tuple(steps), end, None)
        node, above = use


def _climb(
    node: Node, above: list[Node], file: RustFile, terminals: frozenset[str]
) -> tuple[list[Step], Node, Step | None]:
    """Climb from ``node`` through the method calls applied to it; ``above`` holds its ancestors,
    root first, and is cut as the climb goes, so that it ends holding those of the top."""
    steps: list[Step] = []
    while above:
        parent = above[-1]
        if parent.type in TRANSPARENT:
            node = above.pop()
            continue
        if parent.type != "field_expression" or field(parent, "value") != node:
            break
        at = len(above) - 1  # the method, maybe with turbofish: `x.name::<T>`
        if at > 0 and above[at - 1].type == "generic_function":
            at -= 1
        call = above[at - 1] if at > 0 else None
        if call is None or call.type != "call_expression" or field(call, "function") != above[at]:
            break
        name = method_name(call, file)
        if name is None:
            break
        step = Step(name, call)
        steps.append(step)
        del above[at - 1 :]
        node = call
        if name in terminals:
            return steps, call, step
    return steps, node, None


def _binding(top: Node, parent: Node | None, file: RustFile) -> str | None:
    """The variable the builder is stored in: ``let opts = <top>`` or ``opts = <top>``."""
    if parent is None:
        return None
    if parent.type == "let_declaration" and field(parent, "value") == top:
        pattern = field(parent, "pattern")
        return file.text(pattern) if pattern is not None and pattern.type == "identifier" else None
    if parent.type == "assignment_expression" and field(parent, "right") == top:
        left = field(parent, "left")
        return file.text(left) if left is not None and left.type == "identifier" else None
    return None


def _next_use(name: str, after: Node, file: RustFile) -> tuple[Node, list[Node]] | None:
    """The next place the variable is used as a method receiver, while it still holds the builder,
    with the ancestors of that use."""
    scope = file.enclosing_function(after)
    if scope is None:
        return None
    for use in file.identifiers_named(name, after.end_byte, scope.end_byte):
        above = file.ancestors(use)
        parent = above[-1] if above else None
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
            return use, above
        return None  # handed to something else: we stop following
    return None


def _mentions(node: Node | None, name: str, file: RustFile) -> bool:
    if node is None:
        return False
    return next(file.identifiers_named(name, node.start_byte, node.end_byte), None) is not None
