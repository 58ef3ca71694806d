"""Hostile input, area outputs: what poolcheck writes and prints never damages, leaks or forges.

Each case: no traceback, the right exit code, a clear message, nothing written outside the
chosen outputs. CI runs as root, where a device node can be replaced; the refusal is tested there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
