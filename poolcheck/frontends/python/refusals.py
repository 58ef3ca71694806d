"""What CPython refuses that tree-sitter-python's grammar lets pass: Python 2's constructs, which the
grammar keeps for old code, indentation its scanner does not check, and where a header's colon is missing.
"""

from __future__ import annotations

import re
from functools import cache

import tree_sitter

from poolcheck.frontends.grammars import language
from poolcheck.frontends.python.statements import COMPOUND, Node, blocks, statements

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


def header_without_colon(error: Node, data: bytes) -> int | None:
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


def python2(root: Node, data: bytes) -> str | None:
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


def indentation(root: Node) -> str | None:
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
    compiled: tree_sitter.Query = tree_sitter.Query(language("tree_sitter_python"), PYTHON2_QUERY)
    return compiled
