"""The card record: what a card says, before it has an id or a file."""

from __future__ import annotations

from dataclasses import dataclass

from poolcheck.model import Priority

# The body's sections, in the order CARD_FORMAT.md fixes.
SECTIONS = (
    "Problem Statement",
    "Findings",
    "Proposed Solutions",
    "Recommended Action",
    "Technical Details",
    "Acceptance Criteria",
    "Work Log",
    "Resources",
)


@dataclass(frozen=True)
class Section:
    heading: str  # one of SECTIONS
    body: str  # markdown


@dataclass(frozen=True)
class Card:
    """One issue card: a pool construction's findings (or one finding, or a system-level one)."""

    fingerprint: str  # stable across runs; how a rerun knows the card is already filed
    title: str
    priority: Priority
    tags: tuple[str, ...]  # starts with "code-review"
    slug: str  # the file name's kebab-case description
    sections: tuple[Section, ...]
    subject: str  # what the card is about, for messages: "src/main.rs:21-23"
    rules: tuple[str, ...]  # the rule ids it reports
    dependencies: tuple[str, ...] = ()  # fingerprints of the cards this one is blocked by
    status: str = "pending"  # poolcheck files everything as pending; people move it on
