"""deadpool-postgres (and its siblings) built from a ``Config`` value: ``cfg.create_pool(..)``.

The pool settings live in ``Config.pool``: a ``PoolConfig { max_size, timeouts:
Timeouts { wait, create, .. }, .. }`` or ``PoolConfig::new(n)``, written in the
``Config { .. }`` literal or assigned later (``cfg.pool = Some(..)``) in the same
function. The checkout health check is ``Config.manager``'s ``ManagerConfig {
recycling_method }``, read the same way, and from the manager a builder is given.
"""

from __future__ import annotations

from dataclasses import replace

from poolcheck.frontends.rust import config_structs
from poolcheck.frontends.rust.managers import CRATES, NOT_A_DATABASE
from poolcheck.frontends.rust.roles import role_in
from poolcheck.frontends.rust.sites import written_setting
from poolcheck.frontends.rust.syntax import Node, RustFile, arguments, field, matches, path_segments, receiver
from poolcheck.frontends.rust.values import Resolver
from poolcheck.libraries.deadpool import DEADPOOL, RECYCLING_DEFAULT, RECYCLING_METHODS
from poolcheck.model import PoolSite, Setting

CREATE_POOL = """(call_expression
  function: (field_expression value: (_) @config field: (field_identifier) @method)
  (#eq? @method "create_pool")) @call"""
FIELD_ASSIGNMENTS = """(assignment_expression
  left: (field_expression value: (identifier) @target field: (field_identifier) @field)
  right: (_) @value)"""
POOL_FIELDS = {"max_size": "max_size"}
TIMEOUT_FIELDS = {"wait": "wait", "create": "create", "recycle": "recycle"}
TIMEOUT_HELPERS = {"wait_millis": ("wait", 1e-3)}
# The Config's crate is written in its path or its import: a file naming none has no such pool.
CRATE_NAMES = tuple(crate.encode() for crate in CRATES)
# A Config from outside the function (a parameter, Config::from_env(), a deserialized or typed value)
# may set every pool and manager field at run time: each is dynamic unless written here.
OUTSIDE_FIELDS = {
    "max_size": "pool",
    "wait": "pool",
    "create": "pool",
    "recycle": "pool",
    "recycling_method": "manager",
}
TYPED = """({node} pattern: (identifier) @name type: (_) @type (#eq? @name "{name}"))"""
FIELD_TYPE = """(field_declaration name: (field_identifier) @name type: (_) @type (#eq? @name "{name}"))"""
UNWRAPPING = ("unwrap", "expect", "unwrap_or_default")  # Config::from_env().unwrap() is the Config
# Where a knob is in the deserialized Config, by its serde keys (deadpool 0.12.4,
# crates/deadpool/src/managed/config.rs: `PoolConfig { max_size: usize, #[serde(default)] timeouts }`,
# `Timeouts { wait, create, recycle: Option<Duration> }`, no renames): a plain value is one environment
# variable (PG__POOL__MAX_SIZE), a Duration two (PG__POOL__TIMEOUTS__WAIT__SECS and ..__NANOS).
VARIABLE_FIELDS = {"max_size": ("pool", "max_size")}
DURATION_FIELDS = {name: ("pool", "timeouts", name) for name in ("wait", "create", "recycle")}


def find(file: RustFile) -> list[PoolSite]:
    if b"create_pool" not in file.data or not file.names_any(CRATE_NAMES):
        return []
    resolver = Resolver(file)
    sites = []
    built: list[tuple[Node, Node]] = []  # (the Config value, the create_pool call) of each site
    for match in matches(CREATE_POOL, file.root):
        call, config = match["call"], match["config"]
        origin, crate = _config_origin(config, resolver)
        declared = None  # for a Config from outside, where it is declared: fields are assigned after
        if origin is None:
            declared, crate = _outside_config(config, resolver)
            origin = declared if declared is not None and declared.type == "call_expression" else config
        database = CRATES.get(crate or "")
        if origin is None or database in (None, NOT_A_DATABASE):
            continue
        knobs: list[tuple[str, Setting]] = []
        assigned = set()  # the parts given here, which replace what came from outside
        for part in ("pool", "manager"):
            for value in _config_values(part, declared or origin, config, call, resolver):
                knobs += (
                    _pool_config(value, resolver) if part == "pool" else recycling_method(value, resolver)
                )
                assigned.add(part)
        if declared is not None:
            below = config_structs.declared_field(file, config) if config.type == "field_expression" else None
            knobs += _from_outside(file.text(config), assigned, below[2] if below else None)
        held = declared if declared is not None else origin  # the one Config value both calls use
        if any(o.id == held.id and _exclusive(file, c, call) for o, c in built):
            continue  # `if tls { cfg.create_pool(..) } else { cfg.create_pool(..) }`: one pool
        built.append((held, call))
        sites.append(_site(file, origin, call, database or "unknown", knobs))
    return sites


def _exclusive(file: RustFile, one: Node, other: Node) -> bool:
    """Are the two calls in different arms of one ``if``/``else`` or ``match``, so only one runs?"""
    common = None  # the innermost node holding both
    for above, also in zip(file.ancestors(one), file.ancestors(other), strict=False):
        if above.id != also.id:
            break
        common = above
    if common is None or common.type not in ("if_expression", "match_block"):
        return False
    condition = common.child_by_field_name("condition")
    inside = condition is not None and any(
        condition.start_byte <= call.start_byte < condition.end_byte for call in (one, other)
    )
    return not inside


def _config_origin(config: Node, resolver: Resolver) -> tuple[Node | None, str | None]:
    """The ``Config::new()`` / ``Config { .. }`` this receiver holds, and the crate it comes from."""
    file = resolver.file
    node: Node | None = config
    if node is not None and node.type == "identifier":
        node = resolver.local_binding(node, file.text(node))
    if node is None:
        return None, None
    if node.type == "struct_expression":
        name = field(node, "name")
    elif node.type == "call_expression" and receiver(node) is None:
        function = field(node, "function")
        name = field(function, "path") if function is not None else None
    else:
        return None, None
    segments = file.qualified([s for s, _ in path_segments(name, file)]) if name is not None else []
    if len(segments) < 2 or segments[-1] != "Config":
        return None, None
    return node, "::".join(segments[:-1])


def _outside_config(config: Node, resolver: Resolver) -> tuple[Node | None, str | None]:
    """A ``Config`` the function does not build: a parameter or a ``let`` typed ``Config``, or
    ``Config::from_env()``; the node the pool's construction starts at, and the Config's crate.
    """
    file = resolver.file
    if config.type == "field_expression":  # settings.pg, a field of a struct this file declares
        name_node = field(config, "field")
        fields = matches(FIELD_TYPE.format(name=file.text(name_node)), file.root) if name_node else []
        found = _typed_config(file, [m["type"] for m in fields])
        elsewhere = config_structs.declared_field(file, config) if found[0] is None else None
        return _typed_config(elsewhere[0], [elsewhere[1]]) if elsewhere else found  # in another module
    if config.type != "identifier":
        return None, None
    name = file.text(config)
    scope = file.enclosing_function(config)
    value = resolver.local_binding(config, name)
    if value is not None:
        while value.type == "try_expression" or (
            value.type == "call_expression" and _method(value, file) in UNWRAPPING
        ):
            value = value.named_children[0] if value.type == "try_expression" else receiver(value)
            if value is None:
                return None, None
        function = field(value, "function") if value.type == "call_expression" else None
        path = file.qualified([s for s, _ in path_segments(function, file)]) if function is not None else []
        if len(path) >= 3 and path[-2:] == ["Config", "from_env"]:
            return value, "::".join(path[:-2])
    declared = [
        match
        for node in ("parameter", "let_declaration")
        for match in (matches(TYPED.format(node=node, name=name), scope) if scope is not None else [])
        if match["name"].start_byte < config.start_byte
    ]
    declared.sort(key=lambda match: match["name"].start_byte)
    return _typed_config(file, [match["type"] for match in declared[-1:]])


def _typed_config(file: RustFile, types: list[Node]) -> tuple[Node | None, str | None]:
    """The first of ``types`` that is a deadpool crate's ``Config`` (behind ``&``/``&mut``), and its crate."""
    for written in types:
        kind = written
        while kind.type == "reference_type" and kind.named_children:
            kind = kind.named_children[-1]
        path = file.qualified([s for s, _ in path_segments(kind, file)])
        if len(path) >= 2 and path[-1] == "Config" and "::".join(path[:-1]) in CRATES:
            return written, "::".join(path[:-1])
    return None, None


def _method(call: Node, file: RustFile) -> str:
    function = field(call, "function")
    name = field(function, "field") if function is not None and function.type == "field_expression" else None
    return file.text(name) if name is not None else ""


def _from_outside(
    config: str, assigned: set[str], environment: config_structs.Environment | None = None
) -> list[tuple[str, Setting]]:
    """The fields of the parts (``pool``, ``manager``) this function does not assign: set at run time.
    An assigned ``cfg.pool = Some(PoolConfig::new(5))`` replaces the whole part, defaults and all.
    A Config its loader reads from the environment names the variable of a plain field (PG__POOL__MAX_SIZE).
    """
    return [
        (name, _outside_setting(f"{config}.{part}", name, environment))
        for name, part in OUTSIDE_FIELDS.items()
        if part not in assigned
    ]


def _outside_setting(expr: str, knob: str, environment: config_structs.Environment | None) -> Setting:
    """A field set at run time: from the variable that names it when its loader reads the environment,
    or, for a Duration, from its two (the setting's parts, which declared values add up)."""
    setting = Setting(None, "dynamic", expr=expr, knob=knob)
    if environment is None:
        return setting
    if knob in VARIABLE_FIELDS:
        *above, key = VARIABLE_FIELDS[knob]
        return replace(setting, env=_below(environment, above).variable(key))
    if knob in DURATION_FIELDS:
        *above, key = DURATION_FIELDS[knob]
        variables = _below(environment, above).duration_variables(key)
        parts = tuple(
            (name, replace(setting, env=variable, scale=factor)) for name, variable, factor in variables
        )
        return replace(setting, parts=parts)
    return setting


def _below(environment: config_structs.Environment, keys: list[str]) -> config_structs.Environment:
    for key in keys:
        environment = environment.below(key)
    return environment


def _config_values(name: str, origin: Node, config: Node, call: Node, resolver: Resolver) -> list[Node]:
    """The expressions given to ``Config.<name>``: in the literal, then in later assignments."""
    file = resolver.file
    values = []
    if origin.type == "struct_expression":
        values += [m["value"] for m in matches(_field(name), origin)]
    scope = file.enclosing_function(call)
    if config.type == "identifier" and scope is not None:
        for match in matches(FIELD_ASSIGNMENTS, scope, origin.end_byte, call.start_byte):
            if file.text(match["target"]) == file.text(config) and file.text(match["field"]) == name:
                values.append(match["value"])
    return values


def _pool_config(value: Node, resolver: Resolver) -> list[tuple[str, Setting]]:
    """Knobs of ``Some(PoolConfig { .. })`` or ``PoolConfig::new(n)``."""
    file = resolver.file
    knobs: list[tuple[str, Setting]] = []
    if value.type == "call_expression" and file.text(field(value, "function") or value) == "Some":
        args = arguments(value)
        value = args[0] if args else value
    if value.type == "call_expression":
        function = field(value, "function")
        names = [s for s, _ in path_segments(function, file)] if function is not None else []
        args = arguments(value)
        if names[-2:] == ["PoolConfig", "new"] and args:
            knobs.append(_setting("max_size", args[0], value, resolver))
        return knobs
    if value.type != "struct_expression":
        return knobs
    for name, knob in POOL_FIELDS.items():
        knobs += [_setting(knob, m["value"], m["init"], resolver) for m in matches(_field(name), value)]
    for match in matches(_field("timeouts"), value):
        timeouts = match["value"]
        if timeouts.type == "struct_expression":
            for name, knob in TIMEOUT_FIELDS.items():
                knobs += [
                    _setting(knob, m["value"], m["init"], resolver) for m in matches(_field(name), timeouts)
                ]
        elif timeouts.type == "call_expression":
            function = field(timeouts, "function")
            helper = path_segments(function, file)[-1][0] if function is not None else ""
            args = arguments(timeouts)
            if helper in TIMEOUT_HELPERS and args:
                knob, scale = TIMEOUT_HELPERS[helper]
                _, setting = _setting(knob, args[0], timeouts, resolver)
                amount = setting.value
                if isinstance(amount, (int, float)) and not isinstance(amount, bool):
                    setting = replace(setting, value=amount * scale)
                knobs.append((knob, setting))
    return knobs


def recycling_method(value: Node | None, resolver: Resolver, depth: int = 0) -> list[tuple[str, Setting]]:
    """``recycling_method`` of the ``ManagerConfig`` in ``value``: a literal, a variable holding one,
    or a call given one (``Manager::from_config(pg, NoTls, manager_config)``).
    """
    file = resolver.file
    if value is None or depth > 3:
        return []
    if value.type == "identifier":
        return recycling_method(resolver.local_binding(value, file.text(value)), resolver, depth + 1)
    found = matches(_field("recycling_method"), value)
    if found:
        method, init = found[-1]["value"], found[-1]["init"]
        if method.type == "identifier":
            method = resolver.local_binding(method, file.text(method)) or method
        segments = path_segments(field(method, "function") or method, file)
        on = RECYCLING_METHODS.get(segments[-1][0]) if segments else None
        setting = Setting(
            value=on,
            source="dynamic" if on is None else "explicit",
            expr=file.text(found[-1]["value"]),
            span=file.span(init, init),
            knob="recycling_method",
            note=RECYCLING_DEFAULT if on is False and segments[-1][0] == "Fast" else None,
        )
        return [("recycling_method", setting)]
    if value.type == "call_expression":
        for argument in arguments(value):
            if argument.type in ("identifier", "struct_expression", "call_expression"):
                found_in = recycling_method(argument, resolver, depth + 1)
                if found_in:
                    return found_in
    return []


def _field(name: str) -> str:
    """Direct field initializers named ``name`` (nested literals are matched on their own)."""
    return f"""(struct_expression body: (field_initializer_list
      (field_initializer field: (field_identifier) @name value: (_) @value) @init
      (#eq? @name "{name}")))"""


def _setting(knob: str, value: Node, where: Node, resolver: Resolver) -> tuple[str, Setting]:
    return knob, written_setting(resolver, knob, value, where, where)


def _site(
    file: RustFile, origin: Node, call: Node, database: str, knobs: list[tuple[str, Setting]]
) -> PoolSite:
    span = file.span(origin, call)
    return PoolSite(
        path=file.path,
        span=span,
        language="rust",
        library=DEADPOOL.name,
        constructor=file.text(origin).split("{", 1)[0].strip()
        if origin.type == "struct_expression"
        else file.text(origin),
        database=database,
        text=file.data[origin.start_byte : call.end_byte].decode("utf-8", "replace"),
        knobs=tuple(knobs),
        lines=file.lines(span.line, span.end_line),
        entry="Config::create_pool",
        role=role_in(file, origin, call, DEADPOOL, knobs),
    )


def _constructor(file: RustFile, origin: Node) -> str:
    """``Config::new()`` as written, or a literal's type name (``deadpool_postgres::Config``)."""
    name = field(origin, "name") if origin.type == "struct_expression" else None
    return file.text(name) if name is not None else file.text(origin)
