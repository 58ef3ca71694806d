"""What a rule is: its documentation, options, examples per library, and its check.

Rule definitions live in the top-level ``rules/`` folder (shipped as
``poolcheck.rules``); they see only the model, never a parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from poolcheck.model import Pool, Priority, Setting

Options = Mapping[str, float]


@dataclass(frozen=True)
class Example:
    """Code that must trigger the rule (``bad``) and its fix that must not (``good``)."""

    library: str
    bad: str
    good: str


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
class Rule:
    id: str
    name: str
    priority: Priority  # the highest priority the rule reports at
    tags: tuple[str, ...]
    summary: str  # what it does, one line
    why: str  # why is this bad
    check: Callable[[Pool, Options], Iterable[Violation]]
    examples: tuple[Example, ...]
    fix: str  # what to do instead, in prose
    options: tuple[RuleOption, ...] = ()
    references: tuple[tuple[str, str], ...] = ()
    exempt_pools_too: bool = False  # SQLite pools get only the rules that set this

    def option_defaults(self) -> dict[str, float]:
        return {option.name: option.default for option in self.options}


def amount(setting: Setting | None) -> int | float | None:
    """The setting's number, or None when it is dynamic, unbounded, a flag or absent."""
    if setting is None or isinstance(setting.value, bool) or setting.value is None:
        return None
    return setting.value
