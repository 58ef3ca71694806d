"""``--fix``, ``--diff``, ``--show-fixes`` and ``--unsafe-fixes`` as users run them: on files
written as real projects write them, through the command line's own code, in a folder of their own.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from poolcheck.cli import main
from poolcheck.fix import apply, files
from poolcheck.fix.files import write_all

# A FastAPI service's database module: sizes written, no timeouts, no recycle, no pre-ping.
DATABASE = '''\
"""The service's database: the engine, and the sessions the request handlers use."""

import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

DATABASE_URL = os.environ["DATABASE_URL"]

# Ten connections per worker, as the load test sized it.
engine = create_engine(
    DATABASE_URL,
    pool_size=10,
    max_overflow=5,
)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''
# The same engine with every knob a safe fix can add already written: only the size is left.
COMPLETE = DATABASE.replace(
    "max_overflow=5,", "max_overflow=5,\n    pool_timeout=5,\n    pool_recycle=1800,\n    pool_pre_ping=True,"
)
SAFE_RULES = {"PC002", "PC004", "PC012"}  # the knobs DATABASE lacks
UNSAFE_RULES = {"PC001"}  # its size, below the production floor
SIZE_RULES = {"PC001", "PC006"}  # a maximum below the floor, a minimum missing: unsafe fixes
SUMMARY = re.compile(r"Found (\d+) findings? \((\d+) fixed, (\d+) remaining\)")


def poolcheck(folder: Path, *args: str, monkeypatch: pytest.MonkeyPatch, stdin: str | None = None) -> Result:
    monkeypatch.chdir(folder)
    return CliRunner().invoke(main, list(args), input=stdin)


def rules_in(folder: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rules a plain JSON run reports, one per finding."""
    result = poolcheck(folder, "--output-format", "json", *args, monkeypatch=monkeypatch)
    assert result.exit_code in (0, 1), result.output
    return sorted(f["rule"] for f in json.loads(result.stdout)["findings"])


def service(folder: Path, text: str = DATABASE, name: str = "app/database.py") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under ``folder``: its bytes, mtime and mode."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            info = path.stat()
            files[str(path.relative_to(folder))] = (path.read_bytes(), info.st_mtime_ns, info.st_mode)
    return files


def summary(result: Result) -> tuple[int, int, int]:
    match = SUMMARY.search(result.stdout)
    assert match is not None, result.output
    found, fixed, remaining = (int(group) for group in match.groups())
    return found, fixed, remaining


def test_diff_prints_the_change_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service(tmp_path)
    before = snapshot(tmp_path)
    result = poolcheck(tmp_path, "--diff", "app/database.py", monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.output
    assert snapshot(tmp_path) == before  # bytes, mtime and mode of every file
    diff = result.stdout
    assert diff.startswith("--- a/app/database.py\n+++ b/app/database.py\n@@ "), diff
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert not removed  # safe fixes only add
    assert added == ["    pool_timeout=5,", "    pool_recycle=1800,", "    pool_pre_ping=True,"]
    assert "Would fix 3 findings (1 remaining)." in result.stderr


def test_diff_exits_0_when_there_is_nothing_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service(tmp_path, COMPLETE)
    before = snapshot(tmp_path)
    result = poolcheck(tmp_path, "--diff", ".", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert snapshot(tmp_path) == before
    # PC001's fix, the size, is there but unsafe: hidden and counted, and the diff shows it with the option.
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in result.stderr
    unsafe = poolcheck(tmp_path, "--diff", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert unsafe.exit_code == 1, unsafe.output
    assert "-    pool_size=10,\n+    pool_size=" in unsafe.stdout
    assert snapshot(tmp_path) == before


def test_fix_writes_and_the_summary_counts_fixed_and_remaining(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = service(tmp_path)
    first = rules_in(tmp_path, ".", monkeypatch=monkeypatch)
    assert set(first) == SAFE_RULES | UNSAFE_RULES
    result = poolcheck(tmp_path, "--fix", ".", monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.output  # PC001 (p2) remains, and p2 fails the run
    assert summary(result) == (len(first), len(SAFE_RULES), len(UNSAFE_RULES))
    assert path.read_text() == COMPLETE
    assert rules_in(tmp_path, ".", monkeypatch=monkeypatch) == sorted(UNSAFE_RULES)


@pytest.mark.parametrize(
    ("args", "code"),
    [((), 1), (("--fail-on", "p1"), 0), (("--exit-zero",), 0), (("--unsafe-fixes",), 0)],
    ids=["p2-remains", "fail-on-p1", "exit-zero", "nothing-remains"],
)
def test_the_exit_code_follows_the_remaining_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], code: int
) -> None:
    service(tmp_path)
    result = poolcheck(tmp_path, "--fix", *args, ".", monkeypatch=monkeypatch)
    assert result.exit_code == code, result.output
    found, fixed, remaining = summary(result)
    assert remaining == (0 if "--unsafe-fixes" in args else len(UNSAFE_RULES))
    assert found == fixed + remaining


def test_a_second_fix_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service(tmp_path)
    poolcheck(tmp_path, "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    after = snapshot(tmp_path)
    again = poolcheck(tmp_path, "--fix", "--unsafe-fixes", "--show-fixes", ".", monkeypatch=monkeypatch)
    assert again.exit_code == 0, again.output
    assert snapshot(tmp_path) == after
    assert "fixed" not in again.stdout
    assert "Fixed:" not in again.output


def test_show_fixes_lists_the_rules_fixed_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service(tmp_path)
    service(tmp_path, DATABASE.replace("pool_size=10", "pool_size=50"), "worker/database.py")
    result = poolcheck(tmp_path, "--fix", "--show-fixes", ".", monkeypatch=monkeypatch)
    listed = result.stdout.split("Fixed:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    expected = [
        f"  {name}/database.py: {rule} (1x)" for name in ("app", "worker") for rule in sorted(SAFE_RULES)
    ]
    assert [line for line in listed if line.startswith("  ")][: len(expected)] == expected


def test_a_value_from_another_module_is_not_fixed_and_show_fixes_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "limits.py").write_text("# Sized for the staging database.\nPOOL_SIZE = 5\n")
    code = DATABASE.replace("import os\n", "import os\n\nfrom app.limits import POOL_SIZE\n", 1)
    path = service(tmp_path, code.replace("pool_size=10", "pool_size=POOL_SIZE"))
    limits = (tmp_path / "app" / "limits.py").read_bytes()
    result = poolcheck(tmp_path, "--fix", "--unsafe-fixes", "--show-fixes", ".", monkeypatch=monkeypatch)
    assert (tmp_path / "app" / "limits.py").read_bytes() == limits
    assert "pool_size=POOL_SIZE," in path.read_text()
    assert "pool_timeout=5," in path.read_text()  # the other findings are still fixed
    assert "Not fixed:" in result.stdout
    reasons = result.stdout.split("Not fixed:\n", 1)[1].splitlines()
    pc001 = next(line for line in reasons if ": PC001: " in line)
    assert pc001.startswith("  app/database.py:"), pc001
    assert "app/limits.py:2" in pc001
    assert summary(result)[2] == 1


def test_a_syntax_error_elsewhere_in_the_file_leaves_it_unedited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = service(tmp_path, DATABASE + "\n\ndef health_check(:\n    return True\n")
    before = snapshot(tmp_path)
    result = poolcheck(tmp_path, "--fix", "--show-fixes", ".", monkeypatch=monkeypatch)
    assert snapshot(tmp_path) == before
    reasons = result.stdout.split("Not fixed:\n", 1)[1].splitlines()
    about = [line for line in reasons if line.startswith("  app/database.py:")]
    assert {line.split(": ")[1] for line in about} == SAFE_RULES
    assert all(line.endswith("the file has a syntax error: it is not edited") for line in about)
    assert path.read_text() == DATABASE + "\n\ndef health_check(:\n    return True\n"


def test_unsafe_fixes_are_hidden_unless_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = service(tmp_path)
    safe = poolcheck(tmp_path, "--fix", ".", monkeypatch=monkeypatch)
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in safe.stderr
    assert "pool_size=10," in path.read_text()
    unsafe = poolcheck(tmp_path, "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert "hidden fix" not in unsafe.output
    size = re.search(r"pool_size=(\d+),", path.read_text())
    assert size is not None and int(size.group(1)) > 10
    assert rules_in(tmp_path, ".", monkeypatch=monkeypatch) == []


@pytest.mark.parametrize(
    ("args", "fixed"),
    [(("--fixable", "PC002"), {"PC002"}), (("--unfixable", "PC004"), SAFE_RULES - {"PC004"})],
    ids=["fixable", "unfixable"],
)
def test_fixable_and_unfixable_choose_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], fixed: set[str]
) -> None:
    service(tmp_path)
    poolcheck(tmp_path, "--fix", *args, ".", monkeypatch=monkeypatch)
    assert set(rules_in(tmp_path, ".", monkeypatch=monkeypatch)) == SAFE_RULES - fixed | UNSAFE_RULES


@pytest.mark.parametrize(
    ("table", "left"),
    [
        ("fix = true", UNSAFE_RULES),
        ("fix = true\nunsafe-fixes = true", set()),
        ('fix = true\nfixable = ["PC002"]', SAFE_RULES - {"PC002"} | UNSAFE_RULES),
        ('fix = true\nunfixable = ["PC004"]', {"PC004"} | UNSAFE_RULES),
        ("fix = false", SAFE_RULES | UNSAFE_RULES),
    ],
    ids=["fix", "unsafe-fixes", "fixable", "unfixable", "no-fix"],
)
def test_the_configuration_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, left: set[str]
) -> None:
    service(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "service"\n\n[tool.poolcheck]\n{table}\n')
    result = poolcheck(tmp_path, ".", monkeypatch=monkeypatch)  # no option: the configuration decides
    assert result.exit_code in (0, 1), result.output
    assert set(rules_in(tmp_path, "--no-fix", ".", monkeypatch=monkeypatch)) == left


def test_the_command_line_wins_over_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = service(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.poolcheck]\nfix = true\nunsafe-fixes = true\n")
    poolcheck(tmp_path, "--no-fix", ".", monkeypatch=monkeypatch)
    assert path.read_text() == DATABASE
    poolcheck(tmp_path, "--fix", "--no-unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert path.read_text() == COMPLETE


@pytest.mark.parametrize("option", ["--fix", "--diff"])
def test_standard_input_cannot_be_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str) -> None:
    result = poolcheck(
        tmp_path, option, "--stdin-filename", "database.py", "-", monkeypatch=monkeypatch, stdin=DATABASE
    )
    assert result.exit_code == 2, result.output
    assert "standard input" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_file_changed_between_the_read_and_the_write_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = service(tmp_path)
    edited = DATABASE.replace("# Ten connections", "# Twelve connections")

    def edited_meanwhile(fixes):  # type: ignore[no-untyped-def]
        path.write_text(edited)  # the user saves the file while the fix is worked out
        return write_all(fixes)

    monkeypatch.setattr(apply, "write_all", edited_meanwhile)
    result = poolcheck(tmp_path, "--fix", "--show-fixes", ".", monkeypatch=monkeypatch)
    assert path.read_text() == edited
    assert [p.name for p in path.parent.iterdir()] == ["database.py"]  # no temporary file left
    reasons = result.stdout.split("Not fixed:\n", 1)[1].splitlines()
    assert sum(line.endswith(": changed since it was read") for line in reasons) == len(SAFE_RULES)
    assert SUMMARY.search(result.stdout) is None  # nothing fixed: the plain summary
    assert f"Found {len(SAFE_RULES | UNSAFE_RULES)} findings" in result.stdout


def test_crlf_and_bom_files_keep_their_bytes_outside_the_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, odd = tmp_path / "plain", tmp_path / "odd"
    # A comment outside ASCII, kept as the file's bytes.
    text = DATABASE.replace("# Ten connections", "# Zehn Verbindungen \u2013 gr\u00f6\u00dfer")
    service(plain, text)
    crlf = service(odd, "", "app/database.py")
    crlf.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"))
    for folder in (plain, odd):
        result = poolcheck(folder, "--fix", ".", monkeypatch=monkeypatch)
        assert summary(result)[1] == len(SAFE_RULES), result.output
    fixed = (plain / "app" / "database.py").read_bytes()
    assert fixed != text.encode("utf-8")
    assert crlf.read_bytes() == codecs.BOM_UTF8 + fixed.replace(b"\n", b"\r\n")


def test_the_file_mode_and_the_rest_of_the_folder_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = service(tmp_path)
    os.chmod(path, 0o640)
    service(tmp_path, COMPLETE, "app/replica.py")
    (tmp_path / "README.md").write_text("# Service\n")
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://db/app\n")
    before = snapshot(tmp_path)
    poolcheck(tmp_path, "--fix", ".", monkeypatch=monkeypatch)
    after = snapshot(tmp_path)
    assert after.keys() == before.keys()  # no temporary file, no backup
    assert {name for name in after if after[name] != before[name]} == {"app/database.py"}
    assert path.stat().st_mode & 0o777 == 0o640


def test_the_json_output_after_a_fix_reports_the_remaining_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service(tmp_path)
    rust = service(
        tmp_path,
        textwrap.dedent(
            """\
            use sqlx::postgres::PgPoolOptions;

            pub async fn connect(url: &str) -> Result<sqlx::PgPool, sqlx::Error> {
                PgPoolOptions::new().max_connections(5).connect(url).await
            }
            """
        ),
        "worker/src/db.rs",
    )
    result = poolcheck(tmp_path, "--fix", "--output-format", "json", ".", monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.output
    reported = json.loads(result.stdout)
    assert "Duration::from_secs" in rust.read_text()
    rules = sorted(f["rule"] for f in reported["findings"])
    assert rules == rules_in(tmp_path, ".", monkeypatch=monkeypatch)
    assert reported["summary"]["findings"] == len(rules)
    assert set(rules) == SIZE_RULES  # the safe fixes removed the rest


def test_many_services_are_fixed_at_once_and_one_changed_meanwhile_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the count where the fixed files are read again in workers and written several at a
    time: every other file gets the same fix as alone, the one the user saved keeps their edit."""
    count = files.PARALLEL_FLUSHES + 4
    paths = [service(tmp_path, name=f"svc{n:02}/app/database.py") for n in range(count)]
    saved = paths[7]
    edited = DATABASE.replace("# Ten connections", "# Twelve connections")

    def edited_meanwhile(source, stage):  # type: ignore[no-untyped-def]
        if source.path.endswith(os.path.join("svc07", "app", "database.py")):
            saved.write_text(edited)  # between its temporary file's flush and its replace
        return committed(source, stage)

    committed = files._committed
    monkeypatch.setattr(files, "_committed", edited_meanwhile)
    result = poolcheck(tmp_path, "--fix", "--show-fixes", ".", monkeypatch=monkeypatch)
    assert [p.read_text() for p in paths] == [edited if p == saved else COMPLETE for p in paths]
    assert summary(result) == (count * 4, (count - 1) * len(SAFE_RULES), count + len(SAFE_RULES))
    listed = result.stdout.split("Not fixed:\n", 1)[1].splitlines()
    reasons = [line for line in listed if line.startswith("  ")]
    assert [line for line in reasons if line.endswith(": changed since it was read")] == [
        f"  svc07/app/database.py:11: {rule}: changed since it was read" for rule in sorted(SAFE_RULES)
    ]
    assert not list(tmp_path.rglob("*.poolcheck-tmp"))


def test_two_sizes_written_on_one_line_of_a_dict_both_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 5}``: the size raised where the dict
    writes it, the other entry of the same line kept, in one edit that the run then agrees with."""
    options = (
        '{"pool_size": 10, "max_overflow": 5, "pool_timeout": 5, "pool_recycle": 1800, "pool_pre_ping": True}'
    )
    path = service(
        tmp_path,
        "import os\n\nfrom sqlalchemy import create_engine\n\n"
        f"ENGINE_OPTIONS = {options}\n\n"
        'engine = create_engine(os.environ["DATABASE_URL"], **ENGINE_OPTIONS)\n',
    )
    assert rules_in(tmp_path, ".", monkeypatch=monkeypatch) == ["PC001"]
    result = poolcheck(tmp_path, "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert summary(result) == (1, 1, 0), result.output
    assert f"ENGINE_OPTIONS = {options.replace('10', '45')}\n" in path.read_text()
    assert rules_in(tmp_path, ".", monkeypatch=monkeypatch) == []


@pytest.mark.parametrize(
    ("size", "fixed"),
    [("20 if not DEBUG else 5", "45 if not DEBUG else 5"), ("20 if PRODUCTION else 5", None)],
    ids=["production-arm", "every-arm-production"],
)
def test_a_size_chosen_in_the_call_is_raised_in_its_production_arm_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: str, fixed: str | None
) -> None:
    """``pool_size=20 if not DEBUG else 5``: the debug arm stays the developer's. When the else may
    run in production too, which arm to change is the author's choice: the fix says so."""
    text = COMPLETE.replace("pool_size=10", f"pool_size={size}").replace(
        "import os\n",
        'import os\n\nDEBUG = os.getenv("DEBUG") == "1"\nPRODUCTION = os.getenv("ENV") == "prod"\n',
    )
    path = service(tmp_path, text)
    result = poolcheck(tmp_path, "--fix", "--unsafe-fixes", "--show-fixes", ".", monkeypatch=monkeypatch)
    if fixed is None:
        assert path.read_text() == text
        assert "`pool_size` is set differently in each branch: change the branch's value" in result.stdout
    else:
        assert path.read_text() == text.replace(f"pool_size={size}", f"pool_size={fixed}")
        assert rules_in(tmp_path, ".", monkeypatch=monkeypatch) == []


RUST_POOL = """\
use sqlx::postgres::PgPoolOptions;

pub async fn connect(url: &str) -> sqlx::Result<sqlx::PgPool> {
    PgPoolOptions::new()
        .max_connections(10)
        .connect(url)
        .await
}
"""


@pytest.mark.parametrize(("services", "least_reused"), [(24, 4), (2, 1)], ids=["many fixed", "few fixed"])
def test_a_large_run_reads_the_fixed_texts_from_the_first_trees_and_fixes_as_one_worker_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: int, least_reused: int
) -> None:
    """Past the counts where the files are read by a worker per core and the fixed texts read again
    there: each fixed text goes to the worker that holds its file's tree, and the fixes are those of
    a run in one process (``--jobs 1``, where no tree is kept)."""
    from poolcheck.frontends import trees
    from poolcheck.workers import PARALLEL_FILES, available_cores

    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for root in (serial, parallel):
        for n in range(services):
            service(root, name=f"svc{n:02}/app/database.py")
            service(root, RUST_POOL, name=f"crate{n:02}/src/db.rs")
        for n in range(PARALLEL_FILES):
            service(root, f"def helper_{n}():\n    return {n}\n", name=f"lib/helpers_{n}.py")
    parses = tmp_path / "parses"
    parsed = trees.parsed

    def counted(parser, data, key):  # type: ignore[no-untyped-def]
        reused = key is not None and key in trees._kept.trees
        with parses.open("a") as log:  # appended by each worker: they are forked with this in place
            log.write("reused\n" if reused else "fresh\n")
        return parsed(parser, data, key)

    monkeypatch.setattr(trees, "parsed", counted)
    one = poolcheck(serial, "--fix", "--show-fixes", "--jobs", "1", ".", monkeypatch=monkeypatch)
    assert "reused" not in parses.read_text()
    parses.unlink()
    many = poolcheck(parallel, "--fix", "--show-fixes", ".", monkeypatch=monkeypatch)
    assert many.exit_code == one.exit_code == 1, many.output
    assert many.stdout == one.stdout
    assert snapshot(parallel).keys() == snapshot(serial).keys()
    assert [p.read_bytes() for p in sorted(parallel.rglob("*.*"))] == [
        p.read_bytes() for p in sorted(serial.rglob("*.*"))
    ]
    assert (parallel / "svc01/app/database.py").read_text() == COMPLETE
    if available_cores() > 1:
        # Each worker's first chunk of fixed texts is of its own files (an idle worker reads another's
        # only when none of its own is left to make), so at least that chunk is read from its trees.
        assert least_reused <= parses.read_text().count("reused") <= services * 2
