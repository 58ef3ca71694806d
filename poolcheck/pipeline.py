"""One run: discover -> read and prefilter -> extract -> effective pools -> rules -> filters -> report.

The filters after the rules, in order: per-file-ignores, inline suppressions, the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from poolcheck.baseline import without_baselined
from poolcheck.capacity.budget import budgets
from poolcheck.capacity.read import SUFFIXES as CAPACITY_SUFFIXES
from poolcheck.capacity.read import read_declarations
from poolcheck.check import all_rules, check_pools, check_system, default_options
from poolcheck.discover import discover
from poolcheck.effective import effective_pool
from poolcheck.extract import DEFAULT_TIMEOUT
from poolcheck.filters import selected_rules, without_per_file_ignores
from poolcheck.frontends import FRONT_ENDS
from poolcheck.model import Report
from poolcheck.read import DEFAULT_MAX_FILE_SIZE
from poolcheck.root import project_root
from poolcheck.suppress import apply_suppressions
from poolcheck.workers import analyse_files


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
    jobs: int | None = None  # processes reading and extracting; None: one per available core, 1 for few files
    timeout: float | None = DEFAULT_TIMEOUT  # seconds one file's analysis may take; None: no limit
    max_file_size: float = DEFAULT_MAX_FILE_SIZE  # MB; a bigger file is searched, not parsed
    server_max_connections: int | None = None  # the server's limit when the repository does not say
    assume_server_default: bool = False  # without a limit found or given, assume PostgreSQL's 100


def run(paths: list[Path], settings: RunSettings) -> Report:
    sources = tuple(s for fe in FRONT_ENDS for s in fe.suffixes)
    root = settings.pattern_root or Path.cwd()
    found = discover(
        paths, sources + CAPACITY_SUFFIXES, settings.extend_exclude, settings.force_exclude, root
    )
    code = [path for path in found.files if path.endswith(sources)]
    results = analyse_files(code, settings.jobs, settings.timeout, settings.max_file_size)
    pools = tuple(effective_pool(site) for result in results for site in result.sites)
    rules = selected_rules(all_rules(), settings.select, settings.ignore)
    options = {**default_options(), **settings.options}
    declared = read_declarations(path for path in found.files if not path.endswith(sources))
    capacity = budgets(declared, pools, settings.server_max_connections, settings.assume_server_default)
    # Fingerprints name files from the project root (the git work tree, else the configuration's
    # folder, which pattern_root is), so they do not depend on the working directory.
    project = project_root(paths, settings.pattern_root)
    findings = check_pools(pools, rules, options, project) + check_system(capacity, rules, options, project)
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
        capacity=capacity,
        root=project,
    )
