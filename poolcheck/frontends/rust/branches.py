"""Each arm's value of a knob an ``if``/``else if``/``else`` or a ``match`` sets differently:

    let size = if env == "production" { 20 } else { 5 };
    let size = match cfg.environment.as_str() { "prod" => 20, "dev" | "test" => 2, _ => 10 };

gives ``max_connections(size)`` the variants ``env == "production"`` / ``else`` and ``"prod"`` /
``"dev" | "test"`` / ``_``, each with its value (model.Variant; the rules read them in variants.py).
``if cfg!(test)`` needs none: its non-test arm is the value (values.py).
"""

from __future__ import annotations

from poolcheck.frontends.rust.syntax import Node, field
from poolcheck.frontends.rust.values import Resolver
from poolcheck.model import Variant

MAX_ARMS = 16


def variants(resolver: Resolver, node: Node | None, depth: int = 0) -> tuple[Variant, ...]:
    """The arms of the branch ``node`` is (or the ``let`` it names is bound to); none when it is no
    branch, when an arm's value is unknown, or when all arms agree."""
    if node is None or depth > 2:
        return ()
    if node.type == "identifier":
        bound = resolver.local_binding(node, resolver.file.text(node))
        return variants(resolver, bound, depth + 1)
    if node.type == "parenthesized_expression" and node.named_children:
        return variants(resolver, node.named_children[0], depth + 1)
    arms = _if_arms(resolver, node) if node.type == "if_expression" else _match_arms(resolver, node)
    if not arms or len(arms) > MAX_ARMS:
        return ()
    found = []
    for condition, value in arms:
        resolved = resolver.resolve(value)
        if resolved.source == "dynamic" or isinstance(resolved.value, str):
            return ()
        found.append(Variant(condition, resolved.value, resolved.source, resolver.file.span(value)))
    if len({(v.value, type(v.value)) for v in found}) < 2:
        return ()
    return tuple(found)


def _if_arms(resolver: Resolver, node: Node) -> list[tuple[str, Node]]:
    """``if a { x } else if b { y } else { z }``: (a, x), (b, y), (else, z); none without an else."""
    arms = []
    current: Node | None = node
    while current is not None and current.type == "if_expression":
        condition, consequence = field(current, "condition"), field(current, "consequence")
        if condition is None or consequence is None:
            return []
        arms.append((resolver.file.text(condition), consequence))
        otherwise = field(current, "alternative")  # an else_clause
        current = otherwise.named_children[0] if otherwise is not None and otherwise.named_children else None
        if current is not None and current.type == "block":
            arms.append(("else", current))
            return arms
    return []


def _match_arms(resolver: Resolver, node: Node) -> list[tuple[str, Node]]:
    """``match env { "prod" => 20, _ => 5 }``: each arm's pattern, as written, and its value."""
    body = field(node, "body") if node.type == "match_expression" else None
    arms = []
    for arm in body.named_children if body is not None else ():
        if arm.type != "match_arm":
            continue
        pattern, value = field(arm, "pattern"), field(arm, "value")
        if pattern is None or value is None:
            return []
        arms.append((resolver.file.text(pattern), value))
    return arms
