"""The CI output formats (SARIF, GitHub workflow commands, GitLab Code Quality): goldens and edge cases.

Goldens are the real command's output on ``fixtures/``; after a deliberate change,
regenerate them with ``POOLCHECK_UPDATE_GOLDEN=1 pytest tests/test_formats.py`` and
review the diff like code.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, poolcheck_command, require_shared

from poolcheck import __version__
from poolcheck.check import all_rules, rule_by_id
from poolcheck.emit import github, gitlab, sarif
from poolcheck.model import FileError, Finding, Pool, PoolSite, Priority, Report, Span

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("POOLCHECK_UPDATE_GOLDEN") == "1"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
GOLDENS = {
    "text": "fixtures.text.txt",
    "json": "fixtures.json",
    "inventory": "fixtures.inventory.txt",
    "sarif": "fixtures.sarif.json",
    "github": "fixtures.github.txt",
    "gitlab": "fixtures.gitlab.json",
}


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shown paths are relative to the working directory: here this repository's root, as for ``poolcheck``."""
    monkeypatch.chdir(ROOT)


def poolcheck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command from the repo root, never writing to a real step summary (as on GitHub CI)."""
    environ = {k: v for k, v in os.environ.items() if k != github.SUMMARY_VARIABLE} | (env or {})
    return subprocess.run(
        [*poolcheck_command(), *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def finding(
    line: int = 1,
    *,
    rule: str = "PC001",
    priority: Priority = "p2",
    path: str = "src/db.rs",
    column: int = 5,
    end_line: int | None = None,
    end_column: int = 20,
    message: str = "max_connections is 10 (written)",
    fingerprint: str | None = None,
    pool: int | None = None,
) -> Finding:
    definition = rule_by_id(rule)
    assert definition is not None
    return Finding(
        rule=rule,
        name=definition.name,
        priority=priority,
        path=path,
        span=Span(line, column, end_line or line, end_column),
        message=message,
        library="sqlx",
        fingerprint=fingerprint or f"{rule}-{path}-{line}-{column}",
        pool=pool,
    )


def report(*findings: Finding, errors: tuple[FileError, ...] = (), pools: tuple[Pool, ...] = ()) -> Report:
    """A report whose project root is this repository, as a run from its root would have."""
    return Report(pools=pools, findings=findings, errors=errors, files_checked=3, root=ROOT)


def pool_on(path: str, first_line: int, lines: tuple[str, ...]) -> Pool:
    site = PoolSite(
        path=path,
        span=Span(first_line, 1, first_line + len(lines) - 1, len(lines[-1]) + 1),
        language="rust",
        library="sqlx",
        constructor="PgPoolOptions::new()",
        database="postgres",
        text="\n".join(lines),
        lines=lines,
    )
    return Pool(site=site)


def commands(output: str, level: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"::{level} ")]


# --- goldens through the real command ------------------------------------------------------------


def normalized(output_format: str, output: str) -> str:
    """The output with what depends on the machine or release replaced by placeholders."""
    if output_format == "json":
        document = json.loads(output)
        assert document["tool"]["version"] == __version__
        document["tool"]["version"] = "<version>"
        return json.dumps(document, indent=2) + "\n"
    if output_format != "sarif":
        return output
    log = json.loads(output)
    run = log["runs"][0]
    assert run["tool"]["driver"]["version"] == __version__
    run["tool"]["driver"]["version"] = "<version>"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///<root>/"
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("output_format", sorted(GOLDENS))
def test_fixtures_match_the_golden_file(output_format: str) -> None:
    result = poolcheck("--format", output_format, "fixtures/")
    assert result.returncode == 1, result.stderr
    actual = normalized(output_format, result.stdout)
    golden = GOLDEN / GOLDENS[output_format]
    if UPDATE_GOLDEN:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing; run with POOLCHECK_UPDATE_GOLDEN=1 to create it"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("output_format", sorted(GOLDENS))
def test_output_file_holds_exactly_what_stdout_would(output_format: str, tmp_path: Path) -> None:
    target = tmp_path / f"report.{output_format}"
    written = poolcheck("--format", output_format, "--output", str(target), "fixtures/")
    printed = poolcheck("--format", output_format, "fixtures/")
    assert written.returncode == printed.returncode == 1
    assert written.stdout == ""
    assert target.read_text(encoding="utf-8") == printed.stdout != ""


# --- SARIF ---------------------------------------------------------------------------------------


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(require_shared(SARIF_SCHEMA, "the SARIF 2.1.0 schema").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(log: dict[str, Any]) -> None:
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]
    assert problems == []


def test_fixtures_sarif_is_valid_and_points_each_result_at_its_rule() -> None:
    log = json.loads(poolcheck("--format", "sarif", "fixtures/").stdout)
    assert_valid_sarif(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    assert len(run["results"]) == 58
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"].startswith(
            (
                "fixtures/rust-service/src/",
                "fixtures/python-service/",
                "fixtures/system-over/",
                "fixtures/system-scaled/",
                "fixtures/platform-services/",
            )
        )
        assert result["partialFingerprints"]["poolcheck/v1"]


def test_sarif_levels_help_and_tags() -> None:
    findings = [finding(1, rule="PC007", priority="p1"), finding(2), finding(3, rule="PC006", priority="p3")]
    log = sarif.as_log(report(*findings))
    run = log["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]
    by_id = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert by_id["PC007"]["defaultConfiguration"] == {"level": "error"}
    assert by_id["PC001"]["properties"]["tags"] == ["performance", "database", "connection-pool"]
    assert by_id["PC001"]["help"]["markdown"].startswith("# PC001 max-connections-too-small")
    assert "## Why is this bad?" in by_id["PC001"]["help"]["markdown"]
    assert by_id["PC001"]["fullDescription"]["text"] == rule_by_id("PC001").why  # type: ignore[union-attr]
    assert_valid_sarif(log)


def test_sarif_columns_count_utf16_code_units_on_the_pool_lines() -> None:
    # The emoji is one code point but two UTF-16 units; "é" is one of each.
    lines = ("    let pool = /* 🐘 é */ PgPoolOptions::new()", "        .max_connections(🐘🐘)")
    pool = pool_on("src/db.rs", 20, lines)
    start = lines[0].index("PgPoolOptions") + 1
    on_first = finding(20, column=start, end_column=len(lines[0]) + 1, pool=0)
    on_second = finding(21, column=10, end_column=len(lines[1]) + 1, pool=0)
    without_pool = finding(40, column=7, end_column=9)
    run = sarif.as_log(report(on_first, on_second, without_pool, pools=(pool,)))["runs"][0]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in run["results"]]
    assert regions[0] == {
        "startLine": 20,
        "startColumn": start + 1,
        "endLine": 20,
        "endColumn": len(lines[0]) + 2,
    }
    assert regions[1] == {"startLine": 21, "startColumn": 10, "endLine": 21, "endColumn": len(lines[1]) + 3}
    assert regions[2] == {"startLine": 40, "startColumn": 7, "endLine": 40, "endColumn": 9}


def test_sarif_utf16_column() -> None:
    assert sarif.utf16_column(1, "🐘x") == 1
    assert sarif.utf16_column(2, "🐘x") == 3
    assert sarif.utf16_column(3, "é€x") == 3  # BMP characters are one unit each
    assert sarif.utf16_column(5, None) == 5


def test_sarif_absolute_paths_are_file_uris_and_errors_are_notifications(tmp_path: Path) -> None:
    outside = (tmp_path / "my service" / "main.rs").as_posix()
    errors = (FileError("src/broken.rs", "syntax error at line 3", "parse"),)
    log = sarif.as_log(report(finding(path=outside), errors=errors))
    run = log["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": Path(outside).as_uri()}
    assert "%20" in location["uri"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "syntax error at line 3" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "src/broken.rs",
        "uriBaseId": "%SRCROOT%",
    }
    assert_valid_sarif(log)


# --- GitHub workflow commands --------------------------------------------------------------------


def test_github_escapes_data_and_properties() -> None:
    assert github.escape_data("100%\r\nnext: a, b") == "100%25%0D%0Anext: a, b"
    assert github.escape_property("a:b,c%d\r\ne") == "a%3Ab%2Cc%25d%0D%0Ae"


def test_github_file_property_is_from_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from fixtures/: the log line is relative to there, the annotation's file= to the root.
    monkeypatch.chdir(ROOT / "fixtures")
    output = github.render(report(finding(3, path="rust-service/src/main.rs")), {})
    (command,) = commands(output, "warning")
    assert command.startswith("::warning file=fixtures/rust-service/src/main.rs,line=3,")
    assert "\nrust-service/src/main.rs:3:5: PC001 [p2] " in output


def test_github_escaping_in_rendered_commands() -> None:
    odd = finding(path="svc,one/db:main.rs", message="90% busy\nthen: more, later")
    (command,) = commands(github.render(report(odd), {}), "warning")
    assert command.startswith("::warning file=svc%2Cone/db%3Amain.rs,line=1,endLine=1,col=5,endColumn=20,")
    assert command.endswith(",title=PC001 max-connections-too-small::90%25 busy%0Athen: more, later")


def test_github_multi_line_spans_have_no_columns() -> None:
    (command,) = commands(github.render(report(finding(3, end_line=5)), {}), "warning")
    assert "line=3,endLine=5,title=" in command
    assert "col=" not in command and "endColumn=" not in command


def test_github_levels_follow_priority() -> None:
    output = github.render(
        report(finding(1, rule="PC007", priority="p1"), finding(2), finding(3, rule="PC006", priority="p3")),
        {},
    )
    assert [len(commands(output, level)) for level in ("error", "warning", "notice")] == [1, 1, 1]
    assert "::notice::" not in output


def test_github_shows_ten_per_level_then_counts_the_rest() -> None:
    findings = [finding(line) for line in range(1, 15)]
    random.Random(7).shuffle(findings)
    output = github.render(report(*findings), {})
    warnings = commands(output, "warning")
    assert [int(w.split(",line=")[1].split(",")[0]) for w in warnings] == list(range(1, 11))
    (note,) = [line for line in output.splitlines() if line.startswith("::notice::")]
    assert note == (
        "::notice::poolcheck: 4 more findings not annotated (GitHub shows 10 per level); see the job log"
    )
    # every finding is still in the log
    listed = [line for line in output.splitlines() if line.startswith("src/db.rs:")]
    assert len(listed) == 14
    assert output.endswith("Found 14 findings (14 p2) in 0 pools; 3 files checked.\n")


def test_github_counting_notice_keeps_a_notice_slot_and_names_the_step_summary() -> None:
    findings = [finding(line, rule="PC006", priority="p3") for line in range(1, 13)]
    output = github.render(report(*findings), {github.SUMMARY_VARIABLE: "/tmp/summary.md"})
    notices = [line for line in output.splitlines() if line.startswith("::notice")]
    assert len(notices) == 10  # nine findings and the counting notice: GitHub shows all ten
    assert notices[-1] == (
        "::notice::poolcheck: 3 more findings not annotated (GitHub shows 10 per level); "
        "see the job log or the step summary"
    )


def test_github_file_errors_come_first_among_errors() -> None:
    errors = tuple(FileError(f"src/bad{n}.rs", "syntax error", "parse") for n in range(3))
    findings = [finding(line, rule="PC007", priority="p1") for line in range(1, 10)]
    output = github.render(report(*findings, errors=errors), {})
    shown = commands(output, "error")
    assert len(shown) == 10
    assert shown[0] == "::error file=src/bad0.rs,title=poolcheck parse error::syntax error"
    assert "2 more findings not annotated" in output


def test_github_step_summary_is_appended_not_overwritten(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## Tests\n\nall green\n", encoding="utf-8")
    findings = (finding(1, message="a | b"), finding(2, rule="PC006", priority="p3"))
    written = github.write_step_summary(report(*findings), {github.SUMMARY_VARIABLE: str(summary)})
    assert written == summary
    content = summary.read_text(encoding="utf-8")
    assert content.startswith("## Tests\n\nall green\n\n## poolcheck\n")
    assert "**2 findings** (0 p1, 1 p2, 1 p3)" in content
    assert "| Rule | Priority | Location | Message |" in content
    assert "| PC001 max-connections-too-small | p2 | src/db.rs:1:5 | a \\| b |" in content
    assert "| PC006 min-connections-missing | p3 | src/db.rs:2:5 |" in content


def test_github_step_summary_only_when_the_variable_is_set(tmp_path: Path) -> None:
    assert github.write_step_summary(report(finding()), {}) is None
    assert github.write_step_summary(report(finding()), {github.SUMMARY_VARIABLE: ""}) is None
    assert list(tmp_path.iterdir()) == []


def test_github_step_summary_stays_within_its_budget() -> None:
    findings = [finding(line, message="x" * 200) for line in range(1, 101)]
    text = github.step_summary(report(*findings), budget=5_000)
    assert len(text.encode()) <= 5_000
    assert "more; see the job log." in text
    assert "src/db.rs:1:5" in text


def test_github_format_writes_the_step_summary_through_the_command(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = poolcheck("--format", "github", "fixtures/", env={github.SUMMARY_VARIABLE: str(summary)})
    assert result.returncode == 1, result.stderr
    content = summary.read_text(encoding="utf-8")
    assert content.startswith("earlier step\n\n## poolcheck\n")
    assert content.count("| PC0") == 58


# --- GitLab Code Quality -------------------------------------------------------------------------


def test_gitlab_fingerprints_unique_and_severities() -> None:
    same = "3f6c1d0e9a8b7c6d"
    findings = [
        finding(1, rule="PC007", priority="p1", fingerprint=same),
        finding(1, rule="PC007", priority="p1", fingerprint=same, message="min above max"),
        finding(2, fingerprint=same),
        finding(3, rule="PC006", priority="p3"),
    ]
    errors = (FileError("src/broken.rs", "syntax error at line 3", "parse"),)
    issues = gitlab.as_issues(report(*findings, errors=errors))
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(issues) == 5
    assert fingerprints[0] == same  # the first keeps the finding's own fingerprint
    assert fingerprints == [i["fingerprint"] for i in gitlab.as_issues(report(*findings, errors=errors))]
    assert [issue["severity"] for issue in issues] == ["critical", "critical", "major", "minor", "info"]
    assert [issue["check_name"] for issue in issues[:4]] == ["PC007", "PC007", "PC001", "PC006"]
    assert issues[2]["categories"] == ["Performance"]
    assert issues[4]["location"] == {"path": "src/broken.rs", "lines": {"begin": 1, "end": 1}}


def test_gitlab_location_and_shape() -> None:
    (issue,) = gitlab.as_issues(report(finding(7, end_line=9, rule="PC002")))
    assert issue["type"] == "issue"
    assert issue["categories"] == ["Bug Risk"]
    assert issue["location"] == {"path": "src/db.rs", "lines": {"begin": 7, "end": 9}}
    assert issue["description"].startswith("PC002 acquire-timeout-missing: ")


def test_gitlab_unique_fingerprints_avoid_existing_ones() -> None:
    unique = gitlab.unique_fingerprints(["a", "a", "b", "a"])
    assert unique[0] == "a" and unique[2] == "b"
    assert len(set(unique)) == 4
    assert unique == gitlab.unique_fingerprints(["a", "a", "b", "a"])


def test_each_finding_names_the_library_version_that_judged_it() -> None:
    found = json.loads(poolcheck("--format", "json", "fixtures/").stdout)
    versioned = [f for f in found["findings"] if f["pool"] is not None]
    assert versioned and all(
        f["library_version"] == found["pools"][f["pool"]]["library_version"] for f in versioned
    )
    assert {f["library_version"]["source"] for f in versioned} >= {
        "fixtures/rust-service/Cargo.toml",
        "assumed",
    }
    assert all(f["library_version"] is None for f in found["findings"] if f["pool"] is None)
    results = json.loads(poolcheck("--format", "sarif", "fixtures/").stdout)["runs"][0]["results"]
    assert {r["properties"].get("libraryVersionSource") for r in results} >= {
        "fixtures/rust-service/Cargo.toml"
    }
