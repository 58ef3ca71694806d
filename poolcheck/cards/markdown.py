"""A card as a markdown file: its name, the YAML front matter, the fingerprint marker, the body."""

from __future__ import annotations

import re
from collections.abc import Sequence

from poolcheck.cards.model import Card

MARKER = "poolcheck-fingerprint"
MARKER_PATTERN = re.compile(r"<!--\s*poolcheck-fingerprint:\s*([0-9A-Za-z]+)\s*-->")


def issue_id(number: int) -> str:
    """Three digits, zero-padded: ``7`` -> ``007``."""
    return f"{number:03d}"


def file_name(card: Card, number: int) -> str:
    """``{issue_id}-{status}-{priority}-{description}.md``."""
    return f"{issue_id(number)}-{card.status}-{card.priority}-{card.slug}.md"


def render(card: Card, number: int, dependencies: Sequence[int] = ()) -> str:
    """The whole file: five front-matter keys in order, the marker, then the title and sections."""
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
    return "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n"


def fingerprints_in(text: str) -> list[str]:
    return MARKER_PATTERN.findall(text)
