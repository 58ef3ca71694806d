"""Files poolcheck writes get the user's usual mode: 0666 less the umask when new, their own mode when replaced."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from poolcheck.cli import main
from poolcheck.output import write_output

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
SERVICE = str(FIXTURES / "python-service")  # has findings, so every report is non-empty


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under this umask (process-wide), restoring the previous one after."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def poolcheck(*args: str, env: dict[str, str] | None = None) -> None:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code in (0, 1), result.output


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_report_file_gets_the_umask_mode(tmp_path: Path, umask: int) -> None:
    report = tmp_path / "report.json"
    poolcheck("--format", "json", "--output", str(report), SERVICE)
    assert report.read_text(encoding="utf-8").startswith("{")
    assert mode(report) == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_baseline_file_gets_the_umask_mode(tmp_path: Path, umask: int) -> None:
    baseline = tmp_path / "poolcheck-baseline.json"
    poolcheck("--write-baseline", str(baseline), SERVICE)
    assert baseline.stat().st_size > 0
    assert mode(baseline) == 0o666 & ~umask


def test_issue_cards_get_the_umask_mode(tmp_path: Path, umask: int) -> None:
    todos = tmp_path / "todos"
    poolcheck("--todos-dir", str(todos), SERVICE)
    cards = sorted(todos.glob("*.md"))
    assert cards
    assert {mode(card) for card in cards} == {0o666 & ~umask}
    assert leftovers(todos) == []


def test_step_summary_created_by_poolcheck_gets_the_umask_mode(tmp_path: Path, umask: int) -> None:
    summary = tmp_path / "summary.md"
    poolcheck("--format", "github", SERVICE, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8").startswith("## poolcheck")
    assert mode(summary) == 0o666 & ~umask


@pytest.mark.parametrize("existing", [0o600, 0o640, 0o644], ids=oct)
def test_a_replaced_file_keeps_its_own_mode(tmp_path: Path, umask: int, existing: int) -> None:
    report = tmp_path / "report.sarif"
    report.write_text("old", encoding="utf-8")
    report.chmod(existing)
    poolcheck("--format", "sarif", "--output", str(report), SERVICE)
    assert report.read_text(encoding="utf-8") != "old"
    assert mode(report) == existing
    assert leftovers(tmp_path) == []


def test_an_existing_step_summary_keeps_its_mode_and_content(tmp_path: Path, umask: int) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    summary.chmod(0o600)
    poolcheck("--format", "github", SERVICE, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8").startswith("earlier step\n\n## poolcheck")
    assert mode(summary) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("old report", encoding="utf-8")
    report.chmod(0o600)
    with pytest.raises(UnicodeEncodeError):
        write_output(report, "half \ud800 written")  # a lone surrogate cannot be encoded
    assert report.read_text(encoding="utf-8") == "old report"
    assert mode(report) == 0o600
    assert leftovers(tmp_path) == []


def test_the_write_replaces_the_file_rather_than_writing_into_it(tmp_path: Path) -> None:
    # Rename, not rewrite in place: a reader holding the old file still sees it whole.
    report = tmp_path / "report.txt"
    report.write_text("old report", encoding="utf-8")
    with report.open(encoding="utf-8") as reader:
        write_output(report, "new report")
        assert reader.read() == "old report"
    assert report.read_text(encoding="utf-8") == "new report"
