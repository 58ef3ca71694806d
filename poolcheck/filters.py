"""Which rules run and which findings fail the run: selectors, selection layers, patterns, --fail-on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from poolcheck.model import PRIORITIES, Finding, Priority
from poolcheck.rule import Rule


@dataclass(frozen=True)
class Selection:
    """One layer of rule selection: ``select`` starts afresh, ``extend-select`` adds, ``ignore`` removes."""

    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anchored:
    """A gitignore-style pattern and the folder it is relative to (the folder of the file that wrote it)."""

    pattern: str
    root: Path


@dataclass(frozen=True)
class PerFileIgnore:
    """Rules not reported in the files a pattern matches."""

    pattern: Anchored
    selectors: tuple[str, ...]


def selects(selector: str, rule: Rule) -> bool:
    """ruff-style selectors: ``ALL``, an id prefix (``PC00``), or a rule name."""
    return selects_rule(selector, rule.id, rule.name)


def selects_rule(selector: str, rule_id: str, name: str) -> bool:
    """``selects`` for a rule known by its id and name (a finding's)."""
    wanted = selector.strip()
    return wanted.upper() == "ALL" or rule_id.startswith(wanted.upper()) or name == wanted


def unknown_selectors(rules: Sequence[Rule], selectors: Sequence[str]) -> list[str]:
    return [s for s in selectors if not any(selects(s, r) for r in rules)]


def at_or_above(finding: Finding, threshold: Priority) -> bool:
    return PRIORITIES.index(finding.priority) <= PRIORITIES.index(threshold)
