"""A file's text with its edits applied and the imports they need added once, in its import style."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from poolcheck.fix.model import Edit

# Top-level imports: where a new one goes (after the last), and what a file already imports.
PYTHON_IMPORT = re.compile(r"(?:import|from)\s")
RUST_USE = re.compile(r"(?:pub(?:\([^)]*\))?\s+)?use\s")


@dataclass(frozen=True)
class Edited:
    text: str
    applied: tuple[Edit, ...]
    refused: tuple[tuple[Edit, str], ...]  # an edit and why it was not applied
    changed: tuple[tuple[int, int], ...] = ()  # the rows of ``text`` written anew (0-based, end excluded)


def edited(text: str, edits: Sequence[Edit]) -> Edited:
    """``text`` (lines joined by "\\n") with each edit whose lines are still as read and overlap no
    other edit's, applied from the bottom up so that the line numbers above still hold."""
    lines = text.split("\n")
    applied: list[Edit] = []
    refused: list[tuple[Edit, str]] = []
    taken: set[int] = set()
    for edit in edits:
        rows = {row for r in edit.replacements for row in range(r.first, r.last + 1)}
        if rows & taken:
            refused.append((edit, "shares its lines with another construction that is fixed"))
        elif any(tuple(lines[r.first - 1 : r.last]) != r.original for r in edit.replacements):
            refused.append((edit, "the construction is no longer where it was read"))
        else:
            taken |= rows
            applied.append(edit)
    ordered = sorted((r for e in applied for r in e.replacements), key=lambda r: r.first)
    for replacement in reversed(ordered):
        lines[replacement.first - 1 : replacement.last] = replacement.new
    changed: list[tuple[int, int]] = []
    moved = 0  # rows the replacements above have added
    for replacement in ordered:
        start = replacement.first - 1 + moved
        changed.append((start, start + len(replacement.new)))
        moved += len(replacement.new) - (replacement.last - replacement.first + 1)
    needed = dict.fromkeys(line for edit in applied for line in edit.imports)
    language = applied[0].language if applied else ""
    first_use = min((r.first for e in applied for r in e.replacements), default=len(lines))
    for line in needed:
        if imported(lines, line, language):
            continue
        if language == "rust" and _into_braces(lines, line):
            continue
        row = _import_row(lines, language, first_use, line)
        lines.insert(row, line)
        changed = [(a + (a >= row), b + (a >= row)) for a, b in changed] + [(row, row + 1)]
        first_use += 1
    return Edited("\n".join(lines), tuple(applied), tuple(refused), tuple(sorted(changed)))


def imported(lines: Sequence[str], statement: str, language: str) -> bool:
    """Does the file already bring in the name ``statement`` imports (``use std::time::Duration;``
    by ``use std::time::{Duration, Instant};``, ``import os`` by ``import os, sys``)?"""
    if language == "rust":
        name = re.split(r"::|\s", statement.rstrip(";").strip())[-1]
        pattern = re.compile(rf"^\s*{RUST_USE.pattern}[^;]*\b{re.escape(name)}\b")
    else:
        name = statement.split()[-1]
        if statement.startswith("from "):
            module = statement.split()[1]
            pattern = re.compile(rf"^from\s+{re.escape(module)}\s+import\s[^#]*\b{re.escape(name)}\b")
        else:
            pattern = re.compile(rf"^import\s+(?:[\w.]+\s*,\s*)*{re.escape(name)}\b")
    return any(pattern.match(line) for line in lines)


def _into_braces(lines: list[str], statement: str) -> bool:
    """``use a::b::C;`` added to a one-line ``use a::b::{A, D};`` of the file, in rustfmt's order."""
    path, _, name = statement.removeprefix("use ").rstrip(";").rpartition("::")
    pattern = re.compile(rf"(?P<head>\s*(?:pub\s+)?use\s+{re.escape(path)}::\{{)(?P<names>[^{{}}]*)\}};\s*$")
    for row, line in enumerate(lines):
        found = pattern.match(line)
        if found:
            names = [n.strip() for n in found["names"].split(",") if n.strip()]
            rest = [n for n in names if n != "self"]
            place = next((i for i, n in enumerate(rest) if n > name), len(rest))
            ordered = (["self"] if "self" in names else []) + rest[:place] + [name] + rest[place:]
            lines[row] = f"{found['head']}{', '.join(ordered)}}};"
            return True
    return False


def _import_row(lines: Sequence[str], language: str, first_use: int, statement: str = "") -> int:
    """The row a new import goes on: after the file's last top-level import above the code that
    uses it (line ``first_use``), else after its header (a module docstring, comments, ``//!``
    docs and ``#![..]`` attributes)."""
    starts = RUST_USE if language == "rust" else PYTHON_IMPORT
    row, last = 0, None
    while row < first_use - 1:
        line = lines[row]
        if starts.match(line):
            row = _statement_end(lines, row, language)
            last = row + 1
        row += 1
    if last is None:
        return _after_header(lines, language)
    if language == "rust":  # among the last group of one-line `use`s, where rustfmt sorts it
        row = last
        while row > 0 and starts.match(lines[row - 1]) and lines[row - 1].rstrip().endswith(";"):
            if lines[row - 1] < statement:
                break
            row -= 1
        return row
    return last


def _statement_end(lines: Sequence[str], row: int, language: str) -> int:
    """The last row of the import starting at ``row`` (a parenthesized or braced one spans rows)."""
    if language == "rust":
        while row < len(lines) - 1 and not lines[row].rstrip().endswith(";"):
            row += 1
        return row
    depth = lines[row].count("(") - lines[row].count(")")
    while depth > 0 and row < len(lines) - 1:
        row += 1
        depth += lines[row].count("(") - lines[row].count(")")
    return row


def _after_header(lines: Sequence[str], language: str) -> int:
    row = 0
    if language == "rust":
        while row < len(lines) and (lines[row].startswith(("//!", "#![")) or not lines[row].strip()):
            row += 1
        return row
    while row < len(lines) and (lines[row].startswith("#") or not lines[row].strip()):
        row += 1
    if row < len(lines) and lines[row].lstrip().startswith(('"""', "'''", 'r"""', "'", '"')):
        quote = '"""' if '"""' in lines[row] else "'''" if "'''" in lines[row] else None
        if quote is not None and lines[row].count(quote) < 2:
            row += 1
            while row < len(lines) and quote not in lines[row]:
                row += 1
        row += 1
    return row
