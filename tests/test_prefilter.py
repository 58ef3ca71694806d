"""The prefilter: which files are worth parsing, from their bytes alone.

A trigger token that look-alikes share (tokio's ``Builder::new``, redis's
``ConnectionPool``) counts only with a companion token that every real
construction names: its crate or module.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from poolcheck import read
from poolcheck.frontends import PYTHON, RUST, FrontEnd
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import is_candidate, search_tokens

CANDIDATES = [
    (RUST, "let pool = PgPoolOptions::new().connect(&url).await?;"),
    (RUST, "use bb8::Builder;\nlet pool = Builder::new().max_size(9).build(manager).await?;"),
    (RUST, "use diesel::r2d2::Builder;\nlet pool = Builder::new().build(manager)?;"),
    (RUST, "let pool = bb8::Builder::<PostgresConnectionManager<NoTls>>::new().build(m).await?;"),
    (RUST, "use r2d2::Builder;\nlet pool = Builder::<ConnectionManager<PgConnection>>::new().build(m)?;"),
    (RUST, 'use sea_orm::Database;\nlet db = Database::connect("postgres://db/app").await?;'),
    (RUST, "let pool = cfg.create_pool(None, NoTls)?; // deadpool_postgres::Config"),
    (PYTHON, "from psycopg_pool import ConnectionPool\npool = ConnectionPool(DSN)"),
    (PYTHON, "import psycopg2.pool\npool = psycopg2.pool.SimpleConnectionPool(1, 5, DSN)"),
    (PYTHON, "import asyncpg\npool = await asyncpg.create_pool(DSN)"),
    (PYTHON, "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy(engine_options={})"),
    (PYTHON, 'DATABASES = {"default": {"CONN_MAX_AGE": 60}}'),  # settings need no import
]
LOOKALIKES = [
    (RUST, "let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;"),
    (RUST, 'std::thread::Builder::new().name("worker".into()).spawn(job)?;'),
    (RUST, "let client = reqwest::ClientBuilder::<Tls>::new().build()?;"),
    (RUST, "let opts = PgConnectOptions::new().host(&host); // sqlx's ConnectOptions, no pool"),
    (RUST, "let client = Database::connect_with(cfg); // some other crate"),
    (PYTHON, "import redis\ncache = redis.ConnectionPool(host=HOST)"),
    (PYTHON, "import aiomysql\npool = await aiomysql.create_pool(host=HOST)"),
    (PYTHON, '"""Rows come from the SQLAlchemy unit of work."""'),
]


@pytest.fixture(params=[True, False], ids=["automaton", "a pass per token"])
def first_pass(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The prefilter with its one-pass automaton, and as it is where that is not installed."""
    monkeypatch.setattr(read, "AUTOMATON", request.param)
    return bool(request.param)


@pytest.mark.parametrize(("front_end", "code"), CANDIDATES)
def test_a_construction_is_a_candidate(front_end: FrontEnd, code: str, first_pass: bool) -> None:
    assert is_candidate(code.encode(), front_end)


@pytest.mark.parametrize(("front_end", "code"), LOOKALIKES)
def test_a_lookalike_without_the_library_is_not_parsed(
    front_end: FrontEnd, code: str, first_pass: bool
) -> None:
    assert not is_candidate(code.encode(), front_end)


@pytest.mark.parametrize("front_end", [RUST, PYTHON])
def test_each_search_token_passes_the_first_pass_anywhere_in_a_file(
    front_end: FrontEnd, first_pass: bool
) -> None:
    for token in search_tokens(front_end.triggers):
        for data in (token, b"x" * 70_000 + token, token + b"\n" * 70_000, b"a" + token + b"b"):
            assert read.first_pass(front_end.triggers, first_pass)(data), token
        assert not read.first_pass(front_end.triggers, first_pass)(token[:-1] + b" " + token[-1:])


def large(path: Path, head: bytes, tail: bytes) -> Path:
    """3 MB of ordinary code, over the 2 MB limit, between ``head`` and ``tail``."""
    path.write_bytes(head + b"fn f() -> u32 { 1 }\n" * 150_000 + tail)
    return path


def test_a_large_file_needs_the_companion_too(tmp_path: Path) -> None:
    runtime = b"let rt = tokio::runtime::Builder::new_multi_thread().build()?;\n"
    large(tmp_path / "runtime.rs", runtime, b"")
    # The trigger in the first chunk, its companion in the last: both count.
    large(tmp_path / "pools.rs", b"let b = Builder::new();\n", b"use bb8::Builder;\n")
    report = run([tmp_path], RunSettings())
    assert [(e.path.rsplit("/", 1)[-1], e.kind) for e in report.errors] == [("pools.rs", "read")]


@pytest.mark.parametrize("front_end", [RUST, PYTHON])
def test_the_first_pass_finds_every_trigger(front_end: FrontEnd) -> None:
    searched = search_tokens(front_end.triggers)
    assert all(any(token in trigger for token in searched) for trigger in front_end.triggers)


def test_triggers_that_begin_alike_are_searched_once() -> None:
    """One pass for bb8's and r2d2's ``Builder::new`` and ``Builder::<``; a short shared start
    (``create_``, in ``create_user`` too) is not searched for its tokens."""
    searched = search_tokens(RUST.triggers)
    assert b"Builder::" in searched
    assert not {b"Builder::new", b"Builder::<"} & set(searched)
    assert search_tokens((b"create_engine", b"create_pool")) == (b"create_engine", b"create_pool")


def test_without_the_automaton_installed_the_prefilter_still_finds_pools() -> None:
    """A platform ahocorasick-rs has no wheel for (musl) may run poolcheck without it."""
    code = (
        "import sys\n"
        "sys.modules['ahocorasick_rs'] = None  # as if not installed: importing it fails\n"
        "from poolcheck import read\n"
        "from poolcheck.frontends import PYTHON\n"
        "print(read.AUTOMATON, read.is_candidate(b'import asyncpg\\npool = asyncpg.create_pool(DSN)', PYTHON))\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["False", "True"]
