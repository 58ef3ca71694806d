"""A project's own helper function, called with literal arguments, read as the expression it returns.

``def env_int(name, default): return int(os.getenv(name, default))`` and then
``pool_size=env_int("DB_POOL_SIZE", 10)`` is ``int(os.getenv("DB_POOL_SIZE", 10))``:
a helper whose body is one ``return`` (a docstring allowed), called with literals
(or leaving parameters at their literal defaults), has its parameters replaced by
those literals and its expression resolved where it is defined. Any other call of
a project function stays unknown: its arguments may name the caller's variables,
and its body may do anything.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from poolcheck.frontends.python.bindings import LOCAL, ModuleBindings
from poolcheck.frontends.python.expressions import Opaque, expression, identifier
from poolcheck.frontends.python.statements import Node, Scope, statements
from poolcheck.frontends.resolved import DYNAMIC, Resolved

if TYPE_CHECKING:
    from poolcheck.frontends.python.values import Resolver

LITERALS = (ast.Constant,)
MAX_HELPER_STATEMENTS = 8  # a helper read along one path: a few bindings and guards, then its return
COMPARISONS: dict[str, ast.cmpop] = {"==": ast.Eq(), "!=": ast.NotEq(), "is": ast.Is(), "is not": ast.IsNot()}
CACHING_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})


def inlined(resolver: Resolver, qualified: str, call: ast.Call, depth: int) -> Resolved:
    """The value of ``call`` to the module's function ``qualified``, when it is a one-return helper."""
    found = returned(resolver, qualified, call)
    if found is None:
        return DYNAMIC
    expression, scopes, line = found
    return resolver.resolve(expression, scopes, line, depth)


def returned(
    resolver: Resolver, qualified: str, call: ast.Call, literal_only: bool = True
) -> tuple[ast.expr, list[Scope], int] | None:
    """What a one-return helper of the module returns for ``call``, its parameters replaced by the
    call's literals, with the scopes and line to read it at. Without ``literal_only``, a parameter
    given anything else is unknown instead (Django's ``database_config(env("DATABASE_URL"))``)."""
    bindings = resolver.bindings
    if not qualified.startswith(LOCAL) or qualified in bindings.class_bases:
        return None
    body = bindings.bodies.get(qualified)
    function = body[1].parent if body is not None else None
    if body is None or function is None or function.type != "function_definition":
        return None
    parameters = _parameters(function)
    given = _arguments(call, parameters, literal_only) if parameters is not None else None
    if given is None:
        return None
    scope, block = body
    value = only_return(block)
    if value is None:
        return _unset_path(resolver, block, given, [bindings.module, scope])
    replaced = _Substitute(given).visit(copy.deepcopy(expression(value)))
    return replaced, [bindings.module, scope], value.start_point[0] + 1


def _unset_path(
    resolver: Resolver, block: Node, given: dict[str, ast.expr], scopes: list[Scope]
) -> tuple[ast.expr, list[Scope], int] | None:
    """What a helper of a few statements returns where the environment leaves its variable unset:
    names bound to expressions, early returns behind guards, and the last return, each read with
    the call's values and the variable's default (healthchecks' ``envint``)::

        def envint(s, default):
            v = os.getenv(s, default)
            if v == "None":
                return None
            return int(v)

    Every guard must read as false with those values; any other statement, or a guard that
    cannot be read, leaves the call unknown."""
    found = [s for s in statements(block) if not _docstring(s)]
    if not found or len(found) > MAX_HELPER_STATEMENTS:
        return None
    *steps, last = found
    if last.type != "return_statement" or not last.named_child_count:
        return None
    names = dict(given)
    for step in steps:
        line = step.start_point[0] + 1
        bound = _bound(step)
        guard = _guard(step)
        if bound is not None:
            target, value = bound
            names[target] = _Substitute(names).visit(copy.deepcopy(expression(value)))
        elif (
            guard is None
            or _holds(resolver, _Substitute(names).visit(_test(guard)), scopes, line) is not False
        ):
            return None
    value = _Substitute(names).visit(copy.deepcopy(expression(last.named_children[0])))
    return value, scopes, last.start_point[0] + 1


def _bound(statement: Node) -> tuple[str, Node] | None:
    """``name = value``: the name and the value."""
    assignment = statement.named_children[0] if statement.type == "expression_statement" else None
    if assignment is None or assignment.type != "assignment":
        return None
    target, value = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
    if target is None or target.type != "identifier" or value is None or value.type == "assignment":
        return None
    return identifier(target), value


def _guard(statement: Node) -> Node | None:
    """``if test: return ..`` with no other branch: its test."""
    if statement.type != "if_statement" or statement.child_by_field_name("alternative") is not None:
        return None
    body = statement.child_by_field_name("consequence")
    inner = [s for s in statements(body)] if body is not None else []
    if len(inner) != 1 or inner[0].type != "return_statement":
        return None
    return statement.child_by_field_name("condition")


def _test(node: Node) -> ast.expr:
    """A guard's test as ``ast``: one comparison (``v == "None"``, ``v is None``), ``not``, or a value."""
    if node.type == "not_operator" and (argument := node.child_by_field_name("argument")) is not None:
        return ast.UnaryOp(ast.Not(), _test(argument))
    operators = node.children_by_field_name("operators") if node.type == "comparison_operator" else []
    operator = COMPARISONS.get(operators[0].type) if len(operators) == 1 else None
    if operator is not None and len(node.named_children) == 2:
        left, right = node.named_children
        return ast.Compare(expression(left), [operator], [expression(right)])
    return expression(node)


def _holds(resolver: Resolver, test: ast.expr, scopes: list[Scope], line: int) -> bool | None:
    """Whether a guard holds with the values known (``v == "None"``, ``not v``); None when unknown."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _holds(resolver, test.operand, scopes, line)
        return None if inner is None else not inner
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        known = resolver.resolve(test, scopes, line)
        return None if known.source == "dynamic" else bool(known.value)
    left, right = (resolver.resolve(side, scopes, line) for side in (test.left, test.comparators[0]))
    if left.source == "dynamic" or right.source == "dynamic":
        return None
    return _compared(test.ops[0], left.value, right.value)


def _compared(operator: ast.cmpop, left: object, right: object) -> bool | None:
    if isinstance(operator, ast.Eq):
        return left == right
    if isinstance(operator, ast.NotEq):
        return left != right
    if isinstance(operator, (ast.Is, ast.IsNot)) and None in (left, right):  # values read are copies
        return (left is right) == isinstance(operator, ast.Is)
    return None


def parameter_default(resolver: Resolver, name: str, scopes: list[Scope], depth: int) -> Resolved:
    """A parameter of the function the lookup is in, at its literal default: a pool built in a wrapper
    (``def make_engine(url, pool_size=10): return create_engine(url, pool_size=pool_size)``) is
    reported there with the wrapper's defaults."""
    function = resolver.bindings.function(scopes) if scopes else None
    parameters = _parameters(function, splats=True) if function is not None else None
    default = dict(parameters).get(name) if parameters is not None else None
    if function is None or default is None or _called_here(function):
        return DYNAMIC
    resolved = resolver.resolve(default, scopes[:-1], function.start_point[0] + 1, depth)
    if resolved.source != "explicit":
        return resolved  # a constant's, an env default's, None's: as any other value reads
    owner = function.child_by_field_name("name")
    shown = f"{identifier(owner)}({name}=)" if owner is not None else name
    return replace(resolved, source="constant", constant=shown)


def _called_here(function: Node) -> bool:
    """Does the module call the function? Then its calls pass their own values: not the defaults."""
    owner = function.child_by_field_name("name")
    root = function
    while root.parent is not None:
        root = root.parent
    name = owner.text if owner is not None else None
    return name is None or (root.text or b"").count(name + b"(") > 1  # more than its definition


@dataclass(frozen=True)
class Signature:
    """A function's parameters: the named ones in order with their defaults, and its ``*``/``**`` ones."""

    parameters: list[tuple[str, ast.expr | None]]
    star: str | None = None  # *args
    double_star: str | None = None  # **kw

    @property
    def names(self) -> frozenset[str]:
        named = {name for name, _ in self.parameters}
        return frozenset(named | {splat for splat in (self.star, self.double_star) if splat})


def signature(function: Node) -> Signature | None:
    """The parameters of a function definition; None when one is not a plain name (a tuple in Python 2)."""
    named = _parameters(function, splats=True)
    if named is None:
        return None
    star = double_star = None
    listed = function.child_by_field_name("parameters")
    for parameter in listed.named_children if listed is not None else ():
        if parameter.type == "typed_parameter":  # `*args: int`, `**kw: Any`
            parameter = parameter.named_children[0]
        name = next((c for c in parameter.named_children if c.type == "identifier"), None)
        if parameter.type == "list_splat_pattern" and name is not None:
            star = identifier(name)
        elif parameter.type == "dictionary_splat_pattern" and name is not None:
            double_star = identifier(name)
    return Signature(named, star, double_star)


def builds_once(function: Node, bindings: ModuleBindings) -> bool:
    """Does every call of the function share what its first call built? ``@lru_cache`` or ``@cache``
    on it, or a ``global`` it assigns (``if _engine is None: _engine = create_engine(url)``)."""
    body = function.child_by_field_name("body")
    if body is not None and any(s.type == "global_statement" for s in statements(body)):
        return True
    decorated = function.parent
    if decorated is None or decorated.type != "decorated_definition":
        return False
    line = decorated.start_point[0] + 1
    for decorator in decorated.named_children:
        written = (
            decorator.named_children[0]
            if decorator.type == "decorator" and decorator.named_children
            else None
        )
        made = expression(written) if written is not None else None
        called = made.func if isinstance(made, ast.Call) else made
        if called is not None and bindings.qualified(called, [bindings.module], line) in CACHING_DECORATORS:
            return True
    return False


def only_return(block: Node) -> Node | None:
    found = [s for s in statements(block) if not _docstring(s)]
    if len(found) != 1 or found[0].type != "return_statement" or not found[0].named_child_count:
        return None
    return found[0].named_children[0]


def _docstring(statement: Node) -> bool:
    return statement.type == "expression_statement" and statement.named_children[0].type == "string"


def _parameters(function: Node, splats: bool = False) -> list[tuple[str, ast.expr | None]] | None:
    """The parameters in order with their defaults; None when one is ``*args``/``**kw``-like, unless
    ``splats`` (then they are left out)."""
    listed = function.child_by_field_name("parameters")
    found: list[tuple[str, ast.expr | None]] = []
    for parameter in listed.named_children if listed is not None else ():
        if parameter.type in ("identifier", "typed_parameter"):
            name = parameter if parameter.type == "identifier" else parameter.named_children[0]
            if splats and name.type in ("list_splat_pattern", "dictionary_splat_pattern"):
                continue  # `*args: int`
            if name.type != "identifier":
                return None
            found.append((identifier(name), None))
        elif parameter.type in ("default_parameter", "typed_default_parameter"):
            named, value = parameter.child_by_field_name("name"), parameter.child_by_field_name("value")
            if named is None or value is None:
                return None
            found.append((identifier(named), expression(value)))
        elif parameter.type in ("list_splat_pattern", "dictionary_splat_pattern") and splats:
            continue
        elif parameter.type not in ("keyword_separator", "positional_separator", "comment"):
            return None
    return found


def _arguments(
    call: ast.Call, parameters: list[tuple[str, ast.expr | None]], literal_only: bool
) -> dict[str, ast.expr] | None:
    given: dict[str, ast.expr] = {}
    if len(call.args) > len(parameters) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    for (name, _), argument in zip(parameters, call.args, strict=False):
        given[name] = argument
    for keyword in call.keywords:
        if keyword.arg is None or keyword.arg not in dict(parameters):
            return None
        given[keyword.arg] = keyword.value
    for name, default in parameters:
        if name not in given:
            if default is None:
                return None
            given[name] = default
    if literal_only:
        return given if all(isinstance(value, LITERALS) for value in given.values()) else None
    return {
        name: value if isinstance(value, LITERALS) else ast.copy_location(Opaque(), value)
        for name, value in given.items()
    }


class _Substitute(ast.NodeTransformer):
    def __init__(self, given: dict[str, ast.expr]) -> None:
        self.given = given

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id not in self.given:
            return node
        return ast.copy_location(copy.copy(self.given[node.id]), node)
