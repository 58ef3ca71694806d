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


def test_binary_file_with_a_source_name(tmp_path: Path) -> None:
    (tmp_path / "blob.rs").write_bytes(b"\x7fELF\x00\x01PgPoolOptions::new()" + bytes(range(256)))
    (tmp_path / "good.rs").write_text(GOOD)
    report = report_for(tmp_path)
    assert [(e.path.rsplit("/", 1)[-1], e.kind) for e in report.errors] == [("blob.rs", "read")]
    assert len(report.pools) == 1


def test_non_utf8_rust_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "latin1.rs").write_bytes(
        "// café\nfn f(u: &str) { PgPoolOptions::new().max_connections(9).connect(u); }\n".encode("latin-1")
    )
    report = report_for(tmp_path)
    assert [p.settings["max_connections"].value for p in report.pools] == [9]


def test_missing_path_and_directory_with_a_source_name(tmp_path: Path) -> None:
    (tmp_path / "x.rs").mkdir()
    (tmp_path / "x.rs" / "inner.rs").write_text(GOOD)
    report = report_for(tmp_path / "nope.rs", tmp_path / "x.rs")
    assert [(e.kind, e.message) for e in report.errors] == [("read", "no such file or directory")]
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
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "locked.rs":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    report = report_for(tmp_path)
    assert [(e.kind, e.message) for e in report.errors] == [("read", "cannot read: Permission denied")]
    assert len(report.pools) == 1


def test_symlink_loop_and_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "good.rs").write_text(GOOD)
    (tmp_path / "src" / "loop").symlink_to(tmp_path / "src", target_is_directory=True)
    (tmp_path / "src" / "gone.rs").symlink_to(tmp_path / "nowhere.rs")
    report = report_for(tmp_path)
    assert len(report.pools) == 1
    assert [(e.path.rsplit("/", 1)[-1], e.kind) for e in report.errors] == [("gone.rs", "read")]


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
