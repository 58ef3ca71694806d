"""One run: discover -> read and prefilter -> extract -> effective pools -> rules -> filters -> report.

The filters after the rules, in order: per-file-ignores, inline suppressions, the baseline.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from poolcheck.baseline import without_baselined
from poolcheck.capacity.budget import budgets
from poolcheck.capacity.read import GUNICORN_CONFIGS, read_declarations
from poolcheck.capacity.read import SUFFIXES as CAPACITY_SUFFIXES
from poolcheck.capacity.shares import ceilings
from poolcheck.check import OnError, RuleSet, all_rules, check_pools, check_system
from poolcheck.config import Configs
from poolcheck.discover import discover, display_path
from poolcheck.extract import DEFAULT_TIMEOUT
from poolcheck.frontends import FRONT_ENDS, front_end_for
from poolcheck.model import FileError, FileResult, Finding, Pool, Report, Suppression, UnusedSuppression
from poolcheck.project.wrappers import with_wrapper_calls
from poolcheck.read import DEFAULT_MAX_FILE_SIZE, read_regular
from poolcheck.roles import role_of
from poolcheck.root import project_root, relative_to_root
from poolcheck.settings import Overrides, SettingsLookup
from poolcheck.suppress import apply_suppressions
from poolcheck.workers import EarlyWorkers, KeptWorkers, analyse_data_bounded, analyse_files

if TYPE_CHECKING:  # here: a run with no pool reads no lockfile, no declared variable, asks no server
    from poolcheck.live import LiveServer
    from poolcheck.project.environment import DeclaredEnvironment
    from poolcheck.versions.lookup import VersionLookup


@dataclass(frozen=True)
class RunSettings:
    # Each file's configuration (the nearest one, or --config's everywhere), read as the run needs it.
    configs: Configs = field(default_factory=Configs)
    overrides: Overrides = field(default_factory=Overrides)  # the command line, over every file's
    force_exclude: bool = False
    respect_gitignore: bool = True  # skip what git (or the .gitignore files, outside git) ignores
    follow_symlinks: bool = False  # read symlinked files whose target is outside the checked folders
    baseline: frozenset[str] | None = None  # fingerprints of known findings to hide
    jobs: int | None = None  # processes reading and extracting; None: one per available core, 1 for few files
    timeout: float | None = DEFAULT_TIMEOUT  # seconds one file's analysis may take; None: no limit
    max_file_size: float = DEFAULT_MAX_FILE_SIZE  # MB; a bigger file is searched, not parsed
    server_max_connections: int | None = None  # the server's limit when the repository does not say
    assume_server_default: bool = False  # without a limit found or given, assume PostgreSQL's 100
    live_server: LiveServer | None = None  # the limits read from a running server (--server-url)
    include_tests: bool = False  # check the pools of test code too (roles.py)
    project_root: Path | None = None  # what fingerprints name files from; None: found from the paths
    read_versions: bool = True  # library versions from lockfiles and manifests; False: the latest's facts


@dataclass(frozen=True)
class Stdin:
    """Source piped in (``poolcheck -``): its bytes and the path it stands for (``--stdin-filename``)."""

    data: bytes
    path: str | None = None  # None: shown as "-" and read as Python, as ruff does


@dataclass(frozen=True)
class Files:
    """What a run checks: source files, the files declaring servers and replicas, and what was said."""

    sources: tuple[str, ...]
    declarations: tuple[str, ...]
    errors: tuple[FileError, ...]
    warnings: tuple[str, ...]
    # With only files named and a system file among them, the repository's code is read for the
    # budgets, and the pools' findings are reported for these (as shown) only; None: for every file.
    reported: frozenset[str] | None = None
    named: int | None = None  # files named one by one: the run says it checked these, not the system's

    @property
    def checked(self) -> int:
        return self.named if self.named is not None else len({*self.sources, *self.declarations})


# What only a run with a pool judges with: the effective pools, the declared environment, the
# variants, and hashlib for the findings' fingerprints.
JUDGING_MODULES = ("poolcheck.effective", "poolcheck.project.environment", "poolcheck.variants", "hashlib")


def source_suffixes() -> tuple[str, ...]:
    return tuple(suffix for front_end in FRONT_ENDS for suffix in front_end.suffixes)


def files_to_check(
    paths: list[Path],
    settings: RunSettings,
    lookup: SettingsLookup,
    found_so_far: Callable[[Sequence[str]], None] | None = None,
) -> Files:
    """The files under ``paths``; excludes come from each file's own configuration.

    A file named on the command line is checked unless ``--force-exclude``. ``found_so_far`` is
    told the files the walk adds as it goes (discover.py).
    """
    sources = source_suffixes()
    found = discover(
        paths,
        sources + CAPACITY_SUFFIXES,
        force_exclude=settings.force_exclude,
        respect_gitignore=settings.respect_gitignore,
        follow_symlinks=settings.follow_symlinks,
        on_found=found_so_far,
    )
    named = set() if settings.force_exclude else {os.path.abspath(p) for p in paths if not os.path.isdir(p)}
    files = [path for path in found.files if not _excluded(path, named, lookup)]
    code = tuple(path for path in files if path.endswith(sources))
    warnings = [
        f"{display_path(path)}: not a Python or Rust file, nor one that declares servers; not checked"
        for path in paths
        if os.path.isfile(path) and not str(path).endswith(sources + CAPACITY_SUFFIXES)
    ]
    if not code:
        shown = " ".join(display_path(p) for p in paths)
        warnings.append(f"no Python or Rust files found under {shown}")
    warnings += found.warnings
    declaring = tuple(p for p in files if _declares(p, sources))
    checked = Files(code, declaring, found.errors, tuple(warnings))
    if paths and not any(os.path.isdir(p) for p in paths):
        return _with_the_system(paths, checked, settings, lookup)
    return checked


def _declares(path: str, sources: tuple[str, ...]) -> bool:
    """Is the file one that may declare servers, replicas or processes (not code only)?"""
    return not path.endswith(sources) or path.endswith(GUNICORN_CONFIGS)


def _declares_something(path: str) -> bool:
    """Does the file hold a word that servers, replicas, processes or bouncers are declared with?"""
    from poolcheck.capacity.read import MAX_SIZE
    from poolcheck.capacity.sources import is_candidate  # here: it loads the YAML reader

    try:
        return is_candidate(os.path.basename(path), read_regular(path, MAX_SIZE))
    except OSError:
        return False


def _with_the_system(paths: list[Path], named: Files, settings: RunSettings, lookup: SettingsLookup) -> Files:
    """Files named one by one (the staged files a pre-commit hook passes): the system is the
    repository's all the same. Its system files (compose, Kubernetes, pgbouncer.ini, ...) count,
    and when one of them is named, its code is read too, so that the budgets see every pool,
    while the pools' findings are reported for the named files only. Outside a git work tree the
    named files are the whole run, as a folder above them may be anything.
    """
    root = settings.project_root or project_root(paths, None)
    top = str(root).rstrip(os.sep) + os.sep
    inside = all(os.path.abspath(p).startswith(top) for p in paths)  # not files of another tree
    if not inside or not os.path.exists(os.path.join(root, ".git")):
        return named
    sources = source_suffixes()
    whole = discover(
        [root],
        sources + CAPACITY_SUFFIXES,
        respect_gitignore=settings.respect_gitignore,
        follow_symlinks=settings.follow_symlinks,
    )
    files = [path for path in whole.files if not _excluded(path, set(), lookup)]
    declaring = tuple(dict.fromkeys((*named.declarations, *(p for p in files if _declares(p, sources)))))
    count = len({*named.sources, *named.declarations})
    if not any(_declares_something(p) for p in named.declarations):  # a CI workflow, say
        return replace(named, declarations=declaring, named=count)
    code = tuple(dict.fromkeys((*named.sources, *(p for p in files if p.endswith(sources)))))
    quiet = tuple(w for w in named.warnings if not w.startswith("no Python or Rust files found"))
    return Files(code, declaring, named.errors, quiet, frozenset(named.sources), count)


def _excluded(path: str, named: set[str], lookup: SettingsLookup) -> bool:
    """Does the file's own configuration exclude it? Never for a file named on the command line."""
    applying = lookup.for_file(path)
    # Most configurations exclude nothing: no path arithmetic for their files.
    if not applying.extend_exclude:
        return False
    return os.path.abspath(path) not in named and applying.excludes(path)


@dataclass(frozen=True)
class Analysis:
    """The files a run checks and their results, before the pools are judged."""

    files: Files
    results: tuple[FileResult, ...]  # the source files' that say something (sites, errors), in order
    root: Path
    from_stdin: bool = False
    # The library versions the pools' folders use, read while the workers read on; every judging
    # of the run (a fix's too: it edits no lockfile) asks the same.
    versions: VersionLookup | None = field(default=None, compare=False, repr=False)

    def with_results(self, replaced: dict[str, FileResult]) -> Analysis:
        """The same run with some files' results read again (from fixed text)."""
        return replace(self, results=tuple(replaced.get(r.path, r) for r in self.results))


def run(paths: list[Path], settings: RunSettings, stdin: Stdin | None = None) -> Report:
    """Check the files under ``paths``, or only ``stdin`` when given."""
    return judge(analyse(paths, settings, stdin), settings)


def analyse(
    paths: list[Path], settings: RunSettings, stdin: Stdin | None = None, kept: KeptWorkers | None = None
) -> Analysis:
    """Find the files and read every source file's pool sites (in parallel); ``kept`` is handed the
    workers, with the trees of the files with a pool, for a fixing run's reading again."""
    lookup = SettingsLookup(settings.configs, settings.overrides)
    root = settings.project_root or project_root(paths, None)
    versions: list[VersionLookup] = []
    if stdin is None:
        limits = (settings.timeout, settings.max_file_size)
        with EarlyWorkers(settings.jobs, *limits, keep_trees=kept is not None) as early:
            files = files_to_check(paths, settings, lookup, early.found)
            received = _looking_up(versions, root, settings.read_versions)
            results = analyse_files(files.sources, settings.jobs, *limits, received, kept, early.take())
        results = with_wrapper_calls(results, files.sources, settings.timeout, settings.max_file_size)
    else:
        result, warnings = _analyse_stdin(stdin, settings, lookup)
        files, results = Files((), (), (), warnings), [result]
    return Analysis(files, tuple(results), root, stdin is not None, next(iter(versions), None))


def _looking_up(versions: list[VersionLookup], root: Path, read: bool) -> Callable[[FileResult], None]:
    """Look up the versions of each result's pools as it arrives (the lookup made on the first),
    if ``read``; at the first, load what judging the pools takes, while the workers read on."""
    judging_loaded = False

    def received(result: FileResult) -> None:
        nonlocal judging_loaded
        if not result.sites:
            return
        if not judging_loaded:
            _load_judging()
            judging_loaded = True
        if not read:
            return
        if not versions:
            from poolcheck.versions.lookup import VersionLookup  # here: only with a pool

            versions.append(VersionLookup(root))
        for site in result.sites:
            with suppress(Exception):  # a bug of ours is met again, and reported, when the pool is judged
                versions[0].version(site.path, site.language, site.library)

    return received


def _load_judging() -> None:
    """Import the modules only a run with a pool judges with, and the rules (judge imports them
    where it uses them): in this process, idle while the workers read, rather than after them."""
    for module in JUDGING_MODULES:
        importlib.import_module(module)
    all_rules()


def judge(analysis: Analysis, settings: RunSettings) -> Report:
    """The pools' effective configuration at their versions, in their system, and the rules' findings."""
    lookup = SettingsLookup(settings.configs, settings.overrides)
    files, results, root = analysis.files, analysis.results, analysis.root
    # A bug of ours met on one pool is an error entry for its file; the other pools are still checked.
    internal: list[FileError] = []

    def failed(path: str, what: str, error: Exception) -> None:
        message = f"internal error while checking {what} ({type(error).__name__}: {error}); please report it"
        internal.append(FileError(path, message, "parse"))

    versions = None
    any_pool = any(result.sites for result in results)
    if settings.read_versions and any_pool:
        from poolcheck.versions.lookup import VersionLookup

        versions = analysis.versions or VersionLookup(root)
    # The variables pools read: the system's files are read for their values too, in the same pass.
    wanted: frozenset[str] = frozenset()
    if any_pool:
        from poolcheck.project.environment import DeclaredEnvironment, variables_read

        wanted = variables_read(site for result in results for site in result.sites)
    declared = read_declarations(files.declarations, wanted)
    environment = (
        DeclaredEnvironment.of(declared.environment, declared.references, wanted) if wanted else None
    )
    effective = _effective_pools(results, failed, versions, environment)
    pools = tuple(_with_role(pool, root) for pool in effective)

    def rule_set(path: str) -> RuleSet:
        return lookup.for_file(path).rule_set

    try:
        capacity = budgets(
            declared,
            pools,
            settings.server_max_connections,
            settings.assume_server_default,
            settings.live_server,
        )
    except Exception as error:  # the pools are still checked one by one, without the server's budget
        capacity = ()
        failed(next(iter(files.declarations), "."), "the servers' connection budgets", error)
    # Each pool's share of the budgets it counts in: what its recommended size may not pass.
    shares = ceilings(capacity)
    pools = tuple(
        pool if shares.get(index) is pool.ceiling else replace(pool, ceiling=shares.get(index))
        for index, pool in enumerate(pools)
    )
    findings = check_pools(pools, rule_set, root, failed, settings.include_tests)
    findings += check_system(capacity, rule_set, root, failed)
    findings.sort(key=lambda f: (f.path, f.span, f.rule))
    findings = [f for f in findings if not _ignored_here(f, lookup)]
    suppressions = {result.path: result.suppressions for result in results if result.suppressions}
    findings, unused = _suppressed(findings, pools, suppressions, failed)
    if files.reported is not None:  # code read for the budgets only: its own findings are not asked for
        findings = [f for f in findings if f.pool is None or f.path in files.reported]
    baselined = 0
    if settings.baseline is not None:
        findings, baselined = without_baselined(findings, settings.baseline)
    read_errors = (e for result in results for e in result.errors)
    if files.reported is not None:
        read_errors = (e for e in read_errors if e.path in files.reported)
    errors = files.errors + tuple(read_errors) + tuple(internal)
    errors += declared.errors  # values out of range, documents not read, in the declaring files
    return Report(
        pools,
        tuple(findings),
        errors,
        files_checked=len(results) if analysis.from_stdin else files.checked,
        unused_suppressions=tuple(unused),
        baselined=baselined,
        capacity=capacity,
        root=root,
        warnings=files.warnings
        + declared.warnings
        # Sorted: the lookups were made in the order the workers' results came.
        + tuple(sorted(set(versions.warnings if versions else ()))),
    )


def _effective_pools(
    results: tuple[FileResult, ...],
    failed: OnError,
    versions: VersionLookup | None,
    environment: DeclaredEnvironment | None = None,
) -> Iterator[Pool]:
    """Each site's effective pool at its library's version, its knobs read from declared variables
    given the values the repository declares; a site that fails is told to ``failed`` and left out.
    """
    for result in results:
        for site in result.sites:
            from poolcheck.effective import effective_pool  # here: the library tables, only with a pool
            from poolcheck.project.environment import with_declared_environment  # here: only with a pool
            from poolcheck.versions.lookup import version_used

            try:
                if environment is not None:
                    site = with_declared_environment(site, environment)
                yield effective_pool(replace(site, version=version_used(site, versions)))
            except Exception as error:
                failed(site.path, f"the {site.constructor} pool at line {site.span.line}", error)


def _with_role(pool: Pool, root: Path) -> Pool:
    """The pool with its role, read from where it is built in the project and from the code around
    it (the front end's)."""
    where = relative_to_root(pool.site.path, root) or pool.site.path
    role = role_of(where, pool.site.text, pool.site.role)
    return pool if role == pool.site.role else replace(pool, site=replace(pool.site, role=role))


def _suppressed(
    findings: list[Finding],
    pools: tuple[Pool, ...],
    suppressions: dict[str, tuple[Suppression, ...]],
    failed: OnError,
) -> tuple[list[Finding], list[UnusedSuppression]]:
    """apply_suppressions one file at a time: a file whose comments fail keeps its findings, unsuppressed."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:  # sorted by path, so the order holds
        by_path.setdefault(finding.path, []).append(finding)
    kept: list[Finding] = []
    unused: list[UnusedSuppression] = []
    for path in sorted(by_path.keys() | suppressions.keys()):
        here = by_path.get(path, [])
        try:
            shown, idle = apply_suppressions(
                here, pools, {path: suppressions[path]} if path in suppressions else {}
            )
        except Exception as error:
            failed(path, "its suppression comments", error)
            shown, idle = here, []
        kept += shown
        unused += idle
    return kept, unused


def _analyse_stdin(
    stdin: Stdin, settings: RunSettings, lookup: SettingsLookup
) -> tuple[FileResult, tuple[str, ...]]:
    """Standard input's result, read by the front end its file name's suffix names (Python without one)."""
    if stdin.path is None:
        python = next(fe for fe in FRONT_ENDS if fe.language == "python")
        return analyse_data_bounded("-", stdin.data, python, settings.timeout, settings.max_file_size), ()
    shown = display_path(stdin.path)
    front_end = front_end_for(shown)
    if front_end is None:
        return FileResult(shown), (f"{shown}: not a Python or Rust file; standard input not checked",)
    if settings.force_exclude and lookup.for_file(stdin.path).excludes(stdin.path):
        return FileResult(shown), ()
    return analyse_data_bounded(shown, stdin.data, front_end, settings.timeout, settings.max_file_size), ()


def _ignored_here(finding: Finding, lookup: SettingsLookup) -> bool:
    """Does per-file-ignores of the finding's file name its rule?"""
    return lookup.for_file(finding.path).ignores(finding.path, (finding.rule, finding.name))
