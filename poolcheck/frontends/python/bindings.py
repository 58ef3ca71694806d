"""Where names get their values in one module: assignments and dict mutations, per scope.

A scope is the module, a class body or a function. Lookups take the last
assignment before the use in the use's own function, then the module's.
Dict mutations (``d["k"] = v``, ``d.update(..)``, ``d.setdefault(..)``,
``d |= {..}``) are recorded with the block they sit in, so only straight-line
ones are trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

Scope = cst.CSTNode  # Module, ClassDef or FunctionDef


@dataclass(frozen=True)
class Binding:
    line: int
    value: cst.BaseExpression
    block: cst.CSTNode  # the statement block it sits in


@dataclass(frozen=True)
class Mutation:
    line: int
    block: cst.CSTNode
    kind: str  # "set", "update", "setdefault", "merge"
    key: str | None = None
    value: cst.BaseExpression | None = None
    call: cst.Call | None = None


@dataclass
class ScopeIndex:
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutations: dict[str, list[Mutation]] = field(default_factory=dict)


class BindingsCollector(cst.CSTVisitor):
    """First pass over a module: every simple assignment and dict mutation, by scope."""

    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self) -> None:
        super().__init__()
        self.scopes: dict[int, ScopeIndex] = {}
        self.parents: dict[int, Scope] = {}  # scope -> enclosing scope
        self.class_bases: dict[str, set[str]] = {}  # a class's qualified name -> its bases'
        self._stack: list[Scope] = []
        self._blocks: list[cst.CSTNode] = []

    def index(self, scope: Scope) -> ScopeIndex:
        return self.scopes.setdefault(id(scope), ScopeIndex())

    def _line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def visit_Module(self, node: cst.Module) -> None:
        self._stack.append(node)
        self._blocks.append(node)

    def _enter(self, node: Scope) -> None:
        self.parents[id(node)] = self._stack[-1]
        self._stack.append(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = {
            q.name for base in node.bases for q in self.get_metadata(QualifiedNameProvider, base.value, set())
        }
        for name in self.get_metadata(QualifiedNameProvider, node, set()):
            self.class_bases[name.name] = bases
        self._enter(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._stack.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._blocks.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(target.target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node.target, node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and isinstance(node.operator, cst.BitOrAssign):
            self._mutated(
                node.target.value, Mutation(self._line(node), self._blocks[-1], "merge", value=node.value)
            )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in ("update", "setdefault")
        ):
            key = _string(node.args[0].value) if node.args else None
            value = node.args[1].value if len(node.args) > 1 else None
            kind = func.attr.value
            mutation = Mutation(self._line(node), self._blocks[-1], kind, key=key, value=value, call=node)
            self._mutated(func.value.value, mutation)

    def _assigned(
        self, target: cst.BaseExpression, value: cst.BaseExpression, statement: cst.CSTNode
    ) -> None:
        line = self._line(statement)
        if isinstance(target, cst.Name):
            binding = Binding(line, value, self._blocks[-1])
            self.index(self._stack[-1]).bindings.setdefault(target.value, []).append(binding)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            element = target.slice[0].slice if len(target.slice) == 1 else None
            key = _string(element.value) if isinstance(element, cst.Index) else None
            mutation = Mutation(line, self._blocks[-1], "set", key=key, value=value)
            self._mutated(target.value.value, mutation)

    def _mutated(self, name: str, mutation: Mutation) -> None:
        self.index(self._stack[-1]).mutations.setdefault(name, []).append(mutation)

    # lookups, used by the second pass

    def binding(self, name: str, scopes: list[Scope], line: int) -> Binding | None:
        """The value ``name`` holds at ``line``, seen from the innermost of ``scopes``."""
        innermost = True
        for scope in reversed(scopes):
            if isinstance(scope, cst.ClassDef) and not innermost:
                continue  # class bodies are not visible from their methods
            found = self.scopes.get(id(scope), ScopeIndex()).bindings.get(name, [])
            # In the use's own scope only earlier lines count; an outer scope has run to the end.
            usable = [b for b in found if b.line < line] if innermost else found
            if usable:
                return usable[-1]
            innermost = False
        return None

    def mutations(self, name: str, scope: Scope, after: int, before: int) -> list[Mutation]:
        found = self.scopes.get(id(scope), ScopeIndex()).mutations.get(name, [])
        return [m for m in found if after <= m.line <= before]


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
