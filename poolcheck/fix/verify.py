"""Does a fixed Python file still parse by CPython's grammar? The top-level statements the fix
wrote are parsed by the running interpreter's own parser; the rest of the file parsed before the
fix. Statements it refuses are read by libcst, whose grammars reach newer Pythons than the one
running, and the whole file is when they cannot be cut out of it (a string spanning them). Both
languages are also parsed again by tree-sitter when the fixed text is judged (apply.py).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

# A line that cannot start a top-level statement: indented, a comment, a closing bracket, or a
# clause of the statement above.
CONTINUING = (" ", "\t", "\f", "#", ")", "]", "}")
CLAUSES = ("else", "elif", "except", "finally", "case")


def parse_problem(language: str, text: str, changed: Sequence[tuple[int, int]] | None = None) -> str | None:
    """Why ``text`` does not parse, judged on the statements holding the ``changed`` rows (None:
    the whole file, by tree-sitter too); None when it does."""
    if changed is None:
        problem = _tree_sitter_problem(language, text)
        if problem is not None or language != "python":
            return problem
    elif language != "python":
        return None
    lines = text.split("\n")
    statements = [
        "\n".join(lines[first:last]) + "\n"
        for first, last in _statements(lines, changed or ((0, len(lines)),))
    ]
    if all(_parses_here(statement) for statement in statements):
        return None
    import libcst  # here: most fixed statements parse by the running interpreter's grammar

    try:
        for statement in statements:
            libcst.parse_module(statement)
        return None
    except Exception:  # cut in the wrong place, or a real error: the whole file says which
        pass
    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as problem:
        return f"the fixed file does not parse: {problem.message} (line {problem.raw_line})"
    except Exception as problem:  # libcst's own limits (nesting): not a file to write
        return f"the fixed file could not be checked: {type(problem).__name__}"
    return None


def _parses_here(statement: str) -> bool:
    """Does the running interpreter's parser read it? Ten times as fast as libcst's."""
    try:
        ast.parse(statement)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: a NUL byte
        return False
    return True


def _statements(lines: Sequence[str], changed: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of whole top-level statements that hold the changed rows, merged where they touch."""
    runs: list[tuple[int, int]] = []
    for first, last in sorted(changed):
        start, end = first, max(last, first + 1)
        while start > 0 and not _starts(lines[start]):
            start -= 1
        while start > 0 and lines[start - 1].startswith("@"):  # a decorated definition
            start -= 1
        while end < len(lines) and not _starts(lines[end]):
            end += 1
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
    return runs


def _starts(line: str) -> bool:
    return bool(line.strip()) and not line.startswith(CONTINUING) and not line.startswith(CLAUSES)


def _tree_sitter_problem(language: str, text: str) -> str | None:
    if language == "rust":
        import tree_sitter

        from poolcheck.frontends.rust.syntax import RUST

        root = tree_sitter.Parser(RUST).parse(text.encode("utf-8", "surrogatepass")).root_node
        return "the fixed file does not parse" if root.has_error else None
    from poolcheck.frontends.python.syntax import parse

    error = parse(text).error
    return f"the fixed file does not parse: {error}" if error is not None else None
