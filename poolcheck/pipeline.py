"""One run: discover -> read and prefilter -> extract -> effective pools -> rules -> filters -> report.

The filters after the rules, in order: per-file-ignores, inline suppressions, the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from poolcheck.baseline import without_baselined
from poolcheck.check import all_rules, check_pools, default_options
from poolcheck.discover import discover
from poolcheck.effective import effective_pool
from poolcheck.filters import selected_rules, without_per_file_ignores
from poolcheck.frontends import FRONT_ENDS
from poolcheck.model import Report
from poolcheck.read import analyse_file
from poolcheck.suppress import apply_suppressions


@dataclass(frozen=True)
class RunSettings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    options: Mapping[str, float] = field(default_factory=dict)  # overrides of the rules' defaults
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # gitignore-style pattern -> selectors
    # The folder that exclude and per-file-ignores patterns are relative to: the configuration's,
    # else the working directory.
    pattern_root: Path | None = None
    baseline: frozenset[str] | None = None  # fingerprints of known findings to hide


def run(paths: list[Path], settings: RunSettings) -> Report:
    suffixes = tuple(s for fe in FRONT_ENDS for s in fe.suffixes)
    root = settings.pattern_root or Path.cwd()
    found = discover(paths, suffixes, settings.extend_exclude, settings.force_exclude, root)
    results = [analyse_file(path) for path in found.files]
    pools = tuple(effective_pool(site) for result in results for site in result.sites)
    rules = selected_rules(all_rules(), settings.select, settings.ignore)
    findings = check_pools(pools, rules, {**default_options(), **settings.options})
    findings.sort(key=lambda f: (f.path, f.span, f.rule))
    findings = without_per_file_ignores(findings, settings.per_file_ignores, root)
    suppressions = {result.path: result.suppressions for result in results if result.suppressions}
    findings, unused = apply_suppressions(findings, pools, suppressions)
    baselined = 0
    if settings.baseline is not None:
        findings, baselined = without_baselined(findings, settings.baseline)
    errors = found.errors + tuple(e for result in results for e in result.errors)
    return Report(
        pools,
        tuple(findings),
        errors,
        files_checked=len(found.files),
        unused_suppressions=tuple(unused),
        baselined=baselined,
    )
