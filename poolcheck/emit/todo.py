"""``--format todo``: the issue cards on stdout, numbered as they would be in an empty folder.

``--todos-dir`` writes them as files instead (``poolcheck.cards.folder``).
"""

from __future__ import annotations

from collections.abc import Sequence

from poolcheck.cards.markdown import render as render_card
from poolcheck.cards.model import Card


def render(cards: Sequence[Card]) -> str:
    """Every card, one after another; dependencies point at the numbers given here."""
    numbers = {card.fingerprint: number for number, card in enumerate(cards, 1)}
    documents = [
        render_card(card, numbers[card.fingerprint], [numbers[d] for d in card.dependencies if d in numbers])
        for card in cards
    ]
    return "\n".join(documents)
