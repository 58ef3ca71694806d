"""Just enough lexing to edit a construction's text: top-level positions outside strings and comments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

OPENERS, CLOSERS = "([{", ")]}"


@dataclass(frozen=True)
class Lexicon:
    line_comment: str
    block_comments: bool  # /* ... */
    quotes: str  # characters that open a string literal
    triple_quotes: bool  # Python's """...""" and '''...'''


RUST = Lexicon(line_comment="//", block_comments=True, quotes='"', triple_quotes=False)
PYTHON = Lexicon(line_comment="#", block_comments=False, quotes="\"'", triple_quotes=True)


def top_level(text: str, start: int, end: int, wanted: str, lexicon: Lexicon) -> list[int]:
    """Indexes in ``text[start:end]`` of the characters in ``wanted`` that sit outside any bracket,
    string or comment (relative to ``start``).
    """
    found = []
    depth = 0
    index = start
    notable = _notable(lexicon, wanted)
    while (match := notable.search(text, index, end)) is not None:
        index = match.start()
        char = text[index]
        if text.startswith(lexicon.line_comment, index):
            newline = text.find("\n", index)
            index = end if newline < 0 else newline
            continue
        if lexicon.block_comments and text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = end if close < 0 else close + 2
            continue
        if char in lexicon.quotes:
            index = _string_end(text, index, end, lexicon)
            continue
        if char in CLOSERS:
            depth -= 1
        elif depth == 0 and char in wanted:
            found.append(index)
        if char in OPENERS:
            depth += 1
        index += 1
    return found


@cache
def _notable(lexicon: Lexicon, wanted: str) -> re.Pattern[str]:
    """The characters ``top_level`` stops at: the rest of the text is skipped at C speed."""
    starts = {lexicon.line_comment[0], *lexicon.quotes, *OPENERS, *CLOSERS, *wanted}
    if lexicon.block_comments:
        starts.add("/")
    return re.compile(f"[{re.escape(''.join(sorted(starts)))}]")


def split_top_level(text: str, separator: str, lexicon: Lexicon) -> list[str]:
    """``text`` cut at its top-level ``separator`` characters."""
    cuts = top_level(text, 0, len(text), separator, lexicon)
    bounds = [-1, *cuts, len(text)]
    return [text[a + 1 : b] for a, b in pairwise(bounds)]


def _string_end(text: str, index: int, end: int, lexicon: Lexicon) -> int:
    quote = text[index]
    if lexicon.triple_quotes and text.startswith(quote * 3, index):
        close = text.find(quote * 3, index + 3)
        return end if close < 0 else close + 3
    position = index + 1
    while position < end:
        if text[position] == "\\":
            position += 2
            continue
        if text[position] == quote:
            return position + 1
        if text[position] == "\n" and lexicon.triple_quotes:  # an unterminated Python string
            return position
        position += 1
    return end


def comment_start(line: str, lexicon: Lexicon) -> int:
    """Where a line's trailing comment starts (outside its strings), else its length."""
    index = 0
    while index < len(line):
        if line.startswith(lexicon.line_comment, index):
            return index
        if line[index] in lexicon.quotes:
            index = _string_end(line, index, len(line), lexicon)
            continue
        index += 1
    return len(line)


def leading_space(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def indent_step(indent: str) -> str:
    """One more level of indentation in the file's own kind: a tab, or four spaces."""
    return "\t" if indent.startswith("\t") else "    "
