"""Hostile configuration, baseline and ignore-pattern inputs, and the failure boundary.

A configuration or baseline poolcheck cannot use is a clear exit-2 message naming
the file, never a traceback (whose exit code 1 would read as "findings found"). A bad
pattern in a .gitignore is a warning naming the file and line, and the run goes on. A
bug of poolcheck's met on one pool is an error entry for that pool's file; the other
pools are still checked.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import timeit
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from poolcheck import effective, pipeline
from poolcheck.baseline import BaselineError, load_baseline
from poolcheck.check import rule_by_id
from poolcheck.cli import main
from poolcheck.config import Config, ConfigError, read_config
from poolcheck.filters import Anchored
from poolcheck.gitignore import IgnoreFile, read_ignore_file, repository_top
from poolcheck.model import Report
from poolcheck.pipeline import RunSettings, run
from poolcheck.settings import Overrides, file_settings

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


# The failure boundary: a bug met on one pool is that file's error entry, never the whole run's.

UNSAFE = "from sqlalchemy import create_engine\nbad = create_engine(url, pool_size=5)  # noqa: PC001\n"


def two_files(folder: Path) -> Path:
    good_tree(folder)
    (folder / "unsafe.py").write_text(UNSAFE)
    return folder


def failing_on_unsafe(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original``, raising on a pool (or anything) of unsafe.py as a bug of ours would."""

    def wrapped(first: Any, *rest: Any) -> Any:
        path = first.site.path if hasattr(first, "site") else getattr(first, "path", "")
        if str(path).endswith("unsafe.py") or (
            isinstance(first, list) and first and "unsafe" in first[0].path
        ):
            raise RuntimeError("boom")
        return original(first, *rest)

    return wrapped


@pytest.fixture
def broken_rule() -> Iterator[None]:
    """PC001's check raises on the pool in unsafe.py (rules are frozen, so set and restore it by hand)."""
    rule = rule_by_id("PC001")
    assert rule is not None and rule.check is not None
    original = rule.check
    object.__setattr__(rule, "check", failing_on_unsafe(original))
    yield
    object.__setattr__(rule, "check", original)


def checked(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(folder)
    return run([Path(".")], RunSettings(jobs=1))


def test_a_rule_that_fails_on_one_pool_is_an_error_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken_rule: None
) -> None:
    report = checked(two_files(tmp_path), monkeypatch)
    assert [(e.path, e.kind, e.message) for e in report.errors] == [
        (
            "unsafe.py",
            "parse",
            "internal error while checking the create_engine pool at line 2 (RuntimeError: boom); please report it",
        )
    ]
    assert {f.path for f in report.findings} == {"db.py"}  # the other pool still checked, PC001 too
    assert "PC001" in {f.rule for f in report.findings}
    assert len(report.pools) == 2


def test_a_failing_rule_exits_1_with_the_error_not_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken_rule: None
) -> None:
    result = poolcheck(two_files(tmp_path), ".", monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [e["path"] for e in report["errors"]] == ["unsafe.py"]
    assert {f["path"] for f in report["findings"]} == {"db.py"}


def test_effective_settings_that_fail_on_one_pool_are_an_error_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pipeline imports effective_pool where it judges a pool: patched in its own module.
    monkeypatch.setattr(effective, "effective_pool", failing_on_unsafe(effective.effective_pool))
    report = checked(two_files(tmp_path), monkeypatch)
    assert [(e.path, e.message.split(" (")[0]) for e in report.errors] == [
        ("unsafe.py", "internal error while checking the create_engine pool at line 2")
    ]
    assert [p.site.path for p in report.pools] == ["db.py"]
    assert {f.path for f in report.findings} == {"db.py"}


def test_suppressions_that_fail_in_one_file_leave_its_findings_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "apply_suppressions", failing_on_unsafe(pipeline.apply_suppressions))
    report = checked(two_files(tmp_path), monkeypatch)
    assert [(e.path, e.message.split(" (")[0]) for e in report.errors] == [
        ("unsafe.py", "internal error while checking its suppression comments")
    ]
    assert "PC001" in {f.rule for f in report.findings if f.path == "unsafe.py"}  # shown, not suppressed
    assert {f.path for f in report.findings} == {"db.py", "unsafe.py"}


def test_without_a_failure_the_comment_suppresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = checked(two_files(tmp_path), monkeypatch)
    assert report.errors == ()
    assert "PC001" not in {f.rule for f in report.findings if f.path == "unsafe.py"}


# Ignore patterns: a bad .gitignore line is a warning naming file and line; matching stays linear.


def test_a_gitignore_line_that_cannot_be_used_is_a_warning_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = good_tree(tmp_path / "repo")
    if repository_top(str(tree)) is not None:
        pytest.skip("the temporary folder lies in a git work tree: git, not the own walk, would read it")
    (tree / "skipped.py").write_text(POOL)
    (tree / "sub").mkdir()
    (tree / "sub" / ".gitignore").write_text("[z-a]*\n")
    (tree / ".gitignore").write_text("skipped.py\n!\n\\\n[z-a]*\n" + "x" * 2000 + "/\n*.log\n")
    result = poolcheck(tree, ".", monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.output  # the good pool's findings, not a usage error
    warnings = [line for line in result.stderr.splitlines() if line.startswith("poolcheck: warning: ")]
    assert [w.split(": invalid pattern")[0] for w in warnings] == [
        "poolcheck: warning: .gitignore:2",
        "poolcheck: warning: .gitignore:3",
        "poolcheck: warning: .gitignore:4",
        "poolcheck: warning: .gitignore:5",
        "poolcheck: warning: sub/.gitignore:1",
    ]
    assert "'[z-a]*': bad character range z-a; skipped" in warnings[2]
    assert "longer than 1024 characters; skipped" in warnings[3] and len(warnings[3]) < 200
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [pool["path"] for pool in report["pools"]] == ["db.py"]  # skipped.py: the good lines still apply


@pytest.mark.parametrize("pattern", ["x" * 2000, "*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r*s*t*u*v*w*x*y*z", "!"])
def test_a_bad_exclude_pattern_in_a_configuration_is_still_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pattern: str
) -> None:
    (good_tree(tmp_path) / "poolcheck.toml").write_text(f"extend-exclude = [{json.dumps(pattern)}]\n")
    if pattern.startswith("*"):  # each star matches atomically: usable, not an error
        result = poolcheck(tmp_path, ".", monkeypatch=monkeypatch)
        assert result.exit_code == 1, result.output
        return
    refused(
        poolcheck(tmp_path, ".", monkeypatch=monkeypatch), "poolcheck.toml: extend-exclude: invalid pattern"
    )
    command_line = poolcheck(tmp_path, "--extend-exclude", pattern, ".", monkeypatch=monkeypatch)
    assert command_line.exit_code == 2 and "invalid pattern" in command_line.stderr


def test_patterns_that_need_backtracking_everywhere_are_skipped() -> None:
    rules = IgnoreFile(["a/**/b/**/c/**/d", "*.log"], "x/.gitignore")
    assert rules.problems == (
        "x/.gitignore:1: invalid pattern 'a/**/b/**/c/**/d': more than 2 wildcards that need backtracking; skipped",
    )
    assert rules.verdict("debug.log", False) is True


@pytest.mark.parametrize(
    ("pattern", "ignored", "kept"),
    [
        ("*a*a*b", ["aab", "xaxayb", "d/aaab"], ["ab", "aa", "aabx"]),
        ("*_test*.py", ["a_test.py", "x_test_y.py", "_test.py"], ["a_test.pyc", "test.py", "a_tes.py"]),
        ("**/foo/**/*.py", ["foo/a.py", "x/foo/y/z.py"], ["foo.py", "x/foo/a.pyc"]),
        ("build*/", [], ["build"]),
        ("[!a]*b*c", ["xbc", "xybzc"], ["abc", "xb"]),
    ],
)
def test_patterns_made_linear_match_as_before(pattern: str, ignored: list[str], kept: list[str]) -> None:
    import pathspec

    rules = IgnoreFile([pattern])
    before = pathspec.GitIgnoreSpec.from_lines([pattern])
    for path in ignored:
        assert rules.verdict(path, False) is True, path
        assert before.match_file(path), path
    for path in kept:
        assert rules.verdict(path, False) is None, path
        assert not before.match_file(path), path
    assert rules.verdict("build", True) is (True if pattern == "build*/" else None)


def matching_time(pattern: str, name: str) -> float:
    """The least time of a few runs matching ``name`` against ``pattern``, each run many matches."""
    rules = IgnoreFile([pattern])
    return min(timeit.repeat(lambda: rules.verdict(name, False), number=20, repeat=7))


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("*a*a*a*b", lambda n: "a" * n),  # stars in one name: n^4 by backtracking
        ("*a*a*a*a*a*a*a*a*b", lambda n: "a" * n),
        ("**/x*a*a*b", lambda n: "/".join(["xaaa"] * (n // 5))),  # many folders, stars in each
    ],
    ids=["four-stars", "nine-stars", "deep-path"],
)
def test_matching_a_pattern_grows_like_the_name_not_a_power_of_it(
    pattern: str, name: Callable[[int], str]
) -> None:
    small, large = matching_time(pattern, name(60)), matching_time(pattern, name(240))
    # Four times the name: linear work is 4 times, quadratic 16; backtracking was 4^4 = 256 and more.
    assert large / small < 24, (small, large)


def reading_time(line: str) -> float:
    return min(timeit.repeat(lambda: IgnoreFile([line]), number=5, repeat=5))


def test_reading_a_long_line_grows_like_its_length() -> None:
    small, large = reading_time("x" * 2000 + "/"), reading_time("x" * 16000 + "/")
    # Eight times the line: linear work is 8 times; the name check was quadratic, 64 times.
    assert large / small < 24, (small, large)


# A fifo swapped in for a configuration, baseline or ignore file after the walk saw a file.


def returns_soon(read: Callable[[], object]) -> object:
    """``read()``'s result or exception, failing the test if it waits on the fifo instead."""
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_outcome(read)), daemon=True)
    worker.start()
    worker.join(timeout=30)  # a reader that opens the fifo waits for a writer forever
    assert outcome, "the reader waits on the fifo"
    return outcome[0]


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except Exception as error:
        return error


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no fifos here")
def test_no_reader_waits_on_a_fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "poolcheck.toml"
    os.mkfifo(fifo)
    monkeypatch.chdir(tmp_path)
    try:
        config = returns_soon(lambda: read_config(fifo, required=True))
        assert isinstance(config, ConfigError) and "poolcheck.toml: cannot read: not a regular file" in str(
            config
        )
        baseline = returns_soon(lambda: load_baseline(fifo))
        assert isinstance(baseline, BaselineError) and "not a regular file" in str(baseline)
        ignores = returns_soon(lambda: read_ignore_file(str(fifo)))
        assert isinstance(ignores, IgnoreFile) and not ignores
    finally:  # release a reader that did wait, so the test process can end
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def excluding_time(pattern: str, name: str) -> float:
    """The least time of a few runs asking a configuration's extend-exclude about ``name``."""
    here = Path.cwd()
    applying = file_settings(Config(extend_exclude=(Anchored(pattern, here),)), Overrides())
    path = str(here / name)
    return min(timeit.repeat(lambda: applying.excludes(path), number=20, repeat=7))


def test_a_configurations_exclude_pattern_grows_like_the_name_not_a_power_of_it() -> None:
    pattern = "*a*a*a*b"
    small, large = excluding_time(pattern, "a" * 60), excluding_time(pattern, "a" * 240)
    assert large / small < 24, (small, large)


def test_budgets_that_fail_are_an_error_and_the_pools_are_still_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "budgets", broken)
    report = checked(two_files(tmp_path), monkeypatch)
    assert [(e.path, e.message) for e in report.errors] == [
        (
            ".",
            "internal error while checking the servers' connection budgets (RuntimeError: boom); please report it",
        )
    ]
    assert {f.path for f in report.findings} == {"db.py", "unsafe.py"}
