"""Nothing the tool is pointed at crashes it: each problem is an error entry and the run goes on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from poolcheck.pipeline import RunSettings, run

GOOD = "async fn f(u: &str) { let p = PgPoolOptions::new().max_connections(5).connect(u).await; }\n"


def report_for(*paths: Path):  # type: ignore[no-untyped-def]
    return run(list(paths), RunSettings())


def test_syntax_error_is_reported_and_analysed_as_far_as_possible(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rs"
    broken.write_text(
        "fn ok(u: &str) { let p = PgPoolOptions::new().max_connections(7).connect(u); }\n"
        "fn broken( { let x = ;\n"
    )
    report = report_for(broken)
    assert [e.kind for e in report.errors] == ["parse"]
    assert "line 2" in report.errors[0].message
    assert [p.settings["max_connections"].value for p in report.pools] == [7]


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.rs").write_bytes(b"")
    report = report_for(tmp_path)
    assert (report.pools, report.errors, report.files_checked) == ((), (), 1)


@pytest.mark.parametrize("name", ["blob.rs", "blob.py"])
def test_binary_file_with_a_source_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x7fELF\x00\x01PgPoolOptions::new() create_engine(" + bytes(range(256)))
    (tmp_path / "good.rs").write_text(GOOD)
    report = report_for(tmp_path)
    assert [(e.path.rsplit("/", 1)[-1], e.kind, e.message) for e in report.errors] == [
        (name, "read", "binary file, not source")
    ]
    assert len(report.pools) == 1


def test_nul_byte_past_the_binary_probe_in_python(tmp_path: Path) -> None:
    (tmp_path / "late.py").write_bytes(b"from sqlalchemy import create_engine\n" + b"#" * 9000 + b"\n\0\n")
    report = report_for(tmp_path)
    assert [e.kind for e in report.errors] == ["parse"]
    assert "null bytes" in report.errors[0].message


def test_non_utf8_python_without_a_coding_cookie(tmp_path: Path) -> None:
    code = "from sqlalchemy import create_engine\ne = create_engine(url, pool_size=5)\n"
    (tmp_path / "head.py").write_bytes(f"# café\n{code}".encode("latin-1"))  # where the cookie would be
    (tmp_path / "tail.py").write_bytes(f"{code}# café\n".encode("latin-1"))
    (tmp_path / "cookie.py").write_bytes(f"# -*- coding: latin-1 -*-\n# café\n{code}".encode("latin-1"))
    report = report_for(tmp_path)
    assert [(e.path.rsplit("/", 1)[-1], e.kind, e.message) for e in report.errors] == [
        ("head.py", "read", "cannot decode: invalid or missing encoding declaration"),
        ("tail.py", "read", "not valid UTF-8 and no PEP 263 coding cookie says otherwise"),
    ]
    assert [p.site.path.rsplit("/", 1)[-1] for p in report.pools] == ["cookie.py"]


LINE = b"fn f() -> u32 { let x = vec![1, 2, 3]; x.iter().sum() }\n"


def fifty_megabytes(path: Path, tail: bytes = b"") -> Path:
    """50 MB of ordinary code, then ``tail``."""
    with path.open("wb") as stream:
        stream.write(LINE * (50_000_000 // len(LINE)) + tail)
    return path


@pytest.mark.parametrize("offset", [0, (1 << 20) - 5, 49_000_000], ids=["start", "across-chunks", "end"])
def test_a_huge_file_with_a_trigger_is_a_read_error_and_not_parsed(tmp_path: Path, offset: int) -> None:
    huge = fifty_megabytes(tmp_path / "huge.rs")
    with huge.open("r+b") as stream:  # the token anywhere, even across two of the search's 1 MiB chunks
        stream.seek(offset)
        stream.write(b"PoolOptions")
    (tmp_path / "good.rs").write_text(GOOD)
    report = report_for(tmp_path)
    assert [(e.path.rsplit("/", 1)[-1], e.kind, e.message) for e in report.errors] == [
        ("huge.rs", "read", "too large (50.0 MB > 2 MB limit; see max-file-size)")
    ]
    assert len(report.pools) == 1


def test_a_huge_file_without_a_trigger_is_searched_and_passed(tmp_path: Path) -> None:
    fifty_megabytes(tmp_path / "generated.rs")
    (tmp_path / "blob.py").write_bytes(b"\0" * 3_000_000)
    report = report_for(tmp_path)
    assert [(e.path.rsplit("/", 1)[-1], e.message) for e in report.errors] == [
        ("blob.py", "binary file, not source")
    ]
    assert report.files_checked == 2


def test_a_file_under_a_raised_limit_is_parsed(tmp_path: Path) -> None:
    code = "from sqlalchemy import create_engine\ne = create_engine(u, pool_size=5)\n"
    (tmp_path / "big.py").write_text(code + "#\n" * 1_500_000)  # 3 MB
    assert [e.kind for e in report_for(tmp_path).errors] == ["read"]
    report = run([tmp_path], RunSettings(max_file_size=4))
    assert (report.errors, len(report.pools)) == ((), 1)


@pytest.mark.parametrize("name", ["x.rs", "x.py"])
def test_missing_path_and_directory_with_a_source_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    (tmp_path / name / "inner.rs").write_text(GOOD)
    report = report_for(tmp_path / "nope.rs", tmp_path / name, tmp_path)
    assert [(e.kind, e.message) for e in report.errors] == [("read", "no such file or directory")]
    assert len(report.pools) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_with_a_source_name_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "good.rs").write_text(GOOD)
    report = report_for(tmp_path)  # opening a fifo for reading waits for a writer, unless non-blocking
    assert [(e.path.rsplit("/", 1)[-1], e.message) for e in report.errors] == [
        ("pipe.py", "not a regular file")
    ]
    assert len(report.pools) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked.rs"
    locked.write_text(GOOD)
    locked.chmod(0)
    try:
        report = report_for(tmp_path)
    finally:
        locked.chmod(0o644)
    assert [e.kind for e in report.errors] == ["read"]


def test_unreadable_file_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root can read anything, so simulate the OS refusing the read."""
    locked = tmp_path / "locked.rs"
    locked.write_text(GOOD)
    (tmp_path / "fine.rs").write_text(GOOD)
    real = os.open

    def refuse(path: str, flags: int, *args: int) -> int:
        if str(path).endswith("locked.rs"):
            raise PermissionError(13, "Permission denied")
        return real(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    report = report_for(tmp_path)
    assert [(e.kind, e.message) for e in report.errors] == [("read", "cannot read: Permission denied")]
    assert len(report.pools) == 1


def test_symlink_loop_and_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "good.rs").write_text(GOOD)
    (tmp_path / "src" / "loop").symlink_to(tmp_path / "src", target_is_directory=True)
    (tmp_path / "src" / "gone.rs").symlink_to(tmp_path / "nowhere.rs")
    (tmp_path / "src" / "a.rs").symlink_to(tmp_path / "src" / "b.rs")
    (tmp_path / "src" / "b.rs").symlink_to(tmp_path / "src" / "a.rs")
    report = report_for(tmp_path)
    assert len(report.pools) == 1
    assert [(e.path.rsplit("/", 1)[-1], e.kind) for e in report.errors] == [
        ("a.rs", "read"),
        ("b.rs", "read"),
        ("gone.rs", "read"),
    ]
    assert "symbolic links" in report.errors[0].message


def test_deeply_nested_expression(tmp_path: Path) -> None:
    depth = 5000
    value = "(" * depth + "5" + ")" * depth
    (tmp_path / "deep.rs").write_text(
        f"fn f(u: &str) {{ PgPoolOptions::new().max_connections({value}).connect(u); }}\n"
    )
    report = report_for(tmp_path)
    assert len(report.pools) == 1
    assert report.pools[0].settings["max_connections"].source == "dynamic"


def test_thousands_of_chained_calls(tmp_path: Path) -> None:
    chain = ".max_connections(5)" * 3000
    (tmp_path / "long.rs").write_text(f"fn f(u: &str) {{ PgPoolOptions::new(){chain}.connect(u); }}\n")
    report = report_for(tmp_path)
    assert [p.settings["max_connections"].value for p in report.pools] == [5]


@pytest.mark.parametrize(
    "nested",
    [
        "(" * 100_000 + "1" + ")" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        "-" * 100_000 + "1",
        "not " * 100_000 + "x",
        "x" + ".y" * 100_000,
        "f" + "()" * 100_000,
        "1" + " + 1" * 100_000,
    ],
    ids=["parentheses", "lists", "unary", "not", "attributes", "calls", "sums"],
)
def test_python_nested_past_the_parser_limits_is_read_without_a_crash(tmp_path: Path, nested: str) -> None:
    # CPython's parser gives up on these; tree-sitter's does not, and a value this deep reads as unknown.
    (tmp_path / "deep.py").write_text(
        f"from sqlalchemy import create_engine\ne = create_engine(u, pool_size={nested})\n"
    )
    (tmp_path / "good.py").write_text(
        "from sqlalchemy import create_engine\ne = create_engine(u, pool_size=5)\n"
    )
    report = report_for(tmp_path)
    assert report.errors == ()
    sizes = {p.site.path.rsplit("/", 1)[-1]: dict(p.site.knobs)["pool_size"] for p in report.pools}
    assert (sizes["good.py"].value, sizes["deep.py"].source) == (5, "dynamic")


def test_python_blocks_nested_past_cpythons_limit_are_read_or_an_error_entry(tmp_path: Path) -> None:
    nested = "".join(f"{chr(9) * depth}if x:\n" for depth in range(1200)) + chr(9) * 1200 + "pass\n"
    (tmp_path / "deep.py").write_text(f"from sqlalchemy import create_engine\n{nested}")
    (tmp_path / "good.py").write_text(
        "from sqlalchemy import create_engine\ne = create_engine(u, pool_size=5)\n"
    )
    report = report_for(tmp_path)
    assert {e.kind for e in report.errors} <= {"parse"}
    assert not [e for e in report.errors if "internal error" in e.message]
    assert len(report.pools) == 1


def test_rust_nested_hundred_thousand_deep(tmp_path: Path) -> None:
    depth = 100_000
    (tmp_path / "deep.rs").write_text(
        f"fn f(u: &str) {{ let v = {'(' * depth}1{')' * depth}; PgPoolOptions::new().connect(u); }}\n"
    )
    report = report_for(tmp_path)
    assert all("internal error" not in e.message for e in report.errors)
    assert len(report.pools) + len(report.errors) >= 1
