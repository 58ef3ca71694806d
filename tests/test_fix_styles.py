"""Fixes in the file's own style: one golden diff per way real code builds a pool.

A golden is the unified diff ``poolcheck --diff`` prints for the case; regenerate them with
``POOLCHECK_UPDATE_GOLDEN=1 pytest tests/test_fix_styles.py`` and review the diff like code.
Each case is also fixed on disk: the file then holds exactly what the diff says, parses, and a
second fix changes nothing.
"""

from __future__ import annotations

import codecs
import os
import textwrap
from pathlib import Path

import pytest

from poolcheck.check import default_options
from poolcheck.fix import show
from poolcheck.fix.apply import Outcome, fixed_run
from poolcheck.fix.plan import FixRules
from poolcheck.fix.verify import parse_problem
from poolcheck.pipeline import RunSettings, analyse

GOLDEN = Path(__file__).parent / "golden" / "fixes"
UPDATE_GOLDEN = os.environ.get("POOLCHECK_UPDATE_GOLDEN") == "1"

CASES: dict[str, dict[str, str]] = {
    # A short call stays on one line while it fits black's 88 columns, else one argument a line.
    "inline_call": {
        "app/db.py": """
            from sqlalchemy import create_engine

            from app.config import DATABASE_URL

            engine = create_engine(DATABASE_URL, pool_size=40, max_overflow=10, pool_pre_ping=True)
        """,
    },
    # One argument a line with a trailing comma: the new ones follow, one a line.
    "multiline_call": {
        "worker/consumer.py": """
            import asyncpg


            async def start(dsn: str) -> asyncpg.Pool:
                return await asyncpg.create_pool(
                    dsn,
                    min_size=5,
                    max_size=50,
                    command_timeout=30,
                )
        """,
    },
    # create_engine(url, **ENGINE_KWARGS): the knobs go into the dict, in its layout.
    "kwargs_dict": {
        "app/database.py": """
            import os

            from sqlalchemy import create_engine

            ENGINE_KWARGS = {
                "pool_size": 40,
                "max_overflow": 10,
                "pool_pre_ping": True,
            }

            engine = create_engine(os.environ["DATABASE_URL"], **ENGINE_KWARGS)
        """,
    },
    # FastAPI style: every knob from a pydantic BaseSettings of the same module.
    "settings_class": {
        "app/core/db.py": """
            from pydantic_settings import BaseSettings
            from sqlalchemy.ext.asyncio import create_async_engine


            class Settings(BaseSettings):
                database_url: str = "postgresql+asyncpg://app@db/app"
                db_pool_size: int = 40
                db_max_overflow: int = 10
                db_pool_pre_ping: bool = True


            settings = Settings()

            engine = create_async_engine(
                settings.database_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_pre_ping=settings.db_pool_pre_ping,
            )
        """,
    },
    # The review card's Option 2: each knob read from the environment through a `let`.
    "env_builder": {
        "src/db.rs": """
            use sqlx::postgres::{PgPool, PgPoolOptions};
            use std::env;

            pub async fn connect() -> Result<PgPool, sqlx::Error> {
                let max_connections = env::var("DATABASE_MAX_CONNECTIONS")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(50);

                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .connect(&env::var("DATABASE_URL").expect("DATABASE_URL"))
                    .await
            }
        """,
    },
    # A builder set one statement at a time.
    "split_let_builder": {
        "src/pool.rs": """
            use sqlx::postgres::{PgPool, PgPoolOptions};
            use std::time::Duration;

            pub async fn pool(url: &str) -> Result<PgPool, sqlx::Error> {
                let mut options = PgPoolOptions::new();
                options = options.max_connections(60);
                options = options.acquire_timeout(Duration::from_secs(3));
                options.connect(url).await
            }
        """,
    },
    # deadpool-postgres' Config with a PoolConfig: the timeout goes into it, with the runtime.
    "deadpool_config": {
        "src/events.rs": """
            use deadpool_postgres::{Config, ManagerConfig, PoolConfig, RecyclingMethod, Runtime};
            use tokio_postgres::NoTls;

            pub fn pool(host: &str) -> deadpool_postgres::Pool {
                let mut cfg = Config::new();
                cfg.host = Some(host.to_string());
                cfg.dbname = Some("events".to_string());
                cfg.manager = Some(ManagerConfig { recycling_method: RecyclingMethod::Verified });
                cfg.pool = Some(PoolConfig::new(50));
                cfg.create_pool(Some(Runtime::Tokio1), NoTls).expect("event store pool")
            }
        """,
    },
    # sea-orm's ConnectOptions: setters after the last one, in the chain's layout.
    "seaorm_connect_options": {
        "src/search.rs": """
            use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
            use std::time::Duration;

            pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
                let mut opt = ConnectOptions::new(url.to_owned());
                opt.max_connections(50)
                    .min_connections(10)
                    .connect_timeout(Duration::from_secs(8))
                    .sqlx_logging(false);
                Database::connect(opt).await
            }
        """,
    },
    # The default inside an environment read, changed in place (an unsafe fix: a written value).
    "env_default_unsafe": {
        "app/pool.py": """
            import os

            from psycopg_pool import ConnectionPool

            pool = ConnectionPool(
                os.environ["DATABASE_URL"],
                min_size=4,
                max_size=int(os.getenv("DB_POOL_MAX_SIZE", "20")),
                timeout=float(os.getenv("DB_POOL_TIMEOUT", "60")),
                max_idle=600,
                max_lifetime=1800,
                check=ConnectionPool.check_connection,
            )
        """,
    },
    # The dict a function builds and spreads into the call.
    "function_kwargs_dict": {
        "app/engine.py": """
            from sqlalchemy import create_engine


            def build_engine(url: str):
                options = {
                    "pool_size": 40,
                    "max_overflow": 10,
                    "pool_pre_ping": True,
                }
                return create_engine(url, **options)
        """,
    },
    # The last argument and the last dict entry end in a comment: the comma goes before it.
    "comment_after_the_last_argument": {
        "app/db.py": """
            from sqlalchemy import create_engine

            engine = create_engine(
                "postgresql://app@db/app",
                pool_size=40,
                max_overflow=10  # burst, for the nightly import
            )

            OPTIONS = {
                "pool_size": 40,
                "max_overflow": 10,  # burst
            }
            other = create_engine("postgresql://app@db/other", **OPTIONS)
        """,
    },
    # A size bound above the builder, for the test build and the others: the others' value changes.
    "bound_size_unsafe": {
        "src/db.rs": """
            use sqlx::postgres::{PgPool, PgPoolOptions};
            use std::time::Duration;

            pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
                let size = if cfg!(test) { 1 } else { 25 };
                PgPoolOptions::new()
                    .max_connections(size)
                    .acquire_timeout(Duration::from_secs(5))
                    .idle_timeout(Duration::from_secs(600))
                    .max_lifetime(Duration::from_secs(1800))
                    .connect(url)
                    .await
            }
        """,
    },
    # A size in the spread dict raised while the missing knobs join it: one change to the dict.
    "kwargs_dict_resized_unsafe": {
        "app/database.py": """
            import os

            from sqlalchemy import create_engine

            ENGINE_KWARGS = {
                "pool_size": 20,
                "max_overflow": 10,
                "pool_pre_ping": True,
            }

            engine = create_engine(os.environ["DATABASE_URL"], **ENGINE_KWARGS)
        """,
    },
    # A module constant read from the environment: its default is what changes.
    "module_constant_unsafe": {
        "app/db.py": """
            import os

            from sqlalchemy.ext.asyncio import create_async_engine

            POOL_SIZE = int(os.getenv("DB_POOL_SIZE", "20"))

            engine = create_async_engine(
                os.environ["DATABASE_URL"],
                pool_size=POOL_SIZE,
                max_overflow=10,
                pool_timeout=5,
                pool_recycle=1800,
                pool_pre_ping=True,
            )
        """,
    },
    # Values read into `let`s above the builder, one default written twice.
    "env_let_defaults_unsafe": {
        "src/jobs.rs": """
            use sqlx::postgres::PgPoolOptions;
            use std::env;
            use std::time::Duration;

            pub async fn pool(url: &str) -> sqlx::Result<sqlx::PgPool> {
                let max_connections = env::var("JOBS_DB_MAX_CONNECTIONS")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(20);
                let acquire_secs: u64 = env::var("JOBS_DB_ACQUIRE_SECS")
                    .unwrap_or_else(|_| "30".to_string())
                    .parse()
                    .unwrap_or(30);
                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .min_connections(10)
                    .acquire_timeout(Duration::from_secs(acquire_secs))
                    .idle_timeout(Duration::from_secs(600))
                    .max_lifetime(Duration::from_secs(1800))
                    .connect(url)
                    .await
            }
        """,
    },
}


def written(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))


def outcome(root: Path, write: bool, unsafe: bool = False) -> Outcome:
    settings = RunSettings(project_root=root)
    options = default_options()
    previous = os.getcwd()
    os.chdir(root)  # the diff names files as a run from the project's folder does
    try:
        return fixed_run(
            analyse([Path(".")], settings), settings, FixRules(unsafe=unsafe), lambda p: options, write
        )
    finally:
        os.chdir(previous)


def check_golden(name: str, actual: str) -> None:
    golden = GOLDEN / f"{name}.diff"
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing; run with POOLCHECK_UPDATE_GOLDEN=1 to create it"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fix_is_written_in_the_file_s_own_style(tmp_path: Path, name: str) -> None:
    written(tmp_path, CASES[name])
    unsafe = name.endswith("_unsafe")
    planned = outcome(tmp_path, write=False, unsafe=unsafe)
    assert planned.fixed and planned.files, [u.reason for u in planned.unfixed]
    check_golden(name, show.diff(planned))
    done = outcome(tmp_path, write=True, unsafe=unsafe)
    for file in done.files:
        text = Path(file.path if os.path.isabs(file.path) else tmp_path / file.path).read_text()
        assert text.rstrip("\n") == file.text.rstrip("\n")
        assert parse_problem(file.edits[0].language, text) is None
    fixed_rules = {f.rule for f in done.fixed}
    assert not fixed_rules & {f.rule for f in done.report.findings}
    assert not outcome(tmp_path, write=True, unsafe=unsafe).files  # nothing left to change


def test_crlf_and_bom_files_keep_their_bytes_outside_the_edit(tmp_path: Path) -> None:
    lines = [
        "# Reporting database.",
        "from sqlalchemy import create_engine",
        "",
        'engine = create_engine("postgresql://app@db/reports", pool_size=40, max_overflow=10)',
        "",
        "REPORTS = ['daily', 'weekly']",
    ]
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes("\r\n".join(lines).encode() + b"\r\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(codecs.BOM_UTF8 + "\n".join(lines).encode() + b"\n")
    planned = outcome(tmp_path, write=False)
    check_golden("crlf_and_bom", show.diff(planned))
    outcome(tmp_path, write=True)
    fixed_crlf, fixed_bom = crlf.read_bytes(), bom.read_bytes()
    assert fixed_crlf.count(b"\r\n") == fixed_crlf.count(b"\n")  # every line still ends in CRLF
    assert fixed_crlf.startswith(b"# Reporting database.\r\nfrom sqlalchemy import create_engine\r\n\r\n")
    assert fixed_crlf.endswith(b"\r\nREPORTS = ['daily', 'weekly']\r\n")
    assert fixed_bom.startswith(codecs.BOM_UTF8 + b"# Reporting database.\n")
    assert b"\r" not in fixed_bom
    assert b"pool_timeout=5" in fixed_crlf and b"pool_timeout=5" in fixed_bom


def test_a_file_whose_fix_fails_the_safety_check_is_left_untouched(tmp_path: Path) -> None:
    """The env-style fix reads DATABASE_ACQUIRE_TIMEOUT, which the deployment already sets to 120:
    the run on the fixed file would report PC003 (acquire timeout too long), so nothing is written."""
    written(tmp_path, CASES["env_builder"])
    (tmp_path / "docker-compose.yml").write_text(
        textwrap.dedent(
            """
            services:
              api:
                build: .
                environment:
                  DATABASE_URL: postgresql://app@db/app
                  DATABASE_ACQUIRE_TIMEOUT: "120"
            """
        ).lstrip("\n")
    )
    code = tmp_path / "src" / "db.rs"
    before = code.read_bytes()
    result = outcome(tmp_path, write=True)
    assert code.read_bytes() == before
    assert not result.files and not result.fixed
    reasons = {u.finding.rule: u.reason for u in result.unfixed}
    assert reasons["PC002"] == "the fix would add PC003"
    assert {f.rule for f in result.report.findings} >= {"PC002", "PC004", "PC005"}  # the findings stay


def test_a_server_over_its_budget_shrinks_its_pools_to_their_shares(tmp_path: Path) -> None:
    """PC010 with --unsafe-fixes: each pool goes to its share of the server (97 usable slots over
    three replicas: 32), unless that share is below min-max-connections, when the fix is the
    server's limit, which the code does not hold."""
    written(
        tmp_path,
        {
            "docker-compose.yml": """
                services:
                  postgres:
                    image: postgres:16
                    command: postgres -c max_connections=100
                  orders:
                    build: ./orders
                    deploy:
                      replicas: 3
            """,
            "orders/src/db.rs": """
                use sqlx::postgres::{PgPool, PgPoolOptions};
                use std::time::Duration;

                pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
                    PgPoolOptions::new()
                        .max_connections(60)
                        .acquire_timeout(Duration::from_secs(5))
                        .idle_timeout(Duration::from_secs(600))
                        .max_lifetime(Duration::from_secs(1800))
                        .min_connections(10)
                        .connect(url)
                        .await
                }
            """,
        },
    )
    refused = outcome(tmp_path, write=False, unsafe=True)
    [reason] = [u.reason for u in refused.unfixed if u.finding.rule == "PC010"]
    assert reason.startswith(
        "the pool at orders/src/db.rs:5 may have 32 connections, below min-max-connections (50)"
    )
    assert "raise the server's limit to 153" in reason  # 3 reserved + 3 x 50
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("max_connections=100", "max_connections=160"))
    shrunk = outcome(tmp_path, write=True, unsafe=True)
    assert {f.rule for f in shrunk.fixed} == {"PC010"}
    assert ".max_connections(52)" in (tmp_path / "orders" / "src" / "db.rs").read_text()  # 157 // 3
    assert not shrunk.report.findings


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (  # the wrapper's own construction builds every caller's pool
            "def make_engine(url, pool_size=40, **kw):\n"
            "    return create_engine(url, pool_size=pool_size, max_overflow=10, **kw)\n\n\n"
            'orders = make_engine("postgresql://app@db/orders")\n',
            "built through the project's `make_engine` (app/db.py), which a pass over the whole run reads: "
            "fix it by hand, as its card shows",
        ),
    ],
    ids=["wrapper-call"],
)
def test_a_construction_whose_new_keyword_could_clash_is_not_fixed(
    tmp_path: Path, code: str, reason: str
) -> None:
    source = tmp_path / "app" / "db.py"
    source.parent.mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "settings.py").write_text('ENGINE_OPTIONS = {"pool_size": 40, "max_overflow": 10}\n')
    source.write_text("from sqlalchemy import create_engine\n\nfrom app.config import settings\n" + code)
    before = source.read_bytes()
    result = outcome(tmp_path, write=True)
    assert source.read_bytes() == before
    assert reason in {u.reason for u in result.unfixed}


def test_a_bug_while_planning_one_pool_leaves_it_and_fixes_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import poolcheck.fix.plan as plan

    code = 'from sqlalchemy import create_engine\n\nengine = create_engine("postgresql://db/{0}", pool_size=50)\n'
    (tmp_path / "broken.py").write_text(code.format("broken"))
    (tmp_path / "fine.py").write_text(code.format("fine"))
    real = plan.written_as

    def failing(pool, *args):  # type: ignore[no-untyped-def]
        if pool.site.path.endswith("broken.py"):
            raise RuntimeError("boom")
        return real(pool, *args)

    monkeypatch.setattr(plan, "written_as", failing)
    result = outcome(tmp_path, write=True)
    assert (tmp_path / "broken.py").read_text() == code.format("broken")
    assert "pool_timeout=5" in (tmp_path / "fine.py").read_text()
    assert any(
        u.reason.startswith("internal error while planning its fix (RuntimeError: boom)")
        for u in result.unfixed
    )


@pytest.mark.parametrize(("stage", "doing"), [("read_source", "reading"), ("edited", "fixing")])
def test_a_bug_while_reading_or_editing_one_file_leaves_it_and_fixes_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, doing: str
) -> None:
    import poolcheck.fix.apply as apply

    code = 'from sqlalchemy import create_engine\n\nengine = create_engine("postgresql://db/{0}", pool_size=50)\n'
    (tmp_path / "broken.py").write_text(code.format("broken"))
    (tmp_path / "fine.py").write_text(code.format("fine"))
    real = getattr(apply, stage)

    def failing(first, *args):  # type: ignore[no-untyped-def]
        if str(getattr(first, "path", first)).endswith("broken.py") or "db/broken" in str(first):
            raise RuntimeError("boom")
        return real(first, *args)

    monkeypatch.setattr(apply, stage, failing)
    result = outcome(tmp_path, write=True)
    assert (tmp_path / "broken.py").read_text() == code.format("broken")
    assert "pool_timeout=5" in (tmp_path / "fine.py").read_text()
    reasons = {u.reason for u in result.unfixed if u.finding.path.endswith("broken.py")}
    assert f"internal error while {doing} the file (RuntimeError: boom); please report it" in reasons


def test_a_django_alias_a_settings_helper_builds_gets_no_keyword_the_helper_does_not_take(
    tmp_path: Path,
) -> None:
    """`"replica": read_replica(pool_max_size=6)`: the pool's knobs are the helper's dict's, so a
    keyword added to the call would be a TypeError; the other alias, a dict, is fixed."""
    settings = """
        def read_replica(pool_max_size=4):
            return {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "shop",
                "HOST": "replica",
                "CONN_HEALTH_CHECKS": True,
                "OPTIONS": {"pool": {"min_size": 1, "max_size": pool_max_size, "timeout": 5}},
            }


        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "shop",
                "CONN_HEALTH_CHECKS": True,
                "OPTIONS": {"pool": {"min_size": 4, "max_size": 60, "timeout": 5, "max_lifetime": 1800}},
            },
            "replica": read_replica(pool_max_size=6),
        }
    """
    written(tmp_path, {"shop/settings.py": settings})
    result = outcome(tmp_path, write=True)
    fixed = (tmp_path / "shop" / "settings.py").read_text()
    assert '"replica": read_replica(pool_max_size=6),' in fixed
    assert '"max_lifetime": 1800, "max_idle": 600}' in fixed  # the default alias's own dict
    reasons = {u.reason for u in result.unfixed if u.finding.rule in ("PC004", "PC005")}
    assert any(reason.startswith("Add `max_") for reason in reasons), reasons
