"""What a fix is made of: the lines it replaces, per pool, and the findings it leaves, with why."""

from __future__ import annotations

from dataclasses import dataclass

from poolcheck.model import Finding


@dataclass(frozen=True)
class Replacement:
    """Lines ``first``..``last`` of a file (1-based) replaced; applied only where they still are."""

    first: int
    last: int
    original: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Edit:
    """One pool's fix: its construction rewritten, and the values it reads from elsewhere in the
    file (a constant, a ``ManagerConfig``) changed where they are written."""

    path: str
    replacements: tuple[Replacement, ...]
    imports: tuple[str, ...]  # the import lines the new code needs
    language: str
    pool: int  # the pool's index in the report
    findings: tuple[Finding, ...]  # what the edit removes
    unsafe: bool


@dataclass(frozen=True)
class Unfixed:
    finding: Finding
    reason: str
    hidden: bool = False  # an unsafe fix not asked for: counted, as ruff counts its hidden fixes
