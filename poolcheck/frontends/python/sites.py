"""Second pass over a module: each call to a pool entry point becomes a ``PoolSite``."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider, QualifiedNameProvider

from poolcheck.frontends.python.bindings import BindingsCollector, Scope
from poolcheck.frontends.python.entries import ENTRIES, UNPOOLED_CLASSES, URL_SCHEMES, Entry
from poolcheck.frontends.python.values import Keyword, Resolver, Splat, number
from poolcheck.libraries import LIBRARIES
from poolcheck.libraries.table import Unit
from poolcheck.model import PoolSite, Setting, Span

CONFIG_PREFIX = "sqlalchemy."


class SiteFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self, path: str, lines: list[str], bindings: BindingsCollector) -> None:
        super().__init__()
        self.path = path
        self.lines = lines
        self.bindings = bindings
        self.resolver = Resolver(bindings, self.qualified)
        self.sites: list[PoolSite] = []
        self._scopes: list[Scope] = []

    def qualified(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}

    def _range(self, node: cst.CSTNode) -> CodeRange:
        found: CodeRange = self.get_metadata(PositionProvider, node)
        return found

    def _span(self, node: cst.CSTNode) -> Span:
        where = self._range(node)
        return Span(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)

    # scopes

    def visit_Module(self, node: cst.Module) -> None:
        self._scopes.append(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    # calls

    def visit_Call(self, node: cst.Call) -> None:
        entry = self._entry(node)
        if entry is not None:
            self.sites.append(self._site(node, entry))

    def _entry(self, node: cst.Call) -> Entry | None:
        for name in self.qualified(node.func):
            if name in ENTRIES:
                return ENTRIES[name]
            # A subclass of a library pool defined in this module is that pool.
            for base in self.bindings.class_bases.get(name, ()):
                if base in ENTRIES:
                    return ENTRIES[base]
        return None

    def _site(self, node: cst.Call, entry: Entry) -> PoolSite:
        line = self._range(node).start.line
        keywords, opaque = self._arguments(node, entry, line)
        library = LIBRARIES[entry.library].for_entry(entry.name)
        knobs: list[tuple[str, Setting]] = []
        for name, keyword in keywords.items():
            knob = library.knob(name)
            if knob is None:
                continue
            setting = self._setting(keyword, line, entry.config is not None, knob.unit)
            knobs.append((name, setting))
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
            constructor=self._text(node.func),
            database=entry.database or self._database(keywords, line),
            text=self._text(node),
            knobs=tuple(knobs),
            lines=tuple(self.lines[span.line - 1 : span.end_line]),
            pooled=self._pooled(keywords),
            entry=entry.name,
        )

    def _arguments(self, node: cst.Call, entry: Entry, line: int) -> tuple[dict[str, Keyword], bool]:
        """Every argument by parameter name: positionals, keywords, ``**`` dicts, a settings dict."""
        keywords: dict[str, Keyword] = {}
        opaque = False
        position = 0
        for arg in node.args:
            if arg.star == "*":
                opaque = True
            elif arg.star == "**":
                splat = self.resolver.splat(arg.value, self._scopes, line)
                keywords.update(splat.keywords)
                opaque |= splat.opaque
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = Keyword(arg.value, arg)
            else:
                if position < len(entry.positional):
                    keywords[entry.positional[position]] = Keyword(arg.value, arg)
                position += 1
        if entry.config is not None and entry.config in keywords:
            config = self._config(keywords[entry.config], keywords, line)
            keywords = {**config.keywords, **keywords}
            opaque |= config.opaque
        return keywords, opaque

    def _config(self, given: Keyword, keywords: dict[str, Keyword], line: int) -> Splat:
        """``engine_from_config({"sqlalchemy.pool_size": "20", ..}, prefix="sqlalchemy.")``."""
        prefix = CONFIG_PREFIX
        if "prefix" in keywords:
            written = self.resolver.resolve(keywords["prefix"].value, self._scopes, line).value
            if not isinstance(written, str):
                return Splat({}, opaque=True)
            prefix = written
        found = self.resolver.splat(given.value, self._scopes, line)
        stripped = {k[len(prefix) :]: v for k, v in found.keywords.items() if k.startswith(prefix)}
        return Splat(stripped, found.opaque)

    def _setting(self, keyword: Keyword, line: int, from_config: bool, unit: Unit) -> Setting:
        resolved = self.resolver.resolve(keyword.value, self._scopes, line)
        value, source = resolved.value, resolved.source
        if unit == "callback":
            # check=ConnectionPool.check_connection: any function turns the check on, None off.
            value, source = source != "disabled", "explicit"
        elif isinstance(value, str):
            if from_config and unit == "flag":
                value = bool(value)  # engine_from_config leaves flags as strings: "false" is truthy
            elif from_config:
                value = number(value)
            else:
                value = None
            source = source if value is not None else "dynamic"
        if keyword.conditional and source != "dynamic":
            source = "dynamic"
            value = None
        return Setting(
            value=value,
            source=source,
            expr=self._text(keyword.value),
            span=self._span(keyword.node),
            env=resolved.env,
            constant=resolved.constant,
        )

    def _database(self, keywords: dict[str, Keyword], line: int) -> str:
        url = keywords.get("url")
        if url is None:
            return "unknown"
        resolved = self.resolver.resolve(url.value, self._scopes, line).value
        if not isinstance(resolved, str):
            return "unknown"
        scheme = resolved.split(":", 1)[0].split("+", 1)[0].lower()
        return URL_SCHEMES.get(scheme, "unknown")

    def _pooled(self, keywords: dict[str, Keyword]) -> bool:
        poolclass = keywords.get("poolclass")
        return poolclass is None or not (self.qualified(poolclass.value) & UNPOOLED_CLASSES)

    def _text(self, node: cst.CSTNode) -> str:
        where = self._range(node)
        first, last = where.start.line - 1, where.end.line - 1
        if first == last:
            return self.lines[first][where.start.column : where.end.column]
        chunk = [self.lines[first][where.start.column :], *self.lines[first + 1 : last]]
        return "\n".join([*chunk, self.lines[last][: where.end.column]])
