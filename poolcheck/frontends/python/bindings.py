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
from dataclasses import dataclass, field

Scope = ast.AST  # Module, ClassDef, FunctionDef or AsyncFunctionDef
SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
BUILTINS = frozenset(dir(builtins))
LOCAL = "<local>."  # prefix of names defined in this module


@dataclass(frozen=True)
class Binding:
    line: int
    block: int  # id of the statement list it sits in
    value: ast.expr | None = None  # for an assignment
    qualified: str | None = None  # for an import or a definition


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

    def __init__(self, tree: ast.Module) -> None:
        self.scopes: dict[int, ScopeIndex] = {}
        self.class_bases: dict[str, set[str]] = {}  # a local class's qualified name -> its bases'
        self._collect(tree, [tree])

    # collection

    def _collect(self, scope: Scope, stack: list[Scope]) -> None:
        body = getattr(scope, "body", [])
        self._statements(body, stack)

    def _statements(self, statements: list[ast.stmt], stack: list[Scope]) -> None:
        block = id(statements)
        for statement in statements:
            self._statement(statement, block, stack)
            for name in ("body", "orelse", "finalbody", "handlers"):
                nested = getattr(statement, name, None)
                if isinstance(nested, list) and nested and not isinstance(statement, SCOPES):
                    if name == "handlers":
                        for handler in nested:
                            self._statements(handler.body, stack)
                    else:
                        self._statements(nested, stack)
            if isinstance(statement, ast.Match):
                for case in statement.cases:
                    self._statements(case.body, stack)
            self._expressions(statement, block, stack)

    def _statement(self, node: ast.stmt, block: int, stack: list[Scope]) -> None:
        line = node.lineno
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".", 1)[0]
                target = alias.name if alias.asname else bound
                self._bind(stack, bound, Binding(line, block, qualified=target))
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    qualified = f"{module}.{alias.name}" if module else alias.name
                    self._bind(stack, alias.asname or alias.name, Binding(line, block, qualified=qualified))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qualified = LOCAL + node.name
            self._bind(stack, node.name, Binding(line, block, qualified=qualified))
            if isinstance(node, ast.ClassDef):
                self.class_bases[qualified] = {q for b in node.bases if (q := self.qualified(b, stack, line))}
            self._collect(node, [*stack, node])
        elif isinstance(node, ast.Assign):
            for assigned in node.targets:
                self._assigned(assigned, node.value, line, block, stack)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._assigned(node.target, node.value, line, block, stack)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if isinstance(node.op, ast.BitOr):
                self._mutated(stack, node.target.id, Mutation(line, block, "merge", value=node.value))
            else:  # `size += 5`: the name no longer holds what it was assigned
                self._bind(stack, node.target.id, Binding(line, block))

    def _expressions(self, statement: ast.stmt, block: int, stack: list[Scope]) -> None:
        """``d.update(..)`` and ``d.setdefault(..)`` calls made as statements."""
        if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
            return
        call = statement.value
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.attr in ("update", "setdefault")
        ):
            key = _string(call.args[0]) if call.args else None
            value = call.args[1] if len(call.args) > 1 else None
            mutation = Mutation(statement.lineno, block, func.attr, key=key, value=value, call=call)
            self._mutated(stack, func.value.id, mutation)

    def _assigned(self, target: ast.expr, value: ast.expr, line: int, block: int, stack: list[Scope]) -> None:
        if isinstance(target, ast.Name):
            self._bind(stack, target.id, Binding(line, block, value=value))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            mutation = Mutation(line, block, "set", key=_string(target.slice), value=value)
            self._mutated(stack, target.value.id, mutation)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:  # unpacking: the names are bound, to values we do not follow
                if isinstance(element, ast.Name):
                    self._bind(stack, element.id, Binding(line, block))

    def _index(self, scope: Scope) -> ScopeIndex:
        return self.scopes.setdefault(id(scope), ScopeIndex())

    def _bind(self, stack: list[Scope], name: str, binding: Binding) -> None:
        self._index(stack[-1]).bindings.setdefault(name, []).append(binding)

    def _mutated(self, stack: list[Scope], name: str, mutation: Mutation) -> None:
        self._index(stack[-1]).mutations.setdefault(name, []).append(mutation)

    # lookups

    def binding(self, name: str, stack: list[Scope], line: int) -> Binding | None:
        """What ``name`` holds at ``line``, seen from the innermost scope of ``stack``."""
        innermost = True
        for scope in reversed(stack):
            if isinstance(scope, ast.ClassDef) and not innermost:
                continue
            found = self.scopes.get(id(scope), ScopeIndex()).bindings.get(name, [])
            usable = [b for b in found if b.line < line] if innermost else found
            if usable:
                return usable[-1]
            innermost = False
        return None

    def qualified(self, node: ast.expr, stack: list[Scope], line: int, depth: int = 0) -> str | None:
        """``sa.create_engine`` -> ``sqlalchemy.create_engine``; None when it cannot be known."""
        if depth > 20:
            return None
        if isinstance(node, ast.Attribute):
            head = self.qualified(node.value, stack, line, depth + 1)
            return f"{head}.{node.attr}" if head else None
        if not isinstance(node, ast.Name):
            return None
        binding = self.binding(node.id, stack, line)
        if binding is None:
            return f"builtins.{node.id}" if node.id in BUILTINS else None
        if binding.qualified is not None:
            return binding.qualified
        if isinstance(binding.value, (ast.Name, ast.Attribute)):  # an alias: `make = sa.create_engine`
            return self.qualified(binding.value, stack, binding.line, depth + 1)
        return None

    def mutations(self, name: str, scope: Scope, after: int, before: int) -> list[Mutation]:
        found = self.scopes.get(id(scope), ScopeIndex()).mutations.get(name, [])
        return [m for m in found if after <= m.line <= before]


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
