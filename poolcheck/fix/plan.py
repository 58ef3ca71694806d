"""Which findings a fix removes, and each construction rewritten to remove them.

A fix writes what the card's first option proposes ("production values in code"), for the
findings asked for only. Safe fixes add a knob that is missing. Unsafe ones change a written
value or a pool's size, since that changes the load on the database; they run only with
``--unsafe-fixes``, as ruff's fixes that change behaviour do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from poolcheck.cards.recommend import finding_concept, targets
from poolcheck.cards.rewrite import Change, rewritten
from poolcheck.cards.solutions import LANGUAGES
from poolcheck.cards.spelling import Assignment, assignments
from poolcheck.check import all_rules
from poolcheck.describe import provenance
from poolcheck.filters import selects_rule
from poolcheck.model import Finding, Pool, Report
from poolcheck.rule import Rule

# A pool's size decides the connections it holds on the server: never changed by a safe fix.
SIZE_CONCEPTS = frozenset({"max_connections", "min_connections", "initial_connections"})
Tail = Callable[[Pool], tuple[str, ...]]
Options = Callable[[str], Mapping[str, float]]


@dataclass(frozen=True)
class FixRules:
    """The fixes a run may apply: unsafe ones too or not, and the rules fixable (ruff's keys)."""

    unsafe: bool = False
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()

    def allows(self, finding: Finding) -> bool:
        def named(selectors: tuple[str, ...]) -> bool:
            return any(selects_rule(s, finding.rule, finding.name) for s in selectors)

        return named(self.fixable) and not named(self.unfixable)


@dataclass(frozen=True)
class Edit:
    """Lines ``first``..``last`` of a file (1-based) replaced, and the imports the new lines need."""

    path: str
    first: int
    last: int
    original: tuple[str, ...]  # the lines as read: the edit applies only where they still are
    replacement: tuple[str, ...]
    imports: tuple[str, ...]
    language: str
    pool: int  # the pool's index in the report
    findings: tuple[Finding, ...]  # what the edit removes
    unsafe: bool


@dataclass(frozen=True)
class Unfixed:
    finding: Finding
    reason: str
    hidden: bool = False  # an unsafe fix not asked for: counted, as ruff counts its hidden fixes


def planned(
    report: Report, options: Options, rules: FixRules, tail: Tail
) -> tuple[list[Edit], list[Unfixed]]:
    """An edit per pool construction that has fixable findings, and why each other one is not fixed."""
    known = {rule.id: rule for rule in all_rules()}
    by_pool: dict[int, list[Finding]] = {}
    for finding in report.findings:
        if finding.pool is not None and rules.allows(finding):
            by_pool.setdefault(finding.pool, []).append(finding)
    edits: list[Edit] = []
    unfixed: list[Unfixed] = []
    for index, findings in sorted(by_pool.items()):
        pool = report.pools[index]
        edit, refused = _pool_edit(index, pool, findings, known, options(pool.site.path), rules, tail)
        unfixed += refused
        if edit is not None:
            edits.append(edit)
    for finding in report.findings:
        if finding.pool is None and rules.allows(finding):
            unfixed.append(
                Unfixed(finding, "a finding about the whole system: change the pools its card names")
            )
    return edits, unfixed


def _pool_edit(
    index: int,
    pool: Pool,
    findings: Sequence[Finding],
    known: Mapping[str, Rule],
    options: Mapping[str, float],
    rules: FixRules,
    tail: Tail,
) -> tuple[Edit | None, list[Unfixed]]:
    language = LANGUAGES.get(pool.site.language)
    if language is None or not pool.site.lines:
        return None, [Unfixed(f, "no source lines to edit") for f in findings]
    every_rule = list(known.values())
    chosen: list[Finding] = []
    refused: list[Unfixed] = []
    for finding in findings:
        concept = finding_concept(finding, known)
        planned = [a for t in targets(pool, [concept], every_rule, options) for a in assignments(pool, t)]
        reason = _why_not(pool, planned, rules)
        if reason is None:
            chosen.append(finding)
        else:
            refused.append(Unfixed(finding, reason, hidden=reason == UNSAFE))
    if not chosen:
        return None, refused
    concepts = [finding_concept(f, known) for f in chosen]
    planned = [a for t in targets(pool, concepts, every_rule, options) for a in assignments(pool, t)]
    reason = _why_not(pool, planned, rules)  # the values chosen together keep the bounds possible
    if reason is not None:
        return None, refused + [Unfixed(f, reason, hidden=reason == UNSAFE) for f in chosen]
    site = pool.site
    changes = [
        Change(a.knob, language.literal(a, pool), tuple(s.span for s in a.written if s.span)) for a in planned
    ]
    following = tail(pool)
    result = rewritten(pool, following, changes, (), language, dedent=False)
    if result.notes:  # the rewriter could not place a value in the construction
        return None, refused + [Unfixed(f, result.notes[0]) for f in chosen]
    original = (*site.lines, *following)
    replacement = tuple(result.code.split("\n"))
    edit = Edit(
        path=site.path,
        first=site.span.line,
        last=site.span.line + len(original) - 1,
        original=original,
        replacement=replacement,
        imports=language.imports(result.code, pool),
        language=site.language,
        pool=index,
        findings=tuple(chosen),
        unsafe=any(_unsafe(a) for a in planned),
    )
    return edit, refused


UNSAFE = "changes a written value or the pool's size (the load on the database): use --unsafe-fixes"


def _why_not(pool: Pool, planned: Sequence[Assignment], rules: FixRules) -> str | None:
    """Why the assignments cannot be written into the construction by a fix; None when they can."""
    if not planned:
        return "no value to write: the card explains the change"
    for assignment in planned:
        for setting in assignment.written:
            if setting.span is None or not pool.site.span.contains(setting.span):
                where = provenance(setting, pool.site.library)
                return f"`{assignment.knob}` is set elsewhere ({where}): change it there"
            if setting.source not in ("explicit", "disabled"):  # a literal, `None` too
                where = provenance(setting, pool.site.library)
                return f"`{assignment.knob}` comes from {where}: change it there"
    if not rules.unsafe and any(_unsafe(a) for a in planned):
        return UNSAFE
    return None


def _unsafe(assignment: Assignment) -> bool:
    return bool(assignment.written) or assignment.concept in SIZE_CONCEPTS
