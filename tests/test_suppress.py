"""Inline ``poolcheck: ignore`` and ``noqa`` comments: each form and place, what does not count, and unused ones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import poolcheck_command, write_snippet
from hypothesis import given, settings
from hypothesis import strategies as st

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


# The noqa comment: flake8's and ruff's spelling, read as ruff reads it.


@pytest.mark.parametrize(
    ("comment", "left"),
    [
        ("# noqa: PC001", SQLALCHEMY_DEFAULTS - {"PC001"}),
        ("# noqa: PC001, PC012", SQLALCHEMY_DEFAULTS - {"PC001", "PC012"}),
        ("# noqa:PC001 PC012", SQLALCHEMY_DEFAULTS - {"PC001", "PC012"}),
        ("#noqa:PC001,PC012", SQLALCHEMY_DEFAULTS - {"PC001", "PC012"}),
        ("# NOQA: PC001", SQLALCHEMY_DEFAULTS - {"PC001"}),
        ("# NoQa : PC001", SQLALCHEMY_DEFAULTS - {"PC001"}),
        ("# noqa: PC001 tuned in the settings module", SQLALCHEMY_DEFAULTS - {"PC001"}),
        # Other tools' codes beside ours: ours still count.
        ("# noqa: E501, PC001", SQLALCHEMY_DEFAULTS - {"PC001"}),
        ("# noqa: E501 PC001 W291", SQLALCHEMY_DEFAULTS - {"PC001"}),
        # Inside a longer comment.
        ("# type: ignore[call-arg]  # noqa: PC001", SQLALCHEMY_DEFAULTS - {"PC001"}),
        ("# poolcheck: ignore[PC012]  # noqa: PC001", SQLALCHEMY_DEFAULTS - {"PC001", "PC012"}),
        # Bare: every rule, as in flake8 and ruff.
        ("# noqa", set()),
        ("# NOQA", set()),
        ("# noqa  because the pool is tuned in settings.py", set()),
        # Only other tools' codes: not ours, and never the bare form.
        ("# noqa: E501", SQLALCHEMY_DEFAULTS),
        ("# noqa: E501, F401", SQLALCHEMY_DEFAULTS),
        # What ruff rejects is no suppression: no codes after the colon, glued or lower-case codes.
        ("# noqa:", SQLALCHEMY_DEFAULTS),
        ("# noqa:   ", SQLALCHEMY_DEFAULTS),
        ("# noqaPC001", SQLALCHEMY_DEFAULTS),
        ("# noqa; PC001", SQLALCHEMY_DEFAULTS),
        ("# noqa: PC001abc", SQLALCHEMY_DEFAULTS),
        ("# noqa: pc001", SQLALCHEMY_DEFAULTS),
    ],
)
def test_python_noqa_forms(check, comment: str, left: set[str]) -> None:  # type: ignore[no-untyped-def]
    trailing = check(
        f'import sqlalchemy\nengine = sqlalchemy.create_engine("postgresql://db/app")  {comment}\n', "app.py"
    )
    assert {rule for found in rules(trailing).values() for rule in found} == left
    above = check(
        f'import sqlalchemy\n{comment}\nengine = sqlalchemy.create_engine("postgresql://db/app")\n', "app.py"
    )
    assert {rule for found in rules(above).values() for rule in found} == left


def test_noqa_two_lines_above_or_after_code_on_the_line_above_covers_nothing(check) -> None:  # type: ignore[no-untyped-def]
    report = check(
        """\
        import sqlalchemy
        # noqa

        engine = sqlalchemy.create_engine("postgresql://db/app")
        ready = True  # noqa
        other = sqlalchemy.create_engine("postgresql://db/app")
        """,
        "app.py",
    )
    assert rules(report) == {4: SQLALCHEMY_DEFAULTS, 6: SQLALCHEMY_DEFAULTS}


@pytest.mark.parametrize(
    ("comment", "left"),
    [
        ("// noqa: PC001", ALL_FIVE - {"PC001"}),
        ("// NOQA:PC001,PC004", ALL_FIVE - {"PC001", "PC004"}),
        ("// noqa: clippy, PC001", ALL_FIVE),  # `clippy` is no code: ruff stops at the first word
        ("// noqa: E501, PC001", ALL_FIVE - {"PC001"}),
        ("// noqa", set()),
        ("// noqa: E501", ALL_FIVE),
        ("// noqa:", ALL_FIVE),
        ("/// noqa", ALL_FIVE),  # a doc comment documents
        ("/* noqa */", ALL_FIVE),  # block comments never suppress
    ],
)
def test_rust_noqa_forms(check, comment: str, left: set[str]) -> None:  # type: ignore[no-untyped-def]
    report = check(
        f"""\
        async fn f(u: &str) {{
            {comment}
            let p = PgPoolOptions::new().max_connections(5).connect(u).await;
        }}
        """
    )
    assert {rule for found in rules(report).values() for rule in found} == left


def test_unused_noqa_is_reported_for_our_codes_only_and_never_when_bare(check) -> None:  # type: ignore[no-untyped-def]
    tuned = """\
        let {name} = PgPoolOptions::new() {comment}
            .max_connections(50).min_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(600))
            .max_lifetime(Duration::from_secs(1800))
            .connect(u).await;
    """
    pools = [
        ("a", "// noqa"),
        ("b", "// noqa: PC001"),
        ("c", "// noqa: E501, PC001, PC999"),
        ("d", "// noqa: E501"),
    ]
    body = "".join(tuned.format(name=name, comment=comment) for name, comment in pools)
    report = check("async fn f(u: &str) {\n" + body + "}\n")
    assert report.findings == ()
    lines = ("async fn f(u: &str) {\n" + body).splitlines()
    unused = sorted((u.suppression.line, u.suppression.column, u.codes) for u in report.unused_suppressions)
    assert unused == [
        (8, lines[7].index("//") + 1, ("PC001",)),
        (14, lines[13].index("//") + 1, ("PC001", "PC999")),
    ]


def test_a_used_bare_noqa_and_a_used_noqa_code_are_not_reported(check) -> None:  # type: ignore[no-untyped-def]
    report = check(
        """\
        async fn f(u: &str) {
            let a = PgPoolOptions::new().max_connections(5).connect(u).await; // noqa
            let b = PgPoolOptions::new().max_connections(5).connect(u).await; // noqa: PC001
        }
        """
    )
    assert rules(report) == {3: ALL_FIVE - {"PC001"}}
    assert report.unused_suppressions == ()


def test_report_unused_ignores_names_a_noqa_code(tmp_path: Path) -> None:
    write_snippet(tmp_path, TUNED.replace("// poolcheck: ignore[PC001]", "// noqa: E501, PC001"), "src/db.rs")
    loud = command("--report-unused-ignores", ".", cwd=tmp_path)
    assert loud.returncode == 1
    assert loud.stderr == "src/db.rs:2:37: unused suppression: PC001 did not fire here\n"
    write_snippet(tmp_path, TUNED.replace("// poolcheck: ignore[PC001]", "// noqa"), "src/db.rs")
    quiet = command("--report-unused-ignores", ".", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert quiet.stderr == ""


# Found with a lexer: the same words inside a string or a block comment are not a comment.


@pytest.mark.parametrize(
    "code",
    [
        # A triple-quoted string whose second line starts with the words, code after it closes.
        '''\
        import sqlalchemy
        HELP = """
        # poolcheck: ignore
        """; engine = sqlalchemy.create_engine("postgresql://db/app")
        ''',
        '''\
        import sqlalchemy
        HELP = """
        # noqa """; engine = sqlalchemy.create_engine("postgresql://db/app")
        ''',
        # The same in an f-string, and `#` inside f-string fields and format specs.
        '''\
        import sqlalchemy
        HELP = f"""{1}
        # poolcheck: ignore """; engine = sqlalchemy.create_engine("postgresql://db/app")
        ''',
        """\
        import sqlalchemy
        port = 5432
        engine = sqlalchemy.create_engine(f"postgresql://db:{port:#x}/app?note=# noqa")
        """,
        """\
        import sqlalchemy
        engine = sqlalchemy.create_engine(f"postgresql://db/{'#'} poolcheck: ignore")
        """,
        # A backslash continues a string onto the next line.
        """\
        import sqlalchemy
        HELP = "\\
        # noqa"; engine = sqlalchemy.create_engine("postgresql://db/app")
        """,
    ],
)
def test_python_strings_hold_no_suppression(check, code: str) -> None:  # type: ignore[no-untyped-def]
    report = check(code, "app.py")
    assert {rule for found in rules(report).values() for rule in found} == SQLALCHEMY_DEFAULTS


def test_python_comment_after_an_f_string_with_hashes_counts(check) -> None:  # type: ignore[no-untyped-def]
    report = check(
        """\
        import sqlalchemy
        port = 5432
        engine = sqlalchemy.create_engine(f"postgresql://db:{port:#x}/{'#'}")  # noqa: PC001
        """,
        "app.py",
    )
    assert rules(report) == {3: SQLALCHEMY_DEFAULTS - {"PC001"}}


@pytest.mark.parametrize(
    "code",
    [
        # A raw string spanning lines.
        """\
        async fn f(u: &str) {
            let s = r#"
        // poolcheck: ignore
        "#; let p = PgPoolOptions::new().max_connections(5).connect(u).await;
        }
        """,
        # A normal string spanning lines, with an escaped quote before the words.
        """\
        async fn f(u: &str) {
            let s = "say \\"
        // poolcheck: ignore
        "; let p = PgPoolOptions::new().max_connections(5).connect(u).await;
        }
        """,
        # A byte string and a raw byte string.
        """\
        async fn f(u: &str) {
            let s = b"// noqa"; let t = br##"// poolcheck: ignore"##; let p = PgPoolOptions::new().max_connections(5).connect(u).await;
        }
        """,
        # A nested block comment: its inner `*/` does not end it.
        """\
        async fn f(u: &str) {
            /* outer /* inner */ still the outer comment
        // poolcheck: ignore */ let p = PgPoolOptions::new().max_connections(5).connect(u).await;
        }
        """,
    ],
)
def test_rust_strings_and_block_comments_hold_no_suppression(check, code: str) -> None:  # type: ignore[no-untyped-def]
    report = check(code)
    assert {rule for found in rules(report).values() for rule in found} == ALL_FIVE


@pytest.mark.parametrize(
    "before",
    [
        "let q = '\"';",  # a char literal holding a double quote opens no string
        "let q = '\\'';",
        "fn g<'a>(x: &'a str) -> &'a str { x }",  # lifetimes are no char literals
        'let s = r#"a " b"#;',
        '/* a " */',
    ],
)
def test_rust_comment_after_quotes_that_open_no_string_counts(check, before: str) -> None:  # type: ignore[no-untyped-def]
    report = check(
        "async fn f(u: &str) {\n"
        f"    {before} let p = PgPoolOptions::new().max_connections(5).connect(u).await; // noqa: PC001\n"
        "}\n"
    )
    assert rules(report) == {2: ALL_FIVE - {"PC001"}}


# Lines and columns: CRLF, CR alone, a BOM, tabs and non-ASCII text before the comment.


def test_crlf_and_a_bom_keep_lines_right_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    python = tmp_path / "app.py"
    python.write_bytes(
        b'\xef\xbb\xbfimport sqlalchemy\r\n# noqa: PC001\r\nengine = sqlalchemy.create_engine("postgresql://db/app")\r\n'
    )
    rust = tmp_path / "db.rs"
    rust.write_bytes(
        b"\xef\xbb\xbfasync fn f(u: &str) {\r\n    // noqa: PC001\r\n"
        b"    let p = PgPoolOptions::new().max_connections(5).connect(u).await;\r\n}\r\n"
    )
    report = run([python, rust], RunSettings())
    left = {(report.pools[f.pool].site.path, f.rule) for f in report.findings if f.pool is not None}
    assert left == {("app.py", rule) for rule in SQLALCHEMY_DEFAULTS - {"PC001"}} | {
        ("db.rs", rule) for rule in ALL_FIVE - {"PC001"}
    }


def test_python_lines_ending_in_a_lone_cr_keep_lines_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_bytes(
        b'import sqlalchemy\r# noqa: PC001\rengine = sqlalchemy.create_engine("postgresql://db/app")\r'
    )
    report = run([path], RunSettings())
    assert {f.rule for f in report.findings} == SQLALCHEMY_DEFAULTS - {"PC001"}


# Each line's text before the comment is 12 characters: a tab, 3 non-ASCII letters, an invalid byte.
@pytest.mark.parametrize(
    ("source", "language", "where"),
    [
        (b"a = 1\r\nb = 2\r\n\tc = '\xc3\xa9t\xc3\xa9'  # noqa: PC001\r\n", "python", (3, 13)),
        (b"a = 1\rb = 2\r\tc = '\xc3\xa9t\xc3\xa9'  # noqa: PC001\r", "python", (3, 13)),
        (b"\xef\xbb\xbf\tc = '\xc3\xa9t\xc3\xa9'  # noqa\n", "python", (1, 13)),
        (b"# coding: latin-1\n\tc = '\xe9t\xe9'  # noqa: PC001\n", "python", (2, 13)),
        (b"let a = 1;\r\nlet b = 2;\r\n\tc = '\xc3\xa9t\xc3\xa9'  // noqa: PC001\r\n", "rust", (3, 13)),
        (b"\xef\xbb\xbf\tc = '\xc3\xa9t\xc3\xa9'  // noqa\n", "rust", (1, 13)),
        (b"\tc = '\xff\xc3\xa9t'  // noqa\n", "rust", (1, 13)),  # one character, as the front end counts it
    ],
)
def test_lines_and_columns(source: bytes, language: str, where: tuple[int, int]) -> None:
    (found,) = suppression_comments(source, language)
    assert (found.line, found.column) == where


# Unit tests of the comment finder.


def test_noqa_comments_parse_to_our_codes() -> None:
    source = b"""\
a = 1  # noqa: E501, PC001 PC004 because
b = 2  # noqa
c = 3  # noqa:
d = 4  # noqa: E501
e = 5  # type: ignore  # NOQA:PC010
# noqa: PC001PC004
"""
    assert suppression_comments(source, "python") == (
        Suppression(1, 8, ("PC001", "PC004"), noqa=True),
        Suppression(2, 8, (), noqa=True),
        Suppression(5, 24, ("PC010",), noqa=True),
        Suppression(6, 1, ("PC001", "PC004"), alone=True, noqa=True),
    )


def test_both_spellings_in_one_comment_are_two_suppressions() -> None:
    assert suppression_comments(b"x = 1  # poolcheck: ignore[PC004]  # noqa: PC001\n", "python") == (
        Suppression(1, 8, ("PC004",)),
        Suppression(1, 36, ("PC001",), noqa=True),
    )


def test_python_strings_of_every_kind_hold_no_comment() -> None:
    source = b'''\
a = "# noqa"
b = \'\'\'
# noqa
\'\'\'
c = f"{a:#>10} # noqa {b!r:#^5}"
d = rb"# noqa"
e = f"""
{a}
# poolcheck: ignore
"""
f = 1  # noqa: PC001
'''
    assert suppression_comments(source, "python") == (Suppression(11, 8, ("PC001",), noqa=True),)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A bad indent stops the tokenizer: the comments before it are kept, and the lines after it are scanned.
        (
            b"a = 1  # noqa: PC001\ndef f():\n        x = 1\n    y = 2  # noqa: PC004\nz = '#'  # noqa\n",
            [(1, ("PC001",)), (4, ("PC004",)), (5, ())],
        ),
        # An unterminated string on one line: its line holds no comment, the next lines do.
        (b"a = 1  # noqa: PC001\nb = 'open  # noqa: PC004\nc = 2  # noqa\n", [(1, ("PC001",)), (3, ())]),
        # A triple-quoted string that never closes: the rest of the file is string.
        (b"a = 1  # noqa: PC001\nb = '''\n# noqa: PC004\n", [(1, ("PC001",))]),
        # An unclosed bracket at the end of the file.
        (b"a = (1,  # noqa: PC001\n  2,  # noqa: PC004\n", [(1, ("PC001",)), (2, ("PC004",))]),
        # NUL bytes.
        (b"a = 1  # noqa: PC001\nb\x00 = 2\nc = 3  # noqa: PC004\n", [(1, ("PC001",)), (3, ("PC004",))]),
    ],
)
def test_python_tokenize_errors_keep_the_comments_around_them(
    source: bytes, expected: list[tuple[int, tuple[str, ...]]]
) -> None:
    assert [(found.line, found.codes) for found in suppression_comments(source, "python")] == expected


def test_python_bytes_that_are_not_utf8_are_read_with_replacements() -> None:
    assert suppression_comments(b"a = '\xff\xfe'  # noqa: PC001\n", "python") == (
        Suppression(1, 11, ("PC001",), noqa=True),
    )


def test_rust_lexer() -> None:
    source = b"""\
let a = "// noqa \\" // noqa"; // noqa: PC001
let b = r##"
// noqa "# still the string
"##; // noqa: PC004
let c = '"'; let d = '\\u{1F600}'; // noqa: PC006
fn g<'a>(x: &'a str) -> &'a str { x } // noqa: PC002
/* /* // noqa */ // noqa */ let e = 1; // noqa: PC005
/// noqa
//! noqa
//// noqa: PC010
let r#type = 1; // poolcheck: ignore
"""
    found = [(s.line, s.codes) for s in suppression_comments(source, "rust")]
    assert found == [
        (1, ("PC001",)),
        (4, ("PC004",)),
        (5, ("PC006",)),
        (6, ("PC002",)),
        (7, ("PC005",)),
        (10, ("PC010",)),
        (11, ()),
    ]


@pytest.mark.parametrize(
    "source",
    [b'let s = "open // noqa\n', b"/* open // noqa\n", b'let s = r#"open // noqa"\n', b'let s = "a\\'],
)
def test_rust_unclosed_strings_and_comments_run_to_the_end(source: bytes) -> None:
    assert suppression_comments(source, "rust") == ()


def test_files_without_the_words_and_other_languages_have_none() -> None:
    assert suppression_comments(b"x = 1  # pool check: ignore\n", "python") == ()
    assert suppression_comments(b"x = 1  # noqa\n", "yaml") == ()


NASTY = [
    "#",
    "//",
    "/*",
    "*/",
    "'",
    '"',
    '"""',
    "'''",
    'r#"',
    '"#',
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    " ",
    "\x00",
]
NASTY += [
    "\ufeff",
    "é",
    "{",
    "}",
    "f",
    "b",
    "r",
    "a",
    ":",
    ",",
    "noqa",
    "NOQA",
    "poolcheck: ignore",
    "[PC001]",
    "PC001",
]


@settings(derandomize=True, database=None, max_examples=200, deadline=None)
@given(
    st.binary(max_size=400),
    st.lists(st.sampled_from(NASTY), max_size=60),
    st.sampled_from(["python", "rust"]),
)
def test_suppression_comments_never_raise(data: bytes, pieces: list[str], language: str) -> None:
    for source in (data, "".join(pieces).encode("utf-8", "surrogatepass"), data + b"\n# noqa // noqa\n"):
        for found in suppression_comments(source, language):
            assert found.line >= 1 and found.column >= 1
