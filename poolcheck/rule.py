"""What a rule is: its documentation, options, examples per library, and its check.

Rule definitions live in the top-level ``rules/`` folder (shipped as
``poolcheck.rules``); they see only the model, never a parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from poolcheck.model import Budget, Pool, Priority, Setting

Options = Mapping[str, float]


@dataclass(frozen=True)
class Example:
    """Code that must trigger the rule (``bad``) and its fix that must not (``good``)."""

    library: str
    bad: str
    good: str
    # For rules about the system: the code's path and the other files around it (compose, config).
    path: str = ""
    files: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RuleOption:
    name: str
    default: float
    help: str


@dataclass(frozen=True)
class Violation:
    """What a check reports; the engine adds location, fingerprint and rule metadata."""

    message: str
    priority: Priority
    concept: str | None = None  # the setting to point at, when it is written


@dataclass(frozen=True)
class CardText:
    """The words an issue card takes from a rule; ``{pool}``, ``{current}``, ``{setting}``, ``{value}``
    and ``{code}`` are filled in from the pool, its effective settings and the recommended change.
    """

    title: str  # "{pool} too small for production ({current} connections)"
    slug: str  # the file name's description, kebab-case: "pool-too-small"
    problem: str  # what goes wrong in production, one or two sentences
    acceptance: str  # the checkbox for the change: "Maximum pool size raised to {value} ({code})"
    verification: str  # a test or load check that shows the change works


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    priority: Priority  # the highest priority the rule reports at
    tags: tuple[str, ...]
    summary: str  # what it does, one line
    why: str  # why is this bad
    check: Callable[[Pool, Options], Iterable[Violation]] | None  # per pool; None for system rules
    examples: tuple[Example, ...]
    fix: str  # what to do instead, in prose
    options: tuple[RuleOption, ...] = ()
    references: tuple[tuple[str, str], ...] = ()
    exempt_pools_too: bool = False  # SQLite pools get only the rules that set this
    sizing: bool = False  # sizes a pool for production load: not run on migration and tool pools (roles.py)
    # What an issue card (``--format todo``) needs beyond the documentation above.
    concept: str | None = None  # the setting the rule is about, when it is always the same one
    recommended_by: str | None = None  # the option holding the value a card recommends for ``concept``
    card: CardText | None = None
    # A rule about the whole system (PC010) checks each server's connection budget instead.
    check_system: Callable[[Budget, Options], Iterable[Violation]] | None = None

    def option_defaults(self) -> dict[str, float]:
        return {option.name: option.default for option in self.options}


def amount(setting: Setting | None) -> int | float | None:
    """The setting's number, or None when it is dynamic, unbounded, a flag or absent."""
    if setting is None or isinstance(setting.value, bool) or setting.value is None:
        return None
    return setting.value
