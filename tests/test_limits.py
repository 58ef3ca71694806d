"""Per-file limits: a file whose analysis runs too long is a ``timeout`` error, a crash is contained,
and the time and size limits come from the command line or the configuration file."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import poolcheck_command

from poolcheck import cli
from poolcheck.config import ConfigError, load_config
from poolcheck.extract import DEFAULT_TIMEOUT, AnalysisTimeout, time_limit
from poolcheck.frontends.python import parse
from poolcheck.model import FileResult, Report
from poolcheck.output import write_output
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import DEFAULT_MAX_FILE_SIZE
from poolcheck.workers import WorkerPool

POOL = "from sqlalchemy import create_engine\ne = create_engine(url, pool_size=5)\n"
SLOW = 30.0  # far past every limit below: a test that waits this long has found a broken limit
# The limit the good files must stay under: a thousand times what one takes, so no load on the machine
# makes one a timeout, and still short enough that a test waiting for it is quick.
LIMIT = 2.0

real_extract = parse.extract


def tree(folder: Path, culprit: str, good: int = 12) -> Path:
    """``culprit`` among ``good`` ordinary pool files; its name sorts it into the middle of a chunk."""
    for number in range(good):
        (folder / f"good{number:02d}.py").write_text(POOL)
    (folder / culprit).write_text(POOL)
    return folder


def patch_front_end(monkeypatch: pytest.MonkeyPatch, culprit: str, misbehave: Callable[[], None]) -> None:
    """The Python front end misbehaves on ``culprit`` only; forked workers inherit the patch."""

    def extract(path: str, data: bytes) -> FileResult:
        if path.endswith(culprit):
            misbehave()
        return real_extract(path, data)

    monkeypatch.setattr(parse, "extract", extract)


def burn(seconds: float) -> None:
    """Use ``seconds`` of CPU time: the limit counts CPU time, so sleeping would never reach it."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def outcome(report: Report) -> tuple[list[tuple[str, str]], int]:
    """The errors by file name and kind, and how many pools were found."""
    return [(e.path.rsplit("/", 1)[-1], e.kind) for e in report.errors], len(report.pools)


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "parallel"])
def test_a_slow_file_is_a_timeout_error_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    patch_front_end(monkeypatch, "good03_slow.py", lambda: burn(SLOW))
    report = run([tree(tmp_path, "good03_slow.py")], RunSettings(jobs=jobs, timeout=LIMIT))
    assert outcome(report) == ([("good03_slow.py", "timeout")], 12)
    assert report.errors[0].message == "analysis took more than 2 s of CPU time; file skipped (see --timeout)"


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_worker_deaf_to_its_alarm_is_ended_by_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stuck in C code, a worker cannot take its timer's signal; the parent ends it and reports the file."""

    def stuck() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        burn(SLOW)

    patch_front_end(monkeypatch, "good03_stuck.py", stuck)
    report = run([tree(tmp_path, "good03_stuck.py")], RunSettings(jobs=2, timeout=LIMIT))
    assert outcome(report) == ([("good03_stuck.py", "timeout")], 12)


def test_a_crashed_worker_is_reported_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    patch_front_end(monkeypatch, "good03_crash.py", lambda: os._exit(3))
    report = run([tree(tmp_path, "good03_crash.py")], RunSettings(jobs=2))
    assert outcome(report) == ([("good03_crash.py", "parse")], 12)
    assert report.errors[0].message == "analysis ended its worker process (exit code 3); file skipped"


def test_a_front_end_bug_is_an_error_entry_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug() -> None:
        raise IndexError("list index out of range")

    patch_front_end(monkeypatch, "good03_bug.py", bug)
    report = run([tree(tmp_path, "good03_bug.py")], RunSettings(jobs=1))
    assert outcome(report) == ([("good03_bug.py", "parse")], 12)
    assert "internal error while analysing (IndexError: list index out of range)" in report.errors[0].message


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
def test_the_time_limit_puts_back_a_profiling_timer_already_set() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGPROF, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_PROF, 100)
        with time_limit(5):
            pass
        left, _ = signal.getitimer(signal.ITIMER_PROF)
        assert 5 < left <= 101  # the 100 s timer is back (to its tick), not the 5 s limit, however slow
        assert signal.getsignal(signal.SIGPROF) is not previous and not fired
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
def test_the_time_limit_counts_cpu_time_not_the_clock() -> None:
    """Waiting (a loaded machine, more jobs than cores) uses no CPU time and does not time out."""
    with time_limit(0.2):
        time.sleep(0.4)
    with pytest.raises(AnalysisTimeout), time_limit(0.2):
        burn(SLOW)


def test_an_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(tmp_path / "report.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_limits_from_the_configuration_file(tmp_path: Path) -> None:
    (tmp_path / "poolcheck.toml").write_text("timeout = 0.5\nmax-file-size = 2\n")
    config = load_config(None, [tmp_path])
    assert (config.timeout, config.max_file_size) == (0.5, 2.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("timeout = 0", "timeout: must be a number above 0 and at most 86400, not 0"),
        ('timeout = "5s"', "timeout: must be a number above 0 and at most 86400, not '5s'"),
        ("timeout = 1e300", "timeout: must be a number above 0 and at most 86400, not 1e"),
        ("max-file-size = -1", "max-file-size: must be a number above 0 and at most 10000, not -1"),
        ("max-file-size = inf", "max-file-size: must be a number above 0 and at most 10000, not inf"),
        ("max-file-size = nan", "max-file-size: must be a number above 0 and at most 10000, not nan"),
    ],
)
def test_bad_limits_in_the_configuration_file(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "poolcheck.toml").write_text(line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(None, [tmp_path])


def settings_of(args: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> RunSettings:
    """The settings the command line hands the run, without running it."""
    seen: list[RunSettings] = []

    def fake_run(paths: list[Path], settings: RunSettings) -> object:
        seen.append(settings)
        raise SystemExit(0)

    monkeypatch.setattr(cli, "run", fake_run)
    monkeypatch.chdir(folder)
    CliRunner().invoke(cli.main, [*args, "."])
    return seen[0]


def test_the_command_line_wins_over_the_file_and_the_defaults_fill_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = settings_of([], tmp_path, monkeypatch)
    assert (defaults.jobs, defaults.timeout, defaults.max_file_size) == (
        None,
        DEFAULT_TIMEOUT,
        DEFAULT_MAX_FILE_SIZE,
    )
    (tmp_path / "poolcheck.toml").write_text("timeout = 0.5\nmax-file-size = 2\n")
    from_file = settings_of([], tmp_path, monkeypatch)
    assert (from_file.timeout, from_file.max_file_size) == (0.5, 2.0)
    given = settings_of(["--jobs", "3", "--timeout", "7", "--max-file-size", "1.5"], tmp_path, monkeypatch)
    assert (given.jobs, given.timeout, given.max_file_size) == (3, 7.0, 1.5)


@pytest.mark.parametrize("option", [["--jobs", "0"], ["--timeout", "0"], ["--max-file-size", "-2"]])
def test_nonsense_limits_on_the_command_line_are_usage_errors(tmp_path: Path, option: list[str]) -> None:
    result = subprocess.run(
        [*poolcheck_command(), *option, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert option[0] in result.stderr


def test_max_file_size_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "db.py").write_text(POOL + "#" * 3000 + "\n")
    result = subprocess.run(
        [*poolcheck_command(), "--max-file-size", "0.001", str(tmp_path / "db.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "too large (0.0 MB > 0.001 MB limit; see max-file-size)" in result.stdout + result.stderr


def test_workers_that_cannot_be_started_leave_the_work_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: WorkerPool) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(WorkerPool, "_start", refuse)
    report = run([tree(tmp_path, "good03_plain.py")], RunSettings(jobs=2))
    assert outcome(report) == ([], 13)


def test_crashed_workers_that_cannot_be_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both workers crash (one file in each chunk) and no process can be started again: the rest of
    their chunks is analysed in this process, and only the two files are reported."""
    patch_front_end(monkeypatch, "_crash.py", lambda: os._exit(3))
    (tree(tmp_path, "good03_crash.py") / "good10_crash.py").write_text(POOL)
    started = WorkerPool._start
    starts: list[int] = []

    def at_most_two(self: WorkerPool) -> object:
        starts.append(1)
        if len(starts) > 2:
            raise OSError(11, "Resource temporarily unavailable")
        return started(self)

    monkeypatch.setattr(WorkerPool, "_start", at_most_two)
    report = run([tmp_path], RunSettings(jobs=2))
    assert outcome(report) == ([("good03_crash.py", "parse"), ("good10_crash.py", "parse")], 12)
