"""Pools configured by settings instead of a call: Flask-SQLAlchemy and Django.

- ``SQLALCHEMY_ENGINE_OPTIONS = {...}`` (module or config-class level) and
  ``app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {...}``: the keywords
  Flask-SQLAlchemy passes to ``create_engine``.
- ``DATABASES = {"default": {...}}``: per alias, Django's persistent
  connections (CONN_MAX_AGE, CONN_HEALTH_CHECKS), or with ``OPTIONS["pool"]``
  (Django 5.1+) a psycopg_pool ConnectionPool. ``dj_database_url.config(..)`` /
  ``.parse(..)`` entries are read through their keyword arguments.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace

from poolcheck.frontends.python import helpers, members
from poolcheck.frontends.python.bindings import LOCAL
from poolcheck.frontends.python.entries import DJANGO_DATABASE, DJANGO_POOL, FLASK_OPTIONS, SETTINGS_NAMES
from poolcheck.frontends.python.expressions import expression, located
from poolcheck.frontends.python.foreign import Foreign, written
from poolcheck.frontends.python.sites import SiteFinder
from poolcheck.frontends.python.statements import Node, Scope, blocks, definition, scope_of, statements
from poolcheck.frontends.python.values import Keyword, Splat, Stretch
from poolcheck.model import PoolSite

FLASK_KEY = "SQLALCHEMY_ENGINE_OPTIONS"
FLASK_URL = "SQLALCHEMY_DATABASE_URI"
DJANGO_KEY = "DATABASES"
DJANGO_ENGINES = {"postgresql": "postgres", "postgis": "postgres", "mysql": "mysql", "sqlite3": "sqlite"}
# dj_database_url's keyword arguments and the settings keys they fill.
DJ_DATABASE_URL = {"conn_max_age": "CONN_MAX_AGE", "conn_health_checks": "CONN_HEALTH_CHECKS"}
DJ_DATABASE_URL_CALLS = {"dj_database_url.config", "dj_database_url.parse"}
ALIAS_KNOBS = ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")  # an alias's own settings, with or without a pool
CHANGED_KEYS = frozenset({*ALIAS_KNOBS, "OPTIONS", "ENGINE"})  # an alias's keys that say what it pools


def mentions_settings(data: bytes) -> bool:
    """Only a file naming a settings key can configure a pool through settings."""
    return any(name in data for name in SETTINGS_NAMES)


@dataclass(frozen=True)
class AliasChange:
    """``DATABASES["default"]["CONN_MAX_AGE"] = 60``: one setting of one alias, set after the dict."""

    alias: str
    key: str
    value: ast.expr
    statement: ast.Assign
    scopes: list[Scope]


def settings_sites(root: Node, finder: SiteFinder) -> list[PoolSite]:
    sites = []
    assigned: list[tuple[ast.Dict, list[Scope]]] = []
    changes: list[AliasChange] = []
    for statement, name, scopes in _assignments(root):
        change = _alias_change(statement, scopes)
        if change is not None:
            changes.append(change)
        elif name == FLASK_KEY:
            sites.append(_flask(statement, statement.value, scopes, finder))
        elif name == DJANGO_KEY and isinstance(statement.value, ast.Dict):
            assigned.append((statement.value, scopes))
    for databases, scopes in assigned:
        later = [c for c in changes if c.statement.lineno > databases.lineno]
        sites += _django(databases, scopes, finder, later)
    if changes and not assigned:  # cookiecutter-django's production.py: the base module's dict, changed
        sites += _changed_elsewhere(changes, finder)
    return sites


def _alias_change(statement: ast.Assign, scopes: list[Scope]) -> AliasChange | None:
    target = statement.targets[0]
    if not _in_databases(target):
        return None
    assert isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript)
    alias, key = target.value.slice, target.slice
    if not (isinstance(alias, ast.Constant) and isinstance(key, ast.Constant)):
        return None
    if not isinstance(alias.value, str) or key.value not in CHANGED_KEYS:
        return None  # `ATOMIC_REQUESTS`: nothing of the connections'
    return AliasChange(alias.value, str(key.value), statement.value, statement, scopes)


def _changed_elsewhere(changes: list[AliasChange], finder: SiteFinder) -> Iterator[PoolSite]:
    """Each alias of the ``DATABASES`` another module of the project defines, with this module's
    changes to it (``from .base import DATABASES``, then ``DATABASES["default"]["CONN_MAX_AGE"] =
    env.int("CONN_MAX_AGE", default=60)``), located at this module's first change."""
    first = changes[0]
    target = first.statement.targets[0]
    assert isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript)
    imported = members.spread(finder.resolver, target.value.value, first.scopes, first.statement.lineno)
    if imported is None:
        return
    databases = finder.resolver.splat(imported, first.scopes, first.statement.lineno)
    for alias in dict.fromkeys(change.alias for change in changes):
        here = [change for change in changes if change.alias == alias]
        if alias not in databases.keywords:
            continue
        value = databases.keywords[alias].value
        found = _django_settings(value, first.scopes, first.statement.lineno, finder) or Splat(
            {}, opaque=False
        )
        yield from _alias_sites(here[0].statement, found, here, first.scopes, finder)


def _changed(change: AliasChange, finder: SiteFinder) -> Keyword:
    """The changed setting, read where the change is (what is bound by then) and placed there."""
    line = change.statement.lineno + 1
    at = Stretch(change.statement.targets[0], change.value)
    value = Foreign(finder.resolver, change.value, change.scopes, line, change.value, written(change.value))
    return Keyword(value, at)


def _flask(statement: ast.stmt, value: ast.expr, scopes: list[Scope], finder: SiteFinder) -> PoolSite:
    found = finder.resolver.splat(value, scopes, statement.lineno + 1)
    keywords = dict(found.keywords)
    uri = finder.bindings.binding(FLASK_URL, scopes, statement.lineno + 1)
    if uri is not None and uri.value is not None:
        keywords["url"] = Keyword(uri.value, uri.value)
    return finder.site(statement, FLASK_OPTIONS, keywords, found.opaque, scopes)


def _django(
    databases: ast.Dict, scopes: list[Scope], finder: SiteFinder, changes: list[AliasChange]
) -> Iterator[PoolSite]:
    line = databases.lineno + 1
    for key, value in zip(databases.keys, databases.values, strict=True):
        if key is None:
            continue
        name = key.value if isinstance(key, ast.Constant) else None
        here = [change for change in changes if change.alias == name]
        alias = _django_settings(value, scopes, line, finder)
        if alias is None and not here:
            continue
        # An alias read from a URL (`env.db("DATABASE_URL")`) sets neither knob; a later change may.
        yield from _alias_sites(Stretch(key, value), alias or Splat({}, opaque=False), here, scopes, finder)


def _alias_sites(
    where: Stretch | ast.Assign,
    alias: Splat,
    changes: list[AliasChange],
    scopes: list[Scope],
    finder: SiteFinder,
) -> Iterator[PoolSite]:
    """The pool of one alias: its settings, with the later changes of them over them."""
    line = where.lineno + 1
    if changes:
        alias = Splat({**alias.keywords, **{c.key: _changed(c, finder) for c in changes}}, alias.opaque)
    engine = (
        finder.resolver.resolve(alias.keywords["ENGINE"].value, scopes, line).value
        if "ENGINE" in alias.keywords
        else None
    )
    if isinstance(engine, str) and "django" not in engine:
        return  # a third-party backend: its pooling is its own
    database = DJANGO_ENGINES.get(str(engine).rsplit(".", 1)[-1], "unknown") if engine else "unknown"
    pool = _pool_option(alias, scopes, line, finder)
    if pool is not None:
        keywords, opaque = pool
        # Django turns the alias's CONN_HEALTH_CHECKS into the pool's check, and refuses a
        # CONN_MAX_AGE beside a pool (libraries/django.py).
        keywords = {**keywords, **{k: v for k, v in alias.keywords.items() if k in ALIAS_KNOBS}}
        yield finder.site(where, DJANGO_POOL, keywords, opaque, scopes)
        return
    keywords = {k: v for k, v in alias.keywords.items() if k in ALIAS_KNOBS}
    site = finder.site(where, DJANGO_DATABASE, keywords, alias.opaque, scopes)
    lifetime = (
        finder.resolver.resolve(keywords["CONN_MAX_AGE"].value, scopes, line)
        if "CONN_MAX_AGE" in keywords
        else None
    )
    # CONN_MAX_AGE 0 (the default) closes the connection after every request: nothing persists.
    persistent = lifetime is not None and (lifetime.source in ("dynamic", "disabled") or bool(lifetime.value))
    yield replace(site, database=database, pooled=persistent)


def _django_settings(value: ast.expr, scopes: list[Scope], line: int, finder: SiteFinder) -> Splat | None:
    """One alias's settings: a dict literal, or dj_database_url's keywords."""
    if (
        isinstance(value, ast.Call)
        and finder.bindings.qualified(value.func, scopes, line) in DJ_DATABASE_URL_CALLS
    ):
        keywords = {
            DJ_DATABASE_URL[k.arg]: Keyword(k.value, k) for k in value.keywords if k.arg in DJ_DATABASE_URL
        }
        return Splat(keywords, opaque=False)
    if isinstance(value, (ast.Dict, ast.Name)):
        found = finder.resolver.splat(value, scopes, line)
        return found if found.keywords else None
    called = finder.bindings.qualified(value.func, scopes, line) if isinstance(value, ast.Call) else None
    if called is None or not isinstance(value, ast.Call):
        return None
    # A settings helper: `database_config(env("DATABASE_URL"), max_age=600)`, defined here or in
    # another module of the project (`from .database import read_replica`), read where it is written.
    here = called.startswith(LOCAL)
    helper = members.project_function(finder.resolver, called) if finder.path or here else None
    built = helpers.returned(helper[0], helper[1], value, literal_only=False) if helper is not None else None
    if helper is None or built is None:
        return None
    inner, inner_scopes, inner_line = built
    if helper[0] is not finder.resolver:
        inner = Foreign(helper[0], inner, inner_scopes, inner_line, value, written(inner))
    found = finder.resolver.splat(inner, inner_scopes, inner_line)
    return found if found.keywords else None


def _pool_option(
    alias: Splat, scopes: list[Scope], line: int, finder: SiteFinder
) -> tuple[dict[str, Keyword], bool] | None:
    """``OPTIONS: {"pool": True}`` or ``{"pool": {..psycopg_pool kwargs..}}``; None without a pool."""
    options = alias.keywords.get("OPTIONS")
    if options is None:
        return None
    found = finder.resolver.splat(options.value, scopes, line)
    pool = found.keywords.get("pool")
    if pool is None:
        return None
    if isinstance(pool.value, ast.Dict) or (
        isinstance(pool.value, Foreign) and isinstance(pool.value.node, ast.Dict)
    ):
        inner = finder.resolver.splat(pool.value, scopes, line)
        return inner.keywords, inner.opaque
    enabled = finder.resolver.resolve(pool.value, scopes, line)
    if enabled.source != "dynamic" and not enabled.value:
        return None
    return {}, enabled.source == "dynamic"


def _assignments(root: Node) -> Iterator[tuple[ast.Assign, str, list[Scope]]]:
    """Assignments to a settings name, at any level (module, config class, create_app()), in order."""
    pending: list[tuple[Node, list[Scope]]] = [(root, [scope_of(root)])]
    while pending:
        block, scopes = pending.pop()
        for statement in statements(block):
            inner = definition(statement)
            if inner.type in ("function_definition", "class_definition"):
                body = inner.child_by_field_name("body")
                if body is not None:
                    pending.append((body, [*scopes, scope_of(inner)]))
            elif statement.type == "expression_statement":
                assigned = _assigned(statement)
                if assigned is not None:
                    yield (*assigned, scopes)
            else:
                pending += [(nested, scopes) for nested in blocks(statement)]


def _assigned(statement: Node) -> tuple[ast.Assign, str] | None:
    """``NAME = value`` or ``x["NAME"] = value`` for a settings name, as an ``ast`` assignment."""
    assignment = statement.named_children[0] if statement.named_child_count == 1 else None
    if assignment is None or assignment.type != "assignment":
        return None
    target, value = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
    if target is None or value is None or value.type == "assignment":
        return None
    if target.type == "identifier" and (target.text or b"") not in SETTINGS_NAMES:
        return None
    if target.type == "subscript" and not any(n in (target.text or b"") for n in SETTINGS_NAMES):
        return None
    converted = expression(target)
    name = _setting_name(converted)
    if name not in (FLASK_KEY, DJANGO_KEY) and not _in_databases(converted):
        return None
    made = ast.Assign(targets=[converted], value=expression(value))
    located(made, statement)
    return made, name or DJANGO_KEY


def _in_databases(target: ast.expr) -> bool:
    """``DATABASES["default"]["CONN_MAX_AGE"]``: a setting of one alias."""
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Subscript)
        and isinstance(target.value.value, ast.Name)
        and target.value.value.id == DJANGO_KEY
    )


def _setting_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        key = target.slice.value
        return key if isinstance(key, str) else None
    return None
