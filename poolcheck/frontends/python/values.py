"""What a Python expression is worth statically, and which keywords a ``**splat`` supplies.

Resolves literals, arithmetic, module-level and function-local constants,
``int()``/``float()``, ``os.getenv("X", "20")``, ``os.environ.get("X", 10)``,
``os.environ.get("X") or 25``; and dicts splatted into a call when they are
literals or ``dict(..)`` built in the same scope or module, with straight-line
updates. Anything else is dynamic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import libcst as cst

from poolcheck.frontends.python.bindings import Binding, BindingsCollector, Scope
from poolcheck.model import Source

Raw = int | float | bool | str | None
QualifiedNames = Callable[[cst.CSTNode], set[str]]

ENV_GETTERS = {"os.getenv", "os.environ.get", "os.environ.setdefault"}
MAX_DEPTH = 40
PRECEDENCE: dict[Source, int] = {"explicit": 0, "constant": 1, "env-default": 2}


@dataclass(frozen=True)
class Resolved:
    value: Raw
    source: Source
    env: str | None = None
    constant: str | None = None


DYNAMIC = Resolved(None, "dynamic")


@dataclass(frozen=True)
class Keyword:
    """A keyword argument a call receives, directly or through a ``**`` dict."""

    value: cst.BaseExpression
    node: cst.CSTNode  # where it is written, for its location
    conditional: bool = False  # set in a nested block: it may not apply


@dataclass
class Splat:
    keywords: dict[str, Keyword]
    opaque: bool  # part of it could not be read: any other knob may be set too


def combine(first: Resolved, second: Resolved, value: Raw) -> Resolved:
    if "dynamic" in (first.source, second.source):
        return DYNAMIC
    lead = max(first, second, key=lambda r: PRECEDENCE.get(r.source, 0))
    return replace(lead, value=value)


def number(value: Raw) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                continue
    return None


class Resolver:
    """Resolves expressions of one module, seen from a position in its scopes."""

    def __init__(self, bindings: BindingsCollector, qualified: QualifiedNames) -> None:
        self.bindings = bindings
        self.qualified = qualified

    def resolve(self, node: cst.BaseExpression, scopes: list[Scope], line: int, depth: int = 0) -> Resolved:
        if depth > MAX_DEPTH:
            return DYNAMIC
        depth += 1
        if isinstance(node, cst.Integer):
            return Resolved(int(node.value.replace("_", ""), 0), "explicit")
        if isinstance(node, cst.Float):
            return Resolved(float(node.value.replace("_", "")), "explicit")
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return Resolved(value if isinstance(value, str) else None, "explicit")
        if isinstance(node, cst.Name):
            return self._name(node, scopes, line, depth)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.resolve(node.expression, scopes, line, depth)
            amount = number(inner.value)
            return replace(inner, value=-amount) if amount is not None else DYNAMIC
        if isinstance(node, cst.BinaryOperation):
            return self._arithmetic(node, scopes, line, depth)
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            return self._or_default(node, scopes, line, depth)
        if isinstance(node, cst.Call):
            return self._call(node, scopes, line, depth)
        if isinstance(node, cst.Subscript) and "os.environ" in self.qualified(node.value):
            return Resolved(None, "dynamic", env=_subscript_key(node))
        return DYNAMIC

    def _name(self, node: cst.Name, scopes: list[Scope], line: int, depth: int) -> Resolved:
        if node.value in ("True", "False"):
            return Resolved(node.value == "True", "explicit")
        if node.value == "None":
            return Resolved(None, "disabled")
        binding = self.bindings.binding(node.value, scopes, line)
        if binding is None:
            return DYNAMIC
        resolved = self.resolve(binding.value, scopes, binding.line, depth)
        if resolved.source == "explicit":
            return replace(resolved, source="constant", constant=node.value)
        return resolved

    def _arithmetic(self, node: cst.BinaryOperation, scopes: list[Scope], line: int, depth: int) -> Resolved:
        left = self.resolve(node.left, scopes, line, depth)
        right = self.resolve(node.right, scopes, line, depth)
        a, b = number(left.value), number(right.value)
        if a is None or b is None or isinstance(left.value, str) or isinstance(right.value, str):
            return DYNAMIC
        operator = node.operator
        if isinstance(operator, cst.Add):
            value: Raw = a + b
        elif isinstance(operator, cst.Subtract):
            value = a - b
        elif isinstance(operator, cst.Multiply):
            value = a * b
        elif isinstance(operator, cst.Divide) and b:
            value = a / b
        elif isinstance(operator, cst.FloorDivide) and b:
            value = a // b
        else:
            return DYNAMIC
        return combine(left, right, value)

    def _or_default(self, node: cst.BooleanOperation, scopes: list[Scope], line: int, depth: int) -> Resolved:
        """``os.environ.get("X") or 25``: the fallback is the env default."""
        left = self.resolve(node.left, scopes, line, depth)
        if left.source != "dynamic" and left.value:
            return left
        right = self.resolve(node.right, scopes, line, depth)
        if left.env is not None and right.source != "dynamic" and number(right.value) is not None:
            return Resolved(right.value, "env-default", env=left.env)
        return DYNAMIC

    def _call(self, node: cst.Call, scopes: list[Scope], line: int, depth: int) -> Resolved:
        names = self.qualified(node.func)
        args = [a for a in node.args if a.keyword is None and not a.star]
        if names & {"builtins.int", "builtins.float"} and len(args) == 1:
            inner = self.resolve(args[0].value, scopes, line, depth)
            amount = number(inner.value)
            if amount is None:
                return replace(DYNAMIC, env=inner.env)
            return replace(inner, value=int(amount) if "builtins.int" in names else float(amount))
        if names & ENV_GETTERS and args:
            variable = _string_value(args[0].value)
            default = self._env_default(node, args, scopes, line, depth)
            if default is None or number(default.value) is None:
                return Resolved(None, "dynamic", env=variable)
            return Resolved(default.value, "env-default", env=variable)
        return DYNAMIC

    def _env_default(
        self, node: cst.Call, args: list[cst.Arg], scopes: list[Scope], line: int, depth: int
    ) -> Resolved | None:
        keyword = next((a for a in node.args if a.keyword is not None and a.keyword.value == "default"), None)
        given = args[1] if len(args) > 1 else keyword
        if given is None:
            return None
        resolved = self.resolve(given.value, scopes, line, depth)
        return None if resolved.source == "dynamic" else resolved

    # ** splats

    def splat(self, node: cst.BaseExpression, scopes: list[Scope], line: int, depth: int = 0) -> Splat:
        """The keywords a ``**node`` (or a settings dict) supplies, as far as they can be read."""
        if depth > MAX_DEPTH:
            return Splat({}, opaque=True)
        if isinstance(node, cst.Dict):
            return self._dict_literal(node, scopes, line, depth)
        if isinstance(node, cst.Call) and "builtins.dict" in self.qualified(node.func):
            return self._dict_call(node, scopes, line, depth)
        if isinstance(node, cst.Name):
            binding = self.bindings.binding(node.value, scopes, line)
            if binding is None:
                return Splat({}, opaque=True)
            found = self.splat(binding.value, scopes, binding.line, depth + 1)
            self._apply_mutations(found, node.value, binding, scopes, line, depth)
            return found
        return Splat({}, opaque=True)

    def _dict_literal(self, node: cst.Dict, scopes: list[Scope], line: int, depth: int) -> Splat:
        found = Splat({}, opaque=False)
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                inner = self.splat(element.value, scopes, line, depth + 1)
                found.keywords.update(inner.keywords)
                found.opaque |= inner.opaque
                continue
            key = _string_value(element.key) if isinstance(element, cst.DictElement) else None
            if key is None or not isinstance(element, cst.DictElement):
                found.opaque = True
            else:
                found.keywords[key] = Keyword(element.value, element)
        return found

    def _dict_call(self, node: cst.Call, scopes: list[Scope], line: int, depth: int) -> Splat:
        found = Splat({}, opaque=False)
        for arg in node.args:
            if arg.keyword is not None:
                found.keywords[arg.keyword.value] = Keyword(arg.value, arg)
                continue
            inner = self.splat(arg.value, scopes, line, depth + 1)
            found.keywords.update(inner.keywords)
            found.opaque |= inner.opaque
        return found

    def _apply_mutations(
        self, found: Splat, name: str, binding: Binding, scopes: list[Scope], line: int, depth: int
    ) -> None:
        """Later ``d["k"] = v``, ``d.update(..)``, ``d.setdefault(..)``, ``d |= {..}`` in the same scope."""
        for mutation in self.bindings.mutations(name, scopes[-1], binding.line, line):
            conditional = mutation.block is not binding.block
            if mutation.kind == "set":
                if mutation.key is None or mutation.value is None:
                    found.opaque = True
                    continue
                found.keywords[mutation.key] = Keyword(mutation.value, mutation.value, conditional)
            elif mutation.kind == "setdefault":
                if mutation.key is None:
                    found.opaque = True
                elif mutation.key not in found.keywords and mutation.value is not None:
                    found.keywords[mutation.key] = Keyword(mutation.value, mutation.value, conditional)
            else:  # update(..) / |= {..}
                source = mutation.call if mutation.kind == "update" else mutation.value
                added = (
                    self._dict_call(source, scopes, line, depth + 1)
                    if isinstance(source, cst.Call)
                    else self.splat(source, scopes, line, depth + 1)
                    if source is not None
                    else Splat({}, opaque=True)
                )
                for key, keyword in added.keywords.items():
                    found.keywords[key] = replace(keyword, conditional=conditional or keyword.conditional)
                found.opaque |= added.opaque


def _string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return _string_value(node.slice[0].slice.value)
