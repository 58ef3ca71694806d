"""Benchmark poolcheck against reading the files, ripgrep and semgrep, in one run.

    python bench/run.py                                   # the synthetic 10,000-file tree
    python bench/run.py --semgrep /tmp/semgrep-venv/bin/semgrep
    python bench/run.py --files 2000 --pool-share 0,0.02  # one tree per share
    python bench/run.py --tree ~/src/checkout --no-synthetic
    python bench/run.py --walk-only                       # only the walk: git, own walk, before
    python bench/run.py --against /tmp/old/bin/poolcheck  # the whole command against an earlier install
    python bench/run.py --front-end-only --against /tmp/old/bin/poolcheck  # the Python front end per file
    python bench/run.py --fix-only                        # --diff and --fix against a plain run

Every tree is measured with:

- poolcheck: the installed command, as a subprocess, with the default jobs;
- floor: a small Python script that walks the tree, reads every .rs/.py/.pyi
  file and searches poolcheck's trigger tokens (the same tokens poolcheck
  searches) - the least any Python linter must do;
- cat: ``cat`` over the same files, the cost of reading them without a search;
- rg: ripgrep with the same tokens, when installed;
- semgrep: with rules written here that find the same constructions, when
  ``--semgrep PATH`` (or a semgrep on PATH) is given;
- before: another poolcheck command, when ``--against PATH`` is given (an
  earlier revision installed in a venv of its own, not editable).

Library version discovery (the lockfiles and manifests the corpus carries) is
measured in this process on each tree: whole runs with and without it,
round-robin, and the lookup alone over the pools the run found, from a cold
cache; both as a share of the run.

Each command runs ``--repeat`` times, round-robin after one warm-up each, and
medians are compared, so the ratios hold on a noisy machine even when the
seconds do not; each command's CPU time (its workers' too) is shown beside, which
waits for a busy machine's cores do not inflate. The commands run without PYTHONDONTWRITEBYTECODE, so that an
editable install loads from bytecode caches as an installed package does.
The walk (discovery alone, in this process) is measured apart, on the synthetic
tree with .gitignore files and the build output they leave out: as a git work
tree with every file untracked, the same with every file added, poolcheck's
own walk (as without git), and the walker of ``--walk-against`` (a revision of
this repository; by default the last one before discovery asked git).
poolcheck's memory is measured in one more run: the largest process's peak RSS
(getrusage of the children) and the peak sum over poolcheck and its workers,
sampled from /proc every few milliseconds (RSS, and PSS, which counts the pages
forked workers share once).

The Python front end is measured per file, in-process, on two Python trees of
``--front-end-files`` files: a dense one (every file builds an engine) and one
with no trigger token in any file; with ``--against``, the same timing code runs
under that install's interpreter over the same trees, round-robin with this
checkout's, so both numbers come from one run (bench/front_end.py).

The fixing run is measured against a plain run, in one run, on the trees with
pools and on a dense tree of ``--fix-files`` files where every file builds a
pool: ``poolcheck --diff`` (the whole fix pipeline: plan, edit, parse checks, the
fixed files judged again, without writing) and ``poolcheck --fix`` on a fresh copy
of the tree each repetition (the copy made outside the timing), round-robin with
the plain run after one warm-up each, medians by the clock and in CPU time. The
target: a fixing run costs at most 2x a plain one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import add_ignore_files, build_corpus
from front_end import front_end_benchmark

from poolcheck.capacity.read import SUFFIXES as CAPACITY_SUFFIXES
from poolcheck.discover import DEFAULT_EXCLUDES, discover
from poolcheck.frontends import FRONT_ENDS
from poolcheck.gitignore import repository_top
from poolcheck.model import Candidate
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import read_source, search_tokens
from poolcheck.versions.lookup import VersionLookup, version_used
from poolcheck.workers import available_cores

FLOOR = """
import json, os, sys

tokens = {suffix: [t.encode() for t in found] for suffix, found in json.loads(sys.argv[2]).items()}
excluded = set(json.loads(sys.argv[3]))
files = candidates = 0
for folder, folders, names in os.walk(sys.argv[1]):
    folders[:] = [f for f in folders if f not in excluded]
    for name in names:
        wanted = tokens.get(os.path.splitext(name)[1])
        if wanted is None:
            continue
        with open(os.path.join(folder, name), "rb") as stream:
            data = stream.read()
        files += 1
        candidates += any(token in data for token in wanted)
print(files, candidates)
"""

SEMGREP_RULES = """
rules:
  - id: sqlx-pool-options
    languages: [rust]
    severity: WARNING
    message: sqlx pool built here
    pattern-either:
      - pattern: PgPoolOptions::new()
      - pattern: MySqlPoolOptions::new()
      - pattern: SqlitePoolOptions::new()
      - pattern: AnyPoolOptions::new()
      - pattern: $P::PgPoolOptions::new()
      - pattern: $P::MySqlPoolOptions::new()
      - pattern: sqlx::postgres::PgPoolOptions::new()
      - pattern: sqlx::mysql::MySqlPoolOptions::new()
      - pattern: sqlx::sqlite::SqlitePoolOptions::new()
      - pattern: PoolOptions::<$DB>::new()
      - pattern: PgPool::connect($URL)
      - pattern: PgPool::connect_lazy($URL)
      - pattern: MySqlPool::connect($URL)
      - pattern: Pool::<$DB>::connect($URL)
  - id: sqlx-pool-settings
    languages: [rust]
    severity: WARNING
    message: pool setting written here
    pattern-either:
      - pattern: $B.max_connections($N)
      - pattern: $B.min_connections($N)
      - pattern: $B.acquire_timeout($D)
      - pattern: $B.idle_timeout($D)
      - pattern: $B.max_lifetime($D)
      - pattern: $B.test_before_acquire($F)
  - id: rust-pool-builders
    languages: [rust]
    severity: WARNING
    message: bb8, r2d2, deadpool or sea-orm pool built here
    pattern-either:
      - pattern: Pool::builder()
      - pattern: $P::Pool::builder()
      - pattern: $B.max_size($N)
      - pattern: ConnectOptions::new($URL)
      - pattern: Database::connect($OPTIONS)
      - pattern: $CONFIG.create_pool($RUNTIME, $TLS)
  - id: sqlalchemy-engine
    languages: [python]
    severity: WARNING
    message: SQLAlchemy engine built here
    pattern-either:
      - pattern: sqlalchemy.create_engine(...)
      - pattern: sqlalchemy.ext.asyncio.create_async_engine(...)
      - pattern: sqlalchemy.engine_from_config(...)
      - pattern: sqlalchemy.ext.asyncio.async_engine_from_config(...)
      - pattern: sqlalchemy.pool.QueuePool(...)
      - pattern: sqlalchemy.create_engine(..., pool_size=$N, ...)
      - pattern: sqlalchemy.create_engine(..., poolclass=sqlalchemy.pool.NullPool, ...)
  - id: python-pools
    languages: [python]
    severity: WARNING
    message: asyncpg, psycopg_pool, psycopg2 or aiopg pool built here
    pattern-either:
      - pattern: asyncpg.create_pool(...)
      - pattern: psycopg_pool.ConnectionPool(...)
      - pattern: psycopg_pool.AsyncConnectionPool(...)
      - pattern: psycopg_pool.NullConnectionPool(...)
      - pattern: psycopg2.pool.SimpleConnectionPool(...)
      - pattern: psycopg2.pool.ThreadedConnectionPool(...)
      - pattern: aiopg.create_pool(...)
  - id: python-settings
    languages: [python]
    severity: WARNING
    message: Django or Flask-SQLAlchemy database settings
    pattern-either:
      - pattern: DATABASES = {...}
      - pattern: SQLALCHEMY_ENGINE_OPTIONS = {...}
"""


@dataclass(frozen=True)
class Tree:
    label: str
    root: Path
    files: int
    megabytes: float
    candidates: int  # files holding a trigger token: what the floor finds
    parsed: int  # files poolcheck's prefilter passes to a parser (some triggers need a companion token)


def poolcheck_command() -> list[str]:
    script = shutil.which("poolcheck") or str(Path(sys.executable).parent / "poolcheck")
    return [script]


def environment() -> dict[str, str]:
    """As a user has it: bytecode caches written and used, as an installed package has them."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def trigger_tokens() -> dict[str, list[str]]:
    """Suffix -> the tokens poolcheck's prefilter searches for files with it."""
    return {
        suffix: [token.decode() for token in search_tokens(front_end.triggers)]
        for front_end in FRONT_ENDS
        for suffix in front_end.suffixes
    }


def floor_command(scratch: Path, root: Path) -> list[str]:
    script = scratch / "floor.py"
    script.write_text(FLOOR)
    tokens, excluded = json.dumps(trigger_tokens()), json.dumps(list(DEFAULT_EXCLUDES))
    return [sys.executable, str(script), str(root), tokens, excluded]


def cat_command(scratch: Path, root: Path) -> list[str]:
    """``cat`` over every source file: the operating system's cost of reading them, no search."""
    listing = scratch / f"{root.name}.files"
    suffixes = tuple(trigger_tokens())
    files = [str(path) for path in sorted(root.rglob("*")) if path.suffix in suffixes and path.is_file()]
    listing.write_text("\0".join(files))
    return ["sh", "-c", f"xargs -0 cat < '{listing}' > /dev/null"]


def rg_command(root: Path) -> list[str] | None:
    rg = shutil.which("rg")
    if rg is None:
        return None
    tokens = sorted({token for found in trigger_tokens().values() for token in found})
    globs = [arg for suffix in trigger_tokens() for arg in ("--glob", f"*{suffix}")]
    return [
        rg,
        "--files-with-matches",
        "--fixed-strings",
        *(a for t in tokens for a in ("-e", t)),
        *globs,
        str(root),
    ]


def semgrep_command(semgrep: str | None, scratch: Path, root: Path) -> list[str] | None:
    semgrep = semgrep or shutil.which("semgrep")
    if semgrep is None:
        return None
    rules = scratch / "semgrep-rules.yaml"
    rules.write_text(SEMGREP_RULES)
    return [
        semgrep,
        "scan",
        "--config",
        str(rules),
        "--metrics",
        "off",
        "--disable-version-check",
        "--quiet",
        "--json",
        "--output",
        str(scratch / "semgrep.json"),
        "--jobs",
        str(available_cores()),
        str(root),
    ]


Measured = tuple[dict[str, list[float]], dict[str, list[float]]]  # wall times, CPU times, by command


def measure(commands: dict[str, list[str]], repeat: int) -> Measured:
    """Wall times and CPU times of each command, run round-robin ``repeat`` times after one warm-up each.

    The CPU time is the command's and its workers' (user + system): on a machine busy with other
    work the clock counts the waits for a core too, the CPU time does not.
    """
    env = environment()
    for command in commands.values():
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            used = _children_cpu()
            start = time.perf_counter()
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
            )
            times[name].append(time.perf_counter() - start)
            cpu[name].append(_children_cpu() - used)
    return times, cpu


def _children_cpu() -> float:
    """CPU seconds of the finished children of this process and theirs (the workers they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; zeros once it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


def peak_memory(command: list[str]) -> tuple[float, float | None, float | None]:
    """Peak RSS of the largest process (MB), and the peak summed RSS and PSS of the whole tree (MB)."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    largest = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        capture_output=True,
        text=True,
        env=environment(),
        check=True,
    )
    largest_mb = int(largest.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    if not Path("/proc/self/smaps_rollup").exists():
        return largest_mb, None, None
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment()
    )
    peak_rss = peak_pss = 0
    while process.poll() is None:
        sizes = [memory_kib(pid) for pid in descendants(process.pid)]
        peak_rss = max(peak_rss, sum(rss for rss, _ in sizes))
        peak_pss = max(peak_pss, sum(pss for _, pss in sizes))
        time.sleep(0.003)
    return largest_mb, peak_rss / 1024, peak_pss / 1024


def describe(label: str, root: Path, scratch: Path) -> Tree:
    counted = subprocess.run(floor_command(scratch, root), capture_output=True, text=True, check=True)
    files, candidates = (int(n) for n in counted.stdout.split())
    size = sum(
        p.stat().st_size
        for p in root.rglob("*")
        if p.suffix in trigger_tokens() and p.is_file() and not p.is_symlink()
    )
    sources = tuple(suffix for front_end in FRONT_ENDS for suffix in front_end.suffixes)
    found = discover([root], sources).files
    parsed = sum(isinstance(read_source(path), Candidate) for path in found)
    return Tree(label, root, files, size / 1e6, candidates, parsed)


def report(
    tree: Tree,
    measured: Measured,
    memory: tuple[float, float | None, float | None],
) -> None:
    times, cpu = measured
    medians = {name: statistics.median(found) for name, found in times.items()}
    cpu_medians = {name: statistics.median(found) for name, found in cpu.items()}
    floor, poolcheck = medians["floor"], medians["poolcheck"]
    print(
        f"\n{tree.label}: {tree.files} files, {tree.megabytes:.1f} MB, "
        f"{tree.candidates} with a trigger token, {tree.parsed} parsed"
    )
    print(
        f"  {'command':<12}{'median s':>10}{'min s':>9}{'max s':>9}{'x floor':>10}{'x poolcheck':>13}"
        f"{'CPU s':>9}"
    )
    for name, found in times.items():
        median = medians[name]
        print(
            f"  {name:<12}{median:>10.3f}{min(found):>9.3f}{max(found):>9.3f}"
            f"{median / floor:>10.2f}{median / poolcheck:>13.2f}{cpu_medians[name]:>9.3f}"
        )
    print(f"  poolcheck / floor: {poolcheck / floor:.2f}x (target: at most 2x)")
    if "semgrep" in medians:
        print(f"  semgrep / poolcheck: {medians['semgrep'] / poolcheck:.1f}x (target: at least 10x)")
    if "before" in medians:
        print(
            f"  poolcheck / before: {poolcheck / medians['before']:.2f}x (target: no slowdown, at most "
            f"1.0x); in CPU time, all processes: {cpu_medians['poolcheck'] / cpu_medians['before']:.2f}x"
        )
    largest, total_rss, total_pss = memory
    together = f"; all processes together {total_rss:.0f} MB RSS, {total_pss:.0f} MB PSS" if total_rss else ""
    print(f"  poolcheck peak memory: largest process {largest:.0f} MB{together} (target: under 300 MB)")


FIX_TARGET = 2.0  # a fixing run may cost this many times a plain run


def measure_fix(root: Path, scratch: Path, repeat: int) -> Measured:
    """A plain run, ``--diff`` and ``--fix`` (on a fresh copy each time), round-robin after one warm-up."""
    copy = scratch / f"{root.name}-fixed"
    quiet = [*poolcheck_command(), "--quiet", "--exit-zero"]
    commands = {
        "plain": [*quiet, str(root)],
        "--diff": [*quiet, "--diff", str(root)],
        "--fix": [*quiet, "--fix", str(copy)],
    }
    env = environment()
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for repetition in range(repeat + 1):  # the first is the warm-up
        for name, command in commands.items():
            if name == "--fix":
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(root, copy, symlinks=True)
            used = _children_cpu()
            start = time.perf_counter()
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
            )
            if repetition:
                times[name].append(time.perf_counter() - start)
                cpu[name].append(_children_cpu() - used)
    shutil.rmtree(copy, ignore_errors=True)
    return times, cpu


def fixes_counted(root: Path) -> str:
    """What ``--diff`` says it would fix on ``root``, as it says it."""
    shown = subprocess.run(
        [*poolcheck_command(), "--quiet", "--diff", str(root)],
        capture_output=True,
        text=True,
        env=environment(),
        check=False,
    )
    said = [line for line in shown.stderr.splitlines() if line.startswith("Would fix")]
    return said[0] if said else "nothing to fix"


def report_fix(label: str, root: Path, measured: Measured) -> None:
    times, cpu = measured
    medians = {name: statistics.median(found) for name, found in times.items()}
    cpu_medians = {name: statistics.median(found) for name, found in cpu.items()}
    print(f"\n{label}: fixing runs ({fixes_counted(root)})")
    print(
        f"  {'command':<10}{'median s':>10}{'min s':>9}{'max s':>9}{'x plain':>9}{'CPU s':>9}"
        f"{'CPU x plain':>13}"
    )
    for name, found in times.items():
        print(
            f"  {name:<10}{medians[name]:>10.3f}{min(found):>9.3f}{max(found):>9.3f}"
            f"{medians[name] / medians['plain']:>9.2f}{cpu_medians[name]:>9.3f}"
            f"{cpu_medians[name] / cpu_medians['plain']:>13.2f}"
        )
    for name in ("--diff", "--fix"):
        print(
            f"  {name} / plain: {medians[name] / medians['plain']:.2f}x, in CPU time "
            f"{cpu_medians[name] / cpu_medians['plain']:.2f}x (target: at most {FIX_TARGET:g}x)"
        )


def fix_benchmarks(trees: list[tuple[str, Path]], scratch: Path, files: int, repeat: int) -> None:
    """The fixing runs on each tree with pools, and on a tree where every file builds one."""
    dense = build_corpus(scratch / "fix-dense", files, pool_share=1.0, lookalike_share=0.0)
    for label, root in [*trees, (f"dense, {files} files, every one a pool", dense)]:
        report_fix(label, root, measure_fix(root, scratch, repeat))


def measure_versions(label: str, root: Path, repeat: int) -> None:
    """Runs with and without version discovery, round-robin, and the lookup alone from a cold cache."""
    times: dict[str, list[float]] = {"with versions": [], "without": [], "lookup alone": []}
    pools = run([root], RunSettings(read_versions=False)).pools  # warm-up: the OS caches the files
    for _ in range(repeat):
        for name, read_versions in (("with versions", True), ("without", False)):
            started = time.perf_counter()
            run([root], RunSettings(read_versions=read_versions))
            times[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        lookup = VersionLookup(root)
        found = sum(not version_used(pool.site, lookup).assumed for pool in pools)
        times["lookup alone"].append(time.perf_counter() - started)
    medians = {name: statistics.median(found) for name, found in times.items()}
    print(f"\n{label}: version discovery, {len(pools)} pools, {found} with a version from a file")
    for name, median in medians.items():
        print(f"  {name:<14}{median:>10.4f} s")
    print(
        f"  with / without: {medians['with versions'] / medians['without']:.3f}x; lookup alone: "
        f"{medians['lookup alone'] / medians['without']:.2%} of a run (target: under 5%)"
    )


# The last revision whose walk read the .gitignore files itself, before discovery asked git.
WALK_BEFORE = "d8f99f0"
Walk = Callable[[], int]  # one discovery; the number of files it found


def walker_at(revision: str) -> types.ModuleType | None:
    """poolcheck/discover.py as it was at ``revision`` of this checkout, or None without one."""
    checkout = Path(__file__).resolve().parent.parent
    shown = subprocess.run(
        ["git", "-C", str(checkout), "show", f"{revision}:poolcheck/discover.py"],
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        return None
    module = types.ModuleType(f"discover_at_{revision}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(shown.stdout, f"{revision}:poolcheck/discover.py", "exec"), module.__dict__)
    return module


def walk_trees(scratch: Path, files: int) -> tuple[Path, Path, int]:
    """Two copies of the synthetic tree with ignore files: one all untracked, one all added to git."""
    roots = []
    for name in ("walk-untracked", "walk-tracked"):
        root = build_corpus(scratch / name, files)
        ignored = add_ignore_files(root)
        git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        subprocess.run([*git, "init", "-q"], check=True)
        if name == "walk-tracked":
            subprocess.run([*git, "add", "-A"], check=True)
        roots.append(root)
    return roots[0], roots[1], ignored


def measure_walks(walks: dict[str, Walk], repeat: int) -> dict[str, list[float]]:
    """Seconds of each discovery, round-robin ``repeat`` times after one warm-up each."""
    counts = {name: walk() for name, walk in walks.items()}
    if len(set(counts.values())) > 1:
        print(f"  (the walks disagree on the files: {counts})")
    times: dict[str, list[float]] = {name: [] for name in walks}
    for _ in range(repeat):
        for name, walk in walks.items():
            start = time.perf_counter()
            walk()
            times[name].append(time.perf_counter() - start)
    return times


def report_walks(label: str, files: int, times: dict[str, list[float]], before: str | None) -> None:
    medians = {name: statistics.median(found) for name, found in times.items()}
    print(f"\nwalk, {label}: {files} files to check")
    print(f"  {'discovery':<22}{'median ms':>11}{'min ms':>9}{'max ms':>9}{'x before':>10}")
    for name, found in times.items():
        ratio = f"{medians[name] / medians[before]:>10.2f}" if before else ""
        print(
            f"  {name:<22}{medians[name] * 1000:>11.1f}{min(found) * 1000:>9.1f}"
            f"{max(found) * 1000:>9.1f}{ratio}"
        )


def files_found(walker: Callable[..., Any], root: Path, suffixes: tuple[str, ...], **options: bool) -> Walk:
    """One discovery of ``root`` with ``walker`` (a ``discover`` function), counting the files found."""
    return lambda: len(walker([root], suffixes, **options).files)


def walk_benchmarks(
    trees: list[tuple[str, Path]], scratch: Path, files: int | None, revision: str, repeat: int
) -> None:
    """Discovery alone: git's listing (untracked, tracked), the own walk, and ``revision``'s walk."""
    suffixes = tuple(trigger_tokens()) + CAPACITY_SUFFIXES
    old = walker_at(revision)
    before = f"before ({revision})"
    if old is None:
        print(f"(no revision {revision} in this checkout: the walk is not compared with before)")
    measured: list[tuple[str, dict[str, Walk]]] = []
    if files is not None:
        untracked, tracked, ignored = walk_trees(scratch, files)
        walks = {
            "git, untracked": files_found(discover, untracked, suffixes),
            "git, all tracked": files_found(discover, tracked, suffixes),
            "own walk": files_found(discover, untracked, suffixes, use_git=False),
        }
        if old is not None:
            walks[before] = files_found(old.discover, untracked, suffixes)
        measured.append((f"synthetic with .gitignore files ({ignored} ignored source files)", walks))
    for label, root in trees:
        walks = {}
        if repository_top(str(root.resolve())) is not None:
            walks["git"] = files_found(discover, root, suffixes)
        walks["own walk"] = files_found(discover, root, suffixes, use_git=False)
        if old is not None:
            walks[before] = files_found(old.discover, root, suffixes)
        measured.append((label, walks))
    for label, walks in measured:
        count = next(iter(walks.values()))()
        report_walks(label, count, measure_walks(walks, repeat), before if old is not None else None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, action="append", default=[], help="also measure this checkout")
    parser.add_argument("--no-synthetic", action="store_true", help="measure only the --tree checkouts")
    parser.add_argument("--files", type=int, default=10_000, help="files in the synthetic tree")
    parser.add_argument("--languages", default="rust,python", help="comma-separated: rust,python")
    parser.add_argument(
        "--pool-share", default="0.02", help="share(s) of files that build a pool, comma-separated"
    )
    parser.add_argument(
        "--lookalike-share", type=float, default=0.01, help="share of files with a trigger but no pool"
    )
    parser.add_argument("--repeat", type=int, default=5)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--walk-only", action="store_true", help="measure only the walk (discovery alone)")
    only.add_argument(
        "--front-end-only", action="store_true", help="measure only the Python front end per file"
    )
    only.add_argument(
        "--fix-only", action="store_true", help="measure only --diff and --fix against a plain run"
    )
    parser.add_argument(
        "--fix-files", type=int, default=1000, help="files in the dense tree the fixing runs are timed on"
    )
    parser.add_argument(
        "--front-end-files", type=int, default=500, help="files in each tree the front end is timed on"
    )
    parser.add_argument(
        "--walk-against", default=WALK_BEFORE, help="the revision whose walk the walk is compared with"
    )
    parser.add_argument(
        "--semgrep", help="the semgrep command (not a poolcheck dependency; install it apart)"
    )
    parser.add_argument(
        "--against",
        help="another poolcheck command (an earlier revision installed apart), timed as 'before'; "
        "its front end is timed under the Python it runs with",
    )
    args = parser.parse_args()

    print(
        f"{platform.node()}: {available_cores()} cores, {platform.machine()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}; {datetime.date.today()}"
    )
    with tempfile.TemporaryDirectory(prefix="poolcheck-bench-") as folder:
        scratch = Path(folder)
        trees: list[tuple[str, Path]] = [(f"checkout {tree}", tree) for tree in args.tree]
        synthetic_walk = None if args.no_synthetic else args.files
        if args.walk_only:
            walk_benchmarks(trees, scratch, synthetic_walk, args.walk_against, args.repeat)
            return
        if args.front_end_only:
            front_end_benchmark(scratch, args.front_end_files, args.repeat, args.against)
            return
        if not args.no_synthetic:
            languages = tuple(args.languages.split(","))
            for number, share in enumerate(float(s) for s in args.pool_share.split(",")):
                root = build_corpus(
                    scratch / f"tree{number}", args.files, languages, share, args.lookalike_share
                )
                trees.append((f"synthetic, {share:.0%} pools, {args.lookalike_share:.0%} lookalikes", root))
        with_pools = [(label, root) for label, root in trees if not label.startswith("synthetic, 0%")]
        if args.fix_only:
            fix_benchmarks(with_pools, scratch, args.fix_files, args.repeat)
            return
        for label, root in trees:
            tree = describe(label, root, scratch)
            commands = {
                "floor": floor_command(scratch, root),
                "poolcheck": [*poolcheck_command(), "--quiet", "--exit-zero", str(root)],
                "cat": cat_command(scratch, root),
            }
            optional = {
                "rg": rg_command(root),
                "semgrep": semgrep_command(args.semgrep, scratch, root),
                "before": [args.against, "--quiet", "--exit-zero", str(root)] if args.against else None,
            }
            commands.update({name: command for name, command in optional.items() if command is not None})
            skipped = [name for name, command in optional.items() if command is None and name != "before"]
            if skipped:
                print(f"(not installed, skipped: {', '.join(skipped)})")
            report(tree, measure(commands, args.repeat), peak_memory(commands["poolcheck"]))
            measure_versions(label, root, args.repeat)
        fix_benchmarks(with_pools, scratch, args.fix_files, args.repeat)
        if not args.no_synthetic:
            front_end_benchmark(scratch, args.front_end_files, args.repeat, args.against)
        walk_benchmarks(
            [(label, root) for label, root in trees if label.startswith("checkout")],
            scratch,
            synthetic_walk,
            args.walk_against,
            args.repeat,
        )


if __name__ == "__main__":
    main()
