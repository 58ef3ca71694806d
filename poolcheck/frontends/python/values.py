"""What a Python expression is worth statically, and which keywords a ``**splat`` supplies.

Resolves literals, arithmetic, module-level and function-local constants,
``int()``/``float()``, ``max``/``min``/``abs``/``round`` of known numbers,
``timedelta(..).total_seconds()``, a conditional expression whose arms agree,
``os.getenv("X", "20")``, ``os.environ.get("X", 10)``,
``os.environ.get("X") or 25``; and dicts splatted into a call when they are
literals or ``dict(..)`` built in the same scope or module, or in another of the
project's modules (``**ENGINE_OPTIONS`` imported from it), with straight-line
updates. Anything else is dynamic.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import reduce

from poolcheck.frontends.python import helpers, members
from poolcheck.frontends.python.bindings import LOCAL, Binding, ModuleBindings
from poolcheck.frontends.python.foreign import Foreign
from poolcheck.frontends.python.statements import Scope
from poolcheck.frontends.resolved import DYNAMIC, Raw, Resolved, combine, number

# Readers of one environment variable -> the position of their default argument (it is also the
# keyword ``default``). python-decouple's config(option, default, cast).
ENV_GETTERS: dict[str, int] = {
    "os.getenv": 1,
    "os.environ.get": 1,
    "os.environ.setdefault": 1,
    "decouple.config": 1,
}
# Classes whose instances read environment variables, and their readers: django-environ's
# ``env = environ.Env()``, then ``env.int("DB_POOL_SIZE", default=10)`` or ``env("X", cast=int, default=..)``.
ENV_CLASSES = {"environ.Env", "environ.environ.Env"}
ENV_METHODS: dict[str, int] = {
    "__call__": 2,
    "str": 1,
    "int": 1,
    "float": 1,
    "bool": 1,
}
# Pure builtins over numbers: the function, and how many positional arguments it takes.
PureBuiltin = tuple[Callable[..., Raw], int, int]
PURE_BUILTINS: dict[str, PureBuiltin] = {
    "builtins.max": (max, 2, 64),  # max(iterable) reads a collection: not followed
    "builtins.min": (min, 2, 64),
    "builtins.abs": (abs, 1, 1),
    "builtins.round": (round, 1, 2),
}
TIMEDELTA = "datetime.timedelta"
# datetime.timedelta's parameters in positional order.
TIMEDELTA_PARAMETERS = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
MAX_DEPTH = 40
# URL builders by method name -> the keyword naming the scheme: pydantic's MultiHostUrl.build /
# PostgresDsn.build(scheme=..), SQLAlchemy's URL.create(drivername=..).
URL_BUILDERS = {"build": "scheme", "create": "drivername"}


@dataclass(frozen=True)
class Keyword:
    """A keyword argument a call receives, directly or through a ``**`` dict."""

    value: ast.expr
    node: ast.expr | ast.keyword | Stretch  # where it is written, for its location
    conditional: bool = False  # set in a nested block: it may not apply


@dataclass
class Splat:
    keywords: dict[str, Keyword]
    opaque: bool  # part of it could not be read: any other knob may be set too


class Resolver:
    """Resolves expressions of one module, seen from a position in its scopes."""

    def __init__(self, bindings: ModuleBindings, path: str = "") -> None:
        self.bindings = bindings
        self.path = path  # the module's file, from which the project's other modules are found

    def resolve(self, node: ast.expr, scopes: list[Scope], line: int, depth: int = 0) -> Resolved:
        if depth > MAX_DEPTH:
            return DYNAMIC
        depth += 1
        if isinstance(node, Foreign):  # written in another module: read there
            return node.resolved(depth)
        if isinstance(node, ast.Constant):
            if node.value is None:
                return Resolved(None, "disabled")
            if isinstance(node.value, (bool, str)):
                return Resolved(node.value, "explicit")
            if isinstance(node.value, (int, float)):  # beyond the bounds of a count or duration: unknown
                return Resolved(node.value, "explicit") if number(node.value) is not None else DYNAMIC
            return DYNAMIC
        if isinstance(node, ast.Name):
            return self._name(node, scopes, line, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.resolve(node.operand, scopes, line, depth)
            amount = number(inner.value)
            return replace(inner, value=-amount) if amount is not None else DYNAMIC
        if isinstance(node, ast.BinOp):
            return self._arithmetic(node, scopes, line, depth)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
            return self._or_default(node.values[0], node.values[1], scopes, line, depth)
        if isinstance(node, ast.Call):
            return self._call(node, scopes, line, depth)
        if isinstance(node, ast.IfExp):
            return self._agreeing(node.body, node.orelse, scopes, line, depth)
        if (
            isinstance(node, ast.Subscript)
            and self.bindings.qualified(node.value, scopes, line) == "os.environ"
        ):
            return Resolved(None, "dynamic", env=_string(node.slice))
        if isinstance(node, ast.Attribute) and self.path:
            return members.attribute(self, node, scopes, line)
        return DYNAMIC

    def _name(self, node: ast.Name, scopes: list[Scope], line: int, depth: int) -> Resolved:
        binding = self.bindings.binding(node.id, scopes, line)
        if binding is not None and binding.qualified is not None and self.path:
            return members.imported(self, binding.qualified)  # defined in another of the project's modules
        if binding is None:
            return helpers.parameter_default(self, node.id, scopes, depth)
        if binding.value is None:
            return DYNAMIC
        resolved = self.resolve(binding.value, scopes, binding.line, depth)
        if not self.branches_agree(node.id, binding, resolved, scopes, line, depth):
            return DYNAMIC
        if resolved.source == "explicit":
            return replace(resolved, source="constant", constant=node.id)
        return resolved

    def branches_agree(
        self, name: str, binding: Binding, resolved: Resolved, scopes: list[Scope], line: int, depth: int = 0
    ) -> bool:
        """Does every branch that may bind ``name`` before ``line`` give it ``binding``'s value?
        ``if prod: size = 20 / else: size = 5`` is known only when the arms agree, as ``a if c else b``."""
        for other in self.bindings.alternatives(name, scopes, line):
            value = other.value
            found = self.resolve(value, scopes, other.line, depth) if value is not None else DYNAMIC
            if other is not binding and not _same(resolved, found):
                return False
        return True

    def _arithmetic(self, node: ast.BinOp, scopes: list[Scope], line: int, depth: int) -> Resolved:
        left = self.resolve(node.left, scopes, line, depth)
        right = self.resolve(node.right, scopes, line, depth)
        if isinstance(left.value, str) or isinstance(right.value, str):
            return DYNAMIC
        a, b = number(left.value), number(right.value)
        if a is None or b is None:
            return DYNAMIC
        operator = node.op
        if isinstance(operator, ast.Add):
            value: Raw = a + b
        elif isinstance(operator, ast.Sub):
            value = a - b
        elif isinstance(operator, ast.Mult):
            value = a * b
        elif isinstance(operator, ast.Div) and b:
            value = a / b
        elif isinstance(operator, ast.FloorDiv) and b:
            value = a // b
        else:
            return DYNAMIC
        if number(value) is None:  # overflowed the bounds of a count or duration
            return DYNAMIC
        return combine(left, right, value)

    def _or_default(
        self, first: ast.expr, second: ast.expr, scopes: list[Scope], line: int, depth: int
    ) -> Resolved:
        """``os.environ.get("X") or 25``: the fallback is the env default."""
        left = self.resolve(first, scopes, line, depth)
        if left.source != "dynamic" and left.value:
            return left
        right = self.resolve(second, scopes, line, depth)
        if left.env is not None and right.source != "dynamic" and number(right.value) is not None:
            return Resolved(right.value, "env-default", env=left.env)
        return DYNAMIC

    def _agreeing(
        self, body: ast.expr, orelse: ast.expr, scopes: list[Scope], line: int, depth: int
    ) -> Resolved:
        """``a if c else b`` is known only when both arms are the same value from the same place."""
        first = self.resolve(body, scopes, line, depth)
        second = self.resolve(orelse, scopes, line, depth)
        if (
            first.value != second.value
            or type(first.value) is not type(second.value)
            or first.env != second.env
        ):
            return DYNAMIC
        return combine(first, second, first.value)

    def _call(self, node: ast.Call, scopes: list[Scope], line: int, depth: int) -> Resolved:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "total_seconds" and not node.args:
            return self._timedelta(node.func.value, scopes, line, depth)
        name = self.bindings.qualified(node.func, scopes, line)
        args = [a for a in node.args if not isinstance(a, ast.Starred)]
        plain = len(args) == len(node.args) and not node.keywords
        if name in ("builtins.int", "builtins.float") and len(args) == 1 and not node.keywords:
            inner = self.resolve(args[0], scopes, line, depth)
            amount = number(inner.value)
            if amount is None or inner.source == "disabled":
                return replace(DYNAMIC, env=inner.env)
            if name == "builtins.int" and isinstance(inner.value, str) and not isinstance(amount, int):
                return replace(DYNAMIC, env=inner.env)  # int("7.5") raises ValueError
            return replace(inner, value=int(amount) if name == "builtins.int" else float(amount))
        if name in PURE_BUILTINS and plain:
            return self._pure(PURE_BUILTINS[name], args, scopes, line, depth)
        position = ENV_GETTERS[name] if name in ENV_GETTERS else self._env_method(node, scopes, line)
        if position is not None and args:
            variable = _string(args[0])
            given = (
                args[position]
                if position is not None and len(args) > position
                else next((k.value for k in node.keywords if k.arg == "default"), None)
            )
            default = self.resolve(given, scopes, line, depth) if given is not None else None
            if default is None or default.source == "dynamic" or number(default.value) is None:
                return Resolved(None, "dynamic", env=variable)
            return Resolved(default.value, "env-default", env=variable)
        if name is not None and name.startswith(LOCAL):
            return helpers.inlined(self, name, node, depth)
        return DYNAMIC

    def _env_method(self, node: ast.Call, scopes: list[Scope], line: int) -> int | None:
        """A django-environ reader called on an ``environ.Env()`` instance: its default's position."""
        function = node.func
        owner, method = (
            (function.value, function.attr) if isinstance(function, ast.Attribute) else (function, "__call__")
        )
        if method not in ENV_METHODS or not isinstance(owner, ast.Name):
            return None
        binding = self.bindings.binding(owner.id, scopes, line)
        if binding is not None and binding.qualified is not None and self.path:
            # `from .base import env`: the instance the settings module it comes from makes
            instance = members.made_elsewhere(self, binding.qualified)
            return ENV_METHODS[method] if instance in ENV_CLASSES else None
        made = binding.value if binding is not None else None
        if (
            not isinstance(made, ast.Call)
            or self.bindings.qualified(made.func, scopes, line) not in ENV_CLASSES
        ):
            return None
        return ENV_METHODS[method]

    def _pure(
        self, builtin: PureBuiltin, args: list[ast.expr], scopes: list[Scope], line: int, depth: int
    ) -> Resolved:
        """``max(5, int(os.getenv("POOL", "10")))``: known when every argument is a known number."""
        function, least, most = builtin
        if not least <= len(args) <= most:
            return DYNAMIC
        given = [self.resolve(arg, scopes, line, depth) for arg in args]
        # A string is no number to these: max("5", "10") compares text, abs("5") raises.
        amounts = [None if isinstance(g.value, str) else number(g.value) for g in given]
        if any(amount is None for amount in amounts):
            return DYNAMIC
        try:
            value = number(function(*amounts))
        except (ArithmeticError, TypeError, ValueError):  # round(x, 10**20), ...
            return DYNAMIC
        if value is None:
            return DYNAMIC
        return reduce(lambda done, g: combine(done, g, value), given[1:], replace(given[0], value=value))

    def _timedelta(self, node: ast.expr, scopes: list[Scope], line: int, depth: int) -> Resolved:
        """``timedelta(minutes=30).total_seconds()``, or a name bound to the timedelta, in seconds."""
        if depth > MAX_DEPTH:
            return DYNAMIC
        if isinstance(node, ast.Name):
            binding = self.bindings.binding(node.id, scopes, line)
            if binding is None or binding.value is None:
                return DYNAMIC
            found = self._timedelta(binding.value, scopes, binding.line, depth + 1)
            return (
                replace(found, source="constant", constant=node.id) if found.source == "explicit" else found
            )
        if not isinstance(node, ast.Call) or self.bindings.qualified(node.func, scopes, line) != TIMEDELTA:
            return DYNAMIC
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return DYNAMIC
        if len(node.args) > len(TIMEDELTA_PARAMETERS):  # TypeError
            return DYNAMIC
        written = [
            *zip(TIMEDELTA_PARAMETERS, node.args, strict=False),
            *((k.arg, k.value) for k in node.keywords),
        ]
        given = {str(name): self.resolve(value, scopes, line, depth + 1) for name, value in written}
        amounts = {n: None if isinstance(g.value, str) else number(g.value) for n, g in given.items()}
        if len(given) != len(written) or any(amount is None for amount in amounts.values()):
            return DYNAMIC
        try:
            seconds = number(timedelta(**amounts).total_seconds())  # type: ignore[arg-type]
        except (OverflowError, TypeError, ValueError):
            return DYNAMIC
        if seconds is None:
            return DYNAMIC
        start = Resolved(seconds, "explicit")
        return reduce(lambda done, g: combine(done, g, seconds), given.values(), start)

    def leading_text(self, node: ast.expr, scopes: list[Scope], line: int, depth: int = 0) -> str | None:
        """A string's known start: the whole literal, or an f-string's text before its first field.

        Enough to read a URL's scheme: ``f"sqlite+aiosqlite:///{path}"`` is a SQLite URL.
        """
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, Foreign):
            return node.resolver.leading_text(node.node, node.scopes, node.line, depth + 1)
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        if isinstance(node, ast.Name):
            binding = self.bindings.binding(node.id, scopes, line)
            if binding is not None and binding.value is not None:
                return self.leading_text(binding.value, scopes, binding.line, depth + 1)
            return None
        if isinstance(node, ast.Attribute) and self.path:
            return members.attribute_text(self, node, scopes, line)
        if isinstance(node, ast.Call):
            built = self._url_builder(node, scopes, line, depth)
            if built is not None:
                return built
        resolved = self.resolve(node, scopes, line, depth)
        return resolved.value if isinstance(resolved.value, str) else None

    def _url_builder(self, node: ast.Call, scopes: list[Scope], line: int, depth: int) -> str | None:
        """``str(url)``, and a URL built from its parts: the scheme is all a database needs."""
        name = self.bindings.qualified(node.func, scopes, line) or ""
        if name == "builtins.str" and len(node.args) == 1:
            return self.leading_text(node.args[0], scopes, line, depth + 1)
        function = node.func.attr if isinstance(node.func, ast.Attribute) else None
        scheme = URL_BUILDERS.get(function or "")
        given = next((k.value for k in node.keywords if k.arg == scheme), None) if scheme else None
        written = self.resolve(given, scopes, line, depth).value if given is not None else None
        return f"{written}://" if isinstance(written, str) else None

    # ** splats

    def splat(self, node: ast.expr, scopes: list[Scope], line: int, depth: int = 0) -> Splat:
        """The keywords a ``**node`` (or a settings dict) supplies, as far as they can be read."""
        if depth > MAX_DEPTH:
            return Splat({}, opaque=True)
        if isinstance(node, Foreign):  # its keywords are read where they are written too
            inner = node.resolver.splat(node.node, node.scopes, node.line, depth + 1)
            for name, keyword in inner.keywords.items():
                inner.keywords[name] = replace(keyword, value=node.inside(keyword.value), node=node)
            return inner
        if isinstance(node, ast.Dict):
            return self._dict_literal(node, scopes, line, depth)
        if isinstance(node, ast.Call) and self.bindings.qualified(node.func, scopes, line) == "builtins.dict":
            return self._dict_call(node, scopes, line, depth)
        elsewhere = members.spread(self, node, scopes, line) if self.path else None
        if elsewhere is not None:  # a dict of another of the project's modules
            return self.splat(elsewhere, scopes, line, depth + 1)
        built = members.returned(self, node, scopes, line) if isinstance(node, ast.Call) else None
        if built is not None:  # **engine_options(): the dict a project function returns
            return self.splat(built, scopes, line, depth + 1)
        if isinstance(node, ast.Name):
            binding = self.bindings.binding(node.id, scopes, line)
            if binding is None or binding.value is None:
                return Splat({}, opaque=True)
            found = self.splat(binding.value, scopes, binding.line, depth + 1)
            self._apply_mutations(found, node.id, binding, scopes, line, depth)
            return found
        return Splat({}, opaque=True)

    def _dict_literal(self, node: ast.Dict, scopes: list[Scope], line: int, depth: int) -> Splat:
        found = Splat({}, opaque=False)
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # {**base, ...}
                inner = self.splat(value, scopes, line, depth + 1)
                found.keywords.update(inner.keywords)
                found.opaque |= inner.opaque
                continue
            name = _string(key)
            if name is None:
                found.opaque = True
            else:
                found.keywords[name] = Keyword(value, Stretch(key, value))
        return found

    def _dict_call(self, node: ast.Call, scopes: list[Scope], line: int, depth: int) -> Splat:
        found = Splat({}, opaque=False)
        for keyword in node.keywords:
            if keyword.arg is None:
                inner = self.splat(keyword.value, scopes, line, depth + 1)
                found.keywords.update(inner.keywords)
                found.opaque |= inner.opaque
            else:
                found.keywords[keyword.arg] = Keyword(keyword.value, keyword)
        for arg in node.args:
            inner = self.splat(arg, scopes, line, depth + 1)
            found.keywords.update(inner.keywords)
            found.opaque |= inner.opaque
        return found

    def _apply_mutations(
        self, found: Splat, name: str, binding: Binding, scopes: list[Scope], line: int, depth: int
    ) -> None:
        """Later ``d["k"] = v``, ``d.update(..)``, ``d.setdefault(..)``, ``d |= {..}`` in the same scope."""
        for mutation in self.bindings.mutations(name, scopes[-1], binding.line, line):
            conditional = mutation.block != binding.block
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
            else:  # update(..) or |= {..}
                if mutation.kind == "update" and mutation.call is not None:
                    added = self._dict_call(mutation.call, scopes, line, depth + 1)
                elif mutation.value is not None:
                    added = self.splat(mutation.value, scopes, line, depth + 1)
                else:
                    added = Splat({}, opaque=True)
                for key, keyword in added.keywords.items():
                    found.keywords[key] = replace(keyword, conditional=conditional or keyword.conditional)
                found.opaque |= added.opaque


@dataclass(frozen=True)
class Stretch:
    """A location from one node's start to another's end, e.g. a dict entry ``"key": value``."""

    first: ast.expr | ast.stmt
    last: ast.expr | ast.stmt

    @property
    def lineno(self) -> int:
        return self.first.lineno

    @property
    def col_offset(self) -> int:
        return self.first.col_offset

    @property
    def end_lineno(self) -> int | None:
        return self.last.end_lineno

    @property
    def end_col_offset(self) -> int | None:
        return self.last.end_col_offset


def _same(one: Resolved, other: Resolved) -> bool:
    """Two known values that are one: a branch's and another's (as ``_agreeing`` compares arms)."""
    return (
        one.source != "dynamic"
        and other.source != "dynamic"
        and one.value == other.value
        and type(one.value) is type(other.value)
        and one.env == other.env
    )


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
