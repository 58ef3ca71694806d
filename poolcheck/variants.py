"""A pool whose settings are set differently in each branch: one pool per production variant.

    if settings.ENVIRONMENT == "production":
        pool_size = 20
    else:
        pool_size = 5

gives ``pool_size`` two variants (model.Variant). The rules check each variant's pool, and a
value rule fires only when every production variant violates it (check.py). A variant whose
condition reads as a test or development run (``DEBUG``, ``== "dev"``, ``cfg!(test)``) is no
production one; its negation (``not DEBUG``, ``!= "dev"``) is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from poolcheck.effective import effective_pool
from poolcheck.libraries import library_for
from poolcheck.model import Pool, PoolSite, Setting, Span, Variant

# Words that make a condition a test, development or SQLite one, as identifiers or string values:
# `settings.DEBUG`, `app.config["TESTING"]`, `ENVIRONMENT == "local"`, `is_dev`, `cfg!(test)`,
# `"sqlite" in url` (a SQLite pool is no server's: its arm is the developer's).
NON_PRODUCTION_WORDS = frozenset(
    {
        "debug",
        "testing",
        "test",
        "tests",
        "dev",
        "develop",
        "development",
        "local",
        "localhost",
        "sandbox",
        "sqlite",
        "memory",
    }
)
# A condition that is the negation of what its words say.
NEGATED = re.compile(r"^\s*(not\b|!)|!=|\bnot\s+in\b|\bis\s+not\b")
WORD = re.compile(r"[a-z0-9]+")
# The arms taken when no condition before them holds: an else, the value bound before the if, `case _`.
FALLBACKS = frozenset({"else", "otherwise", "case _", "_"})  # `_`: a Rust match arm
# How a message names a fallback arm.
FALLBACK_PHRASES = {
    "else": "in the else branch",
    "otherwise": "with the value set before the if",
    "case _": "in the `case _` arm",
    "_": "in the `_` arm",
}
# The most variant pools one pool is checked as; beyond, the pool is checked as it is (dynamic).
MAX_VARIANT_POOLS = 16


def production(condition: str) -> bool:
    """Does the arm guarded by ``condition`` (as written) run in production?"""
    return not _non_production_words(condition) or bool(NEGATED.search(condition))


def in_production(conditions: tuple[str, ...]) -> tuple[bool, ...]:
    """Per arm of one branch, does it run in production? A fallback arm does, unless an arm before
    it runs exactly when not testing (``20 if not settings.debug else 5``: the else is the debug one)."""
    negated = any(c not in FALLBACKS and _non_production_words(c) and NEGATED.search(c) for c in conditions)
    return tuple(not negated if c in FALLBACKS else production(c) for c in conditions)


def _non_production_words(condition: str) -> bool:
    return bool(set(WORD.findall(condition.lower().replace("_", " "))) & NON_PRODUCTION_WORDS)


@dataclass(frozen=True)
class VariantPool:
    """A pool as one production variant sets it: each choice's condition with the concepts it sets."""

    pool: Pool
    conditions: tuple[tuple[str, frozenset[str]], ...]

    def named(self, concept: str | None) -> str:
        """The conditions that choose ``concept``'s value (all, when none does), as a message starts:
        ``when settings.ENVIRONMENT == "production"``, ``in the else branch``."""
        chosen = [condition for condition, concepts in self.conditions if concept in concepts]
        return " and ".join(arm_words(c) for c in chosen or [c for c, _ in self.conditions])


def arm_words(condition: str, code: Callable[[str], str] | None = None) -> str:
    """An arm as a reader names it: ``when settings.ENVIRONMENT == "production"``, ``in the else
    branch``; ``code`` quotes the condition (a card's Markdown)."""
    return FALLBACK_PHRASES.get(condition) or f"when {code(condition) if code else condition}"


def variant_pools(pool: Pool) -> list[VariantPool]:
    """Each production variant of ``pool``, named by its conditions, as a pool of its own; none
    when no setting has variants, when none is a production one, or beyond MAX_VARIANT_POOLS.

    Settings whose variants have the same conditions vary together (one ``if`` setting both
    ``pool_size`` and ``max_overflow``): they are one choice, not a product of two.
    """
    site = pool.site
    choices: dict[tuple[str, ...], list[int]] = {}
    for index, (_, setting) in enumerate(site.knobs):
        if setting.variants:
            choices.setdefault(tuple(v.condition for v in setting.variants), []).append(index)
    if not choices:
        return []
    count = 1
    for conditions in choices:
        count *= len(conditions)
    if count > MAX_VARIANT_POOLS:
        return []
    arms = {conditions: in_production(conditions) for conditions in choices}
    library = library_for(site)
    concepts = [knob.concept if (knob := library.knob(name)) else name for name, _ in site.knobs]
    found = []
    for picked in itertools.product(*(range(len(conditions)) for conditions in choices)):
        named = tuple(
            (names[arm], frozenset(concepts[index] for index in indices))
            for (names, indices), arm in zip(choices.items(), picked, strict=True)
        )
        if not all(arms[names][arm] for names, arm in zip(choices, picked, strict=True)):
            continue
        knobs = list(site.knobs)
        for indices, arm in zip(choices.values(), picked, strict=True):
            for index in indices:
                name, setting = knobs[index]
                knobs[index] = (name, _chosen(setting, setting.variants[arm]))
        chosen = effective_pool(replace(site, knobs=tuple(knobs)))
        found.append(VariantPool(replace(chosen, ceiling=pool.ceiling), named))
    return found


def _chosen(setting: Setting, variant: Variant) -> Setting:
    """The setting as its variant sets it; located where the call reads it, as the pool's setting is,
    and said defined where another module writes the arm."""
    return replace(
        setting,
        value=variant.value,
        source=variant.source,
        variants=(),
        constant=variant.constant or setting.constant,
        defined_at=variant.defined_at or setting.defined_at,
    )


def production_arms(site: PoolSite, setting: Setting) -> tuple[Span, ...]:
    """Where the production arms of a value the construction itself chooses are written (a
    conditional expression in the call: ``20 if not DEBUG else 5``), so that a new value goes there
    and the other arms stay; none when an arm is written elsewhere, or when every arm runs in
    production (then one value is the change)."""
    variants = setting.variants
    if not variants or not all(v.span is not None and site.span.contains(v.span) for v in variants):
        return ()
    runs = in_production(tuple(v.condition for v in variants))
    if all(runs):
        return ()
    return tuple(v.span for v, runs_there in zip(variants, runs, strict=True) if runs_there and v.span)
