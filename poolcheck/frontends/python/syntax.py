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

from poolcheck.frontends import trees
from poolcheck.frontends.grammars import language
from poolcheck.frontends.python.refusals import header_without_colon, indentation, python2
from poolcheck.frontends.python.statements import COMPOUND, Node

PYTHON = language("tree_sitter_python")
LINE_ENDS = re.compile(r"\r\n|\r|\n")
# tree-sitter-python's time grows with the square of a run of comment lines (blank lines do not break
# a run): 10,000 take seconds. Comments say nothing to the parser, so a long run's are blanked first.
COMMENT_RUN = re.compile(rb"(?:^[ \t\f]*(?:#[^\n]*)?\n){64,}", re.MULTILINE)
COMMENT = re.compile(rb"#[^\n]*")
MAX_RESUMES = 20  # reparses of one file; each blanks every broken top-level statement at once
# Lines that cannot start a statement at column 0: indented, blank, comments, closing brackets.
NOT_A_START = frozenset(b" \t\f#)]}")
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
    lines: list[str]  # the text's, as the parser counts lines: not str.splitlines' form feeds


def parse(text: str, kept: str | None = None) -> Parsed:
    """Parse ``text`` (decoded, any line ends), recovering at statement boundaries after an error.

    ``kept``: the file's path, when its tree may come from, or be kept for, a fixing run's reading again.
    """
    rows = LINE_ENDS.split(text)
    data = "\n".join(rows).encode("utf-8", "surrogatepass")
    if b"#" in data:
        data = COMMENT_RUN.sub(lambda run: COMMENT.sub(b"", run[0]), data)
    root = trees.parsed(_parser(), data, kept).root_node
    first = _first_error(root)
    error = _describe(first, data) if first is not None else None
    if error is None:
        error = indentation(root) or python2(root, data)
    if first is None:
        return Parsed(root, error, rows)
    lines = data.split(b"\n")
    for _ in range(MAX_RESUMES):
        if not _blank_broken(root, lines):
            break
        root = _parser().parse(b"\n".join(lines)).root_node
    return Parsed(root, error, rows)


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
        # An error node may hold complete statements (and comments) before the point where the
        # parse failed.
        inner = next((c for c in found.children if not _complete(c) and c.type != "comment"), None)
        if inner is None or not inner.is_error:
            return inner or found
        found = inner
    return found


def _complete(node: Node) -> bool:
    return (node.type in COMPOUND or node.type.endswith("_statement")) and not node.has_error


def _describe(node: Node, data: bytes) -> str:
    line = node.start_point[0] + 1
    header = header_without_colon(node, data)
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
