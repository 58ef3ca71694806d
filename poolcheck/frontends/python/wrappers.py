"""Pools built at the calls of a project's wrapper function: one site per call, at the call.

``def make_engine(url, pool_size=10, **kw): return create_engine(url, pool_size=pool_size,
pool_recycle=1800, **kw)`` in ``libs/db/engine.py``, then ``make_engine(URL, pool_size=20,
max_overflow=10)`` in a service: that call builds a pool whose ``pool_size`` is the call's 20,
whose ``max_overflow`` reaches ``create_engine`` through ``**kw``, and whose other keywords are
the wrapper's own (``pool_recycle=1800``, read in its module) or its parameters' defaults. The
pipeline asks for this only after a first look found a pool built from a function's parameters
(``PoolSite.wrapper``), and only of the files that name such a function.
"""

from __future__ import annotations

import ast
import copy
import os
from dataclasses import dataclass, replace

from poolcheck.frontends.python import members
from poolcheck.frontends.python.bindings import LOCAL, ModuleBindings, ScopeIndex
from poolcheck.frontends.python.branches import in_branch, sqlite_branch
from poolcheck.frontends.python.calls import ENTRY_NAMES, entry_calls
from poolcheck.frontends.python.entries import ENTRIES, Entry
from poolcheck.frontends.python.expressions import Opaque
from poolcheck.frontends.python.foreign import Foreign, written
from poolcheck.frontends.python.helpers import Signature, signature
from poolcheck.frontends.python.project import module_at
from poolcheck.frontends.python.sites import SiteFinder
from poolcheck.frontends.python.statements import Node, Scope
from poolcheck.frontends.python.syntax import LINE_ENDS
from poolcheck.frontends.python.values import Keyword, Resolver
from poolcheck.model import FileResult, PoolSite


@dataclass(frozen=True)
class Construction:
    """A pool built in a wrapper's body, read in the wrapper's module."""

    call: ast.Call
    scopes: list[Scope]
    node: Node
    entry: Entry


@dataclass(frozen=True)
class Wrapper:
    name: str
    resolver: Resolver  # of the wrapper's module
    signature: Signature
    constructions: tuple[Construction, ...]


@dataclass(frozen=True)
class Bound:
    """A call's arguments by the wrapper's parameter they go to; the rest goes to ``**kw``."""

    given: dict[str, Keyword]  # a parameter -> the value the call passes, or its default
    extra: dict[str, Keyword]  # keywords for the wrapper's ``**kw``
    opaque: bool  # a ``*args`` or ``**opts`` of the call that could not be read
    caller: Resolver  # the calling module's, where the call's values are read
    scopes: list[Scope]  # the call's


def extract_calls(path: str, wrappers: tuple[str, ...]) -> FileResult:
    """The pools built by this file's calls of ``wrappers`` (each ``"/abs/path.py:name"``)."""
    module = module_at(path)
    if module is None:
        return FileResult(path)
    lines = LINE_ENDS.split(module.text)
    finder = SiteFinder(path, lines, module.bindings)
    sites: list[PoolSite] = []
    for call, scopes, node in entry_calls(
        module.root, lines, module.bindings, _names(module.bindings, wrappers)
    ):
        aliased = _aliased(finder, call, scopes, node, wrappers)
        if aliased is not None:
            sites.append(aliased)
            continue
        for qualified in module.bindings.candidates(call.func, scopes, call.lineno):
            found = members.project_function(finder.resolver, qualified)
            identity = f"{os.path.abspath(found[0].path)}:{found[1].removeprefix(LOCAL)}" if found else None
            wrapper = _wrapper(found[0], found[1]) if found is not None and identity in wrappers else None
            if wrapper is not None:
                sites += (
                    replace(site, wrapper=identity, wrapper_call=True)
                    for site in _built(finder, call, scopes, wrapper)
                )
                break
    return FileResult(path, tuple(sorted(sites, key=lambda site: site.span)))


def aliases(path: str, bindings: ModuleBindings) -> tuple[str, ...]:
    """The module's names for a pool entry that another module may import and call
    (``DbPool: TypeAlias = psycopg_pool.ConnectionPool``), each ``"/abs/path.py:DbPool"``."""
    found = []
    for name, listed in bindings.scopes.get(bindings.module.key, ScopeIndex()).bindings.items():
        last = listed[-1]
        if name in ENTRY_NAMES or last.written is None or not last.written.is_name:
            continue  # an entry's own name is found in the module that imports it
        value = last.value
        if value is not None and bindings.qualified(value, [bindings.module], last.line + 1) in ENTRIES:
            found.append(f"{os.path.abspath(path)}:{name}")
    return tuple(found)


def _aliased(
    finder: SiteFinder, call: ast.Call, scopes: list[Scope], node: Node, wrappers: tuple[str, ...]
) -> PoolSite | None:
    """The pool a call of another module's alias of an entry builds (``DbPool(conninfo, max_size=..)``
    after ``from app.db.types import DbPool``): the first look found none, as the call names no entry."""
    names = finder.bindings.candidates(call.func, scopes, call.lineno)
    if not names or any(name in ENTRIES or name.startswith(LOCAL) for name in names):
        return None
    where = members.defined_in(finder.resolver, names[0])
    identity = f"{os.path.abspath(where)}:{names[0].rpartition('.')[2]}" if where is not None else None
    entry = finder.entry(call, scopes) if identity in wrappers else None
    if entry is None:
        return None
    keywords, opaque = finder.arguments(call, entry, scopes)
    if entry.needs_config and entry.config not in keywords:
        return None
    site = in_branch(finder.site(call, entry, keywords, opaque, scopes), sqlite_branch(node))
    return replace(site, wrapper=identity, wrapper_call=True)


def _names(bindings: ModuleBindings, wrappers: tuple[str, ...]) -> frozenset[str]:
    """The wrappers' names, and the names this module imports them as (``import make_engine as mk``)."""
    names = {wrapper.rpartition(":")[2] for wrapper in wrappers}
    bindings.naming(names)  # a function importing one writes its name
    for index in bindings.scopes.values():
        for name, listed in index.bindings.items():
            if any(b.qualified and b.qualified.rpartition(".")[2] in names for b in listed):
                names.add(name)
    return frozenset(names)


def _wrapper(resolver: Resolver, qualified: str) -> Wrapper | None:
    """The function ``qualified`` of ``resolver``'s module, with the pools its body builds."""
    module = module_at(resolver.path)
    body = resolver.bindings.bodies.get(qualified)
    function = body[1].parent if body is not None else None
    parameters = signature(function) if function is not None else None
    if module is None or body is None or parameters is None:
        return None
    lines = LINE_ENDS.split(module.text)
    finder = SiteFinder(module.path, lines, module.bindings)
    constructions = tuple(
        Construction(call, scopes, node, entry)
        for call, scopes, node in entry_calls(module.root, lines, module.bindings)
        if scopes[-1] == body[0]
        and (entry := finder.entry(call, scopes)) is not None
        and entry.config is None
    )
    return Wrapper(qualified.removeprefix(LOCAL), finder.resolver, parameters, constructions)


def _built(finder: SiteFinder, call: ast.Call, scopes: list[Scope], wrapper: Wrapper) -> list[PoolSite]:
    """A site at ``call`` for each pool the wrapper's body builds, with the call's arguments."""
    bound = _bound(finder, call, scopes, wrapper)
    sites = []
    for construction in wrapper.constructions:
        keywords, opaque = _keywords(construction, wrapper, bound, call)
        site = finder.site(call, construction.entry, keywords, opaque or bound.opaque, scopes)
        # A SQLite URL test in the wrapper: the branch this call's URL does not take builds nothing here.
        branch = sqlite_branch(construction.node)
        if branch is not None and site.database != "unknown" and (site.database == "sqlite") != branch:
            continue
        sites.append(in_branch(site, branch))
    return sites


def _bound(finder: SiteFinder, call: ast.Call, scopes: list[Scope], wrapper: Wrapper) -> Bound:
    parameters = wrapper.signature.parameters
    names = {name for name, _ in parameters}
    given: dict[str, Keyword] = {}
    extra: dict[str, Keyword] = {}
    opaque = False
    for (name, _), argument in zip(parameters, call.args, strict=False):
        if isinstance(argument, ast.Starred):
            opaque = True
            break
        given[name] = Keyword(argument, argument)
    opaque |= any(isinstance(argument, ast.Starred) for argument in call.args)
    keywords: dict[str, Keyword] = {}
    for keyword in call.keywords:
        if keyword.arg is not None:
            keywords[keyword.arg] = Keyword(keyword.value, keyword)
            continue
        splat = finder.resolver.splat(keyword.value, scopes, call.lineno)  # make_engine(url, **options)
        keywords.update(splat.keywords)
        opaque |= splat.opaque
    for name, passed in keywords.items():
        (given if name in names else extra)[name] = passed
    for name, default in parameters:
        if name in given:
            continue
        if opaque or default is None:  # maybe in the call's unread arguments; or a TypeError
            given[name] = Keyword(ast.copy_location(Opaque(), call), call)
            continue
        shown = f"{wrapper.name}({name}=)"
        line = wrapper.resolver.bindings.module
        value = Foreign(wrapper.resolver, default, [line], default.lineno, call, written(default), shown)
        given[name] = Keyword(value, call)
    return Bound(given, extra, opaque, finder.resolver, scopes)


def _keywords(
    construction: Construction, wrapper: Wrapper, bound: Bound, call: ast.Call
) -> tuple[dict[str, Keyword], bool]:
    """The keywords the wrapper's construction receives from this call, as the entry names them."""
    inner, entry = construction.call, construction.entry
    found: dict[str, Keyword] = {}
    opaque = False
    for position, argument in enumerate(inner.args):
        if isinstance(argument, ast.Starred):
            opaque = True
            break
        if position < len(entry.positional):
            found[entry.positional[position]] = _passed(argument, construction, wrapper, bound, call)
    for keyword in inner.keywords:
        if keyword.arg is not None:
            found[keyword.arg] = _passed(keyword.value, construction, wrapper, bound, call)
        elif isinstance(keyword.value, ast.Name) and keyword.value.id == wrapper.signature.double_star:
            found.update(bound.extra)  # the call's other keywords, through **kw
        else:  # a dict of the wrapper's: read there
            splat = wrapper.resolver.splat(keyword.value, construction.scopes, inner.lineno)
            where = Foreign(wrapper.resolver, keyword.value, construction.scopes, inner.lineno, call, "**")
            found.update({name: Keyword(where.inside(k.value), call) for name, k in splat.keywords.items()})
            opaque |= splat.opaque
    return found, opaque


def _passed(
    value: ast.expr, construction: Construction, wrapper: Wrapper, bound: Bound, call: ast.Call
) -> Keyword:
    """What the construction's argument ``value`` is at this call: the call's own argument when the
    wrapper passes a parameter on as it is, else the wrapper's expression with its parameters replaced
    by the call's values, read in the wrapper's module."""
    if isinstance(value, ast.Name) and value.id in bound.given:
        return bound.given[value.id]
    if isinstance(value, ast.Name) and value.id in (wrapper.signature.star, wrapper.signature.double_star):
        return Keyword(ast.copy_location(Opaque(), call), call)
    replaced = _Parameters(bound, call).visit(copy.deepcopy(value))
    where = Foreign(
        wrapper.resolver, replaced, construction.scopes, construction.call.lineno, call, written(value)
    )
    return Keyword(where, call)


class _Parameters(ast.NodeTransformer):
    """The wrapper's parameters in one of its expressions, replaced by what the call gives them."""

    def __init__(self, bound: Bound, call: ast.Call) -> None:
        self.bound = bound
        self.call = call

    def visit_Name(self, node: ast.Name) -> ast.expr:
        found = self.bound.given.get(node.id)
        if found is None:
            return node
        if isinstance(found.value, (Foreign, Opaque)):
            return found.value
        value, bound = found.value, self.bound  # the call's: read in the calling module
        return Foreign(bound.caller, value, bound.scopes, self.call.lineno, value, written(value))
