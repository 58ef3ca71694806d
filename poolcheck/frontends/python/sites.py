"""Each call to a pool entry point in a module becomes a ``PoolSite``."""

from __future__ import annotations

import ast
import os
from dataclasses import replace

from poolcheck.frontends.columns import Columns
from poolcheck.frontends.python import members
from poolcheck.frontends.python.bindings import ModuleBindings
from poolcheck.frontends.python.branches import arm_condition, in_branch, sqlite_branch
from poolcheck.frontends.python.calls import entry_calls
from poolcheck.frontends.python.entries import ENTRIES, UNPOOLED_CLASSES, Entry
from poolcheck.frontends.python.expressions import identifier
from poolcheck.frontends.python.foreign import Foreign, Located
from poolcheck.frontends.python.helpers import builds_once, signature
from poolcheck.frontends.python.roles import migration_role
from poolcheck.frontends.python.statements import Node, Scope
from poolcheck.frontends.python.values import Keyword, Resolver, Splat
from poolcheck.frontends.resolved import Resolved, number
from poolcheck.libraries import table_for
from poolcheck.libraries.table import Unit
from poolcheck.libraries.urls import database_of_url
from poolcheck.model import PoolSite, Setting, Source, Span, Value, Variant


def _entry_named(name: str, bindings: ModuleBindings) -> Entry | None:
    if name in ENTRIES:
        return ENTRIES[name]
    # A subclass of a library pool defined in this module is that pool.
    return next((ENTRIES[b] for b in bindings.class_bases.get(name, ()) if b in ENTRIES), None)


class SiteFinder:
    """Walks a module with its scopes and builds a site for every pool constructor call."""

    def __init__(self, path: str, lines: list[str], bindings: ModuleBindings) -> None:
        self.path = path
        self.lines = lines
        self.bindings = bindings
        self.resolver = Resolver(bindings, path)
        self._columns = Columns(self._line_bytes)

    def find(self, root: Node) -> list[PoolSite]:
        sites = []
        for call, scopes, node in entry_calls(root, self.lines, self.bindings):
            entry = self.entry(call, scopes)
            if entry is None:
                continue
            keywords, opaque = self.arguments(call, entry, scopes)
            if entry.needs_config and entry.config not in keywords:
                continue
            site = self.site(call, entry, keywords, opaque, scopes)
            site = in_branch(site, sqlite_branch(node))
            role = migration_role(node) if len(scopes) > 1 else None
            site = replace(site, role=role) if role is not None else site
            sites.append(replace(site, wrapper=self._wrapper(call, scopes)))
        return sites

    def _wrapper(self, call: ast.Call, scopes: list[Scope]) -> str | None:
        """The module's function the pool is built in, when the call passes it its parameters:
        ``def make_engine(url, pool_size=10): return create_engine(url, pool_size=pool_size)``."""
        function = self.bindings.function(scopes) if len(scopes) == 2 else None
        owner = function.child_by_field_name("name") if function is not None else None
        found = signature(function) if function is not None and owner is not None else None
        if function is None or found is None or owner is None or not self.path or self.path == "-":
            return None
        if builds_once(function, self.bindings):
            return None
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        if not any(isinstance(n, ast.Name) and n.id in found.names for a in arguments for n in ast.walk(a)):
            return None
        return f"{os.path.abspath(self.path)}:{identifier(owner)}"

    def entry(self, call: ast.Call, scopes: list[Scope]) -> Entry | None:
        """The pool entry point ``call`` reaches, if any."""
        names = self.bindings.candidates(call.func, scopes, call.lineno)
        if self.path and not any(_entry_named(name, self.bindings) for name in names):
            names = [found for name in names if (found := members.reexported(self.resolver, name))]
        entries = [entry for name in names if (entry := _entry_named(name, self.bindings)) is not None]
        if len(entries) < 2:
            return entries[0] if entries else None
        # Two libraries bound to one name in try/except: the one whose knobs the call uses, else the try's.
        # A positional argument counts when it is a number: ThreadedConnectionPool(2, 10, dsn), not (dsn).
        written = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
        numbers = [
            number(self.resolver.resolve(arg, scopes, call.lineno).value) is not None for arg in call.args
        ]

        def knobs_used(entry: Entry) -> int:
            used = written | {name for name, known in zip(entry.positional, numbers, strict=False) if known}
            return len(used & {knob.name for knob in table_for(entry.library, entry.name).knobs})

        return max(entries, key=knobs_used)

    def site(
        self, node: Located, entry: Entry, keywords: dict[str, Keyword], opaque: bool, scopes: list[Scope]
    ) -> PoolSite:
        """A site for a construction at ``node`` receiving ``keywords`` (``opaque``: maybe more)."""
        line = node.lineno
        library = table_for(entry.library, entry.name)
        knobs: list[tuple[str, Setting]] = []
        for name, keyword in keywords.items():
            knob = library.knob(name)
            if knob is not None:
                knobs.append(
                    (name, self._setting(keyword, scopes, line, entry.config is not None, knob.unit))
                )
        if opaque:
            # An unreadable **kwargs or settings dict may set any knob whose concept is not written here.
            written = {knob.concept for name, _ in knobs if (knob := library.knob(name))}
            unknown = {k.concept: k.name for k in reversed(library.knobs) if k.concept not in written}
            knobs += [(name, Setting(None, "dynamic", expr="**")) for name in unknown.values()]
        span = self._span(node)
        return PoolSite(
            path=self.path,
            span=span,
            language="python",
            library=entry.library,
            constructor=self._text(node.func)
            if isinstance(node, ast.Call)
            else entry.name.rsplit(".", 1)[-1],
            database=entry.database or self._database(keywords, scopes, line),
            database_env=None if entry.database else self._url_variable(keywords, scopes, line),
            text=self._text(node),
            knobs=tuple(knobs),
            lines=tuple(self.lines[span.line - 1 : span.end_line]),
            pooled=self._pooled(keywords, scopes, line)
            and not self._in_memory_sqlite(keywords, scopes, line),
            entry=entry.name,
        )

    def arguments(self, call: ast.Call, entry: Entry, scopes: list[Scope]) -> tuple[dict[str, Keyword], bool]:
        """Every argument by parameter name: positionals, keywords, ``**`` dicts, a settings dict."""
        keywords: dict[str, Keyword] = {}
        opaque = False
        for position, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                opaque = True
                break
            if position < len(entry.positional):
                keywords[entry.positional[position]] = Keyword(arg, arg)
        for keyword in call.keywords:
            if keyword.arg is None:
                splat = self.resolver.splat(keyword.value, scopes, call.lineno)
                keywords.update(splat.keywords)
                opaque |= splat.opaque
            else:
                keywords[keyword.arg] = Keyword(keyword.value, keyword)
        if entry.config is not None and entry.config in keywords:
            config = self._config(keywords[entry.config], keywords, entry.prefix, scopes, call.lineno)
            keywords = {**config.keywords, **keywords}
            opaque |= config.opaque
        return keywords, opaque

    def _config(
        self, given: Keyword, keywords: dict[str, Keyword], prefix: str, scopes: list[Scope], line: int
    ) -> Splat:
        """``engine_from_config({"sqlalchemy.pool_size": "20", ..}, prefix="sqlalchemy.")``."""
        if "prefix" in keywords:
            written = self.resolver.resolve(keywords["prefix"].value, scopes, line).value
            if not isinstance(written, str):
                return Splat({}, opaque=True)
            prefix = written
        found = self.resolver.splat(given.value, scopes, line)
        stripped = {k[len(prefix) :]: v for k, v in found.keywords.items() if k.startswith(prefix)}
        return Splat(stripped, found.opaque)

    def _setting(
        self, keyword: Keyword, scopes: list[Scope], line: int, from_config: bool, unit: Unit
    ) -> Setting:
        resolved = self.resolver.resolve(keyword.value, scopes, line)
        value, source = _typed(resolved, from_config, unit)
        if keyword.conditional and source != "dynamic":
            value, source = None, "dynamic"
        variants: tuple[Variant, ...] = ()
        if source == "dynamic" and not keyword.conditional and unit != "callback":
            variants = self._variants(keyword.value, scopes, line, from_config, unit)
        return Setting(
            value=value,
            source=source,
            expr=self._text(keyword.value),
            span=self._span(keyword.node),
            env=resolved.env,
            constant=resolved.constant,
            defined_at=resolved.defined_at,
            variants=variants,
        )

    def _variants(
        self, node: ast.expr, scopes: list[Scope], line: int, from_config: bool, unit: Unit, depth: int = 0
    ) -> tuple[Variant, ...]:
        """Each arm's value of a setting the arms disagree on: ``60 if PROD else 5`` in the call, or a
        name bound in each arm of an ``if``/``elif``/``else`` or a ``match``; none when an arm is unknown."""
        # Each arm: its condition, its value, the line to read it at, and where it is written.
        arms: list[tuple[str, ast.expr, int, Span | None]] = []
        elsewhere = members.arms(self.resolver, node, scopes, line) if depth == 0 else []
        if elsewhere:  # `from app.settings import POOL_SIZE`, which that module sets in each branch
            arms = [(arm.condition, arm.value, line, arm.span) for arm in elsewhere]
        elif isinstance(node, ast.IfExp):
            while isinstance(node, ast.IfExp):  # `a if x else b if y else c`
                arms.append((self._text(node.test), node.body, line, self._span(node.body)))
                node = node.orelse
            arms.append(("else", node, line, self._span(node)))
        elif isinstance(node, ast.Name) and depth == 0:
            found = self.bindings.alternatives(node.id, scopes, line)
            if len(found) == 1 and found[0].qualified is None and isinstance(found[0].value, ast.IfExp):
                return self._variants(found[0].value, scopes, found[0].line, from_config, unit, depth + 1)
            for binding in found if len(found) > 1 else ():
                if binding.written is None or binding.value is None:
                    return ()
                condition = arm_condition(binding.written.node) or "otherwise"
                arms.append((condition, binding.value, binding.line, self._span(binding.value)))
        variants = []
        for condition, value, at, span in arms:
            resolved = self.resolver.resolve(value, scopes, at)
            typed, source = _typed(resolved, from_config, unit)
            if source == "dynamic":
                return ()
            variants.append(Variant(condition, typed, source, span, resolved.defined_at, resolved.constant))
        if len({(v.value, type(v.value)) for v in variants}) < 2:
            return ()
        return tuple(variants)

    def _database(self, keywords: dict[str, Keyword], scopes: list[Scope], line: int) -> str:
        url = keywords.get("url")
        written = self.resolver.leading_text(url.value, scopes, line) if url else None
        return database_of_url(written) if written is not None else "unknown"

    def _url_variable(self, keywords: dict[str, Keyword], scopes: list[Scope], line: int) -> str | None:
        """The environment variable the URL is read from: ``settings.database_url``'s ORDERS_DATABASE_URL."""
        url = keywords.get("url")
        resolved = self.resolver.resolve(url.value, scopes, line) if url else None
        if resolved is None or resolved.source not in ("env-default", "dynamic"):
            return None
        return resolved.env

    def _pooled(self, keywords: dict[str, Keyword], scopes: list[Scope], line: int) -> bool:
        poolclass = keywords.get("poolclass")
        if poolclass is not None and isinstance(poolclass.value, Foreign):  # a wrapper's
            written = poolclass.value
            named = written.resolver.bindings.qualified(written.node, written.scopes, written.line)
        else:
            named = self.bindings.qualified(poolclass.value, scopes, line) if poolclass is not None else None
        return (
            poolclass is None
            or poolclass.conditional  # NullPool in one branch (tests): the other still pools
            or named not in UNPOOLED_CLASSES
        )

    def _in_memory_sqlite(self, keywords: dict[str, Keyword], scopes: list[Scope], line: int) -> bool:
        """An in-memory SQLite URL: SQLAlchemy 1.4 and 2.0 give it SingletonThreadPool (StaticPool with
        aiosqlite) and Flask-SQLAlchemy 3.x StaticPool, one shared connection and no sized pool
        (dialects/sqlite/pysqlite.py get_pool_class, flask_sqlalchemy/extension.py).
        """
        url = keywords.get("url")
        written = self.resolver.resolve(url.value, scopes, line).value if url else None
        if not isinstance(written, str) or not written.lower().startswith("sqlite"):
            return False
        _, _, rest = written.partition("://")
        database, _, query = rest.removeprefix("/").partition("?")
        return database in ("", ":memory:") or "mode=memory" in query.split("&")

    # positions: ast columns are UTF-8 byte offsets into the line

    def _column(self, line: int, offset: int) -> int:
        return self._columns.column(line - 1, offset)

    def _line_bytes(self, row: int) -> bytes:
        return self.lines[row].encode("utf-8") if 0 <= row < len(self.lines) else b""

    def _span(self, node: Located) -> Span:
        end_line = node.end_lineno or node.lineno
        end_offset = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return Span(
            node.lineno,
            self._column(node.lineno, node.col_offset),
            end_line,
            self._column(end_line, end_offset),
        )

    def _text(self, node: Located) -> str:
        if isinstance(node, Foreign):  # written in another module
            return node.text
        span = self._span(node)
        first, last = span.line - 1, span.end_line - 1
        if first == last:
            return self.lines[first][span.column - 1 : span.end_column - 1]
        chunk = [self.lines[first][span.column - 1 :], *self.lines[first + 1 : last]]
        return "\n".join([*chunk, self.lines[last][: span.end_column - 1]])


def _typed(resolved: Resolved, from_config: bool, unit: Unit) -> tuple[Value, Source]:
    """A resolved value as the knob takes it, and its source ("dynamic" when it cannot be one)."""
    value, source = resolved.value, resolved.source
    if unit == "callback":
        # check=ConnectionPool.check_connection: any function turns the check on, None off.
        return source != "disabled", "explicit"
    if isinstance(value, str):
        if from_config and unit == "flag":
            value = bool(value)  # engine_from_config leaves flags as strings: "false" is truthy
        elif from_config:
            value = number(value)
        else:
            value = None
        source = source if value is not None else "dynamic"
    return value, source
