"""Worker processes: the same report whatever the job count, no parser loaded for nothing, a clean Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, poolcheck_command

from poolcheck.emit import json as json_format
from poolcheck.frontends import FrontEnd
from poolcheck.pipeline import RunSettings, analyse, judge, run
from poolcheck.workers import PARALLEL_FILES

PLAIN_RUST = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
PLAIN_PYTHON = "def add(a: int, b: int) -> int:\n    return a + b\n"
POOL_PYTHON = (
    "from sqlalchemy import create_engine\n\nengine_{n} = create_engine(URL, pool_size={n})\n" + "#\n" * 400
)


def poolcheck(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def plain_tree(folder: Path, files: int) -> Path:
    """Ordinary code with no trigger token: nothing to parse."""
    for number in range(files):
        package = folder / f"pkg{number % 7}"
        package.mkdir(exist_ok=True)
        (package / f"m{number}.rs").write_text(PLAIN_RUST)
        (package / f"m{number}.py").write_text(PLAIN_PYTHON)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("output_format", ["json", "sarif", "text"])
def test_the_same_report_whatever_the_job_count(output_format: str) -> None:
    reports = [poolcheck("--format", output_format, "--jobs", jobs, "fixtures/") for jobs in ("1", "2", "3")]
    assert [r.returncode for r in reports] == [1, 1, 1], reports[0].stderr
    assert reports[0].stdout == reports[1].stdout == reports[2].stdout
    if output_format == "json":
        assert json.loads(reports[0].stdout)["pools"]


def test_the_same_report_in_chunks_of_a_big_tree(tmp_path: Path) -> None:
    """Past the size where the default starts workers, with pools spread over many chunks."""
    plain_tree(tmp_path, PARALLEL_FILES)
    for number in range(0, PARALLEL_FILES, 9):
        (tmp_path / f"pkg{number % 7}" / f"db{number}.py").write_text(POOL_PYTHON.format(n=number % 60))
    serial = run([tmp_path], RunSettings(jobs=1))
    assert len(serial.pools) == len(range(0, PARALLEL_FILES, 9))
    for jobs in (None, 2, 5):
        assert json_format.render(run([tmp_path], RunSettings(jobs=jobs))) == json_format.render(serial)


IMPORTED = """
import sys
from poolcheck.cli import main
try:
    main([{args}])
except SystemExit as end:
    print("exit", end.code, file=sys.stderr)
heavy = ("tree_sitter", "libcst", "poolcheck.frontends.python.parse", "poolcheck.frontends.python.sites",
         "poolcheck.frontends.rust.syntax", "jsonschema", "poolcheck.cards.content", "yaml",
         "poolcheck.versions.lookup", "poolcheck.versions.cargo", "poolcheck.versions.python",
         "poolcheck.versions.requirements", "poolcheck.live", "psycopg",
         "poolcheck.variants", "poolcheck.effective", "poolcheck.explain", "hashlib")
print("library tables:", "poolcheck.libraries" in sys.modules)
print(sorted(m for m in sys.modules if m.startswith(heavy)))
"""


NO_WORKERS = """
from poolcheck import workers
def refuse(*args, **kwargs):
    raise OSError(11, "Resource temporarily unavailable")
workers.WorkerPool.__init__ = refuse
"""


@pytest.mark.parametrize(
    "jobs", [[], ["--jobs", "1"], ["--jobs", "2"]], ids=["default", "serial", "parallel"]
)
def test_a_tree_with_no_candidate_loads_no_parser(tmp_path: Path, jobs: list[str]) -> None:
    plain_tree(tmp_path, PARALLEL_FILES)
    args = ", ".join(repr(a) for a in [*jobs, "--quiet", str(tmp_path)])
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED.format(args=args)], capture_output=True, text=True, timeout=120
    )
    assert "exit 0" in result.stderr, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    assert f"0 pools in {2 * PARALLEL_FILES} files checked" in result.stdout
    if jobs == ["--jobs", "1"]:  # no worker started: the library tables only a candidate reads are not
        assert "library tables: False" in result.stdout


def test_a_tree_with_a_candidate_loads_its_parser(tmp_path: Path) -> None:
    """The check above can fail: a candidate does bring the parser in (into this process when no
    worker can be started; else it is parsed in a worker, where the time limit binds)."""
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    shown = run_in_this_process(tmp_path)
    assert "poolcheck.frontends.python.parse" in shown.splitlines()[-1]
    assert "poolcheck.versions.lookup" in shown.splitlines()[-1]  # a pool's version is looked up
    assert "library tables: True" in shown  # and judged by its library's table


JUDGING_LOADED = """
import sys
from pathlib import Path
from poolcheck.pipeline import JUDGING_MODULES, RunSettings, analyse
analysis = analyse([Path({folder!r})], RunSettings())
print(len(analysis.results), sorted(m for m in JUDGING_MODULES + ("poolcheck.rules",) if m in sys.modules))
"""


def test_what_judging_takes_is_loaded_while_the_workers_read(tmp_path: Path) -> None:
    """At the first pool the workers report, this process loads the judging's modules and the
    rules, which it would otherwise load after the workers, with both cores but one idle."""
    plain_tree(tmp_path, PARALLEL_FILES)
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    script = JUDGING_LOADED.format(folder=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.split(" ", 1) == [
        "1",
        "['hashlib', 'poolcheck.effective', 'poolcheck.project.environment', "
        "'poolcheck.rules', 'poolcheck.variants']\n",
    ], result.stderr


def run_in_this_process(folder: Path) -> str:
    """What a serial run over ``folder`` prints, no worker started, then the heavy modules it loaded."""
    args = ", ".join(repr(a) for a in ["--jobs", "1", "--quiet", str(folder)])
    result = subprocess.run(
        [sys.executable, "-c", NO_WORKERS + IMPORTED.format(args=args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout


@pytest.mark.parametrize("declares", [False, True], ids=["a workflow", "a compose file"])
def test_yaml_is_loaded_only_for_a_file_that_may_declare_something(tmp_path: Path, declares: bool) -> None:
    """A CI workflow declares no server, replica or process: PyYAML (11 ms to import with the
    bounded loader) is not loaded for it; a compose file naming postgres is read with it."""
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: pytest}]\n")
    if declares:
        (tmp_path / "docker-compose.yml").write_text(
            "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=50\n"
        )
    loaded = run_in_this_process(tmp_path).splitlines()[-1]
    assert "poolcheck.frontends.python.parse" in loaded  # the pool was read and judged
    assert ("'yaml'" in loaded) == declares, loaded


def children_of(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches the run through /proc")
@pytest.mark.parametrize("jobs", ["1", "2"], ids=["serial", "parallel"])
def test_ctrl_c_ends_the_run_cleanly(tmp_path: Path, jobs: str) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    body = "".join(f"def f{i}(x):\n    return [x + {i} for _ in range(3)]\n" for i in range(300))
    for number in range(3000):  # many seconds of parsing: the interrupt lands well inside the run
        (tree / f"db{number}.py").write_text(POOL_PYTHON.format(n=number % 60) + body)
    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    process = subprocess.Popen(
        [*poolcheck_command(), "--jobs", jobs, "--format", "json", "--output", str(output), str(tree)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt once the run is under way: its workers started, or (serial) well past start-up.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if children_of(process.pid) if jobs != "1" else cpu_seconds(process.pid) > 0.6:
            break
        time.sleep(0.02)
    time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be interrupted"
    workers = children_of(process.pid)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]  # every worker ended too
    assert stderr == "poolcheck: interrupted\n"
    assert stdout == ""
    assert list(output.parent.iterdir()) == []  # no report, and no temporary file beside it


def test_fixtures_are_still_found_by_default() -> None:
    """The default (no --jobs) on a small tree runs in this process and finds the same pools."""
    assert run([FIXTURES], RunSettings()).pools == run([FIXTURES], RunSettings(jobs=2)).pools


def test_texts_are_made_while_the_workers_read_and_come_back_in_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fix's texts, read in workers: the results of reading them in one worker, in the order
    given, plain code among them; the texts are taken a chunk ahead of the workers, not all first."""
    from poolcheck import workers
    from poolcheck.frontends import front_end_for

    python = front_end_for("db.py")
    assert python is not None
    texts = [
        (f"svc{n}/db.py", (POOL_PYTHON if n % 5 else PLAIN_PYTHON).format(n=n + 1).encode(), python)
        for n in range(4 * workers.FIXED_PER_WORKER)
    ]
    made: list[int] = []
    given: list[int] = []

    def making() -> Iterator[tuple[str, bytes, FrontEnd]]:
        for text in texts:
            made.append(1)
            yield text

    give = workers.WorkerPool._give

    def counted(pool: workers.WorkerPool, worker: Any, chunk: workers.Chunk) -> None:
        given.append(len(made))
        give(pool, worker, chunk)

    monkeypatch.setattr(workers.WorkerPool, "_give", counted)
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    parallel = workers.analyse_texts(making(), len(texts), 30.0, 2.0)
    monkeypatch.setattr(workers, "available_cores", lambda: 1)
    alone = workers.analyse_texts(iter(texts), len(texts), 30.0, 2.0)
    assert [r.path for r in parallel] == [path for path, _, _ in texts]
    assert parallel == alone
    assert [len(r.sites) for r in parallel] == [1 if n % 5 else 0 for n in range(len(texts))]
    assert given[0] < len(texts)  # the first chunk went out before the last text was made
    assert len(given) > 2


def test_versions_looked_up_while_the_workers_read_are_the_judges_and_warn_in_order(tmp_path: Path) -> None:
    """The pools' versions are read as each result comes (in the workers' order), and the judging
    uses what was read: the same report as a serial run's, its warnings in one order."""
    plain_tree(tmp_path, PARALLEL_FILES)
    for number in range(0, PARALLEL_FILES, 23):
        service = tmp_path / f"svc{number}"
        service.mkdir()
        (service / "db.py").write_text(POOL_PYTHON.format(n=number % 60 + 1))
        lock = '[[package]]\nname = "sqlalchemy"\nversion = "1.4.52"\n' if number % 2 else "[[package\n"
        (service / "uv.lock").write_text(lock)
    analysis = analyse([tmp_path], RunSettings(jobs=2))
    assert analysis.versions is not None
    looked_up = len(analysis.versions.warnings)
    report = judge(analysis, RunSettings(jobs=2))
    assert len(analysis.versions.warnings) == looked_up  # nothing read twice
    serial = run([tmp_path], RunSettings(jobs=1))
    assert json_format.render(report) == json_format.render(serial)
    broken = [w for w in report.warnings if "uv.lock: library versions not read" in w]
    assert len(broken) == len(range(0, PARALLEL_FILES, 46)) and broken == sorted(broken)
    read = {Path(pool.site.path).parent.name: pool.site.version for pool in report.pools}
    assert {name for name, version in read.items() if version.version == "1.4.52"} == {
        f"svc{number}" for number in range(23, PARALLEL_FILES, 46)
    }
    assert all(version.source.endswith("uv.lock") for version in read.values() if version.version == "1.4.52")


def started_while_walking(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What happened in a default run over ``folder``, in order: workers started, the walk ended,
    workers ended; with two cores, whatever this machine has."""
    from poolcheck import pipeline, workers

    events: list[str] = []
    real_init, real_close, real_discover = (
        workers.WorkerPool.__init__,
        workers.WorkerPool.close,
        pipeline.discover,
    )

    def init(pool: workers.WorkerPool, *args: Any, **kwargs: Any) -> None:
        events.append("workers" + (" preparing" if kwargs.get("prepare") else ""))
        real_init(pool, *args, **kwargs)

    def close(pool: workers.WorkerPool) -> None:
        if pool.jobs:
            events.append("ended")
        real_close(pool)

    def discover(*args: Any, **kwargs: Any) -> Any:
        found = real_discover(*args, **kwargs)
        events.append("walked")
        return found

    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    monkeypatch.setattr(workers.WorkerPool, "__init__", init)
    monkeypatch.setattr(workers.WorkerPool, "close", close)
    monkeypatch.setattr(pipeline, "discover", discover)
    report = judge(analyse([folder], RunSettings()), RunSettings())
    events.append(f"{len(report.pools)} pools")
    return events


def test_a_large_run_starts_its_workers_while_the_files_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_tree(tmp_path, PARALLEL_FILES)
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    assert started_while_walking(tmp_path, monkeypatch) == ["workers preparing", "walked", "ended", "1 pools"]


def test_a_small_run_starts_no_worker_before_it_knows_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pre-commit-sized tree: the one worker for its candidate starts after the walk, loading only
    the parser it needs."""
    plain_tree(tmp_path, PARALLEL_FILES // 4)
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    assert started_while_walking(tmp_path, monkeypatch) == ["walked", "workers", "ended", "1 pools"]


def test_workers_started_for_a_run_that_turns_out_small_are_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found files that the configuration then excludes leave too few for workers: the run is serial."""
    plain_tree(tmp_path, PARALLEL_FILES)
    (tmp_path / "poolcheck.toml").write_text('extend-exclude = ["pkg[0-5]"]\n')
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    events = started_while_walking(tmp_path, monkeypatch)
    assert events == ["workers preparing", "walked", "ended", "workers", "ended", "1 pools"]


def test_only_source_files_count_towards_starting_workers_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deployment files are read by this process, not by workers: many of them beside a little code
    make a serial run."""
    plain_tree(tmp_path, PARALLEL_FILES // 4)
    for number in range(PARALLEL_FILES):
        (tmp_path / f"deploy{number}.yml").write_text("kind: ConfigMap\n")
    (tmp_path / "db.py").write_text(POOL_PYTHON.format(n=5))
    assert started_while_walking(tmp_path, monkeypatch) == ["walked", "workers", "ended", "1 pools"]
