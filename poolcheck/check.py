"""Run the rules over effective pools and turn their violations into located findings."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from poolcheck.model import Budget, Finding, Pool, Span
from poolcheck.root import repository_path
from poolcheck.rule import Rule, Violation

if TYPE_CHECKING:
    from poolcheck.variants import VariantPool


@cache
def all_rules() -> tuple[Rule, ...]:
    """The rule definitions shipped in ``rules/`` (installed as ``poolcheck.rules``)."""
    rules: tuple[Rule, ...] = importlib.import_module("poolcheck.rules").all_rules()
    return rules


def rule_by_id(rule_id: str) -> Rule | None:
    wanted = rule_id.upper()
    return next((r for r in all_rules() if r.id == wanted or r.name == rule_id), None)


def default_options() -> dict[str, float]:
    return {name: value for rule in all_rules() for name, value in rule.option_defaults().items()}


@dataclass(frozen=True)
class RuleSet:
    """The rules that run on a file and the options they read there."""

    rules: Sequence[Rule]
    options: Mapping[str, float]


RuleSets = Callable[[str], RuleSet]  # a file's path -> its rule set


def every_rule() -> RuleSets:
    """Every rule with its default options, for every file."""
    everywhere = RuleSet(all_rules(), default_options())
    return lambda path: everywhere


# Told of a bug met on one pool or server: its file, what was being checked, the exception.
OnError = Callable[[str, str, Exception], None]


def check_pools(
    pools: Sequence[Pool],
    rule_sets: RuleSets,
    root: Path | None = None,
    on_error: OnError | None = None,
    include_tests: bool = False,
) -> list[Finding]:
    """Every violation in ``pools`` of the rules that run on each pool's file (``rule_sets``),
    located, and fingerprinted from the project ``root``. Test pools are checked only with
    ``include_tests``; migration and tool pools get no sizing rule (roles.py).

    With ``on_error``, an exception while checking one pool is handed to it, that pool's
    findings are dropped and the other pools are still checked; without, it propagates.
    """
    fingerprints = construction_fingerprints(pools, root)
    findings = []
    for index, pool in enumerate(pools):
        if not pool.site.pooled or (pool.site.role.name == "test" and not include_tests):
            continue
        applying = rule_sets(pool.site.path)
        try:
            findings += _pool_findings(index, pool, applying, fingerprints[index])
        except Exception as error:
            if on_error is None:
                raise
            on_error(pool.site.path, f"the {pool.site.constructor} pool at line {pool.site.span.line}", error)
    return findings


def _pool_findings(index: int, pool: Pool, applying: RuleSet, construction: str) -> list[Finding]:
    """One pool's findings; ``construction`` is its fingerprint key (construction_fingerprints)."""
    from poolcheck.variants import variant_pools  # here: the library tables, only for a run with a pool

    findings = []
    variants = variant_pools(pool)
    for rule in applying.rules:
        if pool.exempt and not rule.exempt_pools_too:
            continue
        if rule.sizing and pool.site.role.name in ("migration", "tool"):
            continue
        violations = list(rule.check(pool, applying.options)) if rule.check else []
        if not violations and variants and rule.check:
            violations = _in_every_variant(rule, variants, applying.options)
        for violation in violations:
            findings.append(
                Finding(
                    rule=rule.id,
                    name=rule.name,
                    priority=violation.priority,
                    path=pool.site.path,
                    span=_locate(pool, violation),
                    message=violation.message,
                    library=pool.site.library,
                    fingerprint=_hash(rule.id, construction),
                    pool=index,
                    concept=violation.concept,
                )
            )
    return findings


def _in_every_variant(
    rule: Rule, variants: list[VariantPool], options: Mapping[str, float]
) -> list[Violation]:
    """The violations of every production variant of a pool (variants.py), as the first one words
    them and named by its conditions: a branch that is fine in one production variant is no finding."""
    if rule.check is None:
        return []
    found = [list(rule.check(variant.pool, options)) for variant in variants]
    concepts = set.intersection(*({v.concept for v in violations} for violations in found))
    return [
        replace(violation, message=f"{variants[0].named(violation.concept)}: {violation.message}")
        for violation in found[0]
        if violation.concept in concepts
    ]


def check_system(
    budgets: Sequence[Budget], rule_sets: RuleSets, root: Path | None = None, on_error: OnError | None = None
) -> list[Finding]:
    """System-level findings (PC010): located on the server's setting, or on the first pool it serves.

    The rules and options are those of the file the finding is located in. ``on_error`` as
    for check_pools, per server.
    """
    findings = []
    for budget in budgets:
        path, span = server_location(budget)
        applying = rule_sets(path)
        try:
            findings += _server_findings(budget, path, span, applying, root)
        except Exception as error:
            if on_error is None:
                raise
            on_error(path, f"the server of {budget.server.where}", error)
    return findings


def _server_findings(
    budget: Budget, path: str, span: Span, applying: RuleSet, root: Path | None
) -> list[Finding]:
    findings = []
    for rule in applying.rules:
        for violation in rule.check_system(budget, applying.options) if rule.check_system else ():
            findings.append(
                Finding(
                    rule=rule.id,
                    name=rule.name,
                    priority=violation.priority,
                    path=path,
                    span=span,
                    message=violation.message,
                    library="postgresql",
                    fingerprint=_hash(
                        rule.id, repository_path(path, root), budget.server.where.split(" ", 1)[-1]
                    ),
                    pool=None,
                )
            )
    return findings


def server_location(budget: Budget) -> tuple[str, Span]:
    """Where a budget's finding is located: the server's setting, or the first pool it serves."""
    setting = budget.server.setting
    if setting is not None:
        return setting.path, Span(setting.line, 1, setting.line, 1)
    first = budget.demands[0].pool.site if budget.demands else None
    if first is None:
        return "", Span(1, 1, 1, 1)
    return first.path, Span(first.span.line, first.span.column, first.span.line, first.span.column)


def construction_fingerprints(pools: Sequence[Pool], root: Path | None = None) -> list[str]:
    """Per pool: path from the project root + normalized construction text + which repeat of that text it is.

    Whitespace is dropped so reformatting or shifting lines elsewhere keeps it stable. The
    path is from the root (None: the working directory), so a run from a subfolder gives the
    same keys; from the root it is the path as shown, as it was before roots existed.
    """
    seen: Counter[tuple[str, str]] = Counter()
    keys = []
    for pool in pools:
        path = repository_path(pool.site.path, root)
        text = "".join(pool.site.text.split())
        seen[(path, text)] += 1
        keys.append(f"{path}\0{text}\0{seen[(path, text)]}")
    return keys


def _hash(*parts: str) -> str:
    import hashlib  # here: only a finding is fingerprinted

    # surrogateescape: a file name that is not UTF-8 hashes as its own bytes, not a crash.
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _locate(pool: Pool, violation: Violation) -> Span:
    """On the written setting when it lies in the construction, else the construction's first line."""
    site = pool.site
    setting = pool.settings.get(violation.concept) if violation.concept else None
    if setting is not None and setting.span is not None and site.span.contains(setting.span):
        return setting.span
    first_line = site.text.split("\n", 1)[0]
    end_column = (
        site.span.column + len(first_line) if site.span.line != site.span.end_line else site.span.end_column
    )
    return Span(site.span.line, site.span.column, site.span.line, end_column)
