"""What a Rust expression is worth statically: a number, a flag, a duration in seconds, or dynamic.

Resolves literals (with suffixes and underscores), arithmetic, same-file
``const``/``static`` items, ``let`` bindings earlier in the same function,
``Duration`` constructors, ``Some``/``None``, conversions (``.into()``,
``u32::from``, ``try_from``), ``max``/``min``/``clamp`` of known numbers,
environment lookups with a literal default, and a field of the crate's config
struct with a serde default (config_structs.py). Anything else is dynamic.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from dataclasses import replace

from poolcheck.frontends.resolved import DYNAMIC, Raw, Resolved, combine, number
from poolcheck.frontends.rust import config_structs, project
from poolcheck.frontends.rust.roles import cfg_test
from poolcheck.frontends.rust.syntax import (
    Node,
    RustFile,
    arguments,
    captures,
    field,
    matches,
    method_name,
    path_segments,
    receiver,
    string_value,
)
from poolcheck.numbers import MAX_TEXT, bounded

DURATION_SCALES = {
    "from_secs": 1.0,
    "from_secs_f64": 1.0,
    "from_secs_f32": 1.0,
    "from_millis": 1e-3,
    "from_micros": 1e-6,
    "from_nanos": 1e-9,
    "from_mins": 60.0,
    "from_hours": 3600.0,
}
DURATION_CONSTANTS = {"ZERO": 0.0, "SECOND": 1.0, "MILLISECOND": 1e-3}
ENV_READERS = {("env", "var"), ("std", "env", "var"), ("dotenvy", "var"), ("dotenv", "var")}
ENV_DEFAULTS = ("unwrap_or", "unwrap_or_else", "map_or", "map_or_else")
# Methods that carry their receiver's value through unchanged.
PASS_THROUGH = {
    "into",
    "try_into",
    "try_from",
    "unwrap",
    "expect",
    "to_owned",
    "to_string",
    "clone",
    "parse",
    "ok",
    "as_str",
}
INTEGER_SUFFIX = re.compile(r"_?(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize)$")
FLOAT_SUFFIX = re.compile(r"_?(f32|f64)$")
MAX_DEPTH = 40


class Resolver:
    """Resolves expressions of one file (its constants are indexed once, with the file's other items)."""

    def __init__(self, file: RustFile) -> None:
        self.file = file
        self._lets_by_scope: dict[Node, dict[str, list[tuple[int, Node]]]] = {}

    def resolve(self, node: Node | None, depth: int = 0) -> Resolved:
        if node is None or depth > MAX_DEPTH:
            return DYNAMIC
        handler = getattr(self, "_" + node.type, None)
        return handler(node, depth + 1) if handler else DYNAMIC

    # literals

    def _integer_literal(self, node: Node, depth: int) -> Resolved:
        text = INTEGER_SUFFIX.sub("", self.file.text(node)).replace("_", "")
        if len(text) > MAX_TEXT:  # no count or duration is this long; int() of it would cost its square
            return DYNAMIC
        try:
            value = bounded(int(text, 0))
        except ValueError:
            return DYNAMIC
        return DYNAMIC if value is None else Resolved(value, "explicit")

    def _float_literal(self, node: Node, depth: int) -> Resolved:
        text = FLOAT_SUFFIX.sub("", self.file.text(node)).replace("_", "")
        try:
            value = bounded(float(text)) if len(text) <= MAX_TEXT else None
        except ValueError:
            return DYNAMIC
        return DYNAMIC if value is None else Resolved(value, "explicit")

    def _boolean_literal(self, node: Node, depth: int) -> Resolved:
        return Resolved(self.file.text(node) == "true", "explicit")

    def _string_literal(self, node: Node, depth: int) -> Resolved:
        return Resolved(string_value(node, self.file), "explicit")

    _raw_string_literal = _string_literal

    # operators

    def _parenthesized_expression(self, node: Node, depth: int) -> Resolved:
        inner = node.named_children
        return self.resolve(inner[0], depth) if inner else DYNAMIC

    def _type_cast_expression(self, node: Node, depth: int) -> Resolved:
        resolved = self.resolve(field(node, "value"), depth)
        cast = field(node, "type")
        if isinstance(resolved.value, float) and cast is not None and self.file.text(cast)[0] in "ui":
            return replace(resolved, value=int(resolved.value))
        return resolved

    def _unary_expression(self, node: Node, depth: int) -> Resolved:
        operand = self.resolve(node.named_children[-1] if node.named_children else None, depth)
        amount = None if isinstance(operand.value, str) else number(operand.value)
        if self.file.text(node).startswith("-") and amount is not None:
            return replace(operand, value=-amount)
        return DYNAMIC

    def _binary_expression(self, node: Node, depth: int) -> Resolved:
        left = self.resolve(field(node, "left"), depth)
        right = self.resolve(field(node, "right"), depth)
        operator = field(node, "operator")
        a, b = number(left.value), number(right.value)
        if operator is None or a is None or b is None:
            return DYNAMIC
        op = self.file.text(operator)
        if op == "+":
            value: Raw = a + b
        elif op == "-":
            value = a - b
        elif op == "*":
            value = a * b
        elif op == "/" and b != 0:
            value = a // b if isinstance(a, int) and isinstance(b, int) else a / b
        else:
            return DYNAMIC
        if number(value) is None:  # overflowed the bounds of a count or duration
            return DYNAMIC
        return combine(left, right, value)

    def _block(self, node: Node, depth: int) -> Resolved:
        tail = [c for c in node.named_children if c.type not in ("line_comment", "block_comment")]
        if tail and tail[-1].type not in ("expression_statement", "let_declaration"):
            return self.resolve(tail[-1], depth)
        return DYNAMIC

    def _if_expression(self, node: Node, depth: int) -> Resolved:
        """``if cfg!(test) { 1 } else { 25 }`` is what a build that is no test's runs: 25."""
        tests = cfg_test(self.file, node)
        otherwise = field(node, "alternative")
        if tests is True and otherwise is not None and otherwise.named_children:
            return self.resolve(otherwise.named_children[0], depth)
        if tests is False:
            return self.resolve(field(node, "consequence"), depth)
        return DYNAMIC

    def _closure_expression(self, node: Node, depth: int) -> Resolved:
        return self.resolve(field(node, "body"), depth)

    # names

    def _identifier(self, node: Node, depth: int) -> Resolved:
        name = self.file.text(node)
        if name == "None":
            return Resolved(None, "disabled")
        binding = self.local_binding(node, name)
        if binding is not None:
            return self.resolve(binding, depth)
        if self._is_parameter(node, name):
            return DYNAMIC
        return self._constant(name, depth)

    def _scoped_identifier(self, node: Node, depth: int) -> Resolved:
        segments = [name for name, _ in path_segments(node, self.file)]
        if len(segments) >= 2 and segments[-2] == "Duration" and segments[-1] in DURATION_CONSTANTS:
            return Resolved(DURATION_CONSTANTS[segments[-1]], "explicit")
        if segments[-1:] == ["None"]:
            return Resolved(None, "disabled")
        if len(segments) >= 2:  # another module's item, else an associated const (`Self::MAX`) here
            found = self._imported(self.file.qualified(segments), depth)
            if found.source != "dynamic":
                return found
        return self._constant(segments[-1], depth) if segments else DYNAMIC

    def _field_expression(self, node: Node, depth: int) -> Resolved:
        return config_structs.field_value(self, node, depth)  # cfg.max_connections of a config struct

    def _constant(self, name: str, depth: int) -> Resolved:
        value = self.file.constants.get(name)
        if value is None:
            used = self.file.imports.get(name)  # `use crate::config::MAX_CONNECTIONS;`
            return self._imported(used.split("::"), depth) if used else DYNAMIC
        resolved = self.resolve(value, depth)
        if resolved.source == "explicit":
            return replace(resolved, source="constant", constant=name)
        return resolved

    def _imported(self, path: list[str], depth: int) -> Resolved:
        """A ``const`` or ``static`` of another module of the crate: ``config::MAX_CONNECTIONS``."""
        other = project.module_file(self.file.path, path[:-1])
        if other is None or other.path == os.path.abspath(self.file.path) or path[-1] not in other.constants:
            return DYNAMIC
        value = other.constants[path[-1]]
        resolved = Resolver(other).resolve(value, depth)
        if resolved.source == "dynamic":
            return resolved
        where = f"{os.path.relpath(other.path)}:{value.start_point[0] + 1}"
        return replace(resolved, source="constant", constant="::".join(path[-2:]), defined_at=where)

    def local_binding(self, use: Node, name: str) -> Node | None:
        """The value of the last ``let name = ..`` before ``use`` in the same function."""
        scope = self.file.enclosing_function(use)
        if scope is None:
            return None
        lets = self._lets(scope).get(name, [])
        # The last let that starts before the use and whose value ends before it (not one around it).
        at = bisect_left(lets, use.start_byte, key=lambda let: let[0])
        while at > 0:
            at -= 1
            _, value = lets[at]
            if value.end_byte <= use.start_byte:
                return value
        return None

    def _lets(self, scope: Node) -> dict[str, list[tuple[int, Node]]]:
        """The ``let name = value`` declarations under a scope, by name: (start, value) in source order.

        Indexed once per scope, so resolving many names in one function is not a walk each.
        """
        if scope not in self._lets_by_scope:
            found: dict[str, list[tuple[int, Node]]] = {}
            for match in matches("(let_declaration pattern: (identifier) @name value: (_) @value)", scope):
                found.setdefault(self.file.text(match["name"]), []).append(
                    (match["name"].start_byte, match["value"])
                )
            self._lets_by_scope[scope] = found
        return self._lets_by_scope[scope]

    def _is_parameter(self, use: Node, name: str) -> bool:
        scope = self.file.enclosing_function(use)
        params = field(scope, "parameters") if scope is not None else None
        if params is None:
            return False
        found = captures("(parameter pattern: (identifier) @name)", params)
        found_closure = captures("(closure_parameters (identifier) @name)", params)
        names = found.get("name", []) + found_closure.get("name", [])
        return any(self.file.text(n) == name for n in names)

    # calls

    def _call_expression(self, node: Node, depth: int) -> Resolved:
        method = method_name(node, self.file)
        if method is not None:
            return self._method_call(node, method, depth)
        function = field(node, "function")
        if function is None:
            return DYNAMIC
        segments = [name for name, _ in path_segments(function, self.file)]
        args = arguments(node)
        if segments == ["Some"] and args:
            return self.resolve(args[0], depth)
        if len(segments) >= 2 and segments[-2] == "Duration":
            return self._duration(segments[-1], args, depth)
        if segments[-1:] in (["from"], ["try_from"]) and len(segments) >= 2 and len(args) == 1:
            return self.resolve(args[0], depth)  # u32::from(size), From::from(size): the value converted
        if self.file.qualified(segments)[-2:] in (["cmp", "max"], ["cmp", "min"]) and len(args) == 2:
            return self._ordered(segments[-1], args, depth)  # std::cmp::max(a, b)
        return DYNAMIC

    def _duration(self, constructor: str, args: list[Node], depth: int) -> Resolved:
        if constructor in DURATION_SCALES and len(args) == 1:
            amount = self.resolve(args[0], depth)
            given = number(amount.value)
            scale = DURATION_SCALES[constructor] * amount.scale  # what a declared env value is read with
            if given is None:
                return replace(amount, scale=scale) if amount.source == "dynamic" else DYNAMIC
            seconds = bounded(float(given) * DURATION_SCALES[constructor])
            return DYNAMIC if seconds is None else replace(amount, value=seconds, scale=scale)
        if constructor == "new" and len(args) == 2:
            secs, nanos = self.resolve(args[0], depth), self.resolve(args[1], depth)
            a, b = number(secs.value), number(nanos.value)
            if a is None or b is None:
                return DYNAMIC
            return combine(secs, nanos, float(a) + float(b) / 1e9)
        return DYNAMIC

    def _method_call(self, node: Node, method: str, depth: int) -> Resolved:
        target = receiver(node)
        if method in ("max", "min", "clamp") and target is not None:  # of an env default too
            return self._ordered(method, [target, *arguments(node)], depth)
        args = arguments(node)
        if method == "unwrap_or" and target is not None and target.type == "field_expression" and args:
            fallback = config_structs.field_fallback(self, target, args[0], depth)  # cfg.max.unwrap_or(10)
            if fallback is not None:
                return fallback
        lookup = self._env_lookup(node, depth)
        if lookup is not None:
            return lookup
        if method in PASS_THROUGH:
            resolved = self.resolve(target, depth)
            if method == "parse" and isinstance(resolved.value, str):
                return replace(resolved, value=number(resolved.value))
            return resolved
        return DYNAMIC

    def _ordered(self, method: str, args: list[Node], depth: int) -> Resolved:
        """``a.max(b)``, ``a.min(b)``, ``a.clamp(low, high)`` of known numbers (Ord and f64 alike)."""
        if len(args) != (3 if method == "clamp" else 2):
            return DYNAMIC
        given = [self.resolve(arg, depth) for arg in args]
        amounts = [
            amount for g in given if not isinstance(g.value, str) and (amount := number(g.value)) is not None
        ]
        if len(amounts) != len(given):
            return DYNAMIC
        if method == "clamp":
            a, low, high = amounts
            if low > high:  # clamp panics when min > max
                return DYNAMIC
            value: Raw = min(max(a, low), high)
        else:
            value = max(amounts) if method == "max" else min(amounts)
        found = combine(given[0], given[1], value)
        return combine(found, given[2], value) if len(given) == 3 else found

    def _env_lookup(self, node: Node, depth: int) -> Resolved | None:
        """``env::var("X")...unwrap_or(50)``: the default, with the variable kept; None if no env read."""
        default: Resolved | None = None
        current: Node | None = node
        while current is not None and current.type == "call_expression":
            method = method_name(current, self.file)
            if method is None:
                return self._env_variable(current, default)
            args = arguments(current)
            if method in ENV_DEFAULTS and args and default is None:
                default = self.resolve(args[0], depth)
            current = receiver(current)
        return None

    def _env_variable(self, call: Node, default: Resolved | None) -> Resolved | None:
        function = field(call, "function")
        segments = tuple(name for name, _ in path_segments(function, self.file)) if function else ()
        args = arguments(call)
        if segments not in ENV_READERS or not args:
            return None
        variable = string_value(args[0], self.file)
        fallback = number(default.value) if default is not None else None
        if fallback is None or default is None or default.source == "dynamic":
            return Resolved(None, "dynamic", env=variable)
        return Resolved(fallback, "env-default", env=variable)
