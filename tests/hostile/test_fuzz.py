"""The whole pipeline never crashes on generated configuration, ignore files, baselines and file names.

Each example writes a small tree with one good pool beside the generated input and runs
poolcheck on it (the command line in this process, or run() and every emitter): nothing
raises, the exit code is 0, 1 or 2 (2 only with a ``poolcheck:`` message naming the bad
file), and the good pool is still reported whenever the input is usable. The examples are
the same on every run (derandomized, no database, no deadline).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pathspec
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from poolcheck.cards.content import build_cards
from poolcheck.check import default_options
from poolcheck.cli import FORMATS, _render, main
from poolcheck.emit import todo
from poolcheck.gitignore import IgnoreFile, linear_regex
from poolcheck.pipeline import RunSettings, run

POOL = "from sqlalchemy import create_engine\ne = create_engine(url, pool_size=5)\n"
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text as hostile files hold it: control characters, newlines, quotes, brackets; no lone surrogates,
# which no file can hold as UTF-8.
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
PATTERN_TEXT = st.text(st.sampled_from("*?[]!\\/-a.b\n\t \x1b#z"), max_size=30)
KEYS = st.sampled_from(
    [
        "select",
        "ignore",
        "extend-exclude",
        "per-file-ignores",
        "fail-on",
        "server-max-connections",
        "timeout",
        "max-file-size",
        "respect-gitignore",
        "min-max-connections",
        "max-acquire-timeout",
        "extend",
        "extend-select",
    ]
)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(["PC001", "p1", "p3", "ALL", "*.py", "db.py", "[z-a]", "!", "x.toml"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT | KEYS, inner, max_size=3),
    max_leaves=12,
)


def toml_value(value: Any) -> str:
    """``value`` written as TOML: strings as JSON writes them (TOML reads those escapes), inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return (
        "{"
        + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items())
        + "}"
    )


@st.composite
def configurations(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, text): a document of known and unknown keys, or text that may not be TOML at all."""
    name = draw(st.sampled_from(["poolcheck.toml", ".poolcheck.toml", "pyproject.toml"]))
    if draw(st.integers(0, 4)) == 0:
        body = draw(st.text(st.characters(codec="utf-8"), max_size=200))
    else:
        table = draw(st.dictionaries(KEYS | TEXT, VALUES, max_size=5))
        body = "".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}\n" for k, v in table.items())
    return name, ("[tool.poolcheck]\n" + body if name == "pyproject.toml" else body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=15,
)


@st.composite
def baselines(draw: st.DrawFn) -> bytes:
    """A baseline file: any JSON, a baseline's shape with wrong parts, or bytes that are not JSON."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.binary(max_size=100))
    if kind == 1:
        return json.dumps(draw(JSON)).encode()
    findings = draw(st.lists(st.dictionaries(st.sampled_from(["fingerprint", "rule"]), JSON), max_size=4))
    version = draw(st.sampled_from([1, 1, 2, "1", True, None]))
    return json.dumps({"version": version, "findings": findings}).encode()


@contextmanager
def good_tree() -> Iterator[Path]:
    """A fresh folder holding one good pool, as the working directory."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        tree = Path(folder)
        (tree / "db.py").write_text(POOL)
        patch.chdir(tree)
        yield tree


def poolcheck(*args: str) -> Result:
    return CliRunner().invoke(main, ["--output-format", "json", "--jobs", "1", *args])


def assert_clean_exit(result: Result, bad_file: str) -> dict[str, Any] | None:
    """0 or 1 with a JSON report (returned), or 2 with one message naming ``bad_file``; never a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.exit_code
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("poolcheck: "), result.stderr
        assert bad_file in result.stderr or "Usage:" in result.stderr, result.stderr
        return None
    for line in result.stderr.splitlines():
        assert line.startswith("poolcheck: "), line
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def good_pool_reported(report: dict[str, Any]) -> bool:
    """The good pool is in the report, or is its file's error (a generated max-file-size too small for it)."""
    return "db.py" in [p["path"] for p in report["pools"]] + [e["path"] for e in report["errors"]]


@pytest.mark.slow
@FUZZ
@given(configurations())
def test_any_configuration_is_used_or_refused_with_a_message(configuration: tuple[str, str]) -> None:
    name, text = configuration
    with good_tree() as tree:
        (tree / name).write_text(text, encoding="utf-8")
        report = assert_clean_exit(poolcheck("."), name)
        if report is not None and "extend-exclude" not in text:
            assert good_pool_reported(report), report


@pytest.mark.slow
@FUZZ
@given(st.lists(PATTERN_TEXT | TEXT, max_size=8))
def test_any_gitignore_is_used_with_warnings_and_never_stops_the_run(lines: list[str]) -> None:
    with good_tree() as tree:
        (tree / ".gitignore").write_text("\n".join(lines), encoding="utf-8")
        result = poolcheck(".")
        report = assert_clean_exit(result, ".gitignore")
        assert report is not None, result.stderr  # a .gitignore is never a reason for exit 2
        warnings = [line for line in result.stderr.splitlines() if "warning: .gitignore:" in line]
        assert all("invalid pattern" in line or "larger than" in line for line in warnings)


@pytest.mark.slow
@FUZZ
@given(baselines())
def test_any_baseline_is_used_or_refused_with_a_message(baseline: bytes) -> None:
    with good_tree() as tree:
        (tree / "known.json").write_bytes(baseline)
        report = assert_clean_exit(poolcheck("--baseline", "known.json", "."), "known.json")
        if report is not None:
            assert good_pool_reported(report), report


NAMES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="/\0"), min_size=1, max_size=30),
    st.binary(min_size=1, max_size=30).map(
        lambda raw: os.fsdecode(raw.replace(b"/", b"_").replace(b"\0", b"_"))
    ),
)


@pytest.mark.slow
@FUZZ
@given(NAMES)
def test_any_file_name_is_reported_by_every_emitter(stem: str) -> None:
    name = stem + ".py"
    with good_tree() as tree:
        try:
            (tree / name).write_text(POOL)
        except (OSError, UnicodeEncodeError, ValueError):  # a name this file system cannot hold
            assume(False)
        report = run([Path(".")], RunSettings(jobs=1))
        assert report.errors == (), report.errors
        assert len(report.pools) == 2
        for output_format in FORMATS:
            if output_format == "todo":
                cards = build_cards(report, lambda path: default_options(), date_today(), "pool")
                rendered = todo.render(cards)
            else:
                rendered = _render(report, output_format, colour=False, quiet=False)
            if output_format in ("text", "concise"):  # for a terminal: no escape sequence passed on
                assert "\x1b" not in rendered or "\x1b" not in name, output_format
            assert isinstance(rendered, str) and rendered


def date_today() -> Any:
    from datetime import date

    return date(2026, 1, 1)


def test_the_fuzzers_draw_the_same_examples_on_every_run() -> None:
    """Derandomized: a failure seen once is seen on every run, under load or not."""
    assert FUZZ.derandomize and FUZZ.database is None and FUZZ.deadline is None


def folder_mark(found: re.Match[str] | None) -> tuple[int, int] | None:
    """Where a match is, and where pathspec's folder mark is in it: what the walk reads of a match."""
    if found is None:
        return None
    marks = [found.span(name) for name in found.groupdict() if name.startswith("ps_")]
    return (found.end(), *(end for _, end in marks)) if marks else (found.end(),)  # type: ignore[return-value]


@FUZZ
@given(
    st.text(st.sampled_from("ab*?/[]!-"), min_size=1, max_size=12),
    st.lists(st.text(st.sampled_from("ab/."), max_size=12), min_size=1, max_size=10),
)
def test_stars_matched_atomically_match_what_pathspec_matches(pattern: str, names: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compiled = pathspec.GitIgnoreSpec.from_lines([pattern]).patterns
        except Exception:  # a line pathspec cannot use: skipped with a warning, nothing to compare
            assume(False)
        for written in compiled:
            if written.regex is None:
                continue
            linear = re.compile(linear_regex(written.regex.pattern))
            for name in names:
                assert folder_mark(linear.search(name)) == folder_mark(written.regex.search(name)), (
                    linear.pattern,
                    name,
                )


@FUZZ
@given(
    st.lists(st.text(st.sampled_from("ab*?/[]!-."), min_size=1, max_size=8), min_size=2, max_size=8),
    st.lists(
        st.tuples(st.text(st.sampled_from("ab/.-"), min_size=1, max_size=12), st.booleans()), max_size=10
    ),
)
def test_one_search_for_all_patterns_agrees_with_asking_each(
    lines: list[str], paths: list[tuple[str, bool]]
) -> None:
    joined = IgnoreFile(lines)
    each = IgnoreFile(lines)
    each.any_pattern = None  # no shortcut: every pattern asked in turn
    for relative, is_dir in paths:
        assert joined.verdict(relative, is_dir) == each.verdict(relative, is_dir), (lines, relative, is_dir)
