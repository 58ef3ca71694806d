"""Issue cards: findings written as code-review todo cards (../shared/CARD_FORMAT.md).

``content`` builds each card from a pool, its findings and the rule definitions;
``solutions`` rewrites the construction in its own language (``rust``, ``python``)
with the values ``recommend`` picks and ``spelling`` spells; ``markdown`` renders a
card; ``folder`` numbers and writes cards into a todos folder without touching
anything already there.
"""
