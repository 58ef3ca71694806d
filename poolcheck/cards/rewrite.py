"""Rewrite a construction as written: new values in place, missing knobs added, in the file's own layout.

The language-specific parts (how a knob is written, where one is added, the value
literals) are a ``Language``: ``rust.RUST_CODE`` and ``python.PYTHON_CODE``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from poolcheck.cards.spelling import Assignment
from poolcheck.cards.syntax import Lexicon, leading_space
from poolcheck.model import Pool, Span


@dataclass(frozen=True)
class Change:
    """Set one knob to a value given as code."""

    knob: str
    code: str
    spans: tuple[Span, ...] = ()  # where it is written inside the construction; empty: add it
    exact: bool = False  # the spans are the value itself (a default inside an env read), not `knob=value`


@dataclass(frozen=True)
class Inserted:
    text: str
    notes: tuple[str, ...] = ()
    preamble: tuple[str, ...] = ()  # statements the construction now needs before it


class Language(Protocol):
    """What the rewriter needs to know about one language's pool constructions."""

    fence: str  # the code block's language tag
    lexicon: Lexicon

    def literal(self, assignment: Assignment, pool: Pool) -> str: ...

    def fragment(self, knob: str, code: str) -> str: ...

    def in_text(self, knob: str, code: str, pool: Pool) -> str: ...

    def value_range(self, text: str, start: int, end: int) -> tuple[int, int] | None: ...

    def adapt(self, written: str, code: str) -> str: ...

    def insert(
        self, text: str, start: int, end: int, fragments: Sequence[str], pool: Pool
    ) -> Inserted | None: ...

    def env_name(self, assignment: Assignment) -> str: ...

    def env_value(self, assignment: Assignment, variable: str, pool: Pool) -> tuple[tuple[str, ...], str]: ...

    def cores_preamble(self, per_core: int, lower: int, upper: int | None, pool: Pool) -> tuple[str, ...]: ...

    def cores_value(self, assignment: Assignment, others: int, pool: Pool) -> str: ...

    def imports(self, code: str, pool: Pool) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Rewritten:
    code: str
    notes: tuple[str, ...] = ()


def statement_lines(pool: Pool, tail: Sequence[str]) -> list[str]:
    return [*pool.site.lines, *tail]


def as_written(pool: Pool, tail: Sequence[str]) -> str:
    return textwrap.dedent("\n".join(statement_lines(pool, tail)))


def rewritten(
    pool: Pool,
    tail: Sequence[str],
    changes: Sequence[Change],
    preamble: Sequence[str],
    language: Language,
    dedent: bool = True,
) -> Rewritten:
    """The statement with every change applied and ``preamble`` lines before it, at its indentation
    (dedented for a card; as in the file for a fix)."""
    lines = statement_lines(pool, tail)
    text = "\n".join(lines)
    site = pool.site
    start = _offset(lines, site.span.line, site.span.line, site.span.column)
    end = _offset(lines, site.span.line, site.span.end_line, site.span.end_column)
    edits: list[tuple[int, int, str]] = []
    unapplied: list[str] = []
    for change in changes:
        for span in change.spans:
            low = _offset(lines, site.span.line, span.line, span.column)
            high = _offset(lines, site.span.line, span.end_line, span.end_column)
            if change.exact:
                edits.append((low, high, change.code))
                continue
            written = language.value_range(text, low, high)
            if written is not None:
                low, high = written
                edits.append((low, high, language.adapt(text[low:high], change.code)))
            else:
                unapplied.append(f"Set `{change.knob}` to `{change.code}` (line {span.line}).")
    for low, high, code in sorted(edits, reverse=True):
        text = text[:low] + code + text[high:]
        if low < end:
            end += len(code) - (high - low)
    notes: tuple[str, ...] = tuple(unapplied)
    additions = [language.fragment(c.knob, c.code) for c in changes if not c.spans]
    # With nothing to add, insert only lays out a one-line construction that edits made too long.
    inserted = language.insert(text, start, end, additions, pool)
    if inserted is None and additions:
        notes += ("Add " + ", ".join(f"`{a}`" for a in additions) + " to the pool's configuration.",)
    elif inserted is not None:
        text, notes = inserted.text, notes + inserted.notes
        preamble = (*preamble, *inserted.preamble)
    if preamble:
        indent = leading_space(lines[0])
        text = "\n".join(indent + line if line else line for line in preamble) + "\n" + text
    return Rewritten(textwrap.dedent(text) if dedent else text, notes)


def _offset(lines: Sequence[str], first: int, line: int, column: int) -> int:
    """Index in the joined lines of a 1-based line and character column."""
    row = min(max(line - first, 0), len(lines) - 1)
    return sum(len(text) + 1 for text in lines[:row]) + column - 1
