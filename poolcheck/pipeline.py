"""One run: discover -> read and prefilter -> extract -> effective pools -> rules -> report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from poolcheck.check import all_rules, check_pools, default_options
from poolcheck.discover import discover
from poolcheck.effective import effective_pool
from poolcheck.filters import selected_rules
from poolcheck.frontends import FRONT_ENDS
from poolcheck.model import Report
from poolcheck.read import analyse_file


@dataclass(frozen=True)
class RunSettings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    options: Mapping[str, float] = field(default_factory=dict)  # overrides of the rules' defaults
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False


def run(paths: list[Path], settings: RunSettings) -> Report:
    suffixes = tuple(s for fe in FRONT_ENDS for s in fe.suffixes)
    found = discover(paths, suffixes, settings.extend_exclude, settings.force_exclude)
    results = [analyse_file(path) for path in found.files]
    pools = tuple(effective_pool(site) for result in results for site in result.sites)
    rules = selected_rules(all_rules(), settings.select, settings.ignore)
    findings = check_pools(pools, rules, {**default_options(), **settings.options})
    findings.sort(key=lambda f: (f.path, f.span, f.rule))
    errors = found.errors + tuple(e for result in results for e in result.errors)
    return Report(pools, tuple(findings), errors, files_checked=len(found.files))
