"""Hostile input, area lockfiles and manifests: what poolcheck reads for library versions.

Each case: no traceback, the run goes on and checks the pool, a warning names the file, and the
advice falls back to the latest release (the pool's version is "assumed").
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from poolcheck.cli import main
from poolcheck.versions.cargo import read_lock, read_manifest
from poolcheck.versions.python import read_package_lock, read_pipfile_lock, read_pyproject, read_requirements

SQLX_CODE = (
    "use sqlx::postgres::PgPoolOptions;\n"
    "async fn f(u: &str) { let p = PgPoolOptions::new().max_connections(40).connect(u).await; }\n"
)
PSYCOPG_CODE = "from psycopg_pool import ConnectionPool\n\npool = ConnectionPool(dsn, max_size=20)\n"
DEEP = 100_000

RUST_CASES: dict[str, bytes] = {
    "garbage": b"\x00\xff\xfe not toml [[[ = \n",
    "not utf-8": b'[[package]]\nname = "sqlx"\nversion = "0.5.\xff"\n',
    "invalid toml": b'[[package]]\nname = "sqlx"\nversion = 0.5.13\n',
    "deep nesting": b"a = " + b"[" * DEEP + b"]" * DEEP + b"\n",
    "deep inline tables": b"a = " + b"{b = " * DEEP + b"1" + b"}" * DEEP + b"\n",
    "5,000-digit version": b'[[package]]\nname = "sqlx"\nversion = "' + b"9" * 5000 + b'"\n',
    "5,000-digit integer": b'[[package]]\nname = "sqlx"\nversion = ' + b"9" * 5000 + b"\n",
    "version is a table": b'[[package]]\nname = "sqlx"\nversion = { major = 0 }\n',
    "package is a string": b'package = "sqlx 0.5.13"\n',
    "name is a number": b'[[package]]\nname = 7\nversion = "0.5.13"\n',
    "dependencies not a list": b'[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = "sqlx"\n',
}
PYTHON_CASES: dict[str, tuple[str, bytes]] = {
    "garbage uv.lock": ("uv.lock", b"\x00\x01 ]]]["),
    "5,000-digit version in uv.lock": (
        "uv.lock",
        b'[[package]]\nname = "psycopg-pool"\nversion = "3.' + b"1" * 5000 + b'"\n',
    ),
    "deep poetry.lock": ("poetry.lock", b"x = " + b"[" * DEEP + b"]" * DEEP),
    "deep Pipfile.lock": ("Pipfile.lock", b"[" * DEEP + b"]" * DEEP),
    "Pipfile.lock is a list": ("Pipfile.lock", b'["default", {"psycopg-pool": "==3.1"}]'),
    "Pipfile.lock version is a number": (
        "Pipfile.lock",
        json.dumps({"default": {"psycopg-pool": {"version": 3.1}}}).encode(),
    ),
    "5,000-digit requirement": ("requirements.txt", b"psycopg-pool==" + b"3" * 5000 + b"\n"),
    "binary requirements": ("requirements.txt", b"\xff\xfe\x00psycopg-pool==3.1.9"),
    "long requirement line": ("requirements.txt", b"psycopg-pool" + b">=3.1," * 50_000 + b"\n"),
    "pyproject dependencies not a list": ("pyproject.toml", b'[project]\ndependencies = "psycopg-pool"\n'),
    "poetry version is a list": (
        "pyproject.toml",
        b'[tool.poetry.dependencies]\npsycopg-pool = { version = ["3.1"] }\n',
    ),
}


def _run(folder: Path, *arguments: str) -> tuple[dict[str, object], str]:
    result = CliRunner().invoke(main, ["--format", "json", *arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    document = json.loads(result.stdout)
    return document, result.stderr


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _assumed(document: dict[str, object]) -> None:
    pools = document["pools"]
    assert isinstance(pools, list) and len(pools) == 1
    assert pools[0]["library_version"]["source"] == "assumed"


@pytest.mark.parametrize("case", sorted(RUST_CASES))
def test_a_hostile_cargo_lock_is_a_warning(repo: Path, case: str) -> None:
    (repo / "Cargo.lock").write_bytes(RUST_CASES[case])
    (repo / "src").mkdir()
    (repo / "src" / "db.rs").write_text(SQLX_CODE)
    document, stderr = _run(repo, "src/db.rs")
    _assumed(document)
    if case not in ("package is a string", "name is a number", "dependencies not a list"):
        assert "Cargo.lock" in stderr and "warning" in stderr


@pytest.mark.parametrize("case", sorted(PYTHON_CASES))
def test_a_hostile_python_lockfile_or_manifest_is_a_warning(repo: Path, case: str) -> None:
    name, data = PYTHON_CASES[case]
    (repo / name).write_bytes(data)
    (repo / "db.py").write_text(PSYCOPG_CODE)
    document, stderr = _run(repo, "db.py")
    if case == "long requirement line":  # a requirement with 50,000 bounds is still one lower bound
        assert document["pools"][0]["library_version"]["version"] == "3.1"
        return
    _assumed(document)
    if case not in (
        "Pipfile.lock is a list",
        "pyproject dependencies not a list",
        "poetry version is a list",
    ):
        assert name in stderr and "warning" in stderr


def test_a_broken_lockfile_leaves_the_manifest_beside_it(repo: Path) -> None:
    (repo / "uv.lock").write_bytes(b"[[[")
    (repo / "requirements.txt").write_text("psycopg-pool==3.1.9\n")
    (repo / "db.py").write_text(PSYCOPG_CODE)
    document, stderr = _run(repo, "db.py")
    assert document["pools"][0]["library_version"] == {
        "version": "3.1.9",
        "source": "requirements.txt",
        "at_least": False,
    }
    assert "uv.lock" in stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no fifos on this system")
@pytest.mark.parametrize("name", ["Cargo.lock", "Cargo.toml"])
def test_a_fifo_named_like_a_lockfile_is_not_waited_on(repo: Path, name: str) -> None:
    os.mkfifo(repo / name)
    (repo / "src").mkdir()
    (repo / "src" / "db.rs").write_text(SQLX_CODE)
    document, stderr = _run(repo, "src/db.rs")
    _assumed(document)
    assert name in stderr and "not a regular file" in stderr


def test_a_folder_named_like_a_lockfile(repo: Path) -> None:
    (repo / "uv.lock").mkdir()
    (repo / "db.py").write_text(PSYCOPG_CODE)
    document, stderr = _run(repo, "db.py")
    _assumed(document)
    assert "uv.lock" in stderr


LOCK_TEXT = st.text(alphabet='[]{}="., \n\t#-_0123456789abcdefnpkgversion\\', max_size=400)
READERS: dict[str, Callable[[bytes], object]] = {
    "Cargo.lock": read_lock,
    "Cargo.toml": read_manifest,
    "uv.lock": read_package_lock,
    "Pipfile.lock": read_pipfile_lock,
    "requirements.txt": read_requirements,
    "pyproject.toml": read_pyproject,
}


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(["", '[[package]]\nname = "sqlx"\n', '[[package]]\nname = "psycopg-pool"\n']),
    body=LOCK_TEXT,
)
def test_the_readers_never_fail_but_as_a_document_fault(prefix: str, body: str) -> None:
    """Only the faults read_document turns into a DocumentProblem (ValueError, RecursionError) escape."""
    for reader in READERS.values():
        with contextlib.suppress(ValueError, RecursionError):
            reader((prefix + body).encode())
