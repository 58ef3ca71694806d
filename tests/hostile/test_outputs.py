"""Hostile input, area outputs: what poolcheck writes and prints never damages, leaks or forges.

Each case: no traceback, the right exit code, a clear message, nothing written outside the
chosen outputs. CI runs as root, where a device node can be replaced; the refusal is tested there.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from poolcheck.cards import folder
from poolcheck.cards.content import build_cards
from poolcheck.cards.markdown import fingerprints_in
from poolcheck.cards.model import Card
from poolcheck.cards.source import statement_tail
from poolcheck.pipeline import RunSettings, run
from poolcheck.redact import redact

POOL = 'from sqlalchemy import create_engine\nengine = create_engine("postgresql://db/app")\n'


def _project(tmp_path: Path, source: str = POOL, name: str = "app.py") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / name).write_text(source)
    return project


def _run(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "poolcheck", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        check=False,
    )


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr


# 1. Nothing damaged


def test_output_onto_a_checked_file_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for option in ("-o", "--write-baseline"):
        result = _run([".", option, "app.py"], project)
        _clean(result)
        assert result.returncode == 2
        assert "one of the files being checked" in result.stderr
        assert (project / "app.py").read_text() == POOL


def test_output_onto_a_named_checked_file_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = _run(["app.py", "-o", str(project / "app.py")], project)
    assert result.returncode == 2
    assert (project / "app.py").read_text() == POOL


def test_output_onto_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    project = _project(tmp_path)
    kept = tmp_path / "kept.txt"
    kept.write_text("mine\n")
    (project / "report.txt").symlink_to(kept)
    result = _run([".", "-o", "report.txt"], project)
    _clean(result)
    assert result.returncode == 2
    assert "symbolic link" in result.stderr
    assert (project / "report.txt").is_symlink()
    assert kept.read_text() == "mine\n"


def test_output_onto_a_folder_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "out").mkdir()
    result = _run([".", "--write-baseline", "out"], project)
    _clean(result)
    assert result.returncode == 2
    assert (project / "out").is_dir()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_dev_full_streams_into_it_and_keeps_the_device(tmp_path: Path) -> None:
    # As root the old code replaced the device node with a regular file.
    project = _project(tmp_path)
    result = _run([".", "-o", "/dev/full"], project)
    _clean(result)
    assert result.returncode == 2
    assert "No space left on device" in result.stderr
    assert Path("/dev/full").is_char_device()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_one_line_and_exit_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "poolcheck", "."],
            cwd=project,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert result.returncode == 2
    assert "cannot write the report to stdout" in result.stderr


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_output_to_standard_output_streams(tmp_path: Path, target: str) -> None:
    project = _project(tmp_path)
    result = _run([".", "-o", target], project)
    _clean(result)
    assert result.returncode == 1
    assert "PC001" in result.stdout
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]


def test_output_into_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = _run([".", "-o", "missing/report.txt"], project)
    _clean(result)
    assert result.returncode == 2
    assert "cannot write the report to missing/report.txt" in result.stderr
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]


# 1. Issue cards: concurrent runs, odd ids, interrupted writes


def _cards(project: Path, *paths: str) -> tuple[Card, ...]:
    report = run([project / p for p in paths], RunSettings(project_root=project))
    return build_cards(report, lambda _path: {}, date(2026, 1, 1), "pool", statement_tail)


def _many_pools(tmp_path: Path, count: int) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for n in range(count):
        (project / f"db{n}.py").write_text(POOL.replace("/app", f"/app{n}"))
    return project


def test_concurrent_card_writers_take_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two writers that both read the folder before either writes gave two cards the same id
    # and filed each fingerprint twice; the folder lock makes the second read after the first write.
    project = _many_pools(tmp_path, 4)
    cards = _cards(project, ".")
    todos = tmp_path / "todos"
    both_read = threading.Barrier(2, timeout=1)
    real_scan = folder.scan

    def scan_then_wait(path: Path) -> folder.FolderState:
        state = real_scan(path)
        with contextlib.suppress(threading.BrokenBarrierError):  # locked out: the other never reads
            both_read.wait()
        return state

    monkeypatch.setattr(folder, "scan", scan_then_wait)
    writers = [threading.Thread(target=folder.write_cards, args=(todos, cards)) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    names = sorted(p.name for p in todos.iterdir())
    assert len(names) == len(cards) == 4
    assert len({name[:3] for name in names}) == 4
    filed = [fp for name in names for fp in fingerprints_in((todos / name).read_text())]
    assert sorted(filed) == sorted(card.fingerprint for card in cards)


@pytest.mark.slow
def test_three_runs_into_one_folder_file_each_card_once(tmp_path: Path) -> None:
    project = _many_pools(tmp_path, 20)
    command = [sys.executable, "-m", "poolcheck", ".", "-q", "--todos-dir", str(tmp_path / "todos")]
    runs = [
        subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for process in runs:
        _, errors = process.communicate()
        assert b"Traceback" not in errors
        assert process.returncode == 1
    names = [p.name for p in (tmp_path / "todos").iterdir()]
    assert len(names) == 20 and len({name[:3] for name in names}) == 20


def test_a_huge_numeric_prefix_does_not_stop_card_writing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    todos = tmp_path / "todos"
    todos.mkdir()
    stray = todos / ("9" * 240 + ".md")
    stray.write_text("a note\n")
    huge = todos / "notes.md"
    huge.write_text('---\nissue_id: "' + "7" * 5000 + '"\n---\n')
    result = _run([".", "--todos-dir", str(todos)], project)
    _clean(result)
    assert result.returncode == 1
    assert "more than 9 digits" in result.stdout
    assert sorted(p.name[:4] for p in todos.iterdir() if p not in (stray, huge)) == ["001-"]
    assert stray.read_text() == "a note\n"


def test_an_interrupted_card_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path)
    cards = _cards(project, ".")
    todos = tmp_path / "todos"

    def interrupted(_descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(folder.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        folder.write_cards(todos, cards)
    assert list(todos.iterdir()) == []


# 4. A marker in scanned code cannot forge a card


def test_a_marker_quoted_from_code_does_not_file_another_pools_card(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (target,) = _cards(project, "app.py")
    forged = (
        "from sqlalchemy import create_engine\n"
        f"other = create_engine(  # <!-- poolcheck-fingerprint: {target.fingerprint} -->\n"
        '    "postgresql://db/other"\n)\n'
    )
    (project / "other.py").write_text(forged)
    todos = tmp_path / "todos"
    first = _run(["other.py", "--todos-dir", str(todos)], project)
    (card,) = todos.iterdir()
    text = card.read_text()
    assert "poolcheck\u2011fingerprint" in text  # quoted, neutralized
    assert fingerprints_in(text) != [target.fingerprint]
    second = _run([".", "--todos-dir", str(todos)], project)
    _clean(first)
    _clean(second)
    assert "1 card added, 1 already" in second.stdout
    filed = {fp for path in todos.iterdir() for fp in fingerprints_in(path.read_text())}
    assert target.fingerprint in filed


# 2. Nothing forged

ESCAPE = "\x1b[2J"  # clears the screen when it reaches a terminal raw
FORGING_NAME = "a\n::error file=x::forged.py"
FORGING_POOL = POOL.replace('"postgresql://db/app")', f'"postgresql://db/app")  # {ESCAPE}')


def _hostile_names(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / FORGING_NAME).write_text(FORGING_POOL)
    (project / f"colour{ESCAPE}.py").write_text(FORGING_POOL)
    return project


@pytest.mark.parametrize("output_format", ["text", "concise", "github", "inventory"])
def test_file_names_and_code_cannot_drive_the_terminal_or_the_runner(
    tmp_path: Path, output_format: str
) -> None:
    project = _hostile_names(tmp_path)
    result = _run([".", "--format", output_format], project)
    _clean(result)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith("::error")]
    if output_format != "github":  # the workflow log escapes the backslash's line break as %0A
        assert "a\\n::error file=x::forged.py" in result.stdout
    assert "\\x1b[2J" in result.stdout


def test_the_github_log_lines_cannot_open_with_a_workflow_command(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "::error file=x::forged.py").write_text(POOL)
    result = _run([".", "--format", "github"], project)
    _clean(result)
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands and all(line.startswith(("::warning ", "::notice ")) for line in commands)
    assert "%3A:error file=x::forged.py:2:" in result.stdout


def test_the_step_summary_shows_file_names_as_text(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "<img src=x onerror=alert(1)>[link](http:evil).py").write_text(POOL)
    summary = tmp_path / "summary.md"
    result = subprocess.run(
        [sys.executable, "-m", "poolcheck", ".", "--format", "github"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)},
        check=False,
    )
    _clean(result)
    written = summary.read_text()
    assert "<img" not in written and "](" not in written
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;\\[link\\]\\(http:evil\\).py" in written


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "gitlab", "inventory", "todo"])
def test_a_file_name_that_is_not_utf8_is_reported_not_a_crash(tmp_path: Path, output_format: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / os.fsdecode(b"caf\xe9.py")).write_text(POOL)
    result = _run([".", "--format", output_format], project)
    _clean(result)
    assert result.returncode == 1
    assert "internal error" not in result.stdout + result.stderr


@pytest.mark.parametrize("output_format", ["text", "concise", "github", "inventory"])
def test_a_log_or_terminal_gets_valid_utf8_and_no_control_character(
    tmp_path: Path, output_format: str
) -> None:
    project = _hostile_names(tmp_path)
    (project / os.fsdecode(b"caf\xe9.py")).write_text(FORGING_POOL)
    result = subprocess.run(
        [sys.executable, "-m", "poolcheck", ".", "--format", output_format], cwd=project, capture_output=True
    )
    shown = result.stdout.decode("utf-8")  # strict: an undecodable byte would raise here
    assert result.returncode == 1
    assert "\x1b" not in shown and "\udce9" not in shown
    assert "caf\\xe9.py" in shown  # the undecodable byte shown as itself


def test_the_file_listing_and_unused_suppressions_escape_file_names(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    name = f"col{ESCAPE}our.py"
    (project / name).write_text(POOL + "x = 1  # poolcheck: ignore[PC001]\n")
    listed = _run([".", "--show-files"], project)
    unused = _run([".", "--report-unused-ignores"], project)
    for result in (listed, unused):
        _clean(result)
        assert "\x1b" not in result.stdout + result.stderr
    assert "col\\x1b[2Jour.py" in listed.stdout
    assert "col\\x1b[2Jour.py:3:8: unused suppression" in unused.stderr


# 3. Secrets


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("postgresql://admin:S3CRET@db/app", "postgresql://admin:***@db/app"),
        (
            "postgres://admin:S3CRET@db:5432/app?sslmode=require",
            "postgres://admin:***@db:5432/app?sslmode=require",
        ),
        ("mysql+pymysql://u:p%40ss@db", "mysql+pymysql://u:***@db"),
        (
            "postgresql://db/app?password=S3CRET&sslmode=require",
            "postgresql://db/app?password=***&sslmode=require",
        ),
        ("host=db user=app password=S3CRET dbname=app", "host=db user=app password=*** dbname=app"),
        ('create_pool(dsn, password="S3CRET")', 'create_pool(dsn, password="***")'),
        ('{"db_password": "S3CRET"}', '{"db_password": "***"}'),
        # No secret written: left as it is.
        ("postgresql://admin@db/app", "postgresql://admin@db/app"),
        ("postgresql://db:5432/app", "postgresql://db:5432/app"),
        ('f"postgresql://{user}:{password}@{host}/app"', 'f"postgresql://{user}:{password}@{host}/app"'),
        ('password=os.environ["PGPASSWORD"]', 'password=os.environ["PGPASSWORD"]'),
        ("https://example.com:8080/path@v2", "https://example.com:8080/path@v2"),
    ],
)
def test_redact_masks_passwords_only(written: str, shown: str) -> None:
    assert redact(written) == shown


SECRET_POOLS = (
    "import os\nfrom sqlalchemy import create_engine\n\n"
    'engine = create_engine("postgresql://admin:S3CRET@db/app", '
    'pool_size=pick("postgresql://admin:S3CRET@db/app"))\n'
)


@pytest.mark.parametrize(
    "output_format", ["text", "concise", "json", "sarif", "github", "gitlab", "inventory", "todo"]
)
def test_no_format_prints_a_password_from_the_code(tmp_path: Path, output_format: str) -> None:
    project = _project(tmp_path, SECRET_POOLS)
    summary = tmp_path / "summary.md"
    result = subprocess.run(
        [sys.executable, "-m", "poolcheck", ".", "--format", output_format],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)},
        check=False,
    )
    _clean(result)
    assert result.returncode == 1
    assert "S3CRET" not in result.stdout + result.stderr
    assert "S3CRET" not in (summary.read_text() if summary.exists() else "")
    if output_format in ("text", "json", "todo"):  # the frame, the settings' expr, the card's code
        assert "admin:***@db/app" in result.stdout


def test_the_frame_marks_the_setting_where_the_masked_line_shows_it(tmp_path: Path) -> None:
    line = 'engine = create_engine("postgresql://admin:S3CRETLONGPASSWORD@db/app", pool_size=5)'
    project = _project(tmp_path, f"from sqlalchemy import create_engine\n{line}\n")
    result = _run([".", "--select", "PC001"], project)
    _clean(result)
    rows = result.stdout.splitlines()
    shown = next(row for row in rows if "admin:***@db" in row)
    carets = rows[rows.index(shown) + 1]
    start = carets.index("^")
    assert shown[start : start + len("pool_size=5")] == "pool_size=5", (shown, carets)
    assert ":2:57:" not in result.stdout and ":2:72:" in result.stdout  # the location is the file's


def test_code_quoted_in_a_card_table_stays_in_its_cell_and_code_span(tmp_path: Path) -> None:
    source = (
        "import os\nfrom sqlalchemy import create_engine\n"
        'engine = create_engine("postgresql://db/app", pool_size=int(os.environ.get("P|<b>`x`</b>", 5)))\n'
    )
    result = _run([".", "--format", "todo"], _project(tmp_path, source))
    _clean(result)
    row = next(line for line in result.stdout.splitlines() if line.startswith("| maximum pool size"))
    assert row.count(" | ") == 3  # four cells: the quoted pipe is escaped
    # The variable's name in a code span longer than its backtick run: the HTML is shown, not run.
    assert "``P\\|<b>`x`</b>``" in row


def test_cards_and_baselines_hold_no_password(tmp_path: Path) -> None:
    project = _project(tmp_path, SECRET_POOLS)
    todos, baseline = tmp_path / "todos", tmp_path / "baseline.json"
    _clean(_run([".", "-q", "--todos-dir", str(todos)], project))
    _clean(_run([".", "--write-baseline", str(baseline)], project))
    written = [path.read_text() for path in todos.iterdir()] + [baseline.read_text()]
    assert written[0].count("admin:***@db/app") >= 1
    assert not [text for text in written if "S3CRET" in text]
    # Fingerprints are those of the code as written: the baseline still hides every finding.
    again = _run([".", "--baseline", str(baseline)], project)
    assert again.returncode == 0 and "S3CRET" not in again.stdout


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "gitlab", "inventory", "todo"])
def test_a_file_name_that_is_not_utf8_is_written_to_a_file_too(tmp_path: Path, output_format: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / os.fsdecode(b"caf\xe9.py")).write_text(POOL)
    report = tmp_path / "report.out"
    result = _run([".", "--format", output_format, "-o", str(report)], project)
    _clean(result)
    assert result.returncode == 1
    if output_format in ("json", "sarif", "gitlab"):  # still valid UTF-8 JSON
        json.loads(report.read_text(encoding="utf-8"))


def test_cards_for_a_file_name_that_is_not_utf8_are_written(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / os.fsdecode(b"caf\xe9.py")).write_text(POOL)
    todos = tmp_path / "todos"
    result = _run([".", "-q", "--todos-dir", str(todos)], project)
    _clean(result)
    assert result.returncode == 1
    assert len(list(todos.iterdir())) == 1


CARD_NAME = "a`b\n::error x <img src=y>.py"
CARD_POOL = (
    "from sqlalchemy import create_engine\nengine = create_engine(\n"
    '    "postgresql://db/app",  # ```\x1b[2J [x](http://evil) <b>\n'
    "    pool_size=5,\n)\n"
)


def test_cards_quote_code_and_names_without_markup_or_escapes(tmp_path: Path) -> None:
    project = _project(tmp_path, CARD_POOL, CARD_NAME)
    result = _run([".", "--format", "todo"], project)
    _clean(result)
    assert result.returncode == 1
    card = result.stdout
    assert "\x1b" not in card
    assert not [line for line in card.splitlines() if line.startswith("::")]
    # The quoted ``` cannot close the block: the fence is longer.
    assert "````python\nengine = create_engine(\n" in card
    title = next(line for line in card.splitlines() if line.startswith("# "))
    assert "<img" not in title and "&lt;img src=y&gt;.py" in title
    assert "`a\\x60b\\n::error x <img src=y>.py:2-5`" in card  # one code span, not broken by the backtick


def test_statistics_names_a_broken_file_escaped(tmp_path: Path) -> None:
    project = _project(
        tmp_path, "from sqlalchemy import create_engine\nengine = create_engine(\n", f"x{ESCAPE}.py"
    )
    result = _run([".", "--statistics"], project)
    _clean(result)
    assert result.returncode == 1
    assert "\x1b" not in result.stderr
    assert "x\\x1b[2J.py: error[parse]" in result.stderr


def test_a_todos_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    # The default todos/ lies in the checked repository, which could point it anywhere.
    project = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "todos").symlink_to(elsewhere)
    result = _run([".", "--write-todos"], project)
    _clean(result)
    assert result.returncode == 2
    assert "symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []
