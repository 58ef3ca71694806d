"""The fix's file layer: files come back byte for byte outside the edit, and writes are refused safely."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from poolcheck.fix import files
from poolcheck.fix.files import Source, read_source, unified_diff, write_all, write_fixed

POOL = "pool = create_engine(url, pool_size=5)\n"
FIXED = "pool = create_engine(url, pool_size=5, pool_timeout=30)\n"


def _source(path: Path) -> Source:
    source = read_source(str(path))
    assert isinstance(source, Source), source
    return source


def _listing(folder: Path) -> dict[str, bytes | None]:
    """Every name in the folder with its bytes (None for what is not a regular file)."""
    return {
        entry.name: entry.read_bytes() if entry.is_file() and not entry.is_symlink() else None
        for entry in folder.iterdir()
    }


def test_crlf_file_is_edited_as_lf_and_written_back_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(b"import sqlalchemy\r\n" + POOL.replace("\n", "\r\n").encode())
    source = _source(path)
    assert "\r" not in source.text and source.newline == "\r\n"

    assert write_fixed(source, source.text.replace(POOL, FIXED)) is None

    assert path.read_bytes() == b"import sqlalchemy\r\n" + FIXED.replace("\n", "\r\n").encode()


def test_bom_is_kept_once_and_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(codecs.BOM_UTF8 + POOL.encode())
    source = _source(path)
    assert source.bom and source.encoding == "utf-8" and source.text == POOL

    assert write_fixed(source, FIXED) is None

    assert path.read_bytes() == codecs.BOM_UTF8 + FIXED.encode()


def test_latin_1_coding_cookie_is_read_and_written_in_latin_1(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    head = "# -*- coding: latin-1 -*-\n# café\n"
    path.write_bytes((head + POOL).encode("latin-1"))
    source = _source(path)
    assert source.text == head + POOL
    assert codecs.lookup(source.encoding).name == "iso8859-1"

    assert write_fixed(source, head + FIXED.replace("url", "url_é")) is None

    assert path.read_bytes() == (head + FIXED.replace("url", "url_é")).encode("latin-1")


def test_a_character_the_encoding_cannot_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    original = ("# coding: latin-1\n" + POOL).encode("latin-1")
    path.write_bytes(original)
    source = _source(path)

    reason = write_fixed(source, source.text + "# \u2014\n")

    assert reason is not None and "iso-8859-1" in reason
    assert path.read_bytes() == original


def test_mode_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode())
    os.chmod(path, 0o640)
    source = _source(path)

    assert write_fixed(source, FIXED) is None

    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_bytes() == FIXED.encode()


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode())
    source = _source(path)
    edited = b"# edited meanwhile\n" + POOL.encode()
    path.write_bytes(edited)
    before = _listing(tmp_path)

    assert write_fixed(source, FIXED) == "changed since it was read"

    assert path.read_bytes() == edited
    assert _listing(tmp_path) == before


def test_symlink_is_refused_when_read_and_when_written(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_bytes(POOL.encode())
    link = tmp_path / "db.py"
    link.symlink_to(target)
    assert read_source(str(link)) == "is a symbolic link"

    # Read while it was a file, a link by the time of the write: still refused.
    real = _source(target)
    moved = Source(str(link), real.data, real.text, real.encoding, real.bom, real.newline)
    before = _listing(tmp_path)

    assert write_fixed(moved, FIXED) == "is a symbolic link"

    assert link.is_symlink() and target.read_bytes() == POOL.encode()
    assert _listing(tmp_path) == before


def test_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "db.py").mkdir()
    reason = read_source(str(tmp_path / "db.py"))
    assert isinstance(reason, str) and "directory" in reason


def test_read_only_folder_is_refused_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    path = folder / "db.py"
    path.write_bytes(POOL.encode())
    source = _source(path)
    before = _listing(folder)
    os.chmod(folder, 0o555)
    try:
        reason = write_fixed(source, FIXED)
    finally:
        os.chmod(folder, 0o755)

    assert reason is not None and "read-only" in reason
    assert path.read_bytes() == POOL.encode()
    assert _listing(folder) == before


def test_read_only_file_is_refused_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode())
    os.chmod(path, 0o444)
    source = _source(path)
    before = _listing(tmp_path)

    assert write_fixed(source, FIXED) == "read-only file"

    assert path.read_bytes() == POOL.encode()
    assert _listing(tmp_path) == before


def test_mixed_line_endings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(b"import sqlalchemy\r\n" + POOL.encode())
    reason = read_source(str(path))
    assert reason == "mixed line endings (1 CRLF, 1 LF)"


def test_undecodable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.rs"
    path.write_bytes(b"// caf\xe9\nlet pool = PgPoolOptions::new();\n")
    reason = read_source(str(path))
    assert isinstance(reason, str) and "utf-8" in reason


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode() * 100)
    reason = read_source(str(path), max_file_size=len(POOL) * 50 / 1_000_000)
    assert isinstance(reason, str) and reason.startswith("too large")
    assert isinstance(read_source(str(path)), Source)


def test_the_same_text_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode())
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    inode = path.stat().st_ino
    source = _source(path)

    assert write_fixed(source, source.text) is None

    assert path.stat().st_ino == inode and path.stat().st_mtime_ns == 1_000_000_000


def test_a_write_changes_only_the_file(tmp_path: Path) -> None:
    (tmp_path / "other.py").write_bytes(POOL.encode())
    (tmp_path / ".db.py.old.poolcheck-tmp").write_bytes(b"someone else's")
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode())
    source = _source(path)
    before = _listing(tmp_path)

    assert write_fixed(source, FIXED) is None

    assert _listing(tmp_path) == {**before, "db.py": FIXED.encode()}


def test_diff_has_ruff_headers_and_lf_lines_for_a_crlf_file(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    lines = ["import sqlalchemy\n", "\n", POOL, "\n", "def main():\n", "    pass\n"]
    path.write_bytes("".join(lines).replace("\n", "\r\n").encode())
    source = _source(path)

    diff = unified_diff(source, source.text.replace(POOL, FIXED), "pkg/db.py")

    assert diff.splitlines(keepends=True) == [
        "--- a/pkg/db.py\n",
        "+++ b/pkg/db.py\n",
        "@@ -1,6 +1,6 @@\n",
        " import sqlalchemy\n",
        " \n",
        "-" + POOL,
        "+" + FIXED,
        " \n",
        " def main():\n",
        "     pass\n",
    ]
    assert path.read_bytes() == "".join(lines).replace("\n", "\r\n").encode()


def test_diff_marks_a_last_line_without_line_ending_and_is_empty_without_change(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.rstrip("\n").encode())
    source = _source(path)

    assert unified_diff(source, source.text, "db.py") == ""
    assert unified_diff(source, FIXED, "db.py").splitlines() == [
        "--- a/db.py",
        "+++ b/db.py",
        "@@ -1 +1 @@",
        "-" + POOL.rstrip("\n"),
        "\\ No newline at end of file",
        "+" + FIXED.rstrip("\n"),
    ]


def test_diff_splits_lines_at_line_endings_only(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    # A form feed and a line separator end lines for str.splitlines, not for Python or a diff.
    path.write_bytes(("\x0c\n# see \u2028 below\n" + POOL).encode())
    source = _source(path)

    diff = unified_diff(source, source.text.replace(POOL, FIXED), "db.py")

    assert diff.split("\n")[2:] == [
        "@@ -1,3 +1,3 @@",
        " \x0c",
        " # see \u2028 below",
        "-" + POOL.rstrip("\n"),
        "+" + FIXED.rstrip("\n"),
        "",
    ]


def test_a_file_with_other_hard_links_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(POOL.encode())
    os.link(path, tmp_path / "copy.py")
    source = _source(path)
    before = _listing(tmp_path)

    assert write_fixed(source, FIXED) == "has 2 hard links"

    assert _listing(tmp_path) == before


def test_a_cookie_python_cannot_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.py"
    path.write_bytes(b"# coding: utf-16\n" + POOL.encode())
    assert read_source(str(path)) == "encoding utf-16 is not ASCII-compatible"


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_many_files_are_written_a_batch_at_a_time_and_leave_no_descriptor_or_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "BATCH", 2)
    monkeypatch.setattr(files, "PARALLEL_FLUSHES", 2)  # each batch flushed by threads
    paths = [tmp_path / f"db{n}.py" for n in range(5)]
    for path in paths:
        path.write_text(POOL)
    sources = [_source(path) for path in paths]
    paths[3].write_text(POOL + "# saved by the user\n")  # after it was read: not overwritten
    before = _open_descriptors()

    written = write_all([(s, s.text if n == 1 else FIXED) for n, s in enumerate(sources)])

    assert written == [None, None, None, "changed since it was read", None]
    assert [p.read_text() for p in paths] == [FIXED, POOL, FIXED, POOL + "# saved by the user\n", FIXED]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]
    assert _open_descriptors() == before


def test_a_failed_flush_refuses_that_file_and_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tmp_path / "a.py", tmp_path / "b.py"]
    for path in paths:
        path.write_text(POOL)
    sources = [_source(path) for path in paths]
    flushes: list[int] = []

    def failing_on_the_first(fd: int) -> None:
        flushes.append(fd)
        if len(flushes) == 1:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", failing_on_the_first)
    assert write_all([(s, FIXED) for s in sources]) == ["cannot write: Input/output error", None]
    assert [p.read_text() for p in paths] == [POOL, FIXED]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]
