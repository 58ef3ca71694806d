"""What ``settings.db_pool_size`` holds: names imported from the project's modules, attributes of
modules, of classes and of their instances, and settings classes' field defaults.

``settings`` may be a module (``from app.core import config``), a module-level
instance (``settings = Settings()``), or what a function returns
(``@lru_cache def get_settings(): return Settings()``); its attribute is the
class's field default, written plainly (``db_pool_size: int = 20``) or through
``Field(default=20)``, ``field(default=20)``, ``attr.ib(default=20)``. A
pydantic ``BaseSettings`` field is read from the environment first: its value is
the default of env ``DB_POOL_SIZE`` (``env_prefix`` prepended). Every value keeps
where it is defined.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from poolcheck.frontends.columns import Columns
from poolcheck.frontends.python.bindings import LOCAL, Binding, ModuleBindings
from poolcheck.frontends.python.branches import arm_condition
from poolcheck.frontends.python.foreign import Foreign, written
from poolcheck.frontends.python.helpers import only_return
from poolcheck.frontends.python.project import find_module, module_at
from poolcheck.frontends.python.statements import Node, Scope, blocks, scope_of, statements
from poolcheck.frontends.python.syntax import LINE_ENDS
from poolcheck.frontends.resolved import DYNAMIC, Resolved
from poolcheck.model import Span

if TYPE_CHECKING:
    from poolcheck.frontends.python.values import Resolver

MAX_HOPS = 20  # imports, re-exports and aliases followed for one name
END = 1 << 62  # a line after every binding: a module or class has run to its end when it is read
FIELD_CALLS = frozenset(
    {
        "pydantic.Field",
        "pydantic.fields.Field",
        "pydantic_settings.Field",
        "dataclasses.field",
        "attr.ib",
        "attr.attrib",
        "attr.field",
        "attrs.field",
        "sqlmodel.Field",
    }
)
SETTINGS_BASES = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings", "pydantic.BaseSettings"}
)
SETTINGS_CONFIG = frozenset({"pydantic_settings.SettingsConfigDict", "builtins.dict"})


@dataclass(frozen=True)
class Owner:
    """Something with attributes: a module, or a class (its attributes are its instances' too)."""

    resolver: Resolver
    stack: tuple[Scope, ...]  # the scopes its attributes are bound in, the module's first
    name: str  # as a message names it: the module's or the class's
    made: Made | None = None  # of an instance, the call that makes it: its arguments are its fields'


@dataclass(frozen=True)
class Made:
    """The call that makes an instance (``DatabaseConfig(pool_size=30)``), read where it is written."""

    resolver: Resolver
    call: ast.Call
    scopes: tuple[Scope, ...]
    line: int


def imported(resolver: Resolver, qualified: str, hops: int = 0) -> Resolved:
    """The value of a name bound by an import of the project's (``from app.config import SIZE``)."""
    head, _, name = qualified.rpartition(".")
    module = _module(resolver, head) if head else None
    if module is None:
        return DYNAMIC
    return member(module, name, hops + 1)


def attribute(resolver: Resolver, node: ast.Attribute, scopes: list[Scope], line: int) -> Resolved:
    """``settings.db_pool_size``, ``config.POOL_SIZE``, ``Settings.POOL_SIZE``."""
    owner = owner_of(resolver, node.value, scopes, line, 0)
    return member(owner, node.attr, 0) if owner is not None else DYNAMIC


def member(owner: Owner, name: str, hops: int) -> Resolved:
    if hops > MAX_HOPS:
        return DYNAMIC
    if owner.made is not None:  # an argument of the call that makes the instance is the field's value
        given = _given(owner.made, owner.name, name)
        if given is not None:
            return given
    bindings = owner.resolver.bindings
    binding = bindings.binding(name, list(owner.stack), END)
    if binding is None and len(owner.stack) > 1:  # a field of a base class defined in the project
        return _inherited(owner, name, hops)
    if binding is None:
        return DYNAMIC
    if binding.qualified is not None:  # a re-export, or a name imported into the module
        return imported(owner.resolver, binding.qualified, hops + 1) if not _local(binding) else DYNAMIC
    value = binding.value
    if value is None:
        return DYNAMIC
    stack = list(owner.stack)
    default = _field_default(owner.resolver, value, stack, binding.line)
    if default is None:
        return DYNAMIC
    resolved = owner.resolver.resolve(default, stack, binding.line)
    where = f"{_shown(owner.resolver.path)}:{binding.line}"
    if resolved.source == "dynamic":
        return resolved
    if not owner.resolver.branches_agree(name, binding, resolved, stack, END):
        return DYNAMIC  # `if ENV == "production": POOL_SIZE = 20 / else: POOL_SIZE = 5`
    prefix = _settings_prefix(owner) if len(owner.stack) > 1 else None
    if prefix is not None and resolved.source in ("explicit", "constant"):
        return replace(resolved, source="env-default", env=f"{prefix}{name}".upper(), defined_at=where)
    if resolved.source == "explicit":
        return replace(resolved, source="constant", constant=f"{owner.name}.{name}", defined_at=where)
    return resolved if resolved.defined_at else replace(resolved, defined_at=where)


@dataclass(frozen=True)
class Arm:
    """One arm of a branch another module binds a name in: its condition as written there, its value
    (read there, placed where the pool's module uses the name) and where it is written there."""

    condition: str
    value: Foreign
    span: Span | None


def arms(resolver: Resolver, node: ast.expr, scopes: list[Scope], line: int) -> list[Arm]:
    """The arms of the ``if``/``elif``/``else`` or ``match`` another of the project's modules binds
    ``node``'s name in, the Django and Flask settings style:

        # app/settings.py                                   # app/db.py
        if os.environ.get("ENVIRONMENT") == "production":   from app.settings import POOL_SIZE
            POOL_SIZE = 20                                  create_engine(url, pool_size=POOL_SIZE)
        else:
            POOL_SIZE = 5

    (``settings.POOL_SIZE`` of ``from app import settings`` too, and a class attribute set in the
    arms of its class body); none when the name is bound once there, or an arm cannot be read."""
    if not resolver.path:
        return []
    if isinstance(node, ast.Name):
        binding = resolver.bindings.binding(node.id, scopes, line)
        if binding is None or binding.qualified is None or _local(binding):
            return []
        head, _, name = binding.qualified.rpartition(".")
        owner = _module(resolver, head) if head else None
        return _member_arms(owner, name, node, 1) if owner is not None else []
    if isinstance(node, ast.Attribute):
        owner = owner_of(resolver, node.value, scopes, line, 0)
        if owner is not None:
            return _member_arms(owner, node.attr, node, 0)
        chosen = _chosen_instance(resolver, node.value, scopes, line, 0)
        return _instance_arms(chosen, node) if chosen is not None else []
    return []


# A conditional expression an instance is bound to, with the module, scopes and line it is read at.
Chosen = tuple["Resolver", ast.IfExp, list[Scope], int]


def _chosen_instance(
    resolver: Resolver, node: ast.expr, scopes: list[Scope], line: int, hops: int
) -> Chosen | None:
    """``settings = ProductionSettings() if ENVIRONMENT == "production" else Settings()``: the
    conditional expression the instance ``node`` names is bound to, here or in another module."""
    if isinstance(node, ast.Name):
        binding = resolver.bindings.binding(node.id, scopes, line)
        if binding is None or _local(binding):
            return None
        if binding.qualified is not None:
            head, _, name = binding.qualified.rpartition(".")
            module = _module(resolver, head) if head else None
            return _chosen_member(module, name, hops + 1) if module is not None else None
        if isinstance(binding.value, ast.IfExp):
            return resolver, binding.value, scopes, binding.line
        return None
    if isinstance(node, ast.Attribute):
        outer = owner_of(resolver, node.value, scopes, line, hops + 1)
        return _chosen_member(outer, node.attr, hops + 1) if outer is not None else None
    return None


def _chosen_member(owner: Owner, name: str, hops: int) -> Chosen | None:
    found = _defined(owner, name, hops)
    choice = found[2].value if found is not None else None
    if found is None or not isinstance(choice, ast.IfExp):
        return None
    where, _, binding = found
    return where.resolver, choice, list(where.stack), binding.line


def _instance_arms(chosen: Chosen, anchor: ast.Attribute) -> list[Arm]:
    """An arm per instance the conditional expression may make, each with its own value of the
    attribute (``ProductionSettings().db_pool_size``), read where the expression is written."""
    resolver, choice, stack, line = chosen
    found = _if_arms(resolver, choice)
    return [
        Arm(condition, Foreign(resolver, member_of, stack, line, anchor, written(member_of)), span)
        for condition, instance, span in found
        for member_of in [ast.copy_location(ast.Attribute(instance, anchor.attr, ast.Load()), instance)]
    ]


def _if_arms(resolver: Resolver, choice: ast.expr) -> list[tuple[str, ast.expr, Span]]:
    """``a if x else b if y else c``: each arm's condition as written, its value and where it is."""
    text = _Text.of(resolver.path)
    if text is None:
        return []
    found = []
    while isinstance(choice, ast.IfExp):
        found.append((text.of_span(text.span(choice.test)), choice.body, text.span(choice.body)))
        choice = choice.orelse
    return [*found, ("else", choice, text.span(choice))]


def _member_arms(owner: Owner, name: str, anchor: ast.expr, hops: int) -> list[Arm]:
    if owner.made is not None:  # `Settings(db_pool_size=30 if PROD else 3)`: the call's arms
        given = next((k.value for k in owner.made.call.keywords if k.arg == name), None)
        if isinstance(given, ast.IfExp):
            made = owner.made
            return [
                Arm(
                    condition,
                    Foreign(made.resolver, value, list(made.scopes), made.line, anchor, written(value)),
                    at,
                )
                for condition, value, at in _if_arms(made.resolver, given)
            ]
    if hops > MAX_HOPS or (owner.made is not None and _given(owner.made, owner.name, name) is not None):
        return []  # the call that makes the instance passes the field
    if len(owner.stack) > 1 and _settings_prefix(owner) is not None:
        return []  # a pydantic settings field is read from the environment first (member)
    stack = list(owner.stack)
    found = owner.resolver.bindings.alternatives(name, stack, END)
    if len(found) == 1 and found[0].qualified is not None and not _local(found[0]):  # re-exported
        head, _, inner = found[0].qualified.rpartition(".")
        module = _module(owner.resolver, head) if head else None
        return _member_arms(module, inner, anchor, hops + 1) if module is not None else []
    defaults = []
    for binding in found:
        value = binding.value
        default = _field_default(owner.resolver, value, stack, binding.line) if value is not None else None
        if binding.written is None or default is None:
            return []
        defaults.append((arm_condition(binding.written.node) or "otherwise", default, binding.line))
    conditional = len(defaults) == 1 and isinstance(defaults[0][1], ast.IfExp)
    text = _Text.of(owner.resolver.path) if len(defaults) > 1 or conditional else None
    if text is None:
        return []
    arms: list[tuple[str, ast.expr, int]] = defaults if len(defaults) > 1 else []
    if conditional:  # `POOL_SIZE = 20 if PROD else 5`
        _, node, line = defaults[0]
        while isinstance(node, ast.IfExp):
            arms.append((text.of_span(text.span(node.test)), node.body, line))
            node = node.orelse
        arms.append(("else", node, line))
    shown = f"{owner.name}.{name}"
    return [
        Arm(condition, Foreign(owner.resolver, at, stack, line, anchor, written(at), shown), text.span(at))
        for condition, at, line in arms
    ]


@dataclass(frozen=True)
class _Text:
    """The lines of a project module's file, to place its nodes in characters (ast columns count bytes)."""

    lines: list[str]
    columns: Columns

    @staticmethod
    def of(path: str) -> _Text | None:
        module = module_at(path)
        if module is None:
            return None
        lines = LINE_ENDS.split(module.text)
        return _Text(lines, Columns(lambda row: lines[row].encode("utf-8") if 0 <= row < len(lines) else b""))

    def span(self, node: ast.expr) -> Span:
        end_line = node.end_lineno or node.lineno
        end = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        start = self.columns.column(node.lineno - 1, node.col_offset)
        return Span(node.lineno, start, end_line, self.columns.column(end_line - 1, end))

    def of_span(self, span: Span) -> str:
        """The text at ``span``, as written."""
        first, last = span.line - 1, span.end_line - 1
        if not 0 <= first <= last < len(self.lines):
            return ""
        if first == last:
            return self.lines[first][span.column - 1 : span.end_column - 1]
        chunk = [self.lines[first][span.column - 1 :], *self.lines[first + 1 : last]]
        return "\n".join([*chunk, self.lines[last][: span.end_column - 1]])


def spread(resolver: Resolver, node: ast.expr, scopes: list[Scope], line: int) -> Foreign | None:
    """The dict another of the project's modules defines, for a ``**`` of the calling module:
    ``**ENGINE_OPTIONS`` imported from ``app/settings.py``, or ``**settings.ENGINE_OPTIONS``. It is
    read there, with that module's later ``d["k"] = v`` and updates, and placed at ``node``."""
    if isinstance(node, ast.Name):
        binding = resolver.bindings.binding(node.id, scopes, line)
        if binding is None or binding.qualified is None or _local(binding):
            return None
        head, _, name = binding.qualified.rpartition(".")
        module = _module(resolver, head) if head else None
        return _spread_member(module, name, node, 1) if module is not None else None
    if isinstance(node, ast.Attribute):
        owner = owner_of(resolver, node.value, scopes, line, 0)
        return _spread_member(owner, node.attr, node, 0) if owner is not None else None
    return None


def returned(resolver: Resolver, call: ast.Call, scopes: list[Scope], line: int) -> Foreign | None:
    """What a project function returns, for a ``**engine_options()`` of the calling module: the
    expression of its one ``return``, read in the function (a dict it builds and updates there, its
    parameters at their defaults) and placed at the call. None when the call passes arguments (the
    body would read other values) or the function may return elsewhere, or return nothing."""
    if call.args or call.keywords:
        return None
    qualified = resolver.bindings.qualified(call.func, scopes, line)
    found = project_function(resolver, qualified) if qualified is not None else None
    if found is None:
        return None
    owner, local = found
    scope, block = owner.bindings.bodies[local]
    last = next((s for s in reversed(list(statements(block)))), None)
    if last is None or last.type != "return_statement" or not last.named_child_count or _returns(block) != 1:
        return None
    from poolcheck.frontends.python.expressions import expression

    value = expression(last.named_children[0])
    stack = [*_module_scopes(owner), scope]
    return Foreign(owner, value, stack, last.start_point[0] + 1, call, written(value))


def _returns(block: Node) -> int:
    """How many ``return`` statements a function's body holds, outside the functions defined in it."""
    count = 0
    for statement in statements(block):
        if statement.type == "return_statement":
            count += 1
        elif statement.type not in ("function_definition", "class_definition", "decorated_definition"):
            count += sum(_returns(inner) for inner in blocks(statement))
    return count


def _defined(owner: Owner, name: str, hops: int) -> tuple[Owner, str, Binding] | None:
    """``name`` as ``owner`` binds it, followed through re-exports to the module that defines it:
    that module, the name there, and its binding."""
    binding = owner.resolver.bindings.binding(name, list(owner.stack), END)
    if binding is None or hops > MAX_HOPS:
        return None
    if binding.qualified is not None:  # re-exported: read where it is defined
        head, _, inner = binding.qualified.rpartition(".")
        module = _module(owner.resolver, head) if head and not _local(binding) else None
        return _defined(module, inner, hops + 1) if module is not None else None
    return owner, name, binding


def _spread_member(owner: Owner, name: str, anchor: ast.expr, hops: int) -> Foreign | None:
    found = _defined(owner, name, hops)
    if found is None or found[2].value is None:
        return None
    owner, name, binding = found
    named = ast.Name(id=name, lineno=binding.line, col_offset=0)
    return Foreign(owner.resolver, named, list(owner.stack), END, anchor, name)


def made_elsewhere(resolver: Resolver, qualified: str) -> str | None:
    """The class, by its qualified name, whose instance another of the project's modules binds the
    imported name to: ``environ.Env`` for ``from .base import env`` after ``env = environ.Env()``."""
    head, _, name = qualified.rpartition(".")
    module = _module(resolver, head) if head else None
    found = _defined(module, name, 1) if module is not None else None
    made = found[2].value if found is not None else None
    if found is None or not isinstance(made, ast.Call):
        return None
    where, _, binding = found
    return where.resolver.bindings.qualified(made.func, list(where.stack), binding.line)


def reexported(resolver: Resolver, qualified: str, hops: int = 0) -> str | None:
    """A library's name imported through a project module: ``inventory.compat.sa.create_engine`` is
    ``sqlalchemy.create_engine`` when ``inventory/compat.py`` imports sqlalchemy as ``sa`` (in a
    try/except too, the try's import first). None when no project module is on the way."""
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = _module(resolver, ".".join(parts[:cut]))
        if module is None:
            continue
        names = module.resolver.bindings.candidates(ast.Name(id=parts[cut]), list(module.stack), END)
        imported = next((name for name in names if not name.startswith(LOCAL)), None)
        if imported is None or hops > MAX_HOPS:
            return None
        found = ".".join([imported, *parts[cut + 1 :]])
        return reexported(module.resolver, found, hops + 1) or found
    return None


def defined_in(resolver: Resolver, qualified: str, hops: int = 0) -> str | None:
    """The file of the project's module that assigns the name ``qualified`` imports, re-exports
    followed: ``app.db.DbPool`` is ``app/db/types.py``'s when ``app/db/__init__.py`` imports it."""
    head, _, name = qualified.rpartition(".")
    module = _module(resolver, head) if head and hops <= MAX_HOPS else None
    binding = module.resolver.bindings.binding(name, list(module.stack), END) if module is not None else None
    if module is None or binding is None:
        return None
    if binding.qualified is None:
        return module.resolver.path
    return None if _local(binding) else defined_in(module.resolver, binding.qualified, hops + 1)


def project_function(resolver: Resolver, qualified: str, hops: int = 0) -> tuple[Resolver, str] | None:
    """The module (its resolver) and the local name of the project function ``qualified`` names:
    ``libs.db.make_engine`` through ``libs/db/__init__.py``'s re-export is ``libs/db/engine.py``'s
    ``make_engine``. None for a library's, a class, or a name not found."""
    bindings = resolver.bindings
    if qualified.startswith(LOCAL):
        body = bindings.bodies.get(qualified)
        function = body[1].parent if body is not None else None
        found = function is not None and function.type == "function_definition"
        return (resolver, qualified) if found and qualified not in bindings.class_bases else None
    head, _, name = qualified.rpartition(".")
    module = _module(resolver, head) if head and hops <= MAX_HOPS else None
    binding = module.resolver.bindings.binding(name, list(module.stack), END) if module is not None else None
    if module is None or binding is None or binding.qualified is None:
        return None
    return project_function(module.resolver, binding.qualified, hops + 1)


def attribute_text(resolver: Resolver, node: ast.Attribute, scopes: list[Scope], line: int) -> str | None:
    """The known start of the string an attribute holds, a property's included: the full-stack FastAPI
    template's ``settings.SQLALCHEMY_DATABASE_URI`` returns ``MultiHostUrl.build(scheme=..)``."""
    owner = owner_of(resolver, node.value, scopes, line, 0)
    if owner is None:
        return None
    found = member(owner, node.attr, 0)
    if isinstance(found.value, str):
        return found.value
    method = (
        owner.resolver.bindings.methods.get((owner.stack[-1].key, node.attr))
        if len(owner.stack) > 1
        else None
    )
    returned = only_return(method[1]) if method is not None else None
    if method is None or returned is None:
        return None
    from poolcheck.frontends.python.expressions import expression

    stack = [*owner.stack, method[0]]
    return owner.resolver.leading_text(expression(returned), stack, returned.start_point[0] + 1)


def owner_of(resolver: Resolver, node: ast.expr, scopes: list[Scope], line: int, hops: int) -> Owner | None:
    """The module or class whose attributes ``node``'s are, if the project defines it."""
    if hops > MAX_HOPS:
        return None
    bindings = resolver.bindings
    if isinstance(node, ast.Name):
        binding = bindings.binding(node.id, scopes, line)
        if binding is None:
            return None
        if binding.qualified is not None:
            return _named(resolver, binding.qualified, hops + 1)
        if binding.value is not None:
            return owner_of(resolver, binding.value, scopes, binding.line, hops + 1)
        return None
    if isinstance(node, ast.Attribute):
        outer = owner_of(resolver, node.value, scopes, line, hops + 1)
        return _member_owner(outer, node.attr, hops + 1) if outer is not None else None
    if isinstance(node, ast.Call):  # `Settings()` is an instance; `get_settings()` what it returns
        called = bindings.qualified(node.func, scopes, line)
        if called is None:
            return owner_of(resolver, node.func, scopes, line, hops + 1)
        owner = _called(resolver, called, hops + 1)
        if owner is not None and len(owner.stack) > 1 and owner.made is None:  # a class's own instance
            return replace(owner, made=Made(resolver, node, tuple(scopes), line))
        return owner
    return None


def _named(resolver: Resolver, qualified: str, hops: int) -> Owner | None:
    """A module, or a module's class or instance, by the name an import or a definition gives it."""
    if hops > MAX_HOPS:
        return None
    if qualified.startswith(LOCAL):
        return _class(resolver, qualified)
    module = _module(resolver, qualified)
    if module is not None:
        return module
    head, _, name = qualified.rpartition(".")
    outer = _module(resolver, head) if head else None
    return _member_owner(outer, name, hops + 1) if outer is not None else None


def _member_owner(outer: Owner, name: str, hops: int) -> Owner | None:
    """The module or class an attribute of ``outer`` holds: ``config.settings``, ``app.core.config``."""
    binding = outer.resolver.bindings.binding(name, list(outer.stack), END)
    if binding is None:
        return None
    if binding.qualified is not None:
        return _named(outer.resolver, binding.qualified, hops + 1)
    if binding.value is not None:
        return owner_of(outer.resolver, binding.value, list(outer.stack), binding.line, hops + 1)
    return None


def _called(resolver: Resolver, qualified: str, hops: int) -> Owner | None:
    """The instance a call makes: a class's, or the owner a function's last ``return`` gives."""
    if not qualified.startswith(LOCAL):
        head, _, name = qualified.rpartition(".")
        outer = _module(resolver, head) if head else None
        if outer is None:
            return None
        binding = outer.resolver.bindings.binding(name, list(outer.stack), END)
        if binding is None or binding.qualified is None:
            return None
        return _called(outer.resolver, binding.qualified, hops + 1) if hops <= MAX_HOPS else None
    owner = _class(resolver, qualified)
    if owner is not None:
        return owner
    body = resolver.bindings.bodies.get(qualified)
    if body is None:
        return None
    scope, block = body
    returned = _last_return(block)
    if returned is None:
        return None
    from poolcheck.frontends.python.expressions import expression

    stack = [*_module_scopes(resolver), scope]
    return owner_of(resolver, expression(returned), stack, returned.start_point[0] + 1, hops + 1)


def _class(resolver: Resolver, qualified: str) -> Owner | None:
    bindings = resolver.bindings
    if qualified not in bindings.class_bases:
        return None
    scope, _ = bindings.bodies.get(qualified, (None, None))
    if scope is None:
        return None
    return Owner(resolver, (*_module_scopes(resolver), scope), qualified.removeprefix(LOCAL))


def _given(made: Made, owner: str, name: str) -> Resolved | None:
    """The value the making call passes field ``name``: its keyword's; unknown when a positional or a
    ``**`` argument may pass it; None when the call leaves the field its default."""
    call = made.call
    keyword = next((k for k in call.keywords if k.arg == name), None)
    if keyword is None:
        unread = call.args or any(k.arg is None for k in call.keywords)
        return DYNAMIC if unread else None
    resolved = made.resolver.resolve(keyword.value, list(made.scopes), made.line)
    if resolved.source == "dynamic" or resolved.defined_at is not None:
        return resolved
    where = f"{_shown(made.resolver.path)}:{keyword.value.lineno}"
    if resolved.source == "explicit":
        return replace(resolved, source="constant", constant=f"{owner}({name}=)", defined_at=where)
    return replace(resolved, defined_at=where)


def _module(resolver: Resolver, name: str) -> Owner | None:
    module = find_module(resolver.path, name)
    if module is None or os.path.abspath(module.path) == os.path.abspath(resolver.path):
        return None
    from poolcheck.frontends.python.values import Resolver as ModuleResolver

    return Owner(ModuleResolver(module.bindings, module.path), (module.scope,), name.rsplit(".", 1)[-1])


def _module_scopes(resolver: Resolver) -> tuple[Scope, ...]:
    return (resolver.bindings.module,)


def _inherited(owner: Owner, name: str, hops: int) -> Resolved:
    bindings = owner.resolver.bindings
    for base in bindings.class_bases.get(LOCAL + owner.name, ()):
        parent = _named(owner.resolver, base, hops + 1)
        if parent is not None and len(parent.stack) > 1:
            found = member(parent, name, hops + 1)
            if found.source != "dynamic":
                return found
    return DYNAMIC


def _field_default(resolver: Resolver, value: ast.expr, stack: list[Scope], line: int) -> ast.expr | None:
    """A field's default: the value itself, or ``Field(default=..)``'s; None when there is none."""
    if not isinstance(value, ast.Call):
        return value
    if resolver.bindings.qualified(value.func, stack, line) not in FIELD_CALLS:
        return value
    given = next((k.value for k in value.keywords if k.arg == "default"), None)
    if given is None and value.args:
        given = value.args[0]
    if given is None or (isinstance(given, ast.Constant) and given.value is ...):  # required
        return None
    return given


def _settings_prefix(owner: Owner) -> str | None:
    """A pydantic settings class's env prefix ("" without one); None for any other class."""
    bindings = owner.resolver.bindings
    if not _is_settings(bindings, LOCAL + owner.name, owner.resolver, 0):
        return None
    stack = list(owner.stack)
    config = bindings.binding("model_config", stack, END)
    given: ast.expr | None = None
    if config is not None and isinstance(config.value, ast.Call):
        given = next((k.value for k in config.value.keywords if k.arg == "env_prefix"), None)
    elif config is not None and isinstance(config.value, ast.Dict):  # model_config = {"env_prefix": ..}
        entries = zip(config.value.keys, config.value.values, strict=True)
        given = next((v for k, v in entries if isinstance(k, ast.Constant) and k.value == "env_prefix"), None)
    elif (inner := _config_class(owner)) is not None:  # pydantic 1's (and 2's, deprecated) class Config
        stack = [*stack, inner]
        config = bindings.binding("env_prefix", stack, END)
        given = config.value if config is not None else None
    if config is None or given is None:
        return ""
    prefix = owner.resolver.resolve(given, stack, config.line).value
    return prefix if isinstance(prefix, str) else None


def _config_class(owner: Owner) -> Scope | None:
    """The scope of a settings class's nested ``class Config:`` (pydantic 1.10's env_settings.py reads
    ``Config.env_prefix``), when it has one."""
    body = owner.resolver.bindings.bodies.get(LOCAL + owner.name)
    for statement in statements(body[1]) if body is not None else ():
        name = statement.child_by_field_name("name") if statement.type == "class_definition" else None
        if name is not None and name.text == b"Config":
            return scope_of(statement)
    return None


def _is_settings(bindings: ModuleBindings, qualified: str, resolver: Resolver, hops: int) -> bool:
    bases = bindings.class_bases.get(qualified, set())
    if bases & SETTINGS_BASES:
        return True
    return hops < MAX_HOPS and any(
        _is_settings(bindings, base, resolver, hops + 1) for base in bases if base.startswith(LOCAL)
    )


def _local(binding: Binding) -> bool:
    return binding.qualified is not None and binding.qualified.startswith(LOCAL)


def _last_return(block: Node) -> Node | None:
    returned = None
    for statement in statements(block):
        if statement.type == "return_statement" and statement.named_child_count:
            returned = statement.named_children[0]
    return returned


def _shown(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return path
