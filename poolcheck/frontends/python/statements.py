"""The statement structure of a tree-sitter-python tree: scopes, blocks and the statements in them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter

Node = tree_sitter.Node


@dataclass(frozen=True)
class Scope:
    """The module, a class body or a function: where names are bound."""

    kind: str  # "module", "class" or "function"
    key: int  # the node's id in its tree


SCOPE_KINDS = {"module": "module", "class_definition": "class", "function_definition": "function"}
# The parts of a compound statement that hold statements: blocks, and the clauses that hold blocks.
CLAUSES = frozenset(
    {"elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause", "case_clause"}
)
COMPOUND = frozenset(
    {
        "if_statement",
        "for_statement",
        "while_statement",
        "try_statement",
        "with_statement",
        "match_statement",
        "function_definition",
        "class_definition",
        "decorated_definition",
    }
)


def scope_of(node: Node) -> Scope:
    """A function's or class's scope; the root's is the module's, even when the root is an error."""
    return Scope(SCOPE_KINDS.get(node.type, "module"), node.id)


def blocks(statement: Node) -> Iterator[Node]:
    """The statement lists nested directly in a compound statement (not in its nested statements)."""
    for child in statement.named_children:
        if child.type == "block" and statement.type == "match_statement":
            for case in child.named_children:  # a match statement's block holds its cases
                if case.type == "case_clause":
                    yield from blocks(case)
        elif child.type == "block":
            yield child
        elif child.type in CLAUSES or child.type in ("function_definition", "class_definition"):
            yield from blocks(child)  # a decorated definition's definition, an else's block


def statements(block: Node) -> Iterator[Node]:
    """A block's statements; a simple statement that holds a syntax error is not one (recovery's)."""
    for child in block.named_children:
        kind = child.type
        if kind in COMPOUND:
            yield child
        elif child.is_error:  # the complete statements an error node swallowed are still read
            yield from statements(child)
        elif kind.endswith("_statement") and not child.has_error:
            yield child


def definition(statement: Node) -> Node:
    """A decorated definition's function or class; any other statement itself."""
    if statement.type == "decorated_definition":
        inner = statement.child_by_field_name("definition")
        return inner if inner is not None else statement
    return statement
