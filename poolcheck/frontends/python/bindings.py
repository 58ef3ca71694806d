"""What names mean in one module: imports, definitions, assignments and dict mutations, per scope.

A scope is the module, a class body or a function. A name used in a function
is looked up among the bindings made before it in that function, then in the
enclosing scopes (which have run to the end by the time the function is
called); class bodies are not visible from their methods. Imports resolve to
qualified names (``import sqlalchemy as sa`` makes ``sa.create_engine`` mean
``sqlalchemy.create_engine``), so a same-named local function never passes for
a library's. Dict mutations (``d["k"] = v``, ``d.update(..)``,
``d.setdefault(..)``, ``d |= {..}``) are recorded with the block they sit in, so
only straight-line ones are trusted.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field

from poolcheck.frontends.python.expressions import expression, identifier
from poolcheck.frontends.python.statements import Node, Scope, blocks, definition, scope_of, statements

BUILTINS = frozenset(dir(builtins))
LOCAL = "<local>."  # prefix of names defined in this module
TARGET_LISTS = ("pattern_list", "tuple_pattern", "list_pattern")


class Value:
    """An expression bound to a name, converted to ``ast`` only when something reads it."""

    __slots__ = ("_converted", "node")

    def __init__(self, node: Node) -> None:
        self.node = node
        self._converted: ast.expr | None = None

    def get(self) -> ast.expr:
        if self._converted is None:
            self._converted = expression(self.node)
        return self._converted

    @property
    def is_name(self) -> bool:
        """Written as a plain or dotted name: an alias, maybe."""
        return self.node.type in ("identifier", "attribute")


@dataclass(frozen=True)
class Binding:
    line: int
    block: int  # key of the statement list it sits in
    written: Value | None = None  # for an assignment
    qualified: str | None = None  # for an import or a definition

    @property
    def value(self) -> ast.expr | None:
        return self.written.get() if self.written is not None else None


@dataclass(frozen=True)
class Mutation:
    line: int
    block: int
    kind: str  # "set", "update", "setdefault", "merge"
    key: str | None = None
    value: ast.expr | None = None
    call: ast.Call | None = None


@dataclass
class ScopeIndex:
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutations: dict[str, list[Mutation]] = field(default_factory=dict)


class ModuleBindings:
    """Every binding of a module, by scope, and lookups from any point in it."""

    def __init__(self, root: Node) -> None:
        self.scopes: dict[int, ScopeIndex] = {}
        self.class_bases: dict[str, set[str]] = {}  # a local class's qualified name -> its bases'
        self.fallbacks: dict[int, int] = {}  # a try's body and except blocks -> the try statement
        # A local class's or function's qualified name -> its body's scope, and a function's body.
        self.bodies: dict[str, tuple[Scope, Node]] = {}
        self.functions: dict[int, Node] = {}  # a function's scope key -> its definition, for its parameters
        self.methods: dict[tuple[int, str], tuple[Scope, Node]] = {}  # (class scope key, name) -> body
        self.module = scope_of(root)
        self.top_blocks = {root.id}  # the statement lists of the module and of each body: in no branch
        # A function's body is walked when a lookup first reaches its scope, or when it names what
        # the module's calls are looked for by (``naming``): most functions of a module build no pool.
        self._deferred: dict[int, tuple[Node, list[Scope]]] = {}
        self._source = root.text or b""
        self._lazy = self._source.isascii()  # else a name may be written in another normal form
        self._statements(root, [self.module])

    # collection

    def _statements(self, block: Node, stack: list[Scope]) -> None:
        key = block.id
        for statement in statements(block):
            line = statement.start_point[0] + 1
            inner = definition(statement)
            if inner.type in ("function_definition", "class_definition"):
                self._definition(inner, key, stack)
                continue
            self._statement(statement, line, key, stack)
            if statement.type == "try_statement":
                self._try_blocks(statement)
            for nested in blocks(statement):
                self._statements(nested, stack)

    def _try_blocks(self, statement: Node) -> None:
        """A try's body and its except clauses bind alternatives of one name (an import fallback)."""
        for child in statement.named_children:
            if child.type == "block":
                self.fallbacks[child.id] = statement.id
            elif child.type in ("except_clause", "except_group_clause"):
                for block in blocks(child):
                    self.fallbacks[block.id] = statement.id

    def _definition(self, node: Node, block: int, stack: list[Scope]) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None:
            return
        line = node.start_point[0] + 1
        bound = identifier(name)
        qualified = LOCAL + bound
        self._bind(stack, bound, Binding(line, block, qualified=qualified))
        if node.type == "class_definition":
            bases = node.child_by_field_name("superclasses")
            self.class_bases[qualified] = {
                q
                for base in (bases.named_children if bases is not None else ())
                if base.type in ("identifier", "attribute")
                and (q := self.qualified(expression(base), stack, line))
            }
        if body is not None:
            self.top_blocks.add(body.id)
            if len(stack) == 1:  # module level: what another module can import
                self.bodies[qualified] = (scope_of(node), body)
            inner = [*stack, scope_of(node)]
            if node.type == "function_definition":
                self.functions[scope_of(node).key] = node
                if stack[-1].kind == "class":  # a method, a property's getter among them
                    self.methods[(stack[-1].key, bound)] = (scope_of(node), body)
                if self._lazy:
                    self._deferred[inner[-1].key] = (body, inner)
                    return
            self._statements(body, inner)

    def _walked(self, stack: list[Scope]) -> None:
        """Walk the bodies of the functions in ``stack`` not walked yet, outermost first."""
        for scope in stack:
            self._walk(scope.key)

    def _walk(self, key: int) -> None:
        deferred = self._deferred.pop(key, None)
        if deferred is not None:
            self._statements(*deferred)

    def naming(self, names: Iterable[str]) -> None:
        """Walk every function body, nested ones too, whose text holds one of ``names``: a name bound
        there to one of them is written with it (an import, an alias, a subclass's base)."""
        wanted = [encoded for name in names if (encoded := name.encode()) in self._source]
        while wanted and (
            matching := [
                key
                for key, (body, _) in self._deferred.items()
                if any(self._source.find(name, body.start_byte, body.end_byte) >= 0 for name in wanted)
            ]
        ):
            for key in matching:
                self._walk(key)

    def function(self, scopes: list[Scope]) -> Node | None:
        """The definition of the function whose scope is the innermost of ``scopes``, if it is one."""
        self._walked(scopes[:-1])
        return self.functions.get(scopes[-1].key) if scopes else None

    def _statement(self, node: Node, line: int, block: int, stack: list[Scope]) -> None:
        kind = node.type
        if kind == "import_statement":
            for imported in node.named_children:
                name, alias = _imported(imported)
                if name:
                    bound = alias or name.split(".", 1)[0]
                    self._bind(stack, bound, Binding(line, block, qualified=name if alias else bound))
        elif kind == "import_from_statement":
            module = _module(node.child_by_field_name("module_name"))
            for imported in node.children_by_field_name("name"):
                name, alias = _imported(imported)
                if name:
                    qualified = f"{module}.{name}" if module else name
                    self._bind(stack, alias or name, Binding(line, block, qualified=qualified))
        elif kind == "expression_statement":
            for expressed in node.named_children:
                if expressed.type == "assignment":
                    self._assignment(expressed, line, block, stack)
                elif expressed.type == "augmented_assignment":
                    self._augmented(expressed, line, block, stack)
                elif expressed.type == "call":
                    self._mutating_call(expressed, line, block, stack)

    def _assignment(self, node: Node, line: int, block: int, stack: list[Scope]) -> None:
        """``a = b = value``: a chain of assignments binds every target to the last value."""
        targets = []
        value: Node | None = node
        while value is not None and value.type == "assignment":
            target = value.child_by_field_name("left")
            if target is not None:
                targets.append(target)
            value = value.child_by_field_name("right")
        if value is None:  # `x: int` binds nothing
            return
        written = Value(value)
        for target in targets:
            self._assigned(target, written, line, block, stack)

    def _augmented(self, node: Node, line: int, block: int, stack: list[Scope]) -> None:
        target, operator = node.child_by_field_name("left"), node.child_by_field_name("operator")
        right = node.child_by_field_name("right")
        if target is None or target.type != "identifier":
            return
        if operator is not None and operator.type == "|=" and right is not None:
            self._mutated(stack, identifier(target), Mutation(line, block, "merge", value=expression(right)))
        else:  # `size += 5`: the name no longer holds what it was assigned
            self._bind(stack, identifier(target), Binding(line, block))

    def _mutating_call(self, node: Node, line: int, block: int, stack: list[Scope]) -> None:
        """``d.update(..)`` and ``d.setdefault(..)`` calls made as statements."""
        function = node.child_by_field_name("function")
        if function is None or function.type != "attribute":
            return
        owner, method = function.child_by_field_name("object"), function.child_by_field_name("attribute")
        if owner is None or owner.type != "identifier" or method is None:
            return
        name = identifier(method)
        if name not in ("update", "setdefault"):
            return
        call = expression(node)
        assert isinstance(call, ast.Call)
        key = _string(call.args[0]) if call.args else None
        value = call.args[1] if len(call.args) > 1 else None
        self._mutated(stack, identifier(owner), Mutation(line, block, name, key=key, value=value, call=call))

    def _assigned(self, target: Node, value: Value, line: int, block: int, stack: list[Scope]) -> None:
        kind = target.type
        if kind == "identifier":
            self._bind(stack, identifier(target), Binding(line, block, written=value))
        elif kind == "subscript":
            owner = target.child_by_field_name("value")
            indices = target.children_by_field_name("subscript")
            if owner is not None and owner.type == "identifier":
                key = _string(expression(indices[0])) if len(indices) == 1 else None
                mutation = Mutation(line, block, "set", key=key, value=value.get())
                self._mutated(stack, identifier(owner), mutation)
        elif kind in TARGET_LISTS:
            for (
                element
            ) in target.named_children:  # unpacking: the names are bound, to values we do not follow
                if element.type == "identifier":
                    self._bind(stack, identifier(element), Binding(line, block))

    def _index(self, scope: Scope) -> ScopeIndex:
        return self.scopes.setdefault(scope.key, ScopeIndex())

    def _bind(self, stack: list[Scope], name: str, binding: Binding) -> None:
        self._index(stack[-1]).bindings.setdefault(name, []).append(binding)

    def _mutated(self, stack: list[Scope], name: str, mutation: Mutation) -> None:
        self._index(stack[-1]).mutations.setdefault(name, []).append(mutation)

    # lookups

    def binding(self, name: str, stack: list[Scope], line: int) -> Binding | None:
        """What ``name`` holds at ``line``, seen from the innermost scope of ``stack``."""
        usable = self._usable(name, stack, line)
        return usable[-1] if usable else None

    def alternatives(self, name: str, stack: list[Scope], line: int) -> list[Binding]:
        """The bindings one of which ``name`` holds at ``line``: the last one; and when it sits in an
        arm of an ``if`` or ``match`` that ``line`` is outside of, the others that statement makes and
        the one before it (``if prod: size = 20 / else: size = 5``, then ``pool_size=size``)."""
        usable = self._usable(name, stack, line)
        last = usable[-1] if usable else None
        if last is None or last.written is None or last.block in self.top_blocks:
            return usable[-1:]
        statement = _branching(last.written.node, line)
        if statement is None:
            return usable[-1:]
        first, end = statement.start_point[0] + 1, statement.end_point[0] + 1
        before = [b for b in usable if b.line < first]
        return before[-1:] + [b for b in usable if first <= b.line <= end]

    def _usable(self, name: str, stack: list[Scope], line: int) -> list[Binding]:
        if self._deferred:
            self._walked(stack)
        innermost = True
        for scope in reversed(stack):
            if scope.kind == "class" and not innermost:
                continue
            found = self.scopes.get(scope.key, ScopeIndex()).bindings.get(name, [])
            usable = [b for b in found if b.line < line] if innermost else found
            if usable:
                return usable
            innermost = False
        return []

    def qualified(self, node: ast.expr, stack: list[Scope], line: int, depth: int = 0) -> str | None:
        """``sa.create_engine`` -> ``sqlalchemy.create_engine``; None when it cannot be known.

        Of a try/except import fallback, the try's: ``try: import asyncpg / except ImportError:
        asyncpg = None`` makes ``asyncpg.create_pool`` asyncpg's.
        """
        found = self.candidates(node, stack, line, depth)
        return found[0] if found else None

    def candidates(self, node: ast.expr, stack: list[Scope], line: int, depth: int = 0) -> list[str]:
        """Every qualified name ``node`` may stand for, the try's first: one per branch of a try/except
        that binds its name (``try: from psycopg_pool import ConnectionPool / except ImportError: from
        psycopg2.pool import ThreadedConnectionPool as ConnectionPool``), else one or none.
        """
        if depth > 20:
            return []
        if isinstance(node, ast.Attribute):
            return [f"{head}.{node.attr}" for head in self.candidates(node.value, stack, line, depth + 1)]
        if not isinstance(node, ast.Name):
            return []
        usable = self._usable(node.id, stack, line)
        if not usable:
            return [f"builtins.{node.id}"] if node.id in BUILTINS else []
        statement = self.fallbacks.get(usable[-1].block)
        branches = {
            b.block: b for b in usable if statement is not None and self.fallbacks.get(b.block) == statement
        }
        found: list[str] = []
        for binding in sorted(branches.values(), key=lambda b: b.line) or [usable[-1]]:
            if binding.qualified is not None:
                named = [binding.qualified]
            elif (
                binding.written is not None and binding.written.is_name
            ):  # an alias: `make = sa.create_engine`
                named = self.candidates(binding.written.get(), stack, binding.line, depth + 1)
            else:
                named = []  # `asyncpg = None`: the fallback names no library
            found += [name for name in named if name not in found]
        return found

    def mutations(self, name: str, scope: Scope, after: int, before: int) -> list[Mutation]:
        self._walked([scope])
        found = self.scopes.get(scope.key, ScopeIndex()).mutations.get(name, [])
        return [m for m in found if after <= m.line <= before]


ARMS = {"if_statement": 0, "elif_clause": 1, "else_clause": 1, "case_clause": 2}  # arm -> up to its statement
SCOPE_NODES = frozenset({"function_definition", "class_definition", "lambda", "module"})


def _branching(node: Node, line: int) -> Node | None:
    """The outermost ``if``/``match`` statement with an arm that holds ``node`` but not ``line``."""
    found = None
    while node.parent is not None and node.type not in SCOPE_NODES:
        parent = node.parent
        outside = not node.start_point[0] + 1 <= line <= node.end_point[0] + 1
        if node.type == "block" and parent.type in ARMS and outside:
            statement: Node | None = parent
            for _ in range(ARMS[parent.type]):
                statement = statement.parent if statement is not None else None
            found = statement or found
        node = parent
    return found


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _imported(node: Node) -> tuple[str | None, str | None]:
    """``a.b`` or ``a.b as c`` in an import: the name and its alias."""
    if node.type == "aliased_import":
        name, alias = node.child_by_field_name("name"), node.child_by_field_name("alias")
        return (_dotted(name) if name else None), (identifier(alias) if alias else None)
    if node.type == "dotted_name":
        return _dotted(node), None
    return None, None


def _dotted(node: Node) -> str:
    return ".".join(identifier(part) for part in node.named_children if part.type == "identifier")


def _module(node: Node | None) -> str:
    """``from ..pkg import x``'s module: dots for the relative levels, then the dotted name."""
    if node is None:
        return ""
    if node.type == "relative_import":
        prefix = next((c for c in node.named_children if c.type == "import_prefix"), None)
        dots = len((prefix.text or b"").strip()) if prefix is not None else 0
        name = next((c for c in node.named_children if c.type == "dotted_name"), None)
        return "." * dots + (_dotted(name) if name is not None else "")
    return _dotted(node)
