"""Inline ``poolcheck: ignore`` comments: each form and place, what does not count, and unused ones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import poolcheck_command, write_snippet

from poolcheck.model import Report, Suppression
from poolcheck.pipeline import RunSettings, run
from poolcheck.suppress import suppression_comments

ALL_FIVE = {"PC001", "PC002", "PC004", "PC005", "PC006"}  # what an untuned sqlx pool of 5 gets
SQLALCHEMY_DEFAULTS = {"PC001", "PC002", "PC004", "PC012"}  # create_engine(url) with nothing written
TUNED = """\
async fn f(url: &str) {
    let pool = PgPoolOptions::new() // poolcheck: ignore[PC001]
        .max_connections(50)
        .min_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(600))
        .max_lifetime(Duration::from_secs(1800))
        .connect(url)
        .await;
}
"""


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    def check(code: str, name: str = "db.rs") -> Report:
        return run([write_snippet(tmp_path, code, name)], RunSettings())

    return check


def rules(report: Report) -> dict[int, set[str]]:
    """The rules left, by the line of their pool's construction."""
    by_line: dict[int, set[str]] = {}
    for finding in report.findings:
        line = report.pools[finding.pool].site.span.line if finding.pool is not None else 0
        by_line.setdefault(line, set()).add(finding.rule)
    return by_line


def test_without_a_comment_everything_is_reported(check) -> None:  # type: ignore[no-untyped-def]
    report = check(
        "async fn f(u: &str) { let p = PgPoolOptions::new().max_connections(5).connect(u).await; }\n"
    )
    assert rules(report) == {1: ALL_FIVE}
    assert report.unused_suppressions == ()


@pytest.mark.parametrize(
    ("code", "left"),
    [
        # On the construction's first line, one code.
        (
            """\
            async fn f(u: &str) {
                let p = PgPoolOptions::new().max_connections(5).connect(u).await; // poolcheck: ignore[PC001]
            }
            """,
            ALL_FIVE - {"PC001"},
        ),
        # Alone on the line above, two codes.
        (
            """\
            async fn f(u: &str) {
                // poolcheck: ignore[PC001, PC004]
                let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            ALL_FIVE - {"PC001", "PC004"},
        ),
        # Bare: every rule.
        (
            """\
            async fn f(u: &str) {
                // poolcheck: ignore
                let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            set(),
        ),
        # On the finding's own line inside the chain: only that finding.
        (
            """\
            async fn f(u: &str) {
                let p = PgPoolOptions::new()
                    .max_connections(5) // poolcheck: ignore[PC001]
                    .connect(u)
                    .await;
            }
            """,
            ALL_FIVE - {"PC001"},
        ),
        # Alone on the line above the finding's own line.
        (
            """\
            async fn f(u: &str) {
                let p = PgPoolOptions::new()
                    // poolcheck: ignore[max-connections-too-small]
                    .max_connections(5)
                    .connect(u)
                    .await;
            }
            """,
            ALL_FIVE - {"PC001"},
        ),
        # A code that did not fire silences nothing.
        (
            """\
            async fn f(u: &str) {
                // poolcheck: ignore[PC003]
                let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            ALL_FIVE,
        ),
        # Two lines above is too far.
        (
            """\
            async fn f(u: &str) {
                // poolcheck: ignore

                let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            ALL_FIVE,
        ),
        # Python's comment token in Rust is not a suppression.
        (
            """\
            async fn f(u: &str) {
                let p = PgPoolOptions::new().max_connections(5).connect(u).await; /* # poolcheck: ignore */
            }
            """,
            ALL_FIVE,
        ),
        # A mention inside a string is not a comment.
        (
            """\
            async fn f(u: &str) {
                let s = "// poolcheck: ignore"; let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            ALL_FIVE,
        ),
        # A doc comment documents; it does not suppress.
        (
            """\
            async fn f(u: &str) {
                /// poolcheck: ignore
                let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            ALL_FIVE,
        ),
        # An unclosed bracket is a typo, not a bare ignore.
        (
            """\
            async fn f(u: &str) {
                // poolcheck: ignore[PC001
                let p = PgPoolOptions::new().max_connections(5).connect(u).await;
            }
            """,
            ALL_FIVE,
        ),
    ],
)
def test_rust_suppressions(check, code: str, left: set[str]) -> None:  # type: ignore[no-untyped-def]
    report = check(code)
    assert {rule for found in rules(report).values() for rule in found} == left


def test_a_comment_sharing_its_line_with_code_does_not_cover_the_next_line(check) -> None:  # type: ignore[no-untyped-def]
    report = check(
        """\
        async fn f(u: &str) {
            let a = PgPoolOptions::new().max_connections(5).connect(u).await; // poolcheck: ignore
            let b = PgPoolOptions::new().max_connections(5).connect(u).await;
        }
        """
    )
    assert rules(report) == {3: ALL_FIVE}


@pytest.mark.parametrize(
    ("code", "left"),
    [
        (
            """\
            import sqlalchemy
            engine = sqlalchemy.create_engine("postgresql://db/app")  # poolcheck: ignore[PC001]
            """,
            SQLALCHEMY_DEFAULTS - {"PC001"},
        ),
        (
            """\
            import sqlalchemy
            # poolcheck: ignore[PC001, PC012]
            engine = sqlalchemy.create_engine("postgresql://db/app")
            """,
            SQLALCHEMY_DEFAULTS - {"PC001", "PC012"},
        ),
        (
            """\
            import sqlalchemy
            #poolcheck: ignore
            engine = sqlalchemy.create_engine("postgresql://db/app")
            """,
            set(),
        ),
        (
            """\
            import sqlalchemy
            engine = sqlalchemy.create_engine("postgresql://db/app")  # poolcheck: ignore[PC006]
            """,
            SQLALCHEMY_DEFAULTS,
        ),
        (
            """\
            import sqlalchemy
            note = "# poolcheck: ignore"; engine = sqlalchemy.create_engine("postgresql://db/app")
            """,
            SQLALCHEMY_DEFAULTS,
        ),
    ],
)
def test_python_suppressions(check, code: str, left: set[str]) -> None:  # type: ignore[no-untyped-def]
    report = check(code, "app.py")
    assert {rule for found in rules(report).values() for rule in found} == left


def test_comment_scanner_forms_and_columns() -> None:
    source = b'x = 1\n    # poolcheck: ignore[PC001 , pc004]\ny = f("#")  # poolcheck: ignore  -- legacy\n'
    assert suppression_comments(source, "python") == (
        Suppression(line=2, column=5, codes=("PC001", "pc004"), alone=True),
        Suppression(line=3, column=13, codes=(), alone=False),
    )
    assert suppression_comments(b"# poolcheck: ignore[]\n", "python") == ()
    assert suppression_comments(b"# poolcheck: ignored\n", "python") == ()
    assert suppression_comments(b"\xef\xbb\xbf# poolcheck: ignore\r\n", "python") == (
        Suppression(1, 1, (), True),
    )
    assert suppression_comments(b"let a = 'x'; // poolcheck: ignore\n", "rust") == (
        Suppression(1, 14, (), False),
    )
    # Each language's own comment token only.
    assert suppression_comments(b"ratio = {total // poolcheck: ignore}\n", "python") == ()
    assert suppression_comments(b"let a = 1; # poolcheck: ignore\n", "rust") == ()


@pytest.mark.parametrize(
    "line",
    [
        b'x = """ # poolcheck: ignore',
        b'x = "it\\" # poolcheck: ignore"',
        b"x = 'it' + \"'\" + ' # poolcheck: ignore'",
    ],
)
def test_python_string_mentions_do_not_count(line: bytes) -> None:
    assert suppression_comments(line + b"\n", "python") == ()


@pytest.mark.parametrize(
    "line",
    [
        b'x = """a"b"""  # poolcheck: ignore',
        b'x = "it\'s"  # poolcheck: ignore',
        b"x = f(a) // 2  # poolcheck: ignore",
    ],
)
def test_python_comments_after_strings_count(line: bytes) -> None:
    assert len(suppression_comments(line + b"\n", "python")) == 1


def test_unused_suppressions_are_collected(check) -> None:  # type: ignore[no-untyped-def]
    report = check(
        """\
        async fn f(u: &str) {
            // poolcheck: ignore[PC001, PC003, PC999]
            let a = PgPoolOptions::new().max_connections(5).connect(u).await;
            let b = PgPoolOptions::new() // poolcheck: ignore
                .max_connections(50).min_connections(10)
                .acquire_timeout(Duration::from_secs(5))
                .idle_timeout(Duration::from_secs(600))
                .max_lifetime(Duration::from_secs(1800))
                .connect(u).await;
        }
        """
    )
    unused = {(u.suppression.line, u.codes) for u in report.unused_suppressions}
    assert unused == {(2, ("PC003", "PC999")), (4, ())}


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_report_unused_ignores_prints_them_and_fails(tmp_path: Path) -> None:
    write_snippet(tmp_path, TUNED, "src/db.rs")
    quiet = command(".", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "unused" not in quiet.stderr
    loud = command("--report-unused-ignores", ".", cwd=tmp_path)
    assert loud.returncode == 1
    assert loud.stderr == "src/db.rs:2:37: unused suppression: PC001 did not fire here\n"
    assert command("--report-unused-ignores", "--exit-zero", ".", cwd=tmp_path).returncode == 0
    # Used once the rule fires there.
    (tmp_path / "src/db.rs").write_text(TUNED.replace("max_connections(50)", "max_connections(20)"))
    used = command("--report-unused-ignores", ".", cwd=tmp_path)
    assert used.returncode == 0, used.stdout + used.stderr
    assert used.stderr == ""


def test_suppressed_findings_leave_the_exit_code_and_every_format(tmp_path: Path) -> None:
    write_snippet(
        tmp_path,
        """\
        async fn f(u: &str) {
            // poolcheck: ignore
            let a = PgPoolOptions::new().max_connections(5).connect(u).await;
        }
        """,
        "db.rs",
    )
    result = command("--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert '"findings": []' in result.stdout
