"""From a matched origin and its builder chain to a ``PoolSite`` with resolved knob values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from poolcheck.frontends.rust.branches import variants
from poolcheck.frontends.rust.chains import Chain
from poolcheck.frontends.rust.roles import role_in
from poolcheck.frontends.rust.syntax import Node, RustFile, arguments, field
from poolcheck.frontends.rust.values import Resolver
from poolcheck.libraries import Library
from poolcheck.model import PoolSite, Setting


@dataclass(frozen=True)
class Origin:
    """Where a construction starts: the call, how it reads, the database, and whether it is a builder."""

    call: Node
    constructor: str  # as written
    entry: str  # the type and function, whatever the path: "PgPoolOptions::new"
    database: str
    builder: bool


UrlDatabase = Callable[[Node | None, RustFile], str | None]


def site_from_chain(
    resolver: Resolver,
    library: Library,
    origin: Origin,
    chain: Chain | None,
    url_database: UrlDatabase | None = None,
) -> PoolSite:
    file = resolver.file
    knobs: list[tuple[str, Setting]] = []
    for step in chain.steps if chain else ():
        if library.knob(step.name) is None:
            continue
        args = arguments(step.call)
        name_node = field(field(step.call, "function") or step.call, "field") or step.call
        value = args[0] if args else None
        knobs.append((step.name, written_setting(resolver, step.name, value, name_node, step.call)))
    end = chain.end if chain else origin.call
    terminal = chain.terminal.call if chain and chain.terminal else origin.call
    database = origin.database
    if database == "unknown" and url_database is not None:
        args = arguments(terminal)
        database = url_database(args[0] if args else None, file) or database
    span = file.span(origin.call, end)
    return PoolSite(
        path=file.path,
        span=span,
        language="rust",
        library=library.name,
        constructor=origin.constructor,
        entry=origin.entry,
        database=database,
        text=file.data[origin.call.start_byte : end.end_byte].decode("utf-8", "replace"),
        knobs=tuple(knobs),
        lines=file.lines(span.line, span.end_line),
        role=role_in(file, origin.call, end, library, knobs),
    )


def written_setting(resolver: Resolver, knob: str, value: Node | None, start: Node, end: Node) -> Setting:
    """A knob's written value, located from ``start`` to ``end``; a string where a number goes is dynamic."""
    resolved = resolver.resolve(value)
    written = None if isinstance(resolved.value, str) else resolved.value
    source = "dynamic" if isinstance(resolved.value, str) else resolved.source
    return Setting(
        value=written,
        source=source,
        expr=resolver.file.text(value) if value is not None else None,
        span=resolver.file.span(start, end),
        env=resolved.env,
        constant=resolved.constant,
        defined_at=resolved.defined_at,
        knob=knob,
        scale=resolved.scale,
        variants=variants(resolver, value) if source == "dynamic" else (),  # set in each arm of an if/match
    )
