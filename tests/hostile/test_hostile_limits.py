"""Hostile input against the limits: nonsense limits, files that are not files, a parent that is
killed, a loaded machine, a parser that cannot be interrupted, links out of the tree, odd file names.

Every case runs the installed command in a subprocess, bounded by a timeout, and checks: no
traceback, the exit code, the bad input's error entry, the good pool beside it still reported,
and nothing written outside the outputs asked for.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import poolcheck_command

from poolcheck.frontends.python import parse
from poolcheck.model import FileResult
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import DEFAULT_MAX_FILE_SIZE, NotRegular, read_regular
from poolcheck.workers import memory_cap

POOL = "from sqlalchemy import create_engine\ne = create_engine(url, pool_size=5)\n"
BOUND = 60  # seconds a subprocess may take before the test calls it hung: far beyond any honest run


def poolcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command run in ``cwd``, never for longer than ``BOUND``; output bytes that are not UTF-8
    (a file name's, as some formats must write it) are kept as surrogate escapes."""
    return subprocess.run(
        [*poolcheck_command(), *args],
        cwd=cwd,
        capture_output=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=BOUND,
    )


def files_under(folder: Path) -> set[str]:
    """Every path below ``folder``, to show a run wrote nothing it was not asked to."""
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def good_tree(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db.py").write_text(POOL)
    return folder


@pytest.mark.parametrize(
    "option",
    [
        ["--timeout", "1e300"],
        ["--timeout", "inf"],
        ["--timeout", "nan"],
        ["--timeout", "-inf"],
        ["--max-file-size", "inf"],
        ["--max-file-size", "nan"],
        ["--max-file-size", "1e300"],
    ],
)
def test_limits_that_are_no_numbers_are_usage_errors(tmp_path: Path, option: list[str]) -> None:
    tree = good_tree(tmp_path / "tree")
    before = files_under(tmp_path)
    result = poolcheck(*option, "--format", "json", "tree", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"Invalid value for '{option[0]}'" in result.stderr
    assert "is not a number" in result.stderr or "is not in the range 0<x<=" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stdout == ""
    assert files_under(tmp_path) == before and tree.is_dir()


@pytest.mark.parametrize("line", ["timeout = 1e300", "timeout = inf", "timeout = nan", "max-file-size = inf"])
def test_limits_that_are_no_numbers_in_the_configuration_are_errors(tmp_path: Path, line: str) -> None:
    good_tree(tmp_path)
    (tmp_path / "poolcheck.toml").write_text(line + "\n")
    result = poolcheck("--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "must be a number above 0 and at most" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_the_largest_limits_accepted_still_run(tmp_path: Path) -> None:
    good_tree(tmp_path)
    result = poolcheck(
        "--timeout", "86400", "--max-file-size", "10000", "--format", "json", ".", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert not report["errors"] and len(report["pools"]) == 1


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX fifos")


@needs_fifo
def test_fifos_named_like_any_checked_file_do_not_hang_the_run(tmp_path: Path) -> None:
    """A fifo waits for a writer forever when opened blocking: code, system files and cards alike."""
    tree = good_tree(tmp_path / "tree")
    for name in ("docker-compose.yml", "postgresql.conf", ".env", "schema.sql", "pool.py", "main.rs"):
        os.mkfifo(tree / name)
    todos = tmp_path / "todos"
    todos.mkdir()
    os.mkfifo(todos / "0001-old-card.md")
    before = files_under(tmp_path)
    result = poolcheck("--format", "json", "--todos-dir", "todos", "tree", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert [pool["path"] for pool in report["pools"]] == ["tree/db.py"]
    # The code files are read errors; the system files warnings (most such files declare nothing).
    assert sorted((e["path"], e["message"]) for e in report["errors"]) == [
        ("tree/main.rs", "not a regular file"),
        ("tree/pool.py", "not a regular file"),
    ]
    for name in ("docker-compose.yml", "postgresql.conf", ".env", "schema.sql"):
        assert f"warning: tree/{name}: not read (not a regular file)" in result.stderr
    assert "could not read todos/0001-old-card.md" in result.stderr  # the card folder's fifo too
    assert {p for p in files_under(tmp_path) - before if not p.startswith("todos/")} == set()


@needs_fifo
@pytest.mark.parametrize("option", ["--config", "--baseline"])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_given_as_a_file_to_read_is_a_usage_error(
    tmp_path: Path, option: str, kind: str
) -> None:
    good_tree(tmp_path)
    given = "/dev/zero" if kind == "device" else str(tmp_path / "given.toml")
    if kind == "fifo":
        os.mkfifo(given)
    result = poolcheck(option, given, ".", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"poolcheck: {option}: {given} is not a regular file\n"
    assert result.stdout == ""


@needs_fifo
def test_the_one_reader_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    for path in (tmp_path / "fifo", Path("/dev/zero"), tmp_path):
        with pytest.raises(NotRegular):
            read_regular(path, 100)
    (tmp_path / "big.conf").write_bytes(b"x" * 1000)
    assert read_regular(tmp_path / "big.conf", 10) == b"x" * 11  # one byte more says it is over
    assert read_regular(tmp_path / "big.conf", 5000) == b"x" * 1000


def alive(pid: int) -> bool:
    """Is ``pid`` a running process (not gone, not a zombie waiting to be reaped)?"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """The CPU time ``pid`` has used (utime + stime), in seconds; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def slow_tree(folder: Path, files: int = 4) -> Path:
    """Pool files that each take a worker a second or more of parsing: 3.3 MB of small functions."""
    folder.mkdir(parents=True)
    body = "".join(f"def f{i}(x):\n    return [x + {i} for _ in range(3)]\n" for i in range(60000))
    for number in range(files):
        (folder / f"db{number}.py").write_text(POOL + body)
    return folder


def wait_until(condition: object, seconds: float = BOUND) -> bool:
    """Poll ``condition`` (a callable) every 20 ms for at most ``seconds``; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(condition())  # type: ignore[operator]


linux_proc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches processes in /proc")


@linux_proc
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_stopped_parent_takes_its_workers_with_it(tmp_path: Path, stop: str) -> None:
    """A CI runner cancelling the job sends SIGTERM; a closed terminal SIGHUP; SIGKILL cannot be handled,
    so there the workers must notice the parent going themselves."""
    slow_tree(tmp_path / "tree")
    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    command = [*poolcheck_command(), "--jobs", "2", "--timeout", "60", "--max-file-size", "5"]
    process = subprocess.Popen(
        [*command, "--format", "json", "--output", str(output), "tree"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: list[int] = []
    try:
        # Stop the run in the middle of a file: a worker started and well into parsing.
        assert wait_until(lambda: any(cpu_seconds(pid) > 0.3 for pid in children_of(process.pid)))
        workers = children_of(process.pid)
        process.send_signal(getattr(signal, stop))
        stdout, stderr = process.communicate(timeout=BOUND)
        assert wait_until(lambda: not any(alive(pid) for pid in workers), 10), "a worker outlived its parent"
    finally:
        for pid in [process.pid, *workers]:  # a failure must not leave processes behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(BOUND)
    number = getattr(signal, stop)
    if stop == "SIGKILL":
        assert process.returncode == -number
    else:
        assert process.returncode == 128 + number
        assert stderr == f"poolcheck: stopped by {stop}\n"
    assert stdout == ""
    assert list(output.parent.iterdir()) == []  # no report, and no temporary file beside it


CALIBRATE = """
import importlib, sys, time
from poolcheck.extract import extract_candidate
from poolcheck.read import read_source
candidate = read_source(sys.argv[1])
importlib.import_module("poolcheck.frontends.python.parse")
start = time.process_time()
extract_candidate(candidate, None)
print(time.process_time() - start)
"""


def analysis_cpu_seconds(path: Path) -> float:
    """The CPU time one cold analysis of ``path`` takes, as a fresh worker meets it."""
    measured = subprocess.run(
        [sys.executable, "-c", CALIBRATE, str(path)],
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=True,
    )
    return float(measured.stdout)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="counts the cores it may use")
def test_the_same_report_whatever_the_jobs_and_the_load(tmp_path: Path) -> None:
    """Each file takes a third of the limit in CPU time; with more jobs than cores and busy cores it
    took longer than the limit by the clock, and its pool disappeared as a timeout. The limit counts
    CPU time, so the report is the same for every job count and any load."""
    tree = tmp_path / "tree"
    tree.mkdir()
    body = "".join(f"def f{i}(x):\n    return [x + {i} for _ in range(3)]\n" for i in range(1000))
    for number in range(32):
        (tree / f"db{number:02d}.py").write_text(POOL + body)
    limit = analysis_cpu_seconds(tree / "db00.py") / 0.3
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(3 * len(os.sched_getaffinity(0)))
    ]
    try:
        reports = {
            jobs: poolcheck(
                "--jobs", jobs, "--timeout", f"{limit:.3f}", "--format", "json", "tree", cwd=tmp_path
            )
            for jobs in ("1", "2", "8")
        }
    finally:
        for burner in burners:
            burner.kill()
            burner.wait(BOUND)
    for result in reports.values():
        assert result.returncode == 1, result.stderr
        report = json.loads(result.stdout)
        assert report["errors"] == [] and len(report["pools"]) == 32
    assert reports["1"].stdout == reports["2"].stdout == reports["8"].stdout


def children_cpu_seconds() -> float:
    """CPU time of the processes this one has waited for, their own waited-for children included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


UNCLOSED = 160_000  # brackets: tree-sitter's query over them runs in C for ~13 s, deaf to every signal
GRACE = 1.0  # workers.GRACE: the CPU time a worker is given past the limit before it is ended


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
@pytest.mark.parametrize("jobs", [[], ["--jobs", "1"]], ids=["small-run", "serial"])
def test_the_time_limit_binds_in_c_code_in_a_small_run(tmp_path: Path, jobs: list[str]) -> None:
    """A run of a few files, or --jobs 1, used to analyse in-process, where the timer's signal waits
    for the parser's C code to return; now the candidates go to a worker that is ended at the limit."""
    tree = good_tree(tmp_path / "tree")
    (tree / "main.rs").write_text(
        "use sqlx::postgres::PgPoolOptions;\n"
        "fn main() { let p = PgPoolOptions::new().max_connections(5); let x = " + "[" * UNCLOSED + "\n}\n"
    )
    limit = 0.5
    baseline_start = children_cpu_seconds()
    poolcheck(*jobs, "--timeout", str(limit), "--format", "json", "tree/db.py", cwd=tmp_path)
    start = children_cpu_seconds()
    result = poolcheck(*jobs, "--timeout", str(limit), "--format", "json", "tree", cwd=tmp_path)
    spent = children_cpu_seconds() - start
    without = start - baseline_start  # the same run without the hostile file: start-up and the good pool
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [pool["path"] for pool in report["pools"]] == ["tree/db.py"]
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [("tree/main.rs", "timeout")]
    # The hostile file cost the limit and the grace, twice over at most: not its ~13 s.
    assert spent - without < 2 * (limit + GRACE)


def test_a_worker_cannot_take_more_memory_than_its_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One file's analysis asks for more than the cap (a 60 MB file once took 7.75 GB): that file is an
    error entry, the pool beside it is still found, and the machine's memory is not touched."""
    good_tree(tmp_path)
    (tmp_path / "huge.py").write_text(POOL)
    too_much = memory_cap(DEFAULT_MAX_FILE_SIZE) + (256 << 20)
    real_extract = parse.extract

    def extract(path: str, data: bytes) -> FileResult:
        if path.endswith("huge.py"):
            bytearray(too_much)  # zeroed lazily: without a cap this would succeed, untouched
        return real_extract(path, data)

    monkeypatch.setattr(parse, "extract", extract)  # the forked worker inherits the patch
    report = run([tmp_path], RunSettings(jobs=1))
    assert [(Path(e.path).name, e.kind) for e in report.errors] == [("huge.py", "parse")]
    assert "MemoryError" in report.errors[0].message
    assert [Path(pool.site.path).name for pool in report.pools] == ["db.py"]


SECRET = 'e = create_engine(url, pool_size=5)  # AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI-secret"\n'


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_a_link_to_a_file_outside_the_tree_is_not_followed(tmp_path: Path, in_git: bool) -> None:
    """A pull request adds ``db.py -> ~/.aws/...``: reading it would print the target in the report."""
    secrets = tmp_path / "home"
    secrets.mkdir()
    (secrets / "credentials.py").write_text("from sqlalchemy import create_engine\n" + SECRET)
    (secrets / ".env").write_text("POSTGRES_PASSWORD=wJalrXUtnFEMI-secret\nmax_connections=10\n")
    tree = good_tree(tmp_path / "tree")
    (tree / "inside.py").symlink_to("db.py")  # a link within the tree is read as before
    (tree / "stolen.py").symlink_to(secrets / "credentials.py")
    (tree / ".env").symlink_to(secrets / ".env")
    (tree / "swapped.py").write_text("x = 1\n")
    if in_git:
        subprocess.run(["git", "init", "-q", str(tree)], check=True, timeout=BOUND)
        subprocess.run(["git", "-C", str(tree), "add", "."], check=True, timeout=BOUND)
    # After the index was written: a tracked file replaced by a link, and an untracked link.
    (tree / "swapped.py").unlink()
    (tree / "swapped.py").symlink_to(secrets / "credentials.py")
    (tree / "late.py").symlink_to(secrets / "credentials.py")
    for output_format in ("json", "text", "sarif"):
        result = poolcheck("--format", output_format, "tree", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "wJalrXUtnFEMI" not in result.stdout + result.stderr
    report = json.loads(poolcheck("--format", "json", "tree", cwd=tmp_path).stdout)
    assert sorted(pool["path"] for pool in report["pools"]) == ["tree/db.py", "tree/inside.py"]
    message = "symbolic link to a file outside the checked folders; not followed (see --follow-symlinks)"
    assert sorted((e["path"], e["message"]) for e in report["errors"]) == [
        ("tree/.env", message),
        ("tree/late.py", message),
        ("tree/stolen.py", message),
        ("tree/swapped.py", message),
    ]
    # Named on the command line (pre-commit names the changed files), the link is refused too.
    named = json.loads(poolcheck("--format", "json", "tree/stolen.py", cwd=tmp_path).stdout)
    assert named["pools"] == [] and [e["path"] for e in named["errors"]] == ["tree/stolen.py"]
    # Asked for, the link is followed: the check above would see the secret.
    followed = poolcheck("--follow-symlinks", "--format", "json", "tree", cwd=tmp_path)
    assert "tree/stolen.py" in [pool["path"] for pool in json.loads(followed.stdout)["pools"]]
    assert "wJalrXUtnFEMI" in poolcheck("--follow-symlinks", "--format", "text", "tree", cwd=tmp_path).stdout


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="file names there must be valid Unicode")
@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_a_file_name_that_is_not_utf8_is_analysed(tmp_path: Path, in_git: bool) -> None:
    """``bad\\xffname.py``: discovery, reading and both front ends handle the name's bytes as they are
    (surrogate escapes), in one process and in workers, and every format reports its pool."""
    tree = good_tree(tmp_path / "tree")
    os.mkdir(tmp_path / "todos")
    with open(os.fsencode(tree) + b"/bad\xffname.py", "wb") as python:
        python.write(POOL.encode())
    with open(os.fsencode(tree) + b"/bad\xffname.rs", "wb") as rust:
        rust.write(
            b"use sqlx::postgres::PgPoolOptions;\nfn main() { PgPoolOptions::new().max_connections(5); }\n"
        )
    if in_git:
        subprocess.run(["git", "init", "-q", str(tree)], check=True, timeout=BOUND)
        subprocess.run(["git", "-C", str(tree), "add", "."], check=True, timeout=BOUND)
    for output_format in ("text", "concise", "sarif", "github", "gitlab", "inventory", "todo"):
        result = poolcheck("--format", output_format, "tree", cwd=tmp_path)
        assert result.returncode == 1, (output_format, result.stderr)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    report = json.loads(poolcheck("--format", "json", "tree", cwd=tmp_path).stdout)
    assert json.loads(poolcheck("--jobs", "2", "--format", "json", "tree", cwd=tmp_path).stdout) == report
    assert report["errors"] == []
    shown = sorted(pool["path"] for pool in report["pools"])
    assert len(shown) == 3 and shown[2] == "tree/db.py"
    assert all(path.startswith("tree/bad") and "name." in path for path in shown[:2])
    written = poolcheck("--todos-dir", "todos", "--format", "json", "tree", cwd=tmp_path)
    assert written.returncode == 1, written.stderr
    assert len(os.listdir(tmp_path / "todos")) == 3


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
def test_the_time_limit_binds_in_c_code_on_standard_input(tmp_path: Path) -> None:
    """An editor pipes the buffer in: it is parsed in a worker too, ended at the limit."""
    hostile = (
        "use sqlx::postgres::PgPoolOptions;\n"
        "fn main() { let p = PgPoolOptions::new().max_connections(5); let x = " + "[" * UNCLOSED + "\n}\n"
    )
    limit = 0.5
    start = children_cpu_seconds()
    result = subprocess.run(
        [
            *poolcheck_command(),
            "--timeout",
            str(limit),
            "--format",
            "json",
            "--stdin-filename",
            "main.rs",
            "-",
        ],
        input=hostile,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    spent = children_cpu_seconds() - start
    assert result.returncode == 1, result.stderr
    assert [(e["path"], e["kind"]) for e in json.loads(result.stdout)["errors"]] == [("main.rs", "timeout")]
    assert spent < 2 * (limit + GRACE) + 1  # the limit, the grace, start-up: not the file's ~13 s
    assert list(tmp_path.iterdir()) == []
    good = subprocess.run(
        [*poolcheck_command(), "--format", "json", "-"],
        input=POOL,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert len(json.loads(good.stdout)["pools"]) == 1
