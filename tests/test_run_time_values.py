"""A value poolcheck cannot follow is "set at run time by `expr`" in every output, and no rule
judges it: it is never shown as a number, "unlimited", "none" or "waits forever", nor read as a
default or as disabled (SPEC.md section 1: a dynamic setting counts as explicitly set).
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import Snippets, poolcheck_command, write_tree

from poolcheck.describe import EXPRESSION_SHOWN, described, shortened, value_words
from poolcheck.model import Setting

PROJECT = {
    "app/db.py": """
        from sqlalchemy import create_engine

        from app.config import settings

        engine = create_engine(
            settings.database_url,
            pool_size=settings.pool_size,
            pool_timeout=settings.pool_timeout,
            pool_recycle=settings.pool_recycle,
        )
    """,
    "svc/Cargo.toml": """
        [package]
        name = "svc"
        version = "0.1.0"

        [dependencies]
        sqlx = { version = "0.8", features = ["postgres"] }
    """,
    "svc/src/main.rs": """
        use sqlx::postgres::PgPoolOptions;
        use std::time::Duration;

        pub async fn connect(cfg: &Config) -> sqlx::PgPool {
            PgPoolOptions::new()
                .max_connections(cfg.max)
                .acquire_timeout(Duration::from_secs(cfg.acquire_secs))
                .connect(&cfg.url)
                .await
                .unwrap()
        }
    """,
    # A server too small for a third, written pool: PC010 fires and names the pools it cannot count.
    "postgresql.conf": "max_connections = 20\n",
    "app/jobs.py": """
        from sqlalchemy import create_engine

        jobs = create_engine(URL, pool_size=20, max_overflow=5, pool_timeout=5, pool_recycle=1800)
    """,
}
WRONG_WORDS = re.compile(r"unlimited|waits forever|\bnone\b|not set", re.IGNORECASE)
FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab")


def run(root: Path, *args: str) -> str:
    result = subprocess.run(
        [*poolcheck_command(), *args, "."], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path, PROJECT)


def table_row(card: str, setting: str) -> str:
    (row,) = [line for line in card.splitlines() if line.startswith(f"| {setting} |")]
    return row


def card_for(cards: str, path: str) -> str:
    (card,) = [text for text in cards.split("\n---\nstatus:") if f"`{path}:" in text.split("## Findings")[0]]
    return card


def test_the_cards_table_names_the_expression_and_no_value(project: Path) -> None:
    cards = run(project, "--format", "todo")
    python = card_for(cards, "app/db.py")
    rows = {
        "acquire timeout": "set at run time by `settings.pool_timeout`, line 9",
        "maximum connection lifetime": "set at run time by `settings.pool_recycle`, line 10",
        "maximum pool size": "`pool_size`: set at run time by `settings.pool_size`, line 8",
    }
    for setting, source in rows.items():
        row = table_row(python, setting)
        assert source in row and "| set at run time |" in row, row
        assert not WRONG_WORDS.search(row), row
    rust = card_for(cards, "svc/src/main.rs")
    for setting, source in {
        "maximum pool size": "set at run time by `cfg.max`, line 7",
        "acquire timeout": "set at run time by `Duration::from_secs(cfg.acquire_secs)`, line 8",
    }.items():
        row = table_row(rust, setting)
        assert source in row and "| set at run time |" in row, row
        assert not WRONG_WORDS.search(row), row


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_names_the_pools_the_server_sum_cannot_count(project: Path, output_format: str) -> None:
    output = run(project, "--format", output_format)
    if output_format in ("json", "sarif", "gitlab"):  # the message as a reader sees it, unescaped
        output = json.dumps(json.loads(output), ensure_ascii=False).replace('\\"', '"')
    assert "not counted: app/db.py:6 (maximum set at run time by `settings.pool_size`)" in output
    assert "svc/src/main.rs:6 (maximum set at run time by `cfg.max`)" in output
    assert "more pool(s) with a maximum set at run time" not in output


def test_the_inventory_says_what_each_question_mark_stands_for(project: Path) -> None:
    inventory = run(project, "--format", "inventory")
    assert "  app/db.py:6  max by `settings.pool_size`; acquire by `settings.pool_timeout`" in inventory
    assert (
        "  svc/src/main.rs:6  max by `cfg.max`; acquire by `Duration::from_secs(cfg.acquire_secs)`"
        in inventory
    )
    assert "  app/db.py:6  unknown (set at run time by `settings.pool_size`), not counted" in inventory


RUN_TIME_KNOBS = [
    (
        ".py",
        "from sqlalchemy import create_engine\n"
        "engine = create_engine(URL, pool_size=settings.pool_size, max_overflow=settings.overflow, "
        "pool_timeout=settings.timeout, pool_recycle=settings.recycle, pool_pre_ping=settings.ping)\n",
    ),
    (
        ".py",
        "from psycopg_pool import ConnectionPool\n"
        "pool = ConnectionPool(URL, min_size=settings.low, max_size=settings.high, timeout=settings.wait, "
        "max_lifetime=settings.life, max_idle=settings.idle, check=settings.check)\n",
    ),
    (
        ".rs",
        "async fn connect(cfg: &Config) -> PgPool {\n"
        "    sqlx::postgres::PgPoolOptions::new()\n"
        "        .max_connections(cfg.max)\n"
        "        .min_connections(cfg.min)\n"
        "        .acquire_timeout(cfg.acquire)\n"
        "        .idle_timeout(cfg.idle)\n"
        "        .max_lifetime(cfg.lifetime)\n"
        "        .test_before_acquire(cfg.test)\n"
        "        .connect(&cfg.url).await.unwrap()\n"
        "}\n",
    ),
]


@pytest.mark.parametrize(("suffix", "code"), RUN_TIME_KNOBS)
def test_no_rule_judges_a_value_set_at_run_time(snippets: Snippets, suffix: str, code: str) -> None:
    (pool,) = snippets.pools(code, suffix)
    # psycopg_pool's check is a callable: any name given is a check, so it is written, not dynamic.
    counted = {
        c: s.source for c, s in pool.settings.items() if c != "health_check" or "ConnectionPool" not in code
    }
    assert set(counted.values()) == {"dynamic"}, pool.settings
    assert snippets.findings(code, suffix) == []


def test_a_disabled_term_leaves_the_sum_unbounded_whatever_the_other_is(snippets: Snippets) -> None:
    code = (
        "from sqlalchemy import create_engine\n"
        "engine = create_engine(URL, pool_size=settings.pool_size, max_overflow=-1, pool_timeout=5, "
        "pool_recycle=1800, pool_pre_ping=True)\n"
    )
    (finding,) = snippets.findings(code, ".py")
    assert finding.rule == "PC011"
    assert "disabled by `max_overflow=-1`" in finding.message


def test_a_run_time_value_reads_as_its_expression_never_as_a_number() -> None:
    wait = Setting(None, "dynamic", expr="Duration::from_secs(cfg.acquire_secs)")
    assert (
        described("acquire_timeout", wait, "sqlx")
        == "set at run time by `Duration::from_secs(cfg.acquire_secs)`"
    )
    assert (
        value_words("max_lifetime", Setting(None, "dynamic", expr="cfg.life"))
        == "set at run time by `cfg.life`"
    )
    assert value_words("max_lifetime", Setting(None, "disabled")) == "unlimited"
    size = Setting(None, "dynamic", expr="settings.pool_size")
    summed = Setting(
        None,
        "dynamic",
        expr="settings.pool_size",
        parts=(("pool_size", size), ("max_overflow", Setting(10, "default"))),
    )
    assert described("max_connections", summed, "sqlalchemy") == (
        "pool_size set at run time by `settings.pool_size` + max_overflow 10 (sqlalchemy default)"
    )


def test_a_long_expression_keeps_its_head_and_tail_on_one_line() -> None:
    long = (
        "Duration::from_secs(\n    settings.database.primary.pool.acquire_timeout_seconds_for_production\n)"
    )
    shown = shortened(long)
    assert len(shown) < EXPRESSION_SHOWN and "\n" not in shown
    assert shown.startswith("Duration::from_secs( settings") and shown.endswith("for_production )")
    assert shortened("cfg.max") == "cfg.max"


DEADPOOL_FROM_OUTSIDE = {
    "a parameter": """
        use deadpool_postgres::{Config, Runtime};
        pub fn pool(cfg: &Config) -> deadpool_postgres::Pool {
            cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap()
        }
    """,
    "from the environment": """
        use deadpool_postgres::{Config, Runtime};
        pub fn pool() -> deadpool_postgres::Pool {
            let cfg = Config::from_env()?;
            cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap()
        }
    """,
    "a deserialized settings field": """
        #[derive(serde::Deserialize)]
        struct Settings { pg: deadpool_postgres::Config }
        pub fn pool(settings: Settings) -> deadpool_postgres::Pool {
            settings.pg.create_pool(None, NoTls).unwrap()
        }
    """,
    "a typed let": """
        pub fn pool(text: &str) -> deadpool_postgres::Pool {
            let cfg: deadpool_postgres::Config = serde_json::from_str(text).unwrap();
            cfg.create_pool(None, NoTls).unwrap()
        }
    """,
}


@pytest.mark.parametrize("form", sorted(DEADPOOL_FROM_OUTSIDE))
def test_a_deadpool_config_from_outside_is_a_pool_set_at_run_time(snippets: Snippets, form: str) -> None:
    pool = snippets.pool(textwrap.dedent(DEADPOOL_FROM_OUTSIDE[form]))
    assert pool.site.library == "deadpool"
    configured = {concept: setting.source for concept, setting in pool.settings.items()}
    assert configured == dict.fromkeys(configured, "dynamic"), pool.settings
    assert {"max_connections", "acquire_timeout", "health_check"} <= set(configured)
    assert snippets.findings(textwrap.dedent(DEADPOOL_FROM_OUTSIDE[form])) == []


def test_another_crates_config_is_no_pool_and_an_assigned_part_replaces_the_outside_one(
    snippets: Snippets,
) -> None:
    assert snippets.sites("pub fn f(cfg: &config::Config) { cfg.create_pool(None, NoTls); }\n") == []
    pool = snippets.pool(
        textwrap.dedent("""
        use deadpool_postgres::{Config, PoolConfig};
        pub fn pool() -> deadpool_postgres::Pool {
            let mut cfg = Config::from_env().unwrap();
            cfg.pool = Some(PoolConfig::new(5));
            cfg.create_pool(None, NoTls).unwrap()
        }
    """)
    )
    settings = pool.settings
    assert (settings["max_connections"].value, settings["max_connections"].source) == (5, "explicit")
    # PoolConfig::new(5) brings its own timeouts (none): the wait is deadpool's, not cfg's.
    assert settings["acquire_timeout"].source == "default"
    assert (settings["health_check"].source, settings["health_check"].expr) == ("dynamic", "cfg.manager")
