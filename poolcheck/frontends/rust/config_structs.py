"""A field of the crate's own config struct: ``cfg.max_connections`` where ``cfg: &DatabaseConfig``.

The struct is found from the type of the value the field is read on: a parameter's
or a ``let``'s written type, a turbofish (``envy::from_env::<Config>()``,
``settings.get::<DatabaseConfig>("database")``), the return type of a function of
the crate (``Config::from_env()?``), ``self`` in the struct's ``impl``, or the
field's own type one level up (``settings.database.max_connections``). It may be
in this file or in another module of the crate (rust/project.py).

A deserialized field is what the configuration gives it at run time, else its serde
default: ``#[serde(default = "path")]`` calls that function; ``#[serde(default)]``
on the field takes its type's ``Default`` (a number's 0, ``false``); on the struct,
the struct's ``Default``: a written ``impl Default`` or a derived one. A struct
literal in the function (``DatabaseConfig { url, ..Default::default() }``) gives its
fields and takes the rest from ``Default``. Loaded with envy, a field is the
environment variable of its name, upper-cased after the prefix (envy 0.4,
src/lib.rs: ``from_env`` and ``prefixed(..).from_env``; serde's ``rename`` applies):
the default then is that variable's. Any other loader (the config crate, a TOML
file) says nothing about where a value comes from: the default is the struct's.
A field without a default is set at run time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from poolcheck.frontends.resolved import DYNAMIC, Resolved
from poolcheck.frontends.rust import project
from poolcheck.frontends.rust.syntax import (
    Node,
    RustFile,
    arguments,
    field,
    matches,
    method_name,
    path_segments,
    receiver,
    string_value,
)

if TYPE_CHECKING:
    from poolcheck.frontends.rust.values import Resolver

FIELDS = "(field_declaration name: (field_identifier) @name type: (_) @type) @field"
LETS = "(let_declaration pattern: (identifier) @name) @let"
TYPED_PARAMETERS = "(parameter pattern: (identifier) @name type: (_) @type)"
CALLS = "(call_expression) @call"
# Wrappers whose field access reads the value inside: `Arc<Config>`, `&Config`, `Result<Config, E>`.
WRAPPERS = ("Arc", "Rc", "Box", "Result", "Option", "Data", "State", "Extension")
UNWRAPPING = ("unwrap", "expect", "unwrap_or_default", "clone", "to_owned")
TRANSPARENT = ("try_expression", "await_expression", "parenthesized_expression", "reference_expression")
# `#[serde(default)]` of a field of these types: Default::default() is zero.
ZEROS: dict[str, int | float | bool] = {
    **{
        t: 0 for t in ("u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize")
    },
    "f32": 0.0,
    "f64": 0.0,
    "bool": False,
}
SERDE = re.compile(r"^serde\s*\((?P<args>.*)\)\s*$", re.S)
SERDE_DEFAULT = re.compile(r'(?:^|,)\s*default\s*(?:=\s*"(?P<path>[^"]*)"\s*)?(?:,|$)')
SERDE_RENAME = re.compile(r'(?:^|,)\s*rename\s*=\s*"(?P<name>[^"]*)"')
TYPE_NAMES = ("type_identifier", "scoped_type_identifier", "identifier", "scoped_identifier")
MAX_HOPS = 6  # types followed from the value to its struct (settings.database.pool.max)
# serde's Duration is a struct of two required fields, whole seconds and nanoseconds, each missing one
# an error (serde 1.0.219, serde/src/de/impls.rs, `impl Deserialize for Duration`: FIELDS "secs" and
# "nanos"): read from the environment, two variables, each number times its factor in seconds.
DURATION_FIELDS = (("secs", 1.0), ("nanos", 1e-9))


@dataclass(frozen=True)
class Environment:
    """How a loader names the environment variable of a field: envy's ``prefixed("APP_")`` (nothing
    nested), or the config crate's ``Environment::with_prefix("APP").separator("__")``, whose variables
    are the prefix, its separator and the keys joined by the separator, matched in any case (config
    0.15.9, src/env.rs ``collect``); with no separator nothing nested is read from the environment.
    """

    prefix: str  # before the keys: "APP_"
    separator: str | None = None  # between nested keys; None: only the top level's fields
    path: tuple[str, ...] = ()  # the keys from the loaded value down to the struct

    def variable(self, key: str) -> str | None:
        keys = (*self.path, key)
        if len(keys) > 1 and not self.separator:
            return None
        return (self.prefix + (self.separator or "").join(keys)).upper()

    def below(self, key: str) -> Environment:
        return replace(self, path=(*self.path, key))

    def duration_variables(self, key: str) -> tuple[tuple[str, str, float], ...]:
        """The variables a ``Duration`` field is read from, as serde's (name, variable, factor to
        seconds): ``PG__POOL__TIMEOUTS__WAIT__SECS`` and ``..__NANOS``; none when nothing nested is read."""
        below = self.below(key)
        found = [(name, below.variable(name), factor) for name, factor in DURATION_FIELDS]
        return tuple((name, variable, factor) for name, variable, factor in found if variable is not None)


@dataclass(frozen=True)
class Struct:
    """A config struct of the crate, and how the value read from it was loaded."""

    file: RustFile
    node: Node
    environment: Environment | None = None  # the loader read it from the environment, naming so
    loaded_here: bool = False  # the value's loading is written where it is read (a let's value)


class Items:
    """A file's top-level structs, functions (with the type of the ``impl`` they are in, if any) and
    ``impl Default`` bodies, by name: each read once, when first asked, from the file's items alone.
    """

    def __init__(self, file: RustFile) -> None:
        self.file = file

    @cached_property
    def structs(self) -> dict[str, Node]:
        file = self.file
        return {
            file.text(name): item
            for item in file.root.named_children
            if item.type == "struct_item" and (name := field(item, "name")) is not None
        }

    @cached_property
    def _functions_and_defaults(self) -> tuple[dict[str, list[tuple[Node, str | None]]], dict[str, Node]]:
        file = self.file
        functions: dict[str, list[tuple[Node, str | None]]] = {}
        defaults: dict[str, Node] = {}
        for item in file.root.named_children:  # a walk of the items, not of every node of the file
            name = field(item, "name")
            if item.type == "function_item" and name is not None:
                functions.setdefault(file.text(name), []).append((item, None))
            elif item.type == "impl_item":
                _impl_items(file, item, functions, defaults)
        return functions, defaults

    @property
    def functions(self) -> dict[str, list[tuple[Node, str | None]]]:
        return self._functions_and_defaults[0]

    @property
    def defaults(self) -> dict[str, Node]:
        return self._functions_and_defaults[1]


_items: WeakKeyDictionary[RustFile, Items] = WeakKeyDictionary()


def field_value(resolver: Resolver, node: Node, depth: int) -> Resolved:
    """``cfg.max_connections``: the field's default in the crate's struct, with where it is defined."""
    name_node, value = field(node, "field"), field(node, "value")
    if name_node is None or value is None or name_node.type != "field_identifier":
        return DYNAMIC
    name = resolver.file.text(name_node)
    literal = _struct_literal(resolver, value)
    if literal is not None:  # let cfg = DatabaseConfig { max_connections: 5, ..Default::default() }
        return _literal_field(resolver, literal, name, depth)
    struct = _struct_of(resolver.file, value, 0)
    if struct is None:
        return DYNAMIC
    return _deserialized(resolver, struct, name, depth)


def field_fallback(resolver: Resolver, node: Node, fallback: Node, depth: int) -> Resolved | None:
    """``cfg.max_connections.unwrap_or(10)`` on an ``Option`` field of the crate's config struct: the
    fallback is the field's default (serde leaves a missing ``Option`` None); None for any other value.
    """
    name_node, value = field(node, "field"), field(node, "value")
    if node.type != "field_expression" or name_node is None or value is None:
        return None
    struct = _struct_of(resolver.file, value, 0)
    declared = _field(struct, resolver.file.text(name_node)) if struct is not None else None
    kind = field(declared, "type") if declared is not None else None
    if struct is None or declared is None or kind is None or not _is_option(struct.file, kind):
        return None
    name = resolver.file.text(name_node)
    default = _named(resolver, resolver.file, fallback, f"{_struct_name(struct)}.{name}", depth)
    return _from_environment(struct, declared, name, default)


def declared_field(file: RustFile, node: Node) -> tuple[RustFile, Node, Environment | None] | None:
    """For ``settings.pg``, a field of the crate's config struct: the file that declares it, the type
    written for it (``deadpool_postgres::Config``), and how its loader names the variables below it
    (``PG__`` for the config crate's ``Environment::default().separator("__")``). None for other values.
    """
    name_node, value = field(node, "field"), field(node, "value")
    if node.type != "field_expression" or name_node is None or value is None:
        return None
    owner = _struct_of(file, value, 0)
    name = file.text(name_node)
    declared = _field(owner, name) if owner is not None else None
    kind = field(declared, "type") if declared is not None else None
    if owner is None or kind is None:
        return None
    above = owner.environment if owner.loaded_here else _declared_loader(owner)
    return owner.file, kind, above.below(name) if above is not None else None


def _is_option(file: RustFile, kind: Node) -> bool:
    inner = field(kind, "type") if kind.type == "generic_type" else None
    return inner is not None and [s for s, _ in path_segments(inner, file)][-1:] == ["Option"]


def _deserialized(resolver: Resolver, struct: Struct, name: str, depth: int) -> Resolved:
    declared = _field(struct, name)
    if declared is None:
        return DYNAMIC
    default = _serde_default(resolver, struct, declared, name, depth)
    return _from_environment(struct, declared, name, default)


def _from_environment(struct: Struct, declared: Node, name: str, default: Resolved) -> Resolved:
    """The field's default, or, when its loader reads the environment, the default of its variable."""
    environment = struct.environment if struct.loaded_here else _declared_loader(struct)
    key = _serde_argument(struct.file, declared, SERDE_RENAME) or name
    variable = environment.variable(key) if environment is not None else None
    if variable is None:
        return default
    if default.source == "dynamic":
        return Resolved(None, "dynamic", env=variable)
    return replace(default, source="env-default", env=variable, constant=None)


def _serde_default(resolver: Resolver, struct: Struct, declared: Node, name: str, depth: int) -> Resolved:
    file = struct.file
    type_name = _struct_name(struct)
    attribute = _serde_default_attribute(file, _attributes(file, declared))
    if attribute is None:  # a struct-level #[serde(default)] fills the field from the struct's Default
        on_struct = _serde_default_attribute(file, _attributes(file, struct.node))
        if on_struct is None:
            return DYNAMIC
        return _from_default_impl(resolver, struct, declared, name, depth)
    if attribute:  # default = "default_max_connections"
        function = _function(file, attribute.split("::"), type_name)
        body = field(function, "body") if function is not None else None
        tail = _tail(body) if body is not None else None  # the value a reader finds at the line given
        if tail is None:
            return DYNAMIC
        return _named(resolver, file, tail, f"{type_name}.{name}", depth)
    return _zero(file, declared, f"{type_name}.{name}")


def _from_default_impl(resolver: Resolver, struct: Struct, declared: Node, name: str, depth: int) -> Resolved:
    """The field in ``impl Default for S { fn default() -> Self { Self { .. } } }``, else a derived zero."""
    file = struct.file
    type_name = _struct_name(struct)
    body = _items_of(file).defaults.get(type_name)
    if body is None:
        derived = _attributes(file, struct.node)
        if any(re.search(r"\bDefault\b", file.text(a)) for a in derived if file.text(a).startswith("derive")):
            return _zero(file, declared, f"{type_name}.{name}")
        return DYNAMIC
    tail = _tail(body)
    given, _ = _initializers(file, tail) if tail is not None else ({}, None)
    value = given.get(name)
    return _named(resolver, file, value, f"{type_name}.{name}", depth) if value is not None else DYNAMIC


def _literal_field(resolver: Resolver, literal: Node, name: str, depth: int) -> Resolved:
    file = resolver.file
    given, base = _initializers(file, literal)
    if name in given:
        return resolver.resolve(given[name], depth)
    type_node = field(literal, "name")
    if base is None or type_node is None or not _is_default_call(file, base):
        return DYNAMIC
    struct = _struct_named(file, type_node, None)
    declared = _field(struct, name) if struct is not None else None
    if struct is None or declared is None:
        return DYNAMIC
    return _from_default_impl(resolver, struct, declared, name, depth)


def _named(resolver: Resolver, file: RustFile, value: Node, constant: str, depth: int) -> Resolved:
    """A default's value, named by its field and located (``DatabaseConfig.max_connections``, path:line)."""
    other = resolver if file is resolver.file else type(resolver)(file)
    resolved = other.resolve(value, depth)
    if resolved.source == "dynamic" or isinstance(resolved.value, str):
        return DYNAMIC
    if resolved.source == "explicit":
        return replace(resolved, source="constant", constant=constant, defined_at=_where(file, value))
    return resolved if resolved.defined_at else replace(resolved, defined_at=_where(file, value))


def _zero(file: RustFile, declared: Node, constant: str) -> Resolved:
    kind = field(declared, "type")
    zero = ZEROS.get(file.text(kind)) if kind is not None else None
    if zero is None:
        return DYNAMIC
    return Resolved(zero, "constant", constant=constant, defined_at=_where(file, declared))


def _where(file: RustFile, node: Node) -> str:
    return f"{os.path.relpath(file.path)}:{node.start_point[0] + 1}"


# Which struct a value is


def _struct_of(file: RustFile, value: Node, hops: int) -> Struct | None:
    """The crate's struct that ``value`` (a name, ``self``, a field of one) is an instance of."""
    if hops > MAX_HOPS:
        return None
    while value.type in TRANSPARENT and value.named_children:
        value = value.named_children[0]
    if value.type == "self":
        impl = next((n for n in reversed(file.ancestors(value)) if n.type == "impl_item"), None)
        kind = field(impl, "type") if impl is not None and field(impl, "trait") is None else None
        return _struct_named(file, kind, None) if kind is not None else None
    if value.type == "field_expression":  # settings.database: the type of Settings' field `database`
        outer, name_node = field(value, "value"), field(value, "field")
        owner = _struct_of(file, outer, hops + 1) if outer is not None else None
        declared = _field(owner, file.text(name_node)) if owner is not None and name_node else None
        kind = field(declared, "type") if declared is not None else None
        if owner is None or kind is None or name_node is None:
            return None
        above = owner.environment if owner.loaded_here else _declared_loader(owner)
        below = above.below(file.text(name_node)) if above is not None else None
        inner = _struct_named(owner.file, kind, below)
        return replace(inner, loaded_here=True) if inner is not None else None
    if value.type != "identifier":
        return None
    name = file.text(value)
    scope = file.enclosing_function(value)
    if scope is None:
        return None
    lets = [
        m["let"]
        for m in matches(LETS, scope, scope.start_byte, value.start_byte)
        if file.text(m["name"]) == name and m["let"].end_byte <= value.start_byte
    ]
    if lets:
        let = lets[-1]
        written, given = field(let, "type"), field(let, "value")
        struct = _struct_made_by(file, given, hops) if written is None and given is not None else None
        loading = _loading(file, given, hops) if given is not None and struct is None else None
        struct = struct or _struct_named(file, written, loading)
        return replace(struct, loaded_here=given is not None) if struct is not None else None
    params = field(scope, "parameters")
    for match in matches(TYPED_PARAMETERS, params) if params is not None else []:
        if file.text(match["name"]) == name:
            return _struct_named(file, match["type"], None)
    return None


def _struct_made_by(file: RustFile, value: Node, hops: int) -> Struct | None:
    """The struct a ``let``'s value yields: a turbofish, or a crate function's return type."""
    call = _unwrapped(file, value)
    if call is None or call.type != "call_expression":
        return None
    function = field(call, "function")
    if function is not None and function.type == "generic_function":  # envy::from_env::<Config>()
        type_args = field(function, "type_arguments")
        named = type_args.named_children if type_args is not None else []
        return _struct_named(file, named[0], _loading(file, call, hops)) if named else None
    if function is None or method_name(call, file) is not None:
        return None
    segments = [name for name, _ in path_segments(function, file)]
    owner = (
        _struct_named(file, field(function, "path"), None) if function.type == "scoped_identifier" else None
    )
    where = owner.file if owner is not None else _module_of(file, segments)
    if where is None or not segments:
        return None
    made = _function(where, segments[-1:], _struct_name(owner) if owner is not None else None)
    returns = field(made, "return_type") if made is not None else None
    if made is None or returns is None:
        return None
    if re.match(r"(\w+::)*(Self\b|Result\s*<\s*Self\b)", where.text(returns)):
        struct = owner
    else:
        struct = _struct_named(where, returns, None)
    body = field(made, "body")
    loading = _environment(where, body) if body is not None else None
    return replace(struct, environment=loading) if struct is not None else None


def _unwrapped(file: RustFile, value: Node) -> Node | None:
    """``Config::from_env().unwrap()``, ``load()?``, ``.await``: the call inside."""
    current: Node | None = value
    while current is not None:
        if current.type in TRANSPARENT:
            current = current.named_children[0] if current.named_children else None
        elif current.type == "call_expression" and method_name(current, file) in UNWRAPPING:
            current = receiver(current)
        else:
            return current
    return None


def _declared_loader(struct: Struct) -> Environment | None:
    """How the struct's own loader reads the environment (``impl DatabaseConfig { fn from_env() ->
    Result<Self, _> { envy::prefixed("DATABASE_").from_env() } }``), for a value whose loading is not in
    sight; None when the struct's file loads it from no environment, or from two differently named.
    """
    file, name = struct.file, _struct_name(struct)
    if b"envy" not in file.data and b"Environment" not in file.data:
        return None
    prefixes = set()
    for functions in _items_of(file).functions.values():
        for function, owner in functions:
            returns, body = field(function, "return_type"), field(function, "body")
            own = owner == name
            written = file.text(returns) if returns is not None else ""
            if body is not None and re.search(rf"\b{name}\b" + (r"|\bSelf\b" if own else ""), written):
                prefix = _environment(file, body)
                if prefix is not None:
                    prefixes.add(prefix)
    return prefixes.pop() if len(prefixes) == 1 else None


def _loading(file: RustFile, value: Node, hops: int) -> Environment | None:
    """How a let's value reads the environment: in the value itself (``envy::from_env()``,
    ``Config::builder()..add_source(Environment::with_prefix("APP"))..try_deserialize()``), or in what
    its method chain starts from: a name bound earlier (``settings.get::<T>("database")``) or a crate
    function (``load()?.try_deserialize()``). The key a ``get`` reads is the path below the variables.
    """
    found = _environment(file, value)
    if found is not None or hops > MAX_HOPS:
        return found
    keys: tuple[str, ...] = ()
    current: Node | None = value
    while current is not None:
        if current.type in TRANSPARENT:
            current = current.named_children[0] if current.named_children else None
            continue
        if current.type != "call_expression":
            break
        args = arguments(current)
        key = string_value(args[0], file) if method_name(current, file) == "get" and args else None
        keys = tuple(key.split(".")) if key else keys
        if method_name(current, file) is None:
            break
        current = receiver(current)
    if current is None:
        return None
    if current.type == "identifier":
        let = _last_let(file, current)
        given = field(let, "value") if let is not None else None
        found = _loading(file, given, hops + 1) if given is not None else None
    elif current.type == "call_expression":  # load()?: the crate function that builds the Config
        function = field(current, "function")
        segments = [s for s, _ in path_segments(function, file)] if function is not None else []
        where = _module_of(file, segments) if segments else None
        made = _function(where, segments[-1:], None) if where is not None else None
        body = field(made, "body") if made is not None else None
        found = _environment(where, body) if where is not None and body is not None else None
    return replace(found, path=(*found.path, *keys)) if found is not None else None


def _last_let(file: RustFile, use: Node) -> Node | None:
    """The last ``let name`` before ``use`` in its function (only a simple name is followed)."""
    scope = file.enclosing_function(use)
    if scope is None:
        return None
    name = file.text(use)
    lets = [
        m["let"]
        for m in matches(LETS, scope, scope.start_byte, use.start_byte)
        if file.text(m["name"]) == name and m["let"].end_byte <= use.start_byte
    ]
    return lets[-1] if lets else None


def _environment(file: RustFile, node: Node) -> Environment | None:
    """The environment a loader written in ``node`` reads: envy's or the config crate's, else None."""
    text = file.data[node.start_byte : node.end_byte]
    if b"envy" in text:
        prefix = _envy_prefix(file, node)
        if prefix is not None:
            return Environment(prefix)
    if b"Environment" in text:
        return _config_environment(file, node)
    return None


def _config_environment(file: RustFile, node: Node) -> Environment | None:
    """``Environment::with_prefix("APP").prefix_separator("_").separator("__")`` in ``node``: its names.
    ``Environment::default()`` reads every variable, named by its keys alone.
    """
    prefix: str | None = None
    separators: dict[str, str] = {}
    source = False
    for match in matches(CALLS, node):
        call = match["call"]
        method = method_name(call, file)
        args = arguments(call)
        given = string_value(args[0], file) if args else None
        if method in ("separator", "prefix_separator", "prefix") and given is not None:
            separators[method] = given
            continue
        function = field(call, "function")
        path = file.qualified([s for s, _ in path_segments(function, file)]) if function is not None else []
        if path[-2:] == ["Environment", "with_prefix"] and given is not None:
            prefix, source = given, True
        elif path[-2:] in (["Environment", "default"], ["Environment", "new"]):
            source = True
    prefix = prefix if prefix is not None else separators.get("prefix")
    if not source:
        return None
    separator = separators.get("separator")
    joined = separators.get("prefix_separator", separator or "_")
    return Environment(f"{prefix}{joined}" if prefix else "", separator or None)


def _envy_prefix(file: RustFile, node: Node) -> str | None:
    """``envy::prefixed("APP_").from_env()`` -> "APP_"; ``envy::from_env()`` -> ""; None when no envy."""
    for match in matches(CALLS, node):
        call = match["call"]
        function = field(call, "function")
        if function is not None and function.type == "generic_function":
            function = field(function, "function")
        if function is None:
            continue
        if function.type == "field_expression" and method_name(call, file) == "from_env":
            inner = receiver(call)
            if inner is None or inner.type != "call_expression":
                continue
            path = field(inner, "function")
            args = arguments(inner)
            segments = file.qualified([s for s, _ in path_segments(path, file)]) if path is not None else []
            if segments == ["envy", "prefixed"] and args:
                prefix = string_value(args[0], file)
                return prefix if prefix is not None else None
        elif file.qualified([s for s, _ in path_segments(function, file)]) == ["envy", "from_env"]:
            return ""
    return None


# Finding the crate's items


def _struct_named(file: RustFile, written: Node | None, environment: Environment | None) -> Struct | None:
    """The struct a written type names (behind ``&``, ``Arc<..>``, ``Result<.., E>``), here or in a module."""
    kind = written
    for _ in range(MAX_HOPS):
        if kind is None:
            return None
        if kind.type == "reference_type" and kind.named_children:
            kind = kind.named_children[-1]
            continue
        if kind.type == "generic_type":
            inner = field(kind, "type")
            segments = [s for s, _ in path_segments(inner, file)] if inner is not None else []
            type_args = field(kind, "type_arguments")
            if (
                segments[-1:]
                and segments[-1] in WRAPPERS
                and type_args is not None
                and type_args.named_children
            ):
                kind = type_args.named_children[0]
                continue
            return None
        break
    if kind is None or kind.type not in (
        "type_identifier",
        "scoped_type_identifier",
        "identifier",
        "scoped_identifier",
    ):
        return None
    segments = file.qualified([s for s, _ in path_segments(kind, file)])
    if len(segments) == 1 and f"struct {segments[0]}".encode() not in file.data:
        return None  # a type of no struct of this file (a library's, or a generic parameter)
    if len(segments) == 1:
        found = _items_of(file).structs.get(segments[0])
        return Struct(file, found, environment) if found is not None else None
    other = project.module_file(file.path, segments[:-1])
    found = _items_of(other).structs.get(segments[-1]) if other is not None else None
    return Struct(other, found, environment) if other is not None and found is not None else None


def _module_of(file: RustFile, segments: list[str]) -> RustFile | None:
    """The file a function path is in: this one for a bare name, else the module it names."""
    qualified = file.qualified(segments)
    if len(qualified) == 1:
        return file
    return project.module_file(file.path, qualified[:-1])


def _function(file: RustFile, path: list[str], owner: str | None) -> Node | None:
    """A function of ``file`` (or of the module a longer path names); ``Self::x`` one of ``owner``'s."""
    if len(path) > 1 and path[0] not in ("Self", owner):
        module = _module_of(file, path)
        return _function(module, path[-1:], None) if module is not None and module is not file else None
    candidates = _items_of(file).functions.get(path[-1], [])
    for function, impl in candidates:
        if (impl is None and len(path) == 1) or (impl is not None and impl == owner):
            return function
    return None


def _items_of(file: RustFile) -> Items:
    if file not in _items:
        _items[file] = Items(file)
    return _items[file]


def _impl_items(
    file: RustFile, impl: Node, functions: dict[str, list[tuple[Node, str | None]]], defaults: dict[str, Node]
) -> None:
    kind, trait, body = field(impl, "type"), field(impl, "trait"), field(impl, "body")
    owner = file.text(kind) if kind is not None else None
    is_default = trait is not None and file.text(trait).split("::")[-1] == "Default"
    for method in body.named_children if body is not None else []:
        name = field(method, "name")
        if method.type != "function_item" or name is None or owner is None:
            continue
        block = field(method, "body")
        if is_default and file.text(name) == "default" and block is not None:
            defaults[owner] = block
        elif not is_default:
            functions.setdefault(file.text(name), []).append((method, owner))


def _struct_name(struct: Struct) -> str:
    name = field(struct.node, "name")
    return struct.file.text(name) if name is not None else ""


def _field(struct: Struct | None, name: str) -> Node | None:
    if struct is None:
        return None
    body = field(struct.node, "body")
    for match in matches(FIELDS, body) if body is not None else []:
        if struct.file.text(match["name"]) == name:
            return match["field"]
    return None


def _attributes(file: RustFile, item: Node) -> tuple[Node, ...]:
    """The ``#[..]`` written on a struct or a field (read from the body that lists it)."""
    above = file.ancestors(item)
    return file.attributes_in(above[-1]).get(item.id, ()) if above else ()


def _serde_default_attribute(file: RustFile, attributes: tuple[Node, ...]) -> str | None:
    """``#[serde(default = "path")]`` -> "path"; ``#[serde(default)]`` -> ""; None without one."""
    for attribute in attributes:
        found = SERDE.match(file.text(attribute))
        default = SERDE_DEFAULT.search(found["args"]) if found else None
        if default is not None:
            return default["path"] or ""
    return None


def _serde_argument(file: RustFile, declared: Node, pattern: re.Pattern[str]) -> str | None:
    for attribute in _attributes(file, declared):
        found = SERDE.match(file.text(attribute))
        argument = pattern.search(found["args"]) if found else None
        if argument is not None:
            return argument["name"]
    return None


def _struct_literal(resolver: Resolver, value: Node) -> Node | None:
    """The ``Config { .. }`` literal a local name holds, if it does."""
    if value.type == "struct_expression":
        return value
    if value.type != "identifier":
        return None
    bound = resolver.local_binding(value, resolver.file.text(value))
    return bound if bound is not None and bound.type == "struct_expression" else None


def _initializers(file: RustFile, literal: Node) -> tuple[dict[str, Node], Node | None]:
    """A struct literal's fields (name -> value; a shorthand ``url`` is its name) and its ``..base``."""
    body = field(literal, "body") if literal.type == "struct_expression" else None
    given: dict[str, Node] = {}
    base = None
    for child in body.named_children if body is not None else []:
        if child.type == "field_initializer":
            name, value = field(child, "field"), field(child, "value")
            if name is not None and value is not None:
                given[file.text(name)] = value
        elif child.type == "shorthand_field_initializer" and child.named_children:
            given[file.text(child.named_children[0])] = child.named_children[0]
        elif child.type == "base_field_initializer" and child.named_children:
            base = child.named_children[0]
    return given, base


def _is_default_call(file: RustFile, base: Node) -> bool:
    """``Default::default()`` or ``Config::default()``."""
    function = field(base, "function") if base.type == "call_expression" else None
    segments = [s for s, _ in path_segments(function, file)] if function is not None else []
    return segments[-1:] == ["default"] and not arguments(base)


def _tail(body: Node) -> Node | None:
    tail = [c for c in body.named_children if c.type not in ("line_comment", "block_comment")]
    return tail[-1] if tail and tail[-1].type not in ("expression_statement", "let_declaration") else None
