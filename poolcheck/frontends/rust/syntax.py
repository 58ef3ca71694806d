"""tree-sitter-rust: parsing, queries, and node text and spans in the model's terms."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import cache, cached_property

import tree_sitter

from poolcheck.frontends import trees
from poolcheck.frontends.columns import Columns
from poolcheck.frontends.grammars import language
from poolcheck.model import Span

Node = tree_sitter.Node

RUST = language("tree_sitter_rust")

# What the matchers look for across a whole file, found in one query: a query's cost is its walk
# over the tree (a third of the parse), whatever its patterns, so one walk serves them all. Each
# pattern captures one node, its parts read off its fields: captures cost far less than matches.
PATH_CALLS = "(call_expression function: [(scoped_identifier) (identifier)]) @call"
USE_DECLARATIONS = "(use_declaration argument: (_) @tree)"
CONSTANT_ITEMS = (
    "[(const_item name: (identifier) value: (_)) (static_item name: (identifier) value: (_))] @constant"
)
# Functions and closures: the scopes bindings and parameters live in.
SCOPE_TYPES = ("function_item", "closure_expression")
SCOPES = "[(function_item) (closure_expression)] @scope"
FILE_PATTERNS = (PATH_CALLS, USE_DECLARATIONS, CONSTANT_ITEMS, SCOPES)
COMMENTS = ("line_comment", "block_comment")


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(RUST)


@cache
def query(text: str) -> tree_sitter.Query:
    compiled: tree_sitter.Query = tree_sitter.Query(RUST, text)
    return compiled


def captures(
    pattern: str, node: Node, start: int | None = None, end: int | None = None
) -> dict[str, list[Node]]:
    """Captures of a query under ``node``, optionally within a byte range, in source order."""
    cursor = tree_sitter.QueryCursor(query(pattern))
    if start is not None and end is not None:
        cursor.set_byte_range(start, end)
    found = cursor.captures(node)
    return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in found.items()}


def matches(
    pattern: str, node: Node, start: int | None = None, end: int | None = None
) -> list[dict[str, Node]]:
    """One dict per match of a query whose captures each take a single node, in source order."""
    cursor = tree_sitter.QueryCursor(query(pattern))
    if start is not None and end is not None:
        cursor.set_byte_range(start, end)
    found = [{name: nodes[0] for name, nodes in match.items()} for _, match in cursor.matches(node)]
    return sorted(found, key=lambda m: min(n.start_byte for n in m.values()))


class RustFile:
    """One parsed file: its bytes, tree, and the line table for character columns."""

    def __init__(self, path: str, data: bytes, kept: bool = False) -> None:
        """``kept``: the file's tree may come from, or be kept for, a fixing run's reading again."""
        self.path = path
        self.data = data
        self.tree = trees.parsed(_parser(), data, path if kept else None)
        self.root = self.tree.root_node
        self._lines = data.split(b"\n")
        self._columns = Columns(lambda row: self._lines[row] if row < len(self._lines) else b"")
        self._decoded: dict[int, str] = {}
        self._attributes: dict[int, dict[int, tuple[Node, ...]]] = {}  # item lists read for attributes

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def column(self, row: int, byte_column: int) -> int:
        return self._columns.column(row, byte_column)

    @cached_property
    def _file_captures(self) -> dict[str, list[Node]]:
        """Each capture of FILE_PATTERNS (call, tree, constant, scope) -> its nodes in source order,
        from one walk."""
        found = tree_sitter.QueryCursor(query("\n".join(FILE_PATTERNS))).captures(self.root)
        return {name: sorted(nodes, key=_start) for name, nodes in found.items()}

    @cached_property
    def path_calls(self) -> list[tuple[Node, Node]]:
        """Calls of a path or a name (``sqlx::PgPool::connect(..)``, ``f(..)``): (call, function)."""
        calls = self._file_captures.get("call", [])
        return [(call, function) for call in calls if (function := field(call, "function")) is not None]

    @property
    def use_trees(self) -> list[Node]:
        """What each ``use`` declaration brings in (``sqlx::postgres::{PgPool, PgPoolOptions}``)."""
        return self._file_captures.get("tree", [])

    @cached_property
    def called_paths(self) -> frozenset[tuple[str, ...]]:
        """The paths this file calls (``axum::serve(..)``), each expanded through its ``use``."""
        return frozenset(
            tuple(self.qualified([name for name, _ in path_segments(function, self)]))
            for _, function in self.path_calls
        )

    @cached_property
    def constants(self) -> dict[str, Node]:
        """Same-file ``const`` and ``static`` items: name -> value (the last one, should a name repeat)."""
        return {
            self.text(name): value
            for item in self._file_captures.get("constant", [])
            if (name := field(item, "name")) is not None and (value := field(item, "value")) is not None
        }

    @cached_property
    def type_aliases(self) -> dict[str, tuple[Node, ...]]:
        """Top-level ``type Name = ..;`` items without type parameters: name -> each aliased type
        (two where ``#[cfg(..)]`` variants define one name). Read off the file's items, not a walk.
        """
        found: dict[str, tuple[Node, ...]] = {}
        for item in self.root.named_children:
            name, aliased = field(item, "name"), field(item, "type")
            if item.type == "type_item" and name and aliased and not field(item, "type_parameters"):
                found[self.text(name)] = (*found.get(self.text(name), ()), aliased)
        return found

    @cached_property
    def modules(self) -> frozenset[str]:
        """The modules the file declares at its top (``mod db;``, ``pub mod config { .. }``)."""
        return frozenset(
            self.text(name)
            for item in self.root.named_children
            if item.type == "mod_item" and (name := field(item, "name")) is not None
        )

    def attributes_in(self, items: Node) -> dict[int, tuple[Node, ...]]:
        """For a file or a module's, impl's or trait's body: the attributes written on each of its
        items, by the item's node id (the ``#[..]`` before it), and by the body's own id the
        ``#![..]`` at its top. Items without any are left out.

        Read once per body, and only for the bodies asked about.
        """
        if items.id in self._attributes:
            return self._attributes[items.id]
        found: dict[int, tuple[Node, ...]] = {}
        inner: list[Node] = []
        pending: list[Node] = []
        for child in items.named_children:
            if child.type in ("attribute_item", "inner_attribute_item"):
                attributes = [c for c in child.named_children if c.type == "attribute"]
                (inner if child.type == "inner_attribute_item" else pending).extend(attributes)
            elif child.type not in COMMENTS:
                if pending:
                    found[child.id] = tuple(pending)
                pending = []
        if inner:
            found[items.id] = tuple(inner)
        self._attributes[items.id] = found
        return found

    def ancestors(self, node: Node) -> list[Node]:
        """The nodes from the root down to ``node``'s parent, root first; empty for the root.

        py-tree-sitter's ``Node.parent`` searches down from the root on every call, so climbing
        a chain of n calls with it costs n^2; this one descent costs the depth once.
        """
        path: list[Node] = []
        current: Node | None = self.root
        while current is not None and current != node:
            path.append(current)
            current = current.child_with_descendant(node)  # the child holding it, or itself
        return path if current is not None else []

    @cached_property
    def _scope_index(self) -> tuple[list[Node], list[int], list[int]]:
        """Functions and closures in source order (outer first on a tie), their starts, and for each
        the index of the innermost one around it (-1 at the top)."""
        scopes = sorted(self._file_captures.get("scope", []), key=lambda n: (n.start_byte, -n.end_byte))
        around: list[int] = []
        open_scopes: list[int] = []
        for index, scope in enumerate(scopes):
            while open_scopes and scopes[open_scopes[-1]].end_byte < scope.end_byte:
                open_scopes.pop()
            around.append(open_scopes[-1] if open_scopes else -1)
            open_scopes.append(index)
        return scopes, [s.start_byte for s in scopes], around

    def enclosing_function(self, node: Node) -> Node | None:
        """The innermost function or closure around ``node`` (never ``node`` itself).

        Looked up by byte range among the file's scopes, so it costs the nesting of scopes,
        not the depth of the tree.
        """
        if node.start_byte == node.end_byte:  # a zero-width node may sit at a scope's edge
            return next((n for n in reversed(self.ancestors(node)) if n.type in SCOPE_TYPES), None)
        scopes, starts, around = self._scope_index
        at = bisect_right(starts, node.start_byte) - 1
        # Every scope holding the node holds the last one that starts before it: climb from there.
        while at >= 0:
            scope = scopes[at]
            if scope.end_byte >= node.end_byte and scope != node:
                # On an equal range the scope may be the node's child: only the tree can tell.
                same_range = (scope.start_byte, scope.end_byte) == (node.start_byte, node.end_byte)
                if not same_range or scope in self.ancestors(node):
                    return scope
            at = around[at]
        return None

    @cached_property
    def _identifiers(self) -> dict[str, tuple[list[Node], list[int]]]:
        """Every identifier, by name: the nodes in source order and their start bytes."""
        by_name: dict[str, list[Node]] = {}
        for node in captures("(identifier) @id", self.root).get("id", []):
            by_name.setdefault(self.text(node), []).append(node)
        return {name: (nodes, [n.start_byte for n in nodes]) for name, nodes in by_name.items()}

    def identifiers_named(self, name: str, start: int, end: int) -> Iterator[Node]:
        """The identifiers spelled ``name`` that start within ``start``..``end`` (bytes), in source order.

        Lazily: a caller that stops at the first fitting one does not pay for the rest.
        """
        nodes, starts = self._identifiers.get(name, ([], []))
        return (nodes[at] for at in range(bisect_left(starts, start), bisect_left(starts, end)))

    def names_any(self, names: tuple[bytes, ...]) -> bool:
        """Does the file's text hold one of ``names``? A byte search, to skip a matcher at no cost."""
        return any(name in self.data for name in names)

    @cached_property
    def imports(self) -> dict[str, str]:
        """Names brought in by ``use``: ``use bb8::{Pool, Builder as B}`` -> {"Pool": "bb8::Pool", ...}.

        Glob imports map ``"*"`` to each globbed path, joined by spaces.
        """
        names: dict[str, str] = {}
        for tree in self.use_trees:
            self._use_tree(tree, "", names)
        return names

    def _use_tree(self, node: Node, prefix: str, names: dict[str, str]) -> None:
        def join(tail: str) -> str:
            return f"{prefix}::{tail}" if prefix else tail

        if node.type == "self" and prefix:  # `use a::b::{self}` brings in `b`
            names[prefix.rsplit("::", 1)[-1]] = prefix
        elif node.type in ("identifier", "scoped_identifier", "crate", "super"):
            full = join(self.text(node))
            names[full.rsplit("::", 1)[-1]] = full
        elif node.type == "use_as_clause":
            original, alias = field(node, "path"), field(node, "alias")
            if original is not None and alias is not None:
                names[self.text(alias)] = join(self.text(original))
        elif node.type == "scoped_use_list":
            head, items = field(node, "path"), field(node, "list")
            if items is not None:
                self._use_tree(items, join(self.text(head)) if head is not None else prefix, names)
        elif node.type == "use_list":
            for child in node.named_children:
                self._use_tree(child, prefix, names)
        elif node.type == "use_wildcard":
            inner = node.named_children[0] if node.named_children else None
            globbed = join(self.text(inner)) if inner is not None else prefix
            names["*"] = f"{names['*']} {globbed}" if "*" in names else globbed

    def qualified(self, segments: list[str]) -> list[str]:
        """A path with its first segment expanded through the file's ``use`` declarations."""
        if not segments:
            return segments
        full = self.imports.get(segments[0])
        return [*full.split("::"), *segments[1:]] if full else segments

    def lines(self, first: int, last: int) -> tuple[str, ...]:
        """Source lines ``first``..``last`` (1-based, inclusive), decoded, without line ends."""
        return tuple(self._decoded_line(row) for row in range(max(first - 1, 0), min(last, len(self._lines))))

    def _decoded_line(self, row: int) -> str:
        # Decoded once: many pools written on one long line would otherwise decode it each.
        if row not in self._decoded:
            self._decoded[row] = self._lines[row].decode("utf-8", "replace").rstrip("\r")
        return self._decoded[row]

    def span(self, start: Node, end: Node | None = None) -> Span:
        end = end or start
        (srow, scol), (erow, ecol) = start.start_point, end.end_point
        return Span(srow + 1, self.column(srow, scol), erow + 1, self.column(erow, ecol))

    def first_syntax_error(self) -> int | None:
        """1-based line of the first ERROR or MISSING node, if the tree has one."""
        if not self.root.has_error:
            return None
        node = self.root
        while True:
            broken = next((c for c in node.children if c.is_error or c.is_missing), None)
            if broken is not None:
                return broken.start_point[0] + 1
            inner = next((c for c in node.children if c.has_error), None)
            if inner is None:
                return node.start_point[0] + 1
            node = inner


def _start(node: Node) -> int:
    return node.start_byte


def field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def arguments(call: Node) -> list[Node]:
    args = field(call, "arguments")
    if args is None:
        return []
    return [a for a in args.named_children if a.type not in COMMENTS]


def method_name(call: Node, file: RustFile) -> str | None:
    """``x.name(..)`` or ``x.name::<T>(..)``: the method's name; None for other calls."""
    function = field(call, "function")
    if function is not None and function.type == "generic_function":
        function = field(function, "function")
    if function is None or function.type != "field_expression":
        return None
    name = field(function, "field")
    return file.text(name) if name is not None else None


def receiver(call: Node) -> Node | None:
    function = field(call, "function")
    if function is not None and function.type == "generic_function":
        function = field(function, "function")
    if function is None or function.type != "field_expression":
        return None
    return field(function, "value")


def path_segments(node: Node, file: RustFile) -> list[tuple[str, Node | None]]:
    """``sqlx::PoolOptions::<Postgres>::new`` -> [(sqlx, None), (PoolOptions, <type args>), (new, None)]."""
    if node.type in ("identifier", "type_identifier", "self", "super", "crate", "primitive_type"):
        return [(file.text(node), None)]
    if node.type in ("scoped_identifier", "scoped_type_identifier"):
        path, name = field(node, "path"), field(node, "name")
        head = path_segments(path, file) if path is not None else []
        return head + ([(file.text(name), None)] if name is not None else [])
    if node.type == "generic_type":
        inner, type_args = field(node, "type"), field(node, "type_arguments")
        if inner is None:
            return []
        segments = path_segments(inner, file)
        return [*segments[:-1], (segments[-1][0], type_args)] if segments else []
    return []


def string_value(node: Node, file: RustFile) -> str | None:
    if node.type in ("string_literal", "raw_string_literal"):
        return "".join(file.text(c) for c in node.named_children if c.type == "string_content")
    return None
