"""Processes per replica and the worst case of replicas: workers, autoscalers and rolling updates in PC010.

Each system is written the way deployments write it: a FastAPI service under gunicorn with
uvicorn workers, a Django app with a Procfile, a Celery worker beside its web service, and
Kubernetes Deployments scaled by an HPA or KEDA.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from poolcheck.capacity.budget import surge_of
from poolcheck.capacity.processes import (
    command_workers,
    dockerfile_workers,
    gunicorn_config_workers,
    procfile_workers,
)
from poolcheck.model import Budget, Demand
from poolcheck.pipeline import RunSettings, run

ENGINE = (
    "from sqlalchemy.ext.asyncio import create_async_engine\n\n"
    "engine = create_async_engine(settings.database_url, pool_size=10, max_overflow=0, pool_timeout=5)\n"
)
RUST_POOL = (
    "use sqlx::postgres::PgPoolOptions;\n"
    "pub async fn pool(url: &str) -> sqlx::Result<sqlx::PgPool> {\n"
    "    PgPoolOptions::new().max_connections(10).connect(url).await\n}\n"
)
SERVER = "  db:\n    image: postgres:16\n    command: postgres -c max_connections=200\n"


def budget_of(root: Path) -> Budget:
    (found,) = run([root], RunSettings()).capacity
    return found


def demand_at(budget: Budget, suffix: str) -> Demand:
    return next(d for d in budget.demands if d.pool.site.path.endswith(suffix))


@pytest.mark.parametrize(
    ("command", "count", "written"),
    [
        ("gunicorn app.main:app -k uvicorn.workers.UvicornWorker -w 4 --bind 0.0.0.0:8000", 4, "-w 4"),
        ("gunicorn --workers=3 config.wsgi", 3, "--workers 3"),
        ("gunicorn -w4 app:app", 4, "-w 4"),
        ("uvicorn app.main:app --host 0.0.0.0 --workers 2", 2, "--workers 2"),
        (
            "sh -c 'alembic upgrade head && gunicorn -w ${WEB_CONCURRENCY:-5} app:app'",
            5,
            "-w ${WEB_CONCURRENCY:-5}",
        ),
        ("/venv/bin/hypercorn app:app --workers 6", 6, "--workers 6"),
        ("celery -A proj worker -l info --concurrency 8", 8, "--concurrency 8"),
        ("celery -A proj worker -P gevent -c 100", 1, "-P gevent"),
        ("celery -A proj worker -l info", None, "default"),  # one per CPU
        ("uvicorn app.main:app", 1, "default"),
    ],
)
def test_the_workers_a_command_starts(command: str, count: int | None, written: str) -> None:
    found = command_workers(command)
    assert found is not None and (found.count, found.written) == (count, written)


def test_commands_that_start_no_forking_server() -> None:
    for command in ("python manage.py migrate", "celery -A proj beat", "./server --port 8080", ""):
        assert command_workers(command) is None


def test_web_concurrency_is_the_default_of_gunicorn_and_uvicorn_only() -> None:
    assert command_workers("gunicorn app:app", environment=3).count == 3  # type: ignore[union-attr]
    assert command_workers(["uvicorn", "app:app"], environment=3).count == 3  # type: ignore[union-attr]
    assert command_workers("hypercorn app:app", environment=3).count == 1  # type: ignore[union-attr]
    assert command_workers("gunicorn -w 2 app:app", environment=3).count == 2  # type: ignore[union-attr]


def test_a_dockerfile_runs_its_last_stage_s_command_after_its_entrypoint() -> None:
    text = (
        'FROM python:3.12 AS build\nRUN pip wheel -w /wheels .\nCMD ["pytest"]\n'
        "FROM python:3.12-slim\nENV WEB_CONCURRENCY=3 PYTHONUNBUFFERED=1\n"
        'ENTRYPOINT ["gunicorn"]\n'
        'CMD ["--bind", "0.0.0.0:8000", \\\n     "app.main:app"]\n'
    )
    found = dockerfile_workers(text)
    assert found is not None and (found.line, found.workers.count, found.workers.written) == (
        7,
        3,
        "WEB_CONCURRENCY",
    )
    assert dockerfile_workers('FROM rust:1\nCMD ["./orders"]\n') is None


def test_procfile_and_gunicorn_configuration() -> None:
    procfile = "web: gunicorn config.wsgi --workers 3 --log-file -\nworker: celery -A config worker -c 2\n"
    assert [(line, kind, w.count) for line, kind, w in procfile_workers(procfile)] == [
        (1, "web", 3),
        (2, "worker", 2),
    ]
    assert gunicorn_config_workers(
        "import os\nbind = '0.0.0.0:8000'\nworkers = int(os.getenv('WEB_CONCURRENCY', '4'))\nthreads = 2\n"
    ) == (3, 4, 2)
    # Computed from the machine: not a count poolcheck can know.
    assert gunicorn_config_workers(
        "import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n"
    ) == (2, None, 1)
    assert gunicorn_config_workers("workers = (\n") is None


@pytest.mark.parametrize(
    ("written", "replicas", "surge"), [("25%", 3, 1), ("25%", 8, 2), ("1", 3, 1), ("0", 3, 0), ("50%", 5, 3)]
)
def test_a_rolling_update_s_surge_rounds_up_as_kubernetes_does(
    written: str, replicas: int, surge: int
) -> None:
    assert surge_of(written, replicas) == surge


def test_a_composed_service_s_workers_multiply_its_pool(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n"
                "  api:\n    build: ./api\n"
                "    command: gunicorn app.main:app -k uvicorn.workers.UvicornWorker -w 4\n"
                "    deploy:\n      replicas: 3\n" + SERVER.replace("200", "100")
            ),
            "api/app/db.py": ENGINE,
        },
    )
    budget = budget_of(root)
    demand = demand_at(budget, "api/app/db.py")
    assert (demand.maximum, demand.replicas, demand.processes, demand.connections) == (10, 3, 4, 120)
    assert (
        demand.processes_from is not None
        and demand.processes_from.how == "gunicorn -w in docker-compose command"
    )
    (finding,) = [f for f in run([root], RunSettings()).findings if f.rule == "PC010"]
    assert "10 x 3 replicas" in finding.message
    assert "x 4 processes (gunicorn -w in docker-compose command" in finding.message
    assert "= 120 connections, above the 97 it allows" in finding.message


def test_the_image_s_command_counts_when_the_service_has_none(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  api:\n    build: ./api\n    deploy:\n      replicas: 2\n"
            + SERVER,
            "api/Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app", "--workers", "8"]\n',
            "api/app/db.py": ENGINE,
            "orders/src/db.rs": RUST_POOL,
        },
    )
    budget = budget_of(root)
    demand = demand_at(budget, "api/app/db.py")
    assert (demand.replicas, demand.processes, demand.connections) == (2, 8, 160)
    assert demand.processes_from is not None and demand.processes_from.path.endswith("api/Dockerfile")
    # A Rust service is one process: no Python server's workers reach it.
    assert demand_at(budget, "orders/src/db.rs").processes == 1
    assert budget.total == 170 and not budget.exceeded


def test_a_procfile_s_command_wins_over_gunicorn_s_configuration_file(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "Procfile": "release: python manage.py migrate\nweb: gunicorn config.wsgi -w 6\n",
            "gunicorn.conf.py": "workers = 2\n",
            "postgresql.conf": "max_connections = 50\n",
            "app/db.py": ENGINE,
        },
    )
    demand = demand_at(budget_of(root), "app/db.py")
    assert (demand.processes, demand.connections) == (6, 60)
    assert demand.processes_from is not None and demand.processes_from.how == "gunicorn -w in Procfile web"
    (tmp_path / "Procfile").write_text("web: gunicorn config.wsgi\n")  # no flag: the file's 2
    demand = demand_at(budget_of(root), "app/db.py")
    assert demand.processes_from is not None and demand.processes_from.how == "gunicorn.conf.py workers"
    assert demand.processes == 2


def test_an_autoscaler_s_maximum_and_the_surge_are_the_worst_case(tmp_path: Path) -> None:
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: catalog\nspec:\n  replicas: 2\n"
        "  template:\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/shop/catalog:1.4\n"
        "          command: [gunicorn]\n          args: [catalog.wsgi, --workers, '3']\n"
    )
    hpa = (
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: catalog\n"
        "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: catalog\n"
        "  minReplicas: 2\n  maxReplicas: 6\n"
    )
    root = write_tree(
        tmp_path,
        {
            "k8s/catalog.yaml": deployment + "---\n" + hpa,
            "k8s/postgres.yaml": "apiVersion: v1\nkind: ConfigMap\ndata:\n  POSTGRESQL_MAX_CONNECTIONS: '100'\n",
            "catalog/app/db.py": ENGINE,
        },
    )
    demand = demand_at(budget_of(root), "catalog/app/db.py")
    # 6 from the HPA, +2 during a rolling update (25% of 6, rounded up), 3 workers each.
    assert (demand.replicas, demand.surge, demand.processes, demand.connections) == (8, 2, 3, 240)
    assert (
        demand.scaled_by is not None
        and demand.scaled_by.how == "Kubernetes HorizontalPodAutoscaler maxReplicas"
    )
    (finding,) = [f for f in run([root], RunSettings()).findings if f.rule == "PC010"]
    assert (
        "10 x 8 replicas" in finding.message
        and "at most 6 by Kubernetes HorizontalPodAutoscaler" in finding.message
    )
    assert (
        "+2 during a rolling update (maxSurge 25%)" in finding.message and "x 3 processes" in finding.message
    )


def test_keda_s_default_maximum_and_a_recreate_strategy(tmp_path: Path) -> None:
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 1\n"
        "  strategy:\n    type: Recreate\n"
    )
    scaled = (
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: worker-scaler\n"
        "spec:\n  scaleTargetRef:\n    name: worker\n  triggers:\n    - type: rabbitmq\n"
    )
    root = write_tree(
        tmp_path,
        {
            "deploy/worker.yaml": deployment + "---\n" + scaled,
            "postgresql.conf": "max_connections = 500\n",
            "worker/db.py": ENGINE,
        },
    )
    demand = demand_at(budget_of(root), "worker/db.py")
    assert (demand.replicas, demand.surge, demand.connections) == (100, 0, 1000)
    assert (
        demand.scaled_by is not None
        and demand.scaled_by.how == "KEDA ScaledObject maxReplicaCount (default 100)"
    )


def test_celery_with_a_process_per_cpu_is_not_counted(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  worker:\n    build: ./worker\n    command: celery -A tasks worker -l info\n"
            + SERVER,
            "worker/tasks/db.py": ENGINE,
        },
    )
    budget = budget_of(root)
    demand = demand_at(budget, "worker/tasks/db.py")
    assert demand.processes is None and demand.connections is None
    assert budget.unknown == (demand,)


def test_a_pool_run_by_a_web_service_and_its_worker_counts_in_each(tmp_path: Path) -> None:
    # One image, two commands: the API under gunicorn, its tasks under Celery.
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n"
                "  web:\n    build: ./shop\n    command: gunicorn shop.wsgi -w 3\n    deploy:\n      replicas: 2\n"
                "  worker:\n    build: ./shop\n    command: celery -A shop worker --concurrency 4\n" + SERVER
            ),
            "shop/shop/db.py": ENGINE,
        },
    )
    budget = budget_of(root)
    per_service = sorted((d.replicas, d.processes, d.connections) for d in budget.demands)
    assert per_service == [(1, 4, 40), (2, 3, 60)]  # 10 x 1 x 4 (worker) and 10 x 2 x 3 (web)
    assert budget.total == 100
    (finding,) = [f for f in run([root], RunSettings()).findings if f.rule == "PC001"]
    # Its share: 10 x 197 / 100 = 19 per process, in both services together 19 x 10 = 190 of 197.
    assert "raise it to 19" in finding.message and "50 x 10" in finding.message


def test_django_without_a_pool_holds_a_connection_per_thread(tmp_path: Path) -> None:
    settings_py = (
        "DATABASES = {\n"
        '    "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "CONN_MAX_AGE": 60},\n'
        "}\n"
    )
    root = write_tree(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n  web:\n    build: ./shop\n"
                "    command: gunicorn shop.wsgi --workers 4 --threads 8\n    deploy:\n      replicas: 3\n"
                + SERVER.replace("200", "60")
            ),
            "shop/shop/settings.py": settings_py,
        },
    )
    budget = budget_of(root)
    (demand,) = budget.demands
    assert (demand.maximum, demand.replicas, demand.processes, demand.connections) == (8, 3, 4, 96)
    assert budget.exceeded  # 96 connections of 57: PC010
    assert command_workers("gunicorn app:app -w 2 --threads=4").threads == 4  # type: ignore[union-attr]
