"""Does a fixed file still parse? Python by libcst (CPython's grammar, losslessly) and by the
tree-sitter front end poolcheck reads it with; Rust by tree-sitter. A fix is kept only when it does.
"""

from __future__ import annotations


def parse_problem(language: str, text: str) -> str | None:
    """Why ``text`` does not parse cleanly; None when it does."""
    if language == "rust":
        import tree_sitter

        from poolcheck.frontends.rust.syntax import RUST

        root = tree_sitter.Parser(RUST).parse(text.encode("utf-8", "surrogatepass")).root_node
        return "the fixed file does not parse" if root.has_error else None
    from poolcheck.frontends.python.syntax import parse

    error = parse(text).error
    if error is not None:
        return f"the fixed file does not parse: {error}"
    import libcst

    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as problem:
        return f"the fixed file does not parse: {problem.message} (line {problem.raw_line})"
    except Exception as problem:  # libcst's own limits (nesting): not a file to write
        return f"the fixed file could not be checked: {type(problem).__name__}"
    return None
