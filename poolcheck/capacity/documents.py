"""YAML read as untrusted input: each document alone, with the line of every key, within bounds.

A stream is cut at its ``---`` / ``...`` lines (where YAML itself ends a
document, even inside a block scalar), so one broken document is one error and
the others still count. The loader (loading.py, imported with PyYAML only when a
document is read) bounds each document's nesting and alias expansion. Line numbers
come from the loader's marks, never from searching the text. Compose's ``!reset`` and
``!override`` (and any other local tag) read as the plain value they tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DOCUMENT_EDGE = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.M)


class YamlMapping(dict[Any, Any]):
    """A YAML mapping as a dict, knowing the 1-based line of itself and of each of its keys."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """The line ``key`` is written on (the mapping's own line for a key it does not hold)."""
        return self.key_lines.get(key, self.line)


class YamlSequence(list[Any]):
    """A YAML sequence as a list, knowing the 1-based line of itself and of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


@dataclass(frozen=True)
class Document:
    value: Any  # YamlMapping, YamlSequence or a scalar
    line: int


@dataclass(frozen=True)
class BadDocument:
    line: int
    message: str


def yaml_documents(text: str) -> Iterator[Document | BadDocument]:
    """Every document of a YAML stream, each read on its own; a broken one is a ``BadDocument``."""
    from poolcheck.capacity.loading import documents_in  # here: PyYAML only for a YAML file that counts

    starts = [0] + [m.start() for m in DOCUMENT_EDGE.finditer(text) if m.start() > 0]
    line = 1
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        chunk = text[start:end]
        offset = line - 1
        line += chunk.count("\n")
        if chunk.startswith("..."):  # the end of the document before: nothing of this one
            newline = chunk.find("\n")
            offset += 1
            chunk = "" if newline < 0 else chunk[newline + 1 :]
        yield from documents_in(chunk, offset)
