"""Whole projects written the way real services lay out their pool configuration (tests/projects/).

Each project is run through the pipeline as a repository of its own (copied out with a ``.git``,
so nothing of poolcheck's own tree is read), and the test says what a reader of that project
would: which pools it opens, each setting's value, where it comes from and where it is defined,
in the report and in its JSON, and which rules fire. A style poolcheck does not follow yet is
an ``xfail(strict=True)`` that names what is missing, so it flips when the engine catches up.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from poolcheck.emit.json import as_document
from poolcheck.model import Report
from poolcheck.pipeline import RunSettings, run

HERE = Path(__file__).resolve().parent
PROJECTS = HERE / "projects"
SCHEMA = json.loads((HERE.parent / "docs" / "report.schema.json").read_text())


def checked(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    """The report of a run over the project ``name``, from its root as a developer runs it."""
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    monkeypatch.chdir(root)
    report = run([Path(".")], RunSettings(read_versions=False))
    assert report.errors == ()
    return report


def document(report: Report) -> dict[str, Any]:
    data = as_document(report)
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    return data


def pools_at(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The JSON pools by ``path:line``."""
    return {f"{pool['path']}:{pool['line']}": pool for pool in data["pools"]}


def provenance(setting: dict[str, Any]) -> tuple[Any, ...]:
    return (setting["value"], setting["source"], setting["env"], setting["via"], setting["defined_at"])


def rules(report: Report) -> set[str]:
    return {finding.rule for finding in report.findings}


# -- FastAPI, the full-stack template's layout ------------------------------------------------
# backend/app/core/config.py: a pydantic BaseSettings with the pool's fields and their defaults;
# backend/app/core/db.py: create_engine (SQLModel's) from settings; docker-compose.yml's backend
# service sets DB_POOL_SIZE in environment: and takes the root .env through env_file:.


def test_fastapi_full_stack_settings_take_the_compose_service_s_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("fastapi_fullstack", tmp_path, monkeypatch)
    data = document(report)
    [pool] = data["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["constructor"]) == (
        "backend/app/core/db.py",
        5,
        "sqlalchemy",
        "create_engine",
    )
    settings = pool["settings"]
    parts = settings["max_connections"]["parts"]
    assert provenance(parts["pool_size"]) == (
        40,
        "env",
        "DB_POOL_SIZE",
        "env DB_POOL_SIZE",
        "docker-compose.yml:32",
    )
    assert [d["how"] for d in parts["pool_size"]["declared"]] == ["docker-compose environment"]
    # DB_MAX_OVERFLOW is in the root .env, which the backend service reads through env_file:.
    assert provenance(parts["max_overflow"]) == (
        80,
        "env",
        "DB_MAX_OVERFLOW",
        "env DB_MAX_OVERFLOW",
        ".env:17",
    )
    assert {(d["how"], d["service"]) for d in parts["max_overflow"]["declared"]} >= {
        ("docker-compose env_file .env", "backend")
    }
    assert settings["max_connections"]["value"] == 120
    # Declared nowhere: the field's default, where the field is written.
    assert provenance(settings["acquire_timeout"]) == (
        30.0,
        "env-default",
        "DB_POOL_TIMEOUT",
        None,
        "backend/app/core/config.py:29",
    )
    assert (settings["health_check"]["value"], settings["health_check"]["source"]) == (True, "explicit")
    # 120 connections of the db service's max_connections=100; recycle and a 30 s wait left as they are.
    assert rules(report) == {"PC003", "PC004", "PC010"}


def test_fastapi_full_stack_database_comes_from_the_computed_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [pool] = checked("fastapi_fullstack", tmp_path, monkeypatch).pools
    assert pool.site.database == "postgres"


# -- Django, cookiecutter-django's layout -----------------------------------------------------
# config/settings/base.py: env = environ.Env(), DATABASES with Django 5.1's psycopg pool in
# OPTIONS; the replica alias from a settings helper in config/settings/database.py; production
# values in .envs/.production/.django, read by docker-compose.production.yml's env_file:.


def test_django_environ_pool_settings_take_the_production_env_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("django_environ", tmp_path, monkeypatch)
    pools = pools_at(document(report))
    # CACHES' django-redis CONNECTION_POOL_KWARGS and CELERY_BROKER_POOL_LIMIT are no database pools.
    assert {pool["library"] for pool in pools.values()} == {"psycopg_pool"}
    default = pools["config/settings/base.py:31"]
    assert (default["library"], default["database"], default["pooled"]) == ("psycopg_pool", "postgres", True)
    settings = default["settings"]
    assert provenance(settings["max_connections"]) == (
        25,
        "env",
        "DJANGO_DB_POOL_MAX_SIZE",
        "env DJANGO_DB_POOL_MAX_SIZE",
        ".envs/.production/.django:9",
    )
    [declared] = settings["max_connections"]["declared"]
    assert (declared["how"], declared["service"], declared["kind"]) == (
        "docker-compose env_file ./.envs/.production/.django",
        "django",
        "deployment",
    )
    assert provenance(settings["min_connections"])[:3] == (2, "env-default", "DJANGO_DB_POOL_MIN_SIZE")
    assert provenance(settings["acquire_timeout"])[:3] == (10, "env-default", "DJANGO_DB_POOL_TIMEOUT")
    assert (settings["max_lifetime"]["value"], settings["health_check"]["value"]) == (1800, True)
    assert (settings["persistent_connections"]["value"], settings["persistent_connections"]["source"]) == (
        0,
        "explicit",
    )
    assert {f.rule for f in report.findings if f.path == "config/settings/base.py"} >= {"PC001", "PC005"}
    assert "PC007" not in rules(report)  # CONN_MAX_AGE is 0 beside the pool


def test_django_alias_built_by_a_settings_helper_is_a_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools = pools_at(document(checked("django_environ", tmp_path, monkeypatch)))
    replica = pools["config/settings/base.py:51"]
    assert (replica["library"], replica["database"]) == ("psycopg_pool", "postgres")
    settings = replica["settings"]
    assert provenance(settings["max_connections"]) == (
        9,
        "env",
        "DJANGO_REPLICA_POOL_MAX_SIZE",
        "env DJANGO_REPLICA_POOL_MAX_SIZE",
        ".envs/.production/.django:10",
    )
    assert (settings["min_connections"]["value"], settings["acquire_timeout"]["value"]) == (1, 5)


# -- A project's own engine wrapper, called from three services ------------------------------
# libs/db/engine.py: def make_engine(url, pool_size=10, **kw) -> create_engine(...); the orders,
# billing and search services each call it with their own values.


def test_a_shared_engine_wrapper_is_one_pool_per_service_that_calls_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("shared_engine_wrapper", tmp_path, monkeypatch)
    pools = pools_at(document(report))
    assert set(pools) == {
        "services/orders/orders/db.py:6",
        "services/billing/billing/database.py:5",
        "services/search/search/storage.py:9",
    }

    def knobs(where: str) -> dict[str, tuple[Any, str]]:
        settings = pools[where]["settings"]
        found = {name: (s["value"], s["source"]) for name, s in settings["max_connections"]["parts"].items()}
        for name in ("acquire_timeout", "max_lifetime", "health_check"):
            found[name] = (settings[name]["value"], settings[name]["source"])
        return found

    orders = knobs("services/orders/orders/db.py:6")
    assert (orders["pool_size"], orders["max_overflow"], orders["acquire_timeout"]) == (
        (20, "explicit"),
        (10, "explicit"),
        (5, "explicit"),
    )
    # The wrapper's own keywords hold for every call.
    assert (orders["max_lifetime"][0], orders["health_check"][0]) == (1800, True)
    billing = knobs("services/billing/billing/database.py:5")
    assert (billing["pool_size"][0], billing["max_overflow"]) == (10, (10, "default"))
    search = knobs("services/search/search/storage.py:9")
    assert (search["pool_size"], search["max_overflow"]) == ((5, "env-default"), (0, "explicit"))


# -- Rust: an axum service with a serde config struct and its defaults ------------------------
# src/config.rs: DatabaseConfig with #[serde(default = "fn")] fields, loaded by
# envy::prefixed("DATABASE_"); src/db.rs builds PgPoolOptions from it; compose sets
# DATABASE_MAX_CONNECTIONS for the api service.


def test_axum_serde_config_struct_defaults_and_envy_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("axum_serde_config", tmp_path, monkeypatch)
    [pool] = document(report)["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["database"]) == (
        "src/db.rs",
        8,
        "sqlx",
        "postgres",
    )
    settings = pool["settings"]
    assert provenance(settings["max_connections"]) == (
        40,
        "env",
        "DATABASE_MAX_CONNECTIONS",
        "env DATABASE_MAX_CONNECTIONS",
        "docker-compose.yml:18",
    )
    # Declared nowhere: the serde default, where the function that gives it writes it.
    assert provenance(settings["min_connections"]) == (
        2,
        "env-default",
        "DATABASE_MIN_CONNECTIONS",
        None,
        "src/config.rs:22",
    )
    assert (settings["acquire_timeout"]["value"], settings["acquire_timeout"]["defined_at"]) == (
        5.0,
        "src/config.rs:26",
    )
    assert (settings["idle_timeout"]["value"], settings["idle_timeout"]["defined_at"]) == (
        600.0,
        "src/config.rs:30",
    )
    assert (settings["max_lifetime"]["value"], settings["max_lifetime"]["source"]) == (1800.0, "explicit")
    assert rules(report) == {"PC001"}  # 40 of the db service's 100 fit: no PC010


# -- Rust: diesel with r2d2, and diesel-async with deadpool, their pool type aliased in src/db.rs


def test_diesel_r2d2_pool_typed_by_an_alias_in_another_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("diesel_r2d2_alias", tmp_path, monkeypatch)
    [pool] = document(report)["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["database"]) == (
        "src/main.rs",
        15,
        "r2d2",
        "postgres",
    )
    settings = pool["settings"]
    assert {name: (s["value"], s["source"]) for name, s in settings.items()} == {
        "max_connections": (16, "explicit"),
        "min_connections": (2, "explicit"),
        "acquire_timeout": (5.0, "explicit"),
        "max_lifetime": (1800.0, "default"),
        "idle_timeout": (600.0, "default"),
        "health_check": (True, "default"),
    }
    assert rules(report) == {"PC001", "PC004", "PC005"}


def test_diesel_async_deadpool_pool_typed_by_an_alias_in_another_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("deadpool_diesel_async", tmp_path, monkeypatch)
    [pool] = document(report)["pools"]
    # AsyncDieselConnectionManager::new(url) has no type: its database is the one of
    # `pub type DbPool = Pool<AsyncPgConnection>` (src/db.rs) that build_pool returns.
    assert (pool["path"], pool["line"], pool["library"], pool["database"]) == (
        "src/state.rs",
        16,
        "deadpool",
        "postgres",
    )
    settings = pool["settings"]
    assert (settings["max_connections"]["value"], settings["max_connections"]["source"]) == (24, "explicit")
    assert (settings["acquire_timeout"]["value"], settings["acquire_timeout"]["source"]) == (3.0, "explicit")
    assert rules(report) == {"PC001"}


# -- Lookalikes: pools that are not database pools, configured the same ways -----------------


@pytest.mark.parametrize(
    "name",
    [
        # A redis BlockingConnectionPool built by a project wrapper with pool_size=/pool_timeout=
        # parameters from a settings module, and redis.asyncio's ConnectionPool.from_url.
        "lookalike_redis_pool",
        # A pydantic BaseSettings with pool_size / max_overflow / pool_timeout / pool_recycle fields
        # feeding a ThreadPoolExecutor and a multiprocessing Pool, with EXPORT_POOL_SIZE in .env.
        "lookalike_thread_pool_config",
        # Rust: a serde config struct with pool_size / max_connections defaults (envy, compose's
        # WORKER_* values) feeding a bb8-redis pool aliased as RedisPool, a deadpool-redis Config
        # with its PoolConfig, and a rayon thread pool.
        "lookalike_rust_redis_and_threads",
    ],
)
def test_a_project_without_a_database_pool_reports_none(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked(name, tmp_path, monkeypatch)
    assert (report.pools, report.findings) == ((), ())
    assert document(report)["summary"]["pools"] == 0


# -- Rust: deadpool-postgres's own Config, deserialized from PG__* variables by the config crate
# src/config.rs: `pub struct Config { server_addr: String, pg: deadpool_postgres::Config }`
# loaded with config::Environment::default().separator("__"); src/main.rs calls
# config.pg.create_pool(..); the .env holds PG__POOL__MAX_SIZE, as deadpool's own examples do.


def test_deadpool_postgres_config_field_of_a_struct_in_another_module_is_a_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [pool] = document(checked("deadpool_postgres_env_config", tmp_path, monkeypatch))["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["database"], pool["pooled"]) == (
        "src/main.rs",
        24,
        "deadpool",
        "postgres",
        True,
    )


def test_deadpool_postgres_config_takes_the_config_crate_s_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [pool] = document(checked("deadpool_postgres_env_config", tmp_path, monkeypatch))["pools"]
    settings = pool["settings"]
    assert provenance(settings["max_connections"]) == (
        16,
        "env",
        "PG__POOL__MAX_SIZE",
        "env PG__POOL__MAX_SIZE",
        ".env:6",
    )
    assert settings["acquire_timeout"]["value"] == 5.0


# -- SQLAlchemy with a SQLite branch, deployed on Kubernetes -------------------------------------
# app/config.py: a pydantic BaseSettings with env_prefix="ORDERS_" and an @lru_cache get_settings();
# app/database.py: `if settings.database_url.startswith("sqlite"): ... else: create_engine(..pool..)`;
# deploy/k8s: the Deployment takes the orders-config ConfigMap through envFrom.


def test_a_sqlite_branch_and_the_server_branch_with_kubernetes_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("sqlalchemy_sqlite_branch_k8s", tmp_path, monkeypatch)
    pools = pools_at(document(report))
    assert set(pools) == {"app/database.py:10", "app/database.py:12"}
    assert pools["app/database.py:10"]["database"] == "sqlite"  # the branch the URL test selects
    settings = pools["app/database.py:12"]["settings"]
    parts = settings["max_connections"]["parts"]
    assert provenance(parts["pool_size"]) == (
        15,
        "env",
        "ORDERS_POOL_SIZE",
        "env ORDERS_POOL_SIZE",
        "deploy/k8s/configmap.yaml:8",
    )
    [declared] = parts["pool_size"]["declared"]
    assert (declared["how"], declared["service"]) == (
        "Kubernetes ConfigMap orders-config via envFrom",
        "orders",
    )
    assert provenance(parts["max_overflow"]) == (
        10,
        "env-default",
        "ORDERS_MAX_OVERFLOW",
        None,
        "app/config.py:11",
    )
    assert provenance(settings["acquire_timeout"]) == (
        3,
        "env",
        "ORDERS_POOL_TIMEOUT",
        "env ORDERS_POOL_TIMEOUT",
        "deploy/k8s/deployment.yaml:25",
    )
    assert (settings["max_lifetime"]["value"], settings["health_check"]["value"]) == (3600, True)


def test_the_server_branch_of_a_sqlite_test_is_the_deployment_s_postgres_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = document(checked("sqlalchemy_sqlite_branch_k8s", tmp_path, monkeypatch))
    [server] = [i for i, pool in enumerate(data["pools"]) if pool["line"] == 12]
    assert data["pools"][server]["database"] == "postgres"
    # 15 + 10 connections: under PC001's floor.
    assert {f["rule"] for f in data["findings"] if f["pool"] == server} >= {"PC001"}


# -- aiohttp and asyncpg, a settings module of env helpers, and one .env per environment ---------
# app/settings.py: DB_POOL_MAX = env_int("DB_POOL_MAX", 10), a one-return helper over os.environ;
# app/db.py: asyncpg.create_pool(settings.DATABASE_URL, ..) in a cleanup context; a developer's
# .env, a .env.production and a .env.test that disagree.


def test_asyncpg_settings_module_helpers_and_disagreeing_env_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = checked("aiohttp_asyncpg_env_files", tmp_path, monkeypatch)
    [pool] = document(report)["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["database"]) == (
        "app/db.py",
        8,
        "asyncpg",
        "postgres",
    )
    settings = pool["settings"]
    # The production file's value is the one the rules judge; the others stay on the setting.
    assert provenance(settings["max_connections"]) == (
        30,
        "env",
        "DB_POOL_MAX",
        "env DB_POOL_MAX",
        ".env.production:4",
    )
    assert {
        (d["value"], d["defined_at"], d["kind"], d["used"]) for d in settings["max_connections"]["declared"]
    } == {
        ("5", ".env:2", "development", False),
        ("30", ".env.production:4", "deployment", True),
        ("2", ".env.test:2", "test", False),
    }
    assert provenance(settings["min_connections"]) == (
        4,
        "env",
        "DB_POOL_MIN",
        "env DB_POOL_MIN",
        ".env.production:3",
    )
    assert (settings["idle_timeout"]["value"], settings["idle_timeout"]["source"]) == (300, "explicit")
    assert rules(report) == {"PC001"}


# -- A project module that re-exports its optional driver (try/except ImportError) ---------------
# inventory/compat.py: `try: from sqlalchemy.ext import asyncio as sqlalchemy_asyncio` / `except
# ImportError: sqlalchemy_asyncio = None`; inventory/db.py builds the engine through it from
# inventory/constants.py.


def test_a_library_re_exported_by_a_compat_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [pool] = document(checked("compat_reexport", tmp_path, monkeypatch))["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["database"]) == (
        "inventory/db.py",
        4,
        "sqlalchemy",
        "postgres",
    )
    settings = pool["settings"]
    parts = settings["max_connections"]["parts"]
    assert (parts["pool_size"]["value"], parts["pool_size"]["source"], parts["pool_size"]["defined_at"]) == (
        15,
        "constant",
        "inventory/constants.py:2",
    )
    assert (settings["max_lifetime"]["value"], settings["max_lifetime"]["defined_at"]) == (
        1800,
        "inventory/constants.py:4",
    )
    assert settings["acquire_timeout"]["value"] == 10


# -- Rust: actix-web and sqlx, a #[serde(default)] struct with impl Default, the config crate ----
# src/settings.rs: Settings { database: DatabaseSettings } loaded with
# Environment::with_prefix("APP").prefix_separator("_").separator("__"); the Kubernetes
# Deployment sets APP_DATABASE__MAX_CONNECTIONS.


def test_config_crate_variables_over_an_impl_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = checked("actix_config_crate_defaults", tmp_path, monkeypatch)
    [pool] = document(report)["pools"]
    assert (pool["path"], pool["line"], pool["library"], pool["database"]) == (
        "src/main.rs",
        21,
        "sqlx",
        "postgres",
    )
    settings = pool["settings"]
    assert provenance(settings["max_connections"]) == (
        12,
        "env",
        "APP_DATABASE__MAX_CONNECTIONS",
        "env APP_DATABASE__MAX_CONNECTIONS",
        "deploy/deployment.yaml:25",
    )
    assert settings["max_connections"]["declared"][0]["how"] == "Kubernetes env"
    # Declared nowhere: impl Default's value, where it is written.
    assert provenance(settings["min_connections"]) == (
        0,
        "env-default",
        "APP_DATABASE__MIN_CONNECTIONS",
        None,
        "src/settings.rs:25",
    )
    assert provenance(settings["acquire_timeout"])[:2] + provenance(settings["acquire_timeout"])[4:] == (
        3.0,
        "env-default",
        "src/settings.rs:26",
    )
    assert (settings["max_lifetime"]["value"], settings["max_lifetime"]["defined_at"]) == (
        1800.0,
        "src/settings.rs:27",
    )
    assert rules(report) == {"PC001", "PC005"}
