"""Which rules run and which findings fail the run: --select/--ignore and --fail-on."""

from __future__ import annotations

from collections.abc import Sequence

from poolcheck.model import PRIORITIES, Finding, Priority
from poolcheck.rule import Rule


def selects(selector: str, rule: Rule) -> bool:
    """ruff-style selectors: ``ALL``, an id prefix (``PC00``), or a rule name."""
    wanted = selector.strip()
    return wanted.upper() == "ALL" or rule.id.startswith(wanted.upper()) or rule.name == wanted


def selected_rules(rules: Sequence[Rule], select: Sequence[str], ignore: Sequence[str]) -> list[Rule]:
    chosen = [r for r in rules if not select or any(selects(s, r) for s in select)]
    return [r for r in chosen if not any(selects(s, r) for s in ignore)]


def unknown_selectors(rules: Sequence[Rule], selectors: Sequence[str]) -> list[str]:
    return [s for s in selectors if not any(selects(s, r) for r in rules)]


def at_or_above(finding: Finding, threshold: Priority) -> bool:
    return PRIORITIES.index(finding.priority) <= PRIORITIES.index(threshold)
