"""Environment values declared in the repository (.env, compose, Kubernetes) feed the settings that
read them: the deployment's value over the code's default, every value kept with its file and line."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import jsonschema

from poolcheck.capacity.read import read_declarations
from poolcheck.capacity.sources import declarations, is_candidate
from poolcheck.cards.content import build_cards
from poolcheck.emit.json import render
from poolcheck.emit.todo import render as render_cards
from poolcheck.model import Report
from poolcheck.pipeline import RunSettings, run

ROOT = Path(__file__).resolve().parents[1]

# The full-stack FastAPI layout: backend/app/core/db.py, a compose file at the root whose backend
# service is built from ./backend, and a developer's backend/.env.
ENGINE = """\
    import os

    from sqlmodel import Session
    from sqlalchemy import create_engine

    from app.core.config import settings

    engine = create_engine(
        str(settings.SQLALCHEMY_DATABASE_URI),
        pool_size=int(os.getenv("DB_POOL_SIZE", "10")),
        max_overflow=int(os.getenv("DB_MAX_OVERFLOW", "0")),
        pool_timeout=30,
        pool_recycle=1800,
        pool_pre_ping=True,
    )
"""
COMPOSE = """\
    services:
      db:
        image: postgres:17
        command: postgres -c max_connections=100
        env_file:
          - .env
      backend:
        image: "${DOCKER_IMAGE_BACKEND?Variable not set}:${TAG-latest}"
        build:
          context: ./backend
        depends_on:
          - db
        env_file:
          - .env
        environment:
          - POSTGRES_SERVER=db
          - DB_POOL_SIZE=200
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def checked(root: Path) -> Report:
    return run([root], RunSettings(read_versions=False))


def pool_size(report: Report) -> dict:  # type: ignore[type-arg]
    data = json.loads(render(report))
    (pool,) = data["pools"]
    return pool["settings"]["max_connections"]["parts"]["pool_size"]  # type: ignore[no-any-return]


def test_compose_environment_of_the_service_beats_the_code_default_and_the_dev_env(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/app/core/db.py": ENGINE,
            "docker-compose.yml": COMPOSE,
            ".env": "DOMAIN=localhost\nPOSTGRES_PASSWORD=changethis\n",
            "backend/.env": "# local development\nDB_POOL_SIZE=5\n",
        },
    )
    report = checked(tmp_path)
    setting = pool_size(report)
    assert (setting["value"], setting["source"], setting["via"]) == (200, "env", "env DB_POOL_SIZE")
    assert setting["defined_at"].endswith("docker-compose.yml:17")
    declared = {(d["value"], d["kind"], d["service"], d["used"]) for d in setting["declared"]}
    assert declared == {("200", "deployment", "backend", True), ("5", "development", None, False)}
    # The rules judge the deployment's 200: 200 of the server's 97 available.
    assert "PC010" in {f.rule for f in report.findings}
    jsonschema.validate(
        json.loads(render(report)), json.loads((ROOT / "docs/report.schema.json").read_text())
    )


def test_a_variable_declared_nowhere_keeps_the_code_default(tmp_path: Path) -> None:
    compose = COMPOSE.replace("          - DB_POOL_SIZE=200\n", "")
    write(tmp_path, {"backend/app/core/db.py": ENGINE, "docker-compose.yml": compose, ".env": "TAG=1\n"})
    report = checked(tmp_path)
    setting = pool_size(report)
    assert (setting["value"], setting["source"], setting["defined_at"], setting["declared"]) == (
        10,
        "env-default",
        None,
        None,
    )
    assert "PC010" not in {f.rule for f in report.findings}


def test_env_file_of_the_service_and_compose_interpolation(tmp_path: Path) -> None:
    compose = COMPOSE.replace("DB_POOL_SIZE=200", "DB_POOL_SIZE=${DB_POOL_SIZE:-20}")
    write(
        tmp_path,
        {
            "backend/app/core/db.py": ENGINE,
            "docker-compose.yml": compose,
            ".env": "DB_POOL_SIZE=60\nDB_MAX_OVERFLOW=15 # burst\n",
        },
    )
    report = checked(tmp_path)
    data = json.loads(render(report))
    parts = data["pools"][0]["settings"]["max_connections"]["parts"]
    # ${DB_POOL_SIZE:-20} takes the .env beside the compose file, as compose interpolates it.
    assert (parts["pool_size"]["value"], parts["pool_size"]["source"]) == (60, "env")
    assert parts["max_overflow"]["value"] == 15
    assert parts["max_overflow"]["declared"][0]["how"] == "docker-compose env_file .env"
    assert data["pools"][0]["settings"]["max_connections"]["value"] == 75


def test_only_the_service_that_runs_the_code_gives_it_its_value(tmp_path: Path) -> None:
    compose = COMPOSE + textwrap.indent(
        textwrap.dedent(
            """\
            worker:
              build:
                context: ./worker
              environment:
                DB_POOL_SIZE: 2
            """
        ),
        "      ",
    )
    write(tmp_path, {"backend/app/core/db.py": ENGINE, "docker-compose.yml": compose})
    setting = pool_size(checked(tmp_path))
    assert setting["value"] == 200
    assert {(d["value"], d["service"]) for d in setting["declared"]} == {("200", "backend"), ("2", "worker")}


def test_kubernetes_env_and_a_config_map_through_env_from(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "orders/app/db.py": ENGINE,
            "deploy/orders.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: orders
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - name: api
                          image: registry.example.com/shop/orders:1.4
                          envFrom:
                            - configMapRef:
                                name: orders-config
                          env:
                            - name: DB_MAX_OVERFLOW
                              value: "5"
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: orders-config
                data:
                  DB_POOL_SIZE: "40"
                  LOG_LEVEL: info
            """,
        },
    )
    data = json.loads(render(checked(tmp_path)))
    parts = data["pools"][0]["settings"]["max_connections"]["parts"]
    assert (parts["pool_size"]["value"], parts["pool_size"]["source"]) == (40, "env")
    assert parts["pool_size"]["defined_at"].endswith("deploy/orders.yaml:24")
    assert parts["pool_size"]["declared"][0]["how"] == "Kubernetes ConfigMap orders-config via envFrom"
    assert parts["pool_size"]["declared"][0]["service"] == "orders"
    assert parts["max_overflow"]["value"] == 5
    assert parts["max_overflow"]["defined_at"].endswith("deploy/orders.yaml:17")


def test_a_rust_duration_in_milliseconds_reads_the_declared_value_in_its_unit(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/db.rs": """\
                use sqlx::postgres::PgPoolOptions;
                use std::time::Duration;

                pub async fn pool(url: &str) -> sqlx::Result<sqlx::PgPool> {
                    PgPoolOptions::new()
                        .max_connections(std::env::var("DB_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(10))
                        .acquire_timeout(Duration::from_millis(
                            std::env::var("DB_ACQUIRE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000),
                        ))
                        .connect(url)
                        .await
                }
            """,
            ".env": "DB_MAX=25\nDB_ACQUIRE_MS=500\n",
            ".env.example": "DB_MAX=10\n",
        },
    )
    data = json.loads(render(checked(tmp_path)))
    settings = data["pools"][0]["settings"]
    assert (settings["max_connections"]["value"], settings["acquire_timeout"]["value"]) == (25, 0.5)
    # The example is shown, never used.
    assert {(d["value"], d["kind"], d["used"]) for d in settings["max_connections"]["declared"]} == {
        ("25", "development", True),
        ("10", "example", False),
    }


def test_the_card_shows_every_declared_value_and_the_one_used(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/app/core/db.py": ENGINE.replace("pool_recycle=1800,\n", ""),
            "docker-compose.yml": COMPOSE,
            "backend/.env": "DB_POOL_SIZE=5\n",
        },
    )
    text = render_cards(build_cards(checked(tmp_path), lambda path: {}, date(2026, 1, 1)))
    assert "**Environment declared in the repository**" in text
    assert (
        "- `DB_POOL_SIZE=200` at" in text
        and "(docker-compose environment of backend, deployment): **used**" in text
    )
    assert "- `DB_POOL_SIZE=5` at" in text and "(env file, development)\n" in text


def test_system_files_are_read_for_variables_only_when_a_pool_reads_one(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DB_POOL_SIZE=5\n")
    assert not is_candidate(".env", env.read_bytes())
    assert is_candidate(".env", env.read_bytes(), frozenset({"DB_POOL_SIZE"}))
    assert read_declarations([str(env)]).environment == ()
    (found,) = read_declarations([str(env)], frozenset({"DB_POOL_SIZE"})).environment
    assert (found.value, found.line, found.kind) == ("5", 1, "development")


def test_a_helm_chart_whose_template_maps_a_variable_to_its_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "orders/app/db.py": ENGINE,
            "charts/orders/Chart.yaml": "apiVersion: v2\nname: orders\nversion: 0.1.0\n",
            "charts/orders/values.yaml": """\
                replicaCount: 2
                image:
                  repository: registry.example.com/shop/orders
                  tag: "1.4"
                database:
                  poolSize: 30
                  maxOverflow: 0
            """,
            "charts/orders/templates/deployment.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ include "orders.fullname" . }}
                spec:
                  replicas: {{ .Values.replicaCount }}
                  template:
                    spec:
                      containers:
                        - name: {{ .Chart.Name }}
                          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                          env:
                            - name: DB_POOL_SIZE
                              value: {{ .Values.database.poolSize | quote }}
                            - name: DB_MAX_OVERFLOW
                              value: "{{ .Values.database.maxOverflow }}"
            """,
        },
    )
    report = checked(tmp_path)
    parts = json.loads(render(report))["pools"][0]["settings"]["max_connections"]["parts"]
    assert (parts["pool_size"]["value"], parts["pool_size"]["source"]) == (30, "env")
    assert parts["pool_size"]["defined_at"].endswith("charts/orders/values.yaml:6")
    assert parts["pool_size"]["declared"][0]["how"] == "Helm values database.poolSize via deployment.yaml"
    assert parts["max_overflow"]["value"] == 0
    # The template's Go actions are not reported as YAML it could not read.
    assert not [e for e in report.errors if "templates" in e.path]


def test_an_env_file_of_any_name_named_by_the_service(tmp_path: Path) -> None:
    compose = COMPOSE.replace(
        "          - .env\n        environment:", "          - ./config/backend\n        environment:"
    )
    compose = compose.replace("          - DB_POOL_SIZE=200\n", "")
    write(
        tmp_path,
        {
            "backend/app/core/db.py": ENGINE,
            "docker-compose.yml": compose,
            "config/backend": "DB_POOL_SIZE=45\n",
        },
    )
    setting = pool_size(checked(tmp_path))
    assert (setting["value"], setting["declared"][0]["how"]) == (
        45,
        "docker-compose env_file ./config/backend",
    )


def test_pc001_judges_the_deployment_value_and_the_card_says_where_to_change_it(tmp_path: Path) -> None:
    compose = COMPOSE.replace("command: postgres -c max_connections=100", "command: postgres")
    engine = ENGINE.replace('"DB_POOL_SIZE", "10"', '"DB_POOL_SIZE", "60"')  # above PC001's floor of 50
    write(tmp_path, {"backend/app/core/db.py": engine, "docker-compose.yml": compose.replace("=200", "=2")})
    report = checked(tmp_path)
    (finding,) = [f for f in report.findings if f.rule == "PC001"]
    assert "max_connections is pool_size 2 (env DB_POOL_SIZE; declared at docker-compose.yml:17" in (
        finding.message.replace(str(tmp_path) + "/", "")
    )
    text = render_cards(build_cards(report, lambda path: {}, date(2026, 1, 1)))
    assert "or set `DB_POOL_SIZE` there instead." in text
    # Declared nowhere, the code's 60 passes the same rule.
    write(tmp_path, {"docker-compose.yml": compose.replace("          - DB_POOL_SIZE=200\n", "")})
    assert "PC001" not in {f.rule for f in checked(tmp_path).findings}


def test_pydantic_settings_fields_take_the_compose_value_of_their_variable(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/app/core/config.py": """\
                from pydantic_settings import BaseSettings, SettingsConfigDict


                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(
                        env_file="../.env", env_ignore_empty=True, extra="ignore"
                    )
                    POSTGRES_SERVER: str
                    DB_POOL_SIZE: int = 10
                    DB_MAX_OVERFLOW: int = 0


                settings = Settings()  # type: ignore
            """,
            "backend/app/core/db.py": """\
                from sqlmodel import create_engine

                from app.core.config import settings

                engine = create_engine(
                    str(settings.SQLALCHEMY_DATABASE_URI),
                    pool_size=settings.DB_POOL_SIZE,
                    max_overflow=settings.DB_MAX_OVERFLOW,
                )
            """,
            "docker-compose.yml": COMPOSE,
            ".env": "POSTGRES_SERVER=localhost\nDB_POOL_SIZE=5\nDB_MAX_OVERFLOW=3\n",
        },
    )
    data = json.loads(render(checked(tmp_path)))
    (pool,) = data["pools"]
    parts = pool["settings"]["max_connections"]["parts"]
    # compose's environment: beats the env_file: .env it also names, and both beat the field defaults.
    assert [(parts[k]["value"], parts[k]["source"]) for k in ("pool_size", "max_overflow")] == [
        (200, "env"),
        (3, "env"),
    ]
    assert {(d["value"], d["used"]) for d in parts["pool_size"]["declared"]} == {("200", True), ("5", False)}


def test_an_env_file_outside_the_tree_checked_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "home" / "credentials"
    write(tmp_path, {"home/credentials": "DB_POOL_SIZE=77\n"})
    project = tmp_path / "project"
    compose = COMPOSE.replace("          - DB_POOL_SIZE=200\n", "")
    compose = compose.replace(
        "          - .env\n        environment:",
        f"          - {outside}\n          - ../home/credentials\n          - linked\n        environment:",
    )
    write(project, {"backend/app/core/db.py": ENGINE, "docker-compose.yml": compose})
    (project / "linked").symlink_to(outside)
    assert str(outside) in (project / "docker-compose.yml").read_text()
    setting = pool_size(checked(project))
    assert (setting["value"], setting["declared"]) == (10, None)


HOSTILE = [
    "services:\n  a:\n    environment: [1, {x: 1}, DB_POOL_SIZE]\n    env_file: [{path: 3}, 4, null, {}]\n",
    "services:\n  a:\n    environment:\n      DB_POOL_SIZE: {a: 1}\n    env_file: {path: [x]}\n",
    "kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n"
    "        - env: [{name: 3}, {name: DB_POOL_SIZE}, {name: DB_POOL_SIZE, valueFrom: {configMapKeyRef:"
    " {name: 1, key: []}}}, {name: DB_POOL_SIZE, valueFrom: 3}]\n"
    "          envFrom: [1, {configMapRef: 2}, {configMapRef: {name: c}, prefix: 3}]\n",
    "kind: ConfigMap\nmetadata: {name: [1]}\ndata: {DB_POOL_SIZE: 1}\n",
    f"kind: ConfigMap\nmetadata: {{name: c}}\ndata: {{1: 2, DB_POOL_SIZE: {'9' * 5000}, b: {{c: d}}}}\n",
]


def test_hostile_shapes_are_read_without_a_crash_and_never_a_value(tmp_path: Path) -> None:
    for number, text in enumerate(HOSTILE):
        write(tmp_path / str(number), {"backend/app/core/db.py": ENGINE, "deploy/all.yaml": text})
        report = checked(tmp_path / str(number))
        assert pool_size(report)["value"] == 10, text
        assert not [e for e in report.errors if "internal error" in e.message]


def _cost(read: Callable[[], object]) -> float:
    """CPU seconds of ``read``, the least of three runs: only the ratio of two is compared."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        read()
        best = min(best, time.process_time() - start)
    return best


def test_an_env_line_of_blanks_before_a_hash_is_linear() -> None:
    # A comment was cut with a pattern that backtracked over the blanks: 100,000 of them took 11 s.
    wanted = frozenset({"DB_POOL_SIZE"})
    costs = [
        _cost(lambda n=n: declarations(".env", "DB_POOL_SIZE=1" + " " * n + "x #\n", wanted))
        for n in (200_000, 400_000)
    ]
    assert costs[1] < 3 * costs[0], costs


def test_pc010_says_where_the_size_it_counts_is_declared(tmp_path: Path) -> None:
    write(tmp_path, {"backend/app/core/db.py": ENGINE, "docker-compose.yml": COMPOSE})
    (finding,) = [f for f in checked(tmp_path).findings if f.rule == "PC010"]
    message = finding.message.replace(str(tmp_path) + "/", "")
    assert (
        "to fit, lower backend/app/core/db.py:8 to 97 (set by env DB_POOL_SIZE at docker-compose.yml:17)"
        in (message)
    )


def test_a_file_read_only_for_a_variable_is_no_error_when_it_is_not_yaml(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "backend/app/core/db.py": ENGINE,
            "ansible/roles/app/vars/env.yml": "{% if prod %}\nDB_POOL_SIZE: {{ pool }}\n{% endif %}\n",
        },
    )
    report = checked(tmp_path)
    assert report.errors == ()
    assert pool_size(report)["value"] == 10


def test_a_compose_override_is_a_developer_s_and_the_production_file_wins(tmp_path: Path) -> None:
    override = """\
        services:
          backend:
            environment:
              DB_POOL_SIZE: 3
    """
    write(
        tmp_path,
        {
            "backend/app/core/db.py": ENGINE,
            "docker-compose.yml": COMPOSE,
            "docker-compose.override.yml": override,
        },
    )
    setting = pool_size(checked(tmp_path))
    assert setting["value"] == 200
    assert {(d["value"], d["kind"], d["used"]) for d in setting["declared"]} == {
        ("200", "deployment", True),
        ("3", "development", False),
    }


# deadpool-postgres's own Config read by the config crate, as its README shows (PG__POOL__MAX_SIZE ...).
DEADPOOL_CONFIG_CRATE = """\
    use deadpool_postgres::Runtime;
    use serde::Deserialize;
    use tokio_postgres::NoTls;

    #[derive(Deserialize)]
    struct Config {
        pg: deadpool_postgres::Config,
    }

    impl Config {
        fn from_env() -> Result<Self, config::ConfigError> {
            config::Config::builder()
                .add_source(config::Environment::default().separator("__"))
                .build()?
                .try_deserialize()
        }
    }

    #[tokio::main]
    async fn main() {
        let cfg = Config::from_env().unwrap();
        let _pool = cfg.pg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap();
    }
"""


def test_a_serde_duration_adds_up_its_declared_secs_and_nanos(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/main.rs": DEADPOOL_CONFIG_CRATE,
            ".env": "PG__POOL__TIMEOUTS__WAIT__SECS=1\nPG__POOL__TIMEOUTS__CREATE__SECS=2\n",
            "docker-compose.yml": """\
                services:
                  api:
                    build: .
                    environment:
                      PG__POOL__TIMEOUTS__WAIT__SECS: "4"
                      PG__POOL__TIMEOUTS__WAIT__NANOS: "250000000"
            """,
        },
    )
    settings = json.loads(render(checked(tmp_path)))["pools"][0]["settings"]

    def where(defined_at: str) -> str:
        return defined_at.removeprefix(f"{tmp_path}/")

    wait = settings["acquire_timeout"]
    assert (wait["value"], wait["source"], where(wait["defined_at"])) == (4.25, "env", "docker-compose.yml:5")
    assert {name: (part["value"], where(part["defined_at"])) for name, part in wait["parts"].items()} == {
        "secs": (4, "docker-compose.yml:5"),
        "nanos": (0.25, "docker-compose.yml:6"),
    }
    # serde fails on a Duration without its nanos: the declared seconds alone are no value.
    create = settings["connect_timeout"]
    assert (create["value"], create["source"]) == (None, "dynamic")
    assert [where(d["defined_at"]) for d in create["parts"]["secs"]["declared"]] == [".env:2"]
    # A Duration none of whose variables is declared is one value set at run time, as before.
    assert (settings["recycle_timeout"]["source"], settings["recycle_timeout"]["parts"]) == ("dynamic", None)


# The FastAPI tutorial's database.py, kept for local SQLite runs, and a deployment's DATABASE_URL.
SQLITE_OR_SERVER = """\
    import os

    from sqlalchemy import create_engine

    SQLALCHEMY_DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./sql_app.db")

    if SQLALCHEMY_DATABASE_URL.startswith("sqlite"):
        engine = create_engine(SQLALCHEMY_DATABASE_URL, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(SQLALCHEMY_DATABASE_URL, pool_size=5, max_overflow=0)

    reports = create_engine(os.getenv("REPORTS_URL", "sqlite:///./reports.db"))
"""


def test_the_database_of_a_pool_is_the_one_its_url_s_declared_value_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/database.py": SQLITE_OR_SERVER,
            ".env": "DATABASE_URL=sqlite:///./dev.db\nREPORTS_URL=sqlite:///./reports.db\n",
            "docker-compose.yml": """\
                services:
                  api:
                    build: .
                    environment:
                      DATABASE_URL: postgresql+psycopg://app@db:5432/app
            """,
        },
    )
    report = checked(tmp_path)
    by_line = {pool.site.span.line: pool for pool in report.pools}
    # The SQLite branch stays SQLite; the server branch takes the deployment's PostgreSQL URL; the
    # reports engine is SQLite in every file that declares its URL: a real SQLite pool, not judged.
    assert {line: pool.site.database for line, pool in by_line.items()} == {
        8: "sqlite",
        10: "postgres",
        12: "sqlite",
    }
    assert {f.span.line for f in report.findings if f.rule == "PC001"} == {10}


def test_a_sqlite_value_leaves_the_branch_a_sqlite_test_excludes_of_no_known_database(tmp_path: Path) -> None:
    env = "DATABASE_URL=sqlite:///./dev.db\nREPORTS_URL=postgres://reports@db/reports\n"
    write(tmp_path, {"app/database.py": SQLITE_OR_SERVER, ".env": env})
    by_line = {pool.site.span.line: pool.site.database for pool in checked(tmp_path).pools}
    # The developer's SQLite runs the first branch, never the second, which no known value names;
    # the reports engine's SQLite default is not what the .env runs it with.
    assert by_line == {8: "sqlite", 10: "unknown", 12: "postgres"}


def test_a_wrapper_s_sqlite_branch_stays_sqlite_when_the_deployment_declares_a_server_url(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "app/db.py": """\
                import os

                from sqlalchemy import create_engine


                def get_engine(url: str):
                    if url.startswith("sqlite"):
                        engine = create_engine(url, connect_args={"check_same_thread": False})
                    else:
                        engine = create_engine(url, pool_size=10, max_overflow=0)
                    return engine


                engine = get_engine(os.getenv("DATABASE_URL", "sqlite:///./app.db"))
            """,
            "docker-compose.yml": """\
                services:
                  api:
                    build: .
                    environment:
                      DATABASE_URL: postgresql://app@db/app
            """,
        },
    )
    report = checked(tmp_path)
    assert sorted((pool.site.database, pool.site.wrapper_call) for pool in report.pools) == [
        ("postgres", True),
        ("sqlite", True),
    ]
    [server] = [index for index, pool in enumerate(report.pools) if pool.site.database == "postgres"]
    assert {f.pool for f in report.findings if f.rule == "PC001"} == {server}
