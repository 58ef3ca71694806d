"""sea-orm: ``ConnectOptions`` set up on a variable, and the all-defaults ``Database::connect(url)``.

2.0's ``map_sqlx_*_pool_opts(closure)`` rewrites sqlx's pool options after sea-orm's
settings: the knobs the closure calls are set at run time (all of them when the
closure is not written in place).
"""

from __future__ import annotations

from dataclasses import replace

from poolcheck.frontends.rust.chains import Chain, follow
from poolcheck.frontends.rust.managers import parameter_type
from poolcheck.frontends.rust.sites import Origin, site_from_chain
from poolcheck.frontends.rust.sqlx import url_database
from poolcheck.frontends.rust.syntax import (
    Node,
    RustFile,
    arguments,
    field,
    matches,
    path_segments,
    receiver,
)
from poolcheck.frontends.rust.values import Resolver
from poolcheck.libraries.sea_orm import POOL_OPTION_CLOSURES, SEA_ORM
from poolcheck.libraries.sqlx import SQLX
from poolcheck.model import PoolSite, Setting

CRATE = "sea_orm"
# Every sea-orm path is written with the crate or imported from it: a file that never names it has none.
NAMES = (CRATE.encode(),)


def find(file: RustFile) -> list[PoolSite]:
    if not file.names_any(NAMES):
        return []
    resolver = Resolver(file)
    sites = []
    for call, function in file.path_calls:
        if function.type != "scoped_identifier":
            continue
        path = _sea_orm_path(file, [name for name, _ in path_segments(function, file)])
        if path[-2:] == ["ConnectOptions", "new"]:
            # Setters take &mut self: later `opt.max_connections(..);` statements continue the chain.
            chain = follow(call, file, frozenset())
            url = arguments(call)
            database = url_database(url[0] if url else None, file) or "unknown"
            origin = Origin(call, file.text(function) + "()", "ConnectOptions::new", database, builder=True)
            site = site_from_chain(resolver, SEA_ORM, origin, chain)
            sites.append(replace(site, knobs=(*site.knobs, *_overridden(chain, database, file))))
        elif path[-2:] == ["Database", "connect"] and _takes_a_url(call, resolver):
            args = arguments(call)
            database = url_database(args[0] if args else None, file) or "unknown"
            origin = Origin(call, file.text(function), "Database::connect", database, builder=False)
            sites.append(site_from_chain(resolver, SEA_ORM, origin, None))
    return sites


METHOD_CALLS = "(call_expression function: (field_expression field: (field_identifier) @name))"


def _overridden(chain: Chain, database: str, file: RustFile) -> list[tuple[str, Setting]]:
    """The knobs a ``map_sqlx_*_pool_opts`` closure of the chain sets, as set at run time."""
    knobs: list[tuple[str, Setting]] = []
    for step in chain.steps:
        applies_to = POOL_OPTION_CLOSURES.get(step.name)
        args = arguments(step.call)
        if applies_to is None or database not in (applies_to, "unknown") or not args:
            continue
        closure = args[0]
        if closure.type == "closure_expression":
            called = {file.text(m["name"]) for m in matches(METHOD_CALLS, closure)}
            concepts = {k.concept for k in SQLX.knobs if k.name in called}
        else:  # a function defined elsewhere: it may set any of them
            concepts = set(SQLX.defaults)
        for concept in sorted(concepts):
            name = SEA_ORM.knob_name(concept)
            setting = Setting(
                None, "dynamic", expr=f"{step.name}(..)", span=file.span(step.call, step.call), knob=name
            )
            knobs.append((name, setting))
    return knobs


def _sea_orm_path(file: RustFile, segments: list[str]) -> list[str]:
    """The path with its crate, when it is sea-orm's (imported by name or through `use sea_orm::*`)."""
    qualified = file.qualified(segments)
    if qualified and qualified[0] == CRATE:
        return qualified
    globbed = file.imports.get("*", "").split()
    if qualified == segments and CRATE in globbed:
        return [CRATE, *segments]
    return []


def _takes_a_url(call: Node, resolver: Resolver) -> bool:
    """``Database::connect(url)`` builds default options; ``Database::connect(opt)`` ends a known chain."""
    args = arguments(call)
    if not args:
        return False
    value = args[0]
    while value.type in ("reference_expression", "call_expression"):
        if value.type == "call_expression":
            inner = receiver(value)
            if inner is None:
                # ConnectOptions::new(..) inline is an origin of its own; any other call yields a URL
                function = field(value, "function")
                names = [n for n, _ in path_segments(function, resolver.file)] if function is not None else []
                return "ConnectOptions" not in names
            value = inner
        else:
            value = value.named_children[-1]
    if value.type == "identifier":
        binding = resolver.local_binding(value, resolver.file.text(value))
        if binding is not None:
            return "ConnectOptions" not in resolver.file.text(binding)
        declared = parameter_type(value, resolver.file)
        return declared is not None and resolver.file.text(declared) in ("str", "String", "&str")
    return value.type in ("string_literal", "raw_string_literal", "field_expression", "macro_invocation")
