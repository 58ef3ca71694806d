"""Hostile configuration, baseline and ignore-pattern inputs, and the failure boundary.

A configuration or baseline poolcheck cannot use is a clear exit-2 message naming
the file, never a traceback (whose exit code 1 would read as "findings found"). A bad
pattern in a .gitignore is a warning naming the file and line, and the run goes on. A
bug of poolcheck's met on one pool is an error entry for that pool's file; the other
pools are still checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from poolcheck.cli import main

POOL = "from sqlalchemy import create_engine\ne = create_engine(url, pool_size=5)\n"


def poolcheck(cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    """The command line run in this process from ``cwd``, with a JSON report."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["--output-format", "json", *args])


def good_tree(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db.py").write_text(POOL)
    return folder


def refused(result: Result, *shown: str) -> None:
    """Exit 2 with one ``poolcheck:`` line naming each of ``shown``, and no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("poolcheck: "), result.stderr
    for text in shown:
        assert text in result.stderr, result.stderr


DEEP = 100_000


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("poolcheck.toml", "a = " + "[" * DEEP + "]" * DEEP, "nested too deeply"),
        ("poolcheck.toml", "a = " + "{b=" * DEEP + "}" * DEEP, "nested too deeply"),
        ("pyproject.toml", "[tool.poolcheck]\nselect = " + "[" * DEEP + "]" * DEEP, "nested too deeply"),
        ("poolcheck.toml", "timeout = " + "1" * 5000, "invalid TOML"),  # past int()'s 4300 digits
    ],
    ids=["arrays", "inline-tables", "pyproject", "long-integer"],
)
def test_a_configuration_nested_too_deeply_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, problem: str
) -> None:
    (good_tree(tmp_path) / name).write_text(text)
    refused(poolcheck(tmp_path, ".", monkeypatch=monkeypatch), f"{name}: invalid TOML", problem)


def test_a_huge_configuration_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = good_tree(tmp_path) / "poolcheck.toml"
    with config.open("wb") as stream:  # sparse: 1 GB on the file system, no disk written
        stream.truncate(2**30)
    refused(poolcheck(tmp_path, ".", monkeypatch=monkeypatch), "poolcheck.toml: larger than 4 MB")


def test_a_long_unknown_key_is_cut_short_in_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (good_tree(tmp_path) / "poolcheck.toml").write_text(f'"{"k" * 100_000}" = 1\n')
    result = poolcheck(tmp_path, ".", monkeypatch=monkeypatch)
    refused(result, "poolcheck.toml: unknown key 'kkk")
    assert len(result.stderr) < 200


def test_a_long_extend_chain_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_tree(tmp_path)
    for number in range(400):  # past the stack a recursive read would need
        (tmp_path / f"c{number}.toml").write_text(f'extend = "c{number + 1}.toml"\n')
    (tmp_path / "c400.toml").write_text("")
    (tmp_path / "poolcheck.toml").write_text('extend = "c0.toml"\n')
    refused(
        poolcheck(tmp_path, ".", monkeypatch=monkeypatch), "extend: more than 50 files extend one another"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * DEEP + "]" * DEEP, "not valid JSON: nested too deeply"),
        ('{"version": 1, "findings": ' + "[" * DEEP + "]" * DEEP + "}", "not valid JSON: nested too deeply"),
        ("[1, 2]", "not a poolcheck baseline (write one with --write-baseline): a JSON array, not an object"),
        ('"findings"', "a JSON string, not an object"),
        ("null", "a JSON null, not an object"),
        ('{"version": true, "findings": []}', "version must be 1"),
        ('{"version": "1", "findings": []}', "version must be 1"),
        ('{"version": 1, "findings": {"fingerprint": "x"}}', "findings must be an array, not a JSON object"),
        ('{"version": 1, "findings": [{"fingerprint": "a"}, {"fingerprint": ["a"]}]}', "findings[1] must be"),
        ('{"version": 1, "findings": ["a"]}', "findings[0] must be an object with a string fingerprint"),
        ('{"version": 1, "findings": [], "n": ' + "9" * 5000 + "}", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_a_baseline_poolcheck_did_not_write_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | bytes, problem: str
) -> None:
    baseline = good_tree(tmp_path) / "known.json"
    baseline.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = poolcheck(tmp_path, "--baseline", "known.json", ".", monkeypatch=monkeypatch)
    refused(result, "known.json: ", problem)


def test_a_huge_baseline_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = good_tree(tmp_path) / "known.json"
    with baseline.open("wb") as stream:
        stream.truncate(2**30)
    result = poolcheck(tmp_path, "--baseline", "known.json", ".", monkeypatch=monkeypatch)
    refused(result, "known.json: the baseline is larger than 64 MB")


def test_a_baseline_poolcheck_wrote_still_hides_its_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_tree(tmp_path)
    written = poolcheck(tmp_path, "--write-baseline", "known.json", ".", monkeypatch=monkeypatch)
    assert written.exit_code == 0, written.output
    result = poolcheck(tmp_path, "--baseline", "known.json", ".", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["findings"] == [] and len(report["pools"]) == 1
