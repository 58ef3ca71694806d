"""tree-sitter-python: one grammar for Python 3.8-3.14 whatever interpreter runs poolcheck, with recovery.

tree-sitter keeps the statements around a syntax error, but an unclosed bracket
can swallow everything after it into one error node. So, as a compiler resumes at
a statement boundary, the lines from the first error of a top-level statement to
the next line that starts a statement at column 0 are blanked and the file parsed
again: the following functions and classes are read whole, only the broken one's
tail is lost. Rows and columns stay those of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter
import tree_sitter_python

Node = tree_sitter.Node

PYTHON = tree_sitter.Language(tree_sitter_python.language())
LINE_ENDS = re.compile(r"\r\n|\r|\n")
# tree-sitter-python's time grows with the square of a run of comment lines (blank lines do not break
# a run): 10,000 take seconds. Comments say nothing to the parser, so a long run's are blanked first.
COMMENT_RUN = re.compile(rb"(?:^[ \t\f]*(?:#[^\n]*)?\n){64,}", re.MULTILINE)
COMMENT = re.compile(rb"#[^\n]*")
MAX_RESUMES = 20  # reparses of one file; each blanks every broken top-level statement at once
# Lines that cannot start a statement at column 0: indented, blank, comments, closing brackets.
NOT_A_START = frozenset(b" \t\f#)]}")
# What the grammar accepts for Python 2's sake and Python 3 rejects: capture -> what the error says.
PYTHON2 = {
    "print": "a Python 2 print statement",
    "exec": "a Python 2 exec statement",
    "not_equal": "Python 2's `<>` operator",
    "backticks": "Python 2's backticks",
    "prefix": "a Python 2 string prefix `ur`",
    "raise": "a Python 2 `raise E, message`",
    "parameter": "a Python 2 tuple parameter",
    "integer": "an integer literal Python 3 does not read",
}
PYTHON2_QUERY = """
(print_statement) @print
(exec_statement) @exec
(comparison_operator operators: "<>" @not_equal)
((string_start) @backticks (#eq? @backticks "`"))
((string_start) @prefix (#match? @prefix "^[uU][rR]"))
(raise_statement (expression_list) @raise)
(parameters (tuple_pattern) @parameter)
(lambda_parameters (tuple_pattern) @parameter)
((integer) @integer (#match? @integer "(^0[0-9_]*[1-9])|[lL]$|_$"))
"""
# Where one of those constructs can be: the query runs on those lines only, as a query's cost is its
# walk over the tree. Each pattern starts with a literal, which the regex engine scans for quickly.
PYTHON2_HINTS = tuple(
    re.compile(pattern)
    for pattern in (
        rb"print[ \t]+[^ \t(=\n]",
        rb"exec[ \t]+[^ \t(=\n]",
        rb"raise[ \t][^\n]*,",
        rb"<>",
        rb"`",
        rb"ur['\"]",  # searched in the lowercased file
        rb"def[ \t]+\w+[ \t]*\([ \t]*\(",
        rb"lambda[ \t]*\(",
        rb"0[0-9_]*[1-9]",  # a leading zero, when no digit, letter or dot stands before it
        rb"[0-9][lL_]\b",
    )
)
LEADING_ZERO = PYTHON2_HINTS[8]
NUMBER_PART = frozenset(b"0123456789abcdefABCDEFxXoObB_.")
MAX_HINTED_LINES = 16
# The words that open a block, whose line ends with a colon.
BLOCK_KEYWORDS = frozenset(
    b"class def async if elif else for while with try except finally match case".split()
)
# The grammar does not know 3.13's defaults on type parameters (`class Box[T = int]`): its error
# there is the grammar's, not the file's, and a type parameter configures no pool.
TOLERATED_PARENTS = frozenset({"type_parameter"})


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(PYTHON)


@dataclass(frozen=True)
class Parsed:
    root: Node
    error: str | None  # the first syntax error, as the errors entry says it


def parse(text: str) -> Parsed:
    """Parse ``text`` (decoded, any line ends), recovering at statement boundaries after an error."""
    rows = LINE_ENDS.split(text)
    data = "\n".join(rows).encode("utf-8", "surrogatepass")
    if b"#" in data:
        data = COMMENT_RUN.sub(lambda run: COMMENT.sub(b"", run[0]), data)
    root = _parser().parse(data).root_node
    first = _first_error(root)
    error = _describe(first, data) if first is not None else None
    if error is None:
        error = _indentation(root) or _python2(root, data)
    if first is None:
        return Parsed(root, error)
    lines = data.split(b"\n")
    for _ in range(MAX_RESUMES):
        if not _blank_broken(root, lines):
            break
        root = _parser().parse(b"\n".join(lines)).root_node
    return Parsed(root, error)


def _errors(node: Node) -> Iterator[Node]:
    """ERROR and MISSING nodes in source order, but for the grammar's own gaps."""
    for child in node.children:
        if child.is_missing or (child.is_error and node.type not in TOLERATED_PARENTS):
            yield child
        elif child.has_error:
            yield from _errors(child)


def _first_error(node: Node) -> Node | None:
    """Where the first syntax error under ``node`` (or ``node`` itself) goes wrong."""
    found = node if node.is_error or node.is_missing else next(_errors(node), None)
    while found is not None and found.is_error:
        # An error node may hold complete statements before the point where the parse failed.
        inner = next((c for c in found.children if not _complete(c)), None)
        if inner is None or not inner.is_error:
            return inner or found
        found = inner
    return found


def _complete(node: Node) -> bool:
    return (node.type in COMPOUND or node.type.endswith("_statement")) and not node.has_error


def _describe(node: Node, data: bytes) -> str:
    line = node.start_point[0] + 1
    header = _header_without_colon(node, data)
    if header is not None:
        return f"syntax error at line {header}: expected ':'"
    if node.is_missing:
        return f"syntax error at line {line}: missing `{node.type}`"
    token = node
    while token.child_count:
        token = token.children[0]
    text = (token.text or b"").decode("utf-8", "replace").splitlines()
    shown = text[0][:40] if text else ""
    return f"syntax error at line {line}: unexpected `{shown}`" if shown else f"syntax error at line {line}"


def _header_without_colon(error: Node, data: bytes) -> int | None:
    """A block's header that lacks its colon, in the top-level statement holding the error.

    The grammar notices a missing colon only at the next line, or not before the end of the
    class around it; CPython names the header's own line.
    """
    statement = error
    while statement.parent is not None and statement.parent.parent is not None:
        statement = statement.parent
    rows = data.split(b"\n")[statement.start_point[0] : max(statement.end_point[0], error.end_point[0]) + 1]
    for offset, row in enumerate(rows):
        code = row.split(b"#", 1)[0].rstrip()
        words = code.split(None, 1)
        if not words or words[0].rstrip(b":") not in BLOCK_KEYWORDS or code.endswith(b":"):
            continue
        opened = sum(code.count(c) for c in b"([{") - sum(code.count(c) for c in b")]}")
        if opened <= 0 and not code.endswith(b"\\"):
            return statement.start_point[0] + offset + 1
    return None


def _python2(root: Node, data: bytes) -> str | None:
    """The first construct only Python 2 reads, if the file has one."""
    hints = _python2_hints(data)
    if not hints:
        return None
    if len(hints) > MAX_HINTED_LINES:
        ranges = [(0, len(data))]
    else:
        ranges = [(data.rfind(b"\n", 0, at) + 1, _line_end(data, at)) for at in hints]
    for start, end in ranges:
        cursor = tree_sitter.QueryCursor(_python2_query())
        cursor.set_byte_range(start, end)
        found = [
            (node.start_byte, node, name) for name, nodes in cursor.captures(root).items() for node in nodes
        ]
        if found:
            _, node, name = min(found, key=lambda item: item[0])
            return f"syntax error at line {node.start_point[0] + 1}: {PYTHON2[name]}"
    return None


def _python2_hints(data: bytes) -> list[int]:
    lowered = data.lower() if b"r'" in data or b'r"' in data or b"R" in data else data
    hints: set[int] = set()
    for pattern in PYTHON2_HINTS:
        for hint in pattern.finditer(lowered if pattern.pattern.startswith(b"ur") else data):
            at = hint.start()
            if pattern is LEADING_ZERO and at and data[at - 1] in NUMBER_PART:
                continue
            hints.add(at)
    return sorted(hints)


def _indentation(root: Node) -> str | None:
    """The first indentation CPython's tokenizer refuses and the grammar's scanner lets pass."""
    found: list[tuple[int, str]] = []  # 1-based lines
    pending = [(root, -1, -1)]  # a block, the column and row of the statement that opens it
    while pending:
        block, opened_at, opened_row = pending.pop()
        column, row = None, opened_row
        for statement in statements(block):
            start_row, start_column = statement.start_point
            if start_row != row:  # `a; b` and `if x: a` share a line
                if column is None:
                    column = start_column
                    if start_row != opened_row and column <= opened_at:
                        found.append((start_row + 1, "expected an indented block"))
                elif start_column != column:
                    what = "unexpected indent" if start_column > column else "unindent does not match"
                    found.append((start_row + 1, what))
            row = statement.end_point[0]
            if statement.type in COMPOUND:
                for nested in blocks(statement):
                    if nested.named_child_count == 0:
                        found.append((statement.end_point[0] + 2, "expected an indented block"))
                    pending.append((nested, start_column, start_row))
    if not found:
        return None
    line, what = min(found)
    return f"syntax error at line {line}: {what}"


def _line_end(data: bytes, at: int) -> int:
    end = data.find(b"\n", at)
    return len(data) if end < 0 else end


@cache
def _python2_query() -> tree_sitter.Query:
    compiled: tree_sitter.Query = tree_sitter.Query(PYTHON, PYTHON2_QUERY)
    return compiled


def _blank_broken(root: Node, lines: list[bytes]) -> bool:
    """Blank each broken top-level statement from its first error to the next statement start."""
    blanked = False
    for statement in root.children:
        if not statement.has_error:
            continue
        first = _first_error(statement)
        if first is None:
            continue
        error_row, last_row = first.start_point[0], statement.end_point[0]
        resume = next(
            (row for row in range(error_row + 1, last_row + 1) if _starts_statement(lines[row])), None
        )
        if resume is None:
            continue
        for row in range(error_row, resume):
            lines[row] = b""
        blanked = True
    return blanked


def _starts_statement(line: bytes) -> bool:
    return bool(line) and line[0] not in NOT_A_START


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
