"""bb8, r2d2 (and diesel's re-export) and deadpool: ``Pool::builder()`` chains over a manager.

Which crate a ``Pool`` comes from is read from the path or the file's ``use``
declarations; the database from the manager (see managers.py). Pools over a
Redis or other non-database manager are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from poolcheck.frontends.rust import aliases
from poolcheck.frontends.rust.chains import follow
from poolcheck.frontends.rust.deadpool_config import recycling_method
from poolcheck.frontends.rust.managers import (
    CRATES,
    NOT_A_DATABASE,
    declared_database,
    first_argument,
    manager_database,
    manager_type,
    pool_databases,
)
from poolcheck.frontends.rust.sites import Origin, site_from_chain
from poolcheck.frontends.rust.syntax import Node, RustFile, field, path_segments
from poolcheck.frontends.rust.values import Resolver
from poolcheck.libraries import LIBRARIES
from poolcheck.libraries.deadpool import MANAGER_RECYCLING
from poolcheck.model import PoolSite, Setting


@dataclass(frozen=True)
class BuilderForm:
    library: str
    crates: frozenset[str]  # the crate paths a `Pool`/`Builder` must come from
    builders: frozenset[tuple[str, str]]  # (type, function) that start a builder chain
    all_defaults: frozenset[tuple[str, str]]  # (type, function) that build a pool with every default
    terminals: frozenset[str]
    manager_in_origin: bool  # deadpool: Pool::builder(manager); bb8/r2d2: .build(manager)
    checked_by_manager: bool = False  # deadpool: the manager's ManagerConfig sets the checkout check


FORMS = (
    BuilderForm(
        library="bb8",
        # diesel-async's bb8 module is bb8's Pool over its manager (diesel-async 0.9
        # src/pooled_connection/bb8.rs).
        crates=frozenset({"bb8", "diesel_async::pooled_connection::bb8"}),
        builders=frozenset({("Pool", "builder"), ("Builder", "new")}),
        all_defaults=frozenset(),
        terminals=frozenset({"build", "build_unchecked"}),
        manager_in_origin=False,
    ),
    BuilderForm(
        library="r2d2",
        crates=frozenset({"r2d2", "diesel::r2d2"}),
        builders=frozenset({("Pool", "builder"), ("Builder", "new")}),
        all_defaults=frozenset({("Pool", "new")}),
        terminals=frozenset({"build", "build_unchecked"}),
        manager_in_origin=False,
    ),
    BuilderForm(
        library="deadpool",
        # diesel-async's deadpool module is deadpool::managed's Pool over its manager (diesel-async 0.9
        # src/pooled_connection/deadpool.rs).
        crates=frozenset(
            {
                "deadpool::managed",
                "deadpool_postgres",
                "deadpool_sqlite",
                "deadpool_diesel",
                "deadpool_diesel::postgres",
                "deadpool_diesel::mysql",
                "deadpool_diesel::sqlite",
                "deadpool_redis",
                "diesel_async::pooled_connection::deadpool",
            }
        ),
        builders=frozenset({("Pool", "builder")}),
        all_defaults=frozenset(),
        terminals=frozenset({"build"}),
        manager_in_origin=True,
        checked_by_manager=True,
    ),
)

# A pool's constructor called on an alias of its type (`DbPool::builder()`, r2d2's `DbPool::new(m)`);
# `new` only on a name that says pool, so that `AppState::new()` does not read the module it is from.
ALIAS_CONSTRUCTORS = {"builder": "", "new": "Pool"}
# A pool's path is written with its crate or imported from it: a file naming none of them has none.
NAMES = tuple(sorted({crate.split("::")[0].encode() for form in FORMS for crate in form.crates}))
NAMES_OR_ALIAS = (*NAMES, b"Pool::builder", b"Pool::new")  # or an alias of one (`DbPool::builder()`)


def find(file: RustFile) -> list[PoolSite]:
    if not file.names_any(NAMES_OR_ALIAS):
        return []
    resolver = Resolver(file)
    sites = []
    for call, function in file.path_calls:
        segments = file.qualified([name for name, _ in path_segments(function, file)])
        served = None  # the databases of an alias the call is made on (`DbPool::builder()`)
        if len(segments) >= 2 and segments[-2].endswith(ALIAS_CONSTRUCTORS.get(segments[-1], "-")):
            segments, served = _through_alias(function, segments, file)
        for form in FORMS:
            site = _site(call, segments, form, resolver, served)
            if site is not None:
                sites.append(site)
    return sites


def _through_alias(
    function: Node, segments: list[str], file: RustFile
) -> tuple[list[str], set[str | None] | None]:
    """``DbPool::builder`` with ``type DbPool = r2d2::Pool<ConnectionManager<PgConnection>>`` (here or
    in another module of the crate) is ``r2d2::Pool::builder``, of the databases the alias serves."""
    named = field(function, "path")
    targets = aliases.expansions(named, file) if named is not None else []
    paths = {tuple(where.qualified([name for name, _ in path_segments(t, where)])) for t, where in targets}
    if named is None or len(paths) != 1 or targets == [(named, file)]:
        return segments, None  # no alias, or cfg variants of different pools
    return [*paths.pop(), segments[-1]], pool_databases(named, file)


def _site(
    call: Node, segments: list[str], form: BuilderForm, resolver: Resolver, served: set[str | None] | None
) -> PoolSite | None:
    if len(segments) < 3:
        return None
    crate, key = "::".join(segments[:-2]), (segments[-2], segments[-1])
    if crate not in form.crates or (key not in form.builders and key not in form.all_defaults):
        return None
    file = resolver.file
    builder = key in form.builders
    chain = follow(call, file, form.terminals) if builder else None
    if form.manager_in_origin or not builder:
        manager = first_argument(call)
    else:
        manager = first_argument(chain.terminal.call) if chain and chain.terminal else None
    database = (
        manager_database(manager, resolver)
        or CRATES.get(crate)
        or (next(iter(served)) if served is not None and len(served) == 1 else None)
        or declared_database(call, file)
    )
    if database in (None, NOT_A_DATABASE):
        return None  # a Redis pool, or one whose manager we cannot identify: never guess
    function = call.child_by_field_name("function") or call
    constructor = file.text(function) + ("()" if builder else "")
    origin = Origin(call, constructor, "::".join(key), database, builder)
    site = site_from_chain(resolver, LIBRARIES[form.library], origin, chain)
    if form.checked_by_manager:
        checked = recycling_method(manager, resolver) or _manager_recycling(manager, resolver, crate)
        return replace(site, knobs=(*checked, *site.knobs))
    return site


def _manager_recycling(manager: Node | None, resolver: Resolver, crate: str) -> list[tuple[str, Setting]]:
    """The recycle check a manager's own configuration defaults to, where it is not deadpool's: by
    the manager's type, or the crate of its pool (deadpool-diesel's ``postgres::Pool``)."""
    declared = manager_type(manager, resolver)
    segments = path_segments(declared, resolver.file) if declared is not None else []
    names = [segments[-1][0]] if segments else []
    known = [MANAGER_RECYCLING[n] for n in [*names, crate.split("::")[0]] if n in MANAGER_RECYCLING]
    default = known[0] if known else None
    if default is None:
        return []
    setting = Setting(default.value, "default", note=default.note, by=default.by, knob="recycling_method")
    return [("recycling_method", setting)]
