"""A card as a markdown file: its name, the YAML front matter, the fingerprint marker, the body."""

from __future__ import annotations

import re
from collections.abc import Sequence

from poolcheck.cards.model import Card
from poolcheck.emit.escape import printable
from poolcheck.redact import redact

MARKER = "poolcheck-fingerprint"
MARKER_PATTERN = re.compile(r"<!--\s*poolcheck-fingerprint:\s*([0-9A-Za-z]+)\s*-->")
# In the body (quoted code, messages) the marker's hyphen becomes U+2011, a non-breaking hyphen that
# reads the same: text from a scanned repository cannot pass for a card's own marker.
NEUTRAL_MARKER = MARKER.replace("-", "\u2011")
FRONT_LIMIT = 64  # lines: a card's front matter is a handful


def issue_id(number: int) -> str:
    """Three digits, zero-padded: ``7`` -> ``007``."""
    return f"{number:03d}"


def file_name(card: Card, number: int) -> str:
    """``{issue_id}-{status}-{priority}-{description}.md``."""
    return f"{issue_id(number)}-{card.status}-{card.priority}-{card.slug}.md"


def render(card: Card, number: int, dependencies: Sequence[int] = ()) -> str:
    """The whole file: five front-matter keys in order, the marker, then the title and sections.

    Cards are built from the code as written (their fixes edit it by column); passwords in it
    are masked here, in the finished text.
    """
    front = [
        "---",
        f"status: {card.status}",
        f"priority: {card.priority}",
        f'issue_id: "{issue_id(number)}"',
        f"tags: [{', '.join(card.tags)}]",
        "dependencies: [" + ", ".join(f'"{issue_id(d)}"' for d in dependencies) + "]",
        "---",
        f"<!-- {MARKER}: {card.fingerprint} -->",
        "",
        f"# {card.title}",
    ]
    body = [f"## {section.heading}\n\n{section.body.strip()}" for section in card.sections]
    text = "\n".join(front) + "\n\n" + "\n\n".join(body).replace(MARKER, NEUTRAL_MARKER) + "\n"
    # Quoted code may hold ESC and other controls: shown as escapes, for a card printed to a terminal.
    return redact("\n".join(printable(line) for line in text.split("\n")))


def front_matter(text: str) -> tuple[str, str] | None:
    """The YAML front matter of a card (without its ``---`` lines) and the line right after it.

    None when the text does not open with front matter closed within ``FRONT_LIMIT`` lines.
    """
    lines = text.split("\n", FRONT_LIMIT + 2)
    if lines[0].rstrip("\r") != "---":
        return None
    for index, line in enumerate(lines[1 : FRONT_LIMIT + 1], 1):
        if line.rstrip("\r") == "---":
            after = lines[index + 1] if index + 1 < len(lines) else ""
            return "\n".join(lines[1:index]), after.rstrip("\r")
    return None


def fingerprints_in(text: str) -> list[str]:
    """The card's own fingerprint: only the marker line right after the front matter counts.

    A marker anywhere else (quoted code, a pasted note) is not the card's, so it cannot make
    poolcheck take another pool's card as filed.
    """
    parts = front_matter(text)
    found = MARKER_PATTERN.fullmatch(parts[1].strip()) if parts else None
    return [found.group(1)] if found else []
