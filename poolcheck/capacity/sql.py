"""What of a ``.sql`` file is statements: comments and string literals blanked out, as PostgreSQL lexes them.

An ``ALTER SYSTEM`` inside ``-- ...``, ``/* ... */`` (which nest), ``'...'``
(``''`` escapes), ``E'...'`` (backslash escapes) or ``$tag$ ... $tag$`` is not
run, so it must not be read as the server's limit. The lexer is one left-to-right
pass: each token is matched by a pattern without nested repeats, and a block
comment's end is found by walking its ``/*`` and ``*/`` edges, so hostile input
costs time in proportion to its length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# A word character before E'...' or $tag$ makes them part of an identifier (xe'..', a$b$).
# Each quoted form's repeat stops only where its closing alternative (quote or end) matches,
# so the nested repeats never backtrack.
NOT_IN_WORD = r"(?<![\w$])"
TOKEN = re.compile(
    r"(?P<line_comment>--[^\n]*)"
    r"|(?P<block_comment>/\*)"
    rf"|(?P<escape_string>{NOT_IN_WORD}[eE]'(?:[^'\\]+|''|\\[\s\S]?)*(?:'|\Z))"
    r"|(?P<string>'(?:[^']+|'')*(?:'|\Z))"
    r"|(?P<quoted_identifier>\"(?:[^\"]+|\"\")*(?:\"|\Z))"
    rf"|(?P<dollar_quote>{NOT_IN_WORD}\$(?:[^\W\d]\w*)?\$)"
)
BLOCK_EDGE = re.compile(r"/\*|\*/")
BACKSLASH_ESCAPE = re.compile(r"\\([\s\S])")
PLAIN_WORD = re.compile(r"[^\W\d]\w*")
LITERAL = "'"  # stands in the code for one whole string literal


@dataclass(frozen=True)
class SqlCode:
    """The statements of a file, with each literal's value kept aside.

    ``text`` has the source's line breaks (so line numbers carry over), a space
    for each comment, a quoted identifier as its bare name (or ``_`` when it is
    no plain word) and a single ``'`` for each string literal, whose value is
    ``literals[offset of that ']``.
    """

    text: str
    literals: Mapping[int, str]


def sql_code(source: str) -> SqlCode:
    """Lex ``source`` once, blanking comments and replacing string literals by a marker."""
    pieces: list[str] = []
    size = 0  # length of what is in pieces
    literals: dict[int, str] = {}
    position = 0
    while (token := TOKEN.search(source, position)) is not None:
        start, end, kind = token.start(), token.end(), token.lastgroup
        value: str | None = None
        if kind == "block_comment":
            end = _block_comment_end(source, start)
        elif kind == "dollar_quote":
            close = source.find(token.group(), end)
            value = source[end : close if close >= 0 else len(source)]
            end = close + len(token.group()) if close >= 0 else len(source)
        elif kind == "string":
            value = _body(token.group(), 1).replace("''", "'")
        elif kind == "escape_string":
            value = BACKSLASH_ESCAPE.sub(r"\1", _body(token.group(), 2).replace("''", "'"))
        code = source[position:start]
        if kind == "quoted_identifier":  # "max_connections" reads as the word; any other as one placeholder
            name = _body(token.group(), 1, '"').replace('""', '"')
            code += name if PLAIN_WORD.fullmatch(name) else "_" + "\n" * name.count("\n")
        elif value is not None:
            literals[size + len(code)] = value
            code += LITERAL + "\n" * source.count("\n", start, end)
        else:  # a comment counts as white space between tokens
            code += " " + "\n" * source.count("\n", start, end)
        pieces.append(code)
        size += len(code)
        position = end
    pieces.append(source[position:])
    return SqlCode("".join(pieces), literals)


def _block_comment_end(source: str, start: int) -> int:
    """Offset after the ``*/`` that closes the comment opened at ``start``; the end when none does."""
    depth = 0
    for edge in BLOCK_EDGE.finditer(source, start):
        depth += 1 if edge.group() == "/*" else -1
        if depth == 0:
            return edge.end()
    return len(source)


def _body(literal: str, opening: int, quote: str = "'") -> str:
    """A quoted token without its opening (``'``, ``E'`` or ``"``) and closing quote."""
    body = literal[opening:]
    return body[:-1] if body.endswith(quote) else body
