"""ruff's command-line habits: output formats, colour, stdin, --show-settings/--show-files, warnings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_config import UNTUNED, tree

from poolcheck import __version__
from poolcheck.cli import colour_wanted, main

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, env=env)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tree(tmp_path, {"src/db.rs": UNTUNED, "notes.txt": "not code\n"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POOLCHECK_OUTPUT_FORMAT", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def test_output_format_has_format_as_alias_and_an_environment_variable(project: Path) -> None:
    by_option = invoke("--output-format", "json", ".")
    by_alias = invoke("--format", "json", ".")
    by_env = invoke(".", env={"POOLCHECK_OUTPUT_FORMAT": "json"})
    assert by_option.exit_code == by_alias.exit_code == by_env.exit_code == 1
    assert json.loads(by_option.stdout) == json.loads(by_alias.stdout) == json.loads(by_env.stdout)
    # The option wins over the variable; a bad value in the variable is a usage error.
    assert invoke(
        "--output-format", "concise", ".", env={"POOLCHECK_OUTPUT_FORMAT": "json"}
    ).stdout.startswith("src/db.rs:")
    assert invoke(".", env={"POOLCHECK_OUTPUT_FORMAT": "xml"}).exit_code == 2


def test_concise_is_one_line_a_finding_then_the_summary(project: Path) -> None:
    result = invoke("--output-format", "concise", ".")
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 6
    assert all(re.match(r"src/db\.rs:1:\d+: PC00\d \[p\d\] ", line) for line in lines[:5])
    assert lines[-1].startswith("Found 5 findings (2 p2, 3 p3) in 1 pool")
    assert "|" not in result.stdout  # no code frames


def test_statistics_prints_only_the_counts(project: Path) -> None:
    result = invoke("--statistics", ".")
    assert result.exit_code == 1
    rows = result.stdout.splitlines()
    assert [row.split("\t")[1] for row in rows] == ["PC001", "PC002", "PC004", "PC005", "PC006"]
    assert all(row.startswith("1\t") for row in rows)
    as_json = json.loads(invoke("--statistics", "--output-format", "json", ".").stdout)
    assert as_json[0] == {"code": "PC001", "name": "max-connections-too-small", "priority": "p2", "count": 1}


@pytest.mark.parametrize(
    ("choice", "environ", "terminal", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": ""}, False, False),  # only a non-empty value counts
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_choice(choice: str, environ: dict[str, str], terminal: bool, expected: bool) -> None:
    assert colour_wanted(choice, environ, terminal) is expected


def test_colour_reaches_the_output(project: Path) -> None:
    assert ANSI.search(invoke("--color", "always", ".").stdout)
    assert ANSI.search(invoke(".", env={"FORCE_COLOR": "1"}).stdout)  # a CI log that asks for it
    assert not ANSI.search(invoke(".", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout)
    assert not ANSI.search(invoke(".").stdout)  # not a terminal


def test_stdin_with_a_file_name(project: Path) -> None:
    code = UNTUNED.encode()
    result = invoke("--output-format", "json", "--stdin-filename", "src/piped.rs", "-", stdin=code)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert {f["path"] for f in report["findings"]} == {"src/piped.rs"}
    assert len(report["findings"]) == 5
    assert report["summary"]["files"] == 1


def test_stdin_without_a_file_name_is_python(project: Path) -> None:
    code = b"from sqlalchemy import create_engine\nengine = create_engine(url, pool_size=5)\n"
    report = json.loads(invoke("--output-format", "json", "-", stdin=code).stdout)
    assert {f["path"] for f in report["findings"]} == {"-"}
    assert "PC001" in {f["rule"] for f in report["findings"]}


def test_stdin_follows_the_named_files_configuration(project: Path) -> None:
    tree(project, {"src/poolcheck.toml": 'select = ["PC001"]\nextend-exclude = ["gen/"]\n'})
    piped = invoke("--output-format", "json", "--stdin-filename", "src/x.rs", "-", stdin=UNTUNED.encode())
    assert [f["rule"] for f in json.loads(piped.stdout)["findings"]] == ["PC001"]
    forced = invoke(
        "--output-format",
        "json",
        "--force-exclude",
        "--stdin-filename",
        "src/gen/x.rs",
        "-",
        stdin=UNTUNED.encode(),
    )
    assert json.loads(forced.stdout)["findings"] == []


def test_stdin_usage_errors(project: Path) -> None:
    assert invoke("-", "src", stdin=b"").exit_code == 2
    assert invoke("--stdin-filename", "x.py", "src").exit_code == 2
    not_code = invoke("--stdin-filename", "notes.txt", "-", stdin=b"hello")
    assert not_code.exit_code == 0
    assert "notes.txt: not a Python or Rust file" in not_code.stderr


def test_show_files_lists_what_a_run_checks(project: Path) -> None:
    tree(project, {"docker-compose.yml": "services: {}\n", "target/gen.rs": UNTUNED})
    result = invoke("--show-files", ".")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["docker-compose.yml", "src/db.rs"]
    assert json.loads(invoke("--show-files", "--output-format", "json", ".").stdout) == [
        "docker-compose.yml",
        "src/db.rs",
    ]


def test_show_settings_names_the_file_and_what_it_resolves_to(project: Path) -> None:
    tree(
        project,
        {
            "pyproject.toml": '[tool.poolcheck]\nfail-on = "p1"\n',
            "src/poolcheck.toml": 'extend = "../pyproject.toml"\nignore = ["PC006"]\nmin-max-connections = 20\n'
            '[per-file-ignores]\n"db.rs" = ["PC005"]\n',
        },
    )
    result = invoke("--show-settings", "--output-format", "json", "src/db.rs")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["configuration"] == "src/poolcheck.toml"
    assert shown["extends"] == ["pyproject.toml"]
    assert "PC006" not in shown["rules"] and "PC001" in shown["rules"]
    assert shown["options"]["min-max-connections"] == 20
    assert shown["ignored-here"] == ["PC005"]
    assert shown["fail-on"] == "p1"
    text = invoke("--show-settings", "src/db.rs").stdout
    assert "configuration: src/poolcheck.toml" in text


def test_short_version_flag() -> None:
    assert invoke("-V").stdout.strip() == f"poolcheck, version {__version__}"


def test_a_run_without_source_files_says_so(project: Path) -> None:
    (project / "src" / "db.rs").unlink()
    result = invoke(".")
    assert result.exit_code == 0
    assert "poolcheck: warning: no Python or Rust files found under ." in result.stderr


def test_a_named_file_that_cannot_be_checked_is_a_warning(project: Path) -> None:
    result = invoke("notes.txt", "src/db.rs")
    assert result.exit_code == 1
    assert "poolcheck: warning: notes.txt: not a Python or Rust file" in result.stderr


def test_explain_and_list_rules_in_json() -> None:
    rules = json.loads(invoke("--list-rules", "--output-format", "json").stdout)
    assert rules[0]["code"] == "PC001" and rules[0]["name"] == "max-connections-too-small"
    assert {"code", "name", "priority", "summary", "tags", "libraries", "options"} <= set(rules[0])
    page = json.loads(invoke("--explain", "PC001", "--output-format", "json").stdout)
    assert page["code"] == "PC001"
    assert page["explanation"].startswith("# PC001 max-connections-too-small")
    assert page["options"][0]["name"] == "min-max-connections"


def test_help_documents_the_ruff_style_options() -> None:
    text = invoke("--help").stdout
    for option in (
        "--output-format",
        "POOLCHECK_OUTPUT_FORMAT",
        "--extend-select",
        "--per-file-ignores",
        "--color",
        "--stdin-filename",
        "--show-settings",
        "--show-files",
        "-V, --version",
    ):
        assert option in text, option
