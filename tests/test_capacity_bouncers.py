"""PgBouncer in front of PostgreSQL: both hops of PC010, from pgbouncer.ini and from the images' environment."""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree

from poolcheck.capacity.bouncers import read_ini, server_pools_for
from poolcheck.model import Budget, Report
from poolcheck.pipeline import RunSettings, run

ENGINE = (
    "import os\nfrom sqlalchemy import create_engine\n\n"
    'engine = create_engine(os.environ["DATABASE_URL"], pool_size=20, max_overflow=10, pool_timeout=5)\n'
)
# edoburu/pgbouncer in front of the database; the API reaches the bouncer by its service name.
COMPOSE = """\
services:
  db:
    image: postgres:16
    command: postgres -c max_connections=100
  pgbouncer:
    image: edoburu/pgbouncer:1.23.1
    environment:
      DB_HOST: db
      DB_NAME: shop
      POOL_MODE: transaction
      MAX_CLIENT_CONN: "200"
      DEFAULT_POOL_SIZE: "40"
  api:
    build: ./api
    environment:
      DATABASE_URL: postgresql://shop:${DB_PASSWORD}@pgbouncer:5432/shop
    deploy:
      replicas: 4
  reports:
    build: ./reports
    environment:
      - DATABASE_URL=postgresql://reports@db:5432/shop
"""
INI = """\
;; pgbouncer.ini as deployed beside the database
[databases]
shop = host=10.0.0.5 port=5432 dbname=shop pool_size=30
analytics = host=10.0.0.5 dbname=analytics

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
reserve_pool_size = 5
"""


def budgets(report: Report) -> tuple[Budget, Budget]:
    server = next(b for b in report.capacity if b.server.bouncer is None)
    bouncer = next(b for b in report.capacity if b.server.bouncer is not None)
    return server, bouncer


def test_pools_behind_the_bouncer_count_against_its_clients_and_it_against_the_server(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path, {"docker-compose.yml": COMPOSE, "api/app/db.py": ENGINE, "reports/db.py": ENGINE}
    )
    report = run([root], RunSettings())
    server, bouncer = budgets(report)
    # The server: the reports service directly (30) and the bouncer's 40 for its one database.
    assert [d.pool.site.path.rsplit("/", 2)[-2] for d in server.demands] == ["reports"]
    assert [b.server_connections for b in server.bouncers] == [40]
    assert (server.total, server.exceeded) == (70, False)
    # The bouncer: 4 replicas of the API's 30, against max_client_conn 200.
    assert (bouncer.server.max_connections, bouncer.total, bouncer.exceeded) == (200, 120, False)
    assert [f.rule for f in report.findings if f.rule == "PC010"] == []


def test_each_hop_that_is_exceeded_is_a_finding(tmp_path: Path) -> None:
    crowded = COMPOSE.replace('MAX_CLIENT_CONN: "200"', 'MAX_CLIENT_CONN: "100"').replace(
        'DEFAULT_POOL_SIZE: "40"', 'DEFAULT_POOL_SIZE: "90"'
    )
    root = write_tree(
        tmp_path, {"docker-compose.yml": crowded, "api/app/db.py": ENGINE, "reports/db.py": ENGINE}
    )
    messages = sorted(f.message for f in run([root], RunSettings()).findings if f.rule == "PC010")
    assert len(messages) == 2
    client, server = messages
    assert client.startswith("the pools behind PgBouncer may open 30 x 4 replicas")
    assert "= 120 client connections, above its max_client_conn 100" in client
    assert "edoburu/pgbouncer:1.23.1 environment in docker-compose" in client
    assert "90 from PgBouncer (default_pool_size 90" in server and "= 120 connections, above the 97" in server


def test_pgbouncer_ini_counts_each_database_with_its_pool_size_and_the_reserve(tmp_path: Path) -> None:
    bouncer, problems = read_ini("deploy/pgbouncer.ini", INI)
    assert problems == [] and bouncer is not None
    assert (bouncer.listen_port, bouncer.max_client_conn, bouncer.default_pool_size) == (6432, 500, 10)
    assert [(d.name, d.pool_size) for d in bouncer.databases] == [("shop", 30), ("analytics", None)]
    assert bouncer.server_connections == (30 + 5) + (10 + 5)
    # A service reaches it by its port: the code's URL names port 6432.
    engine = ENGINE.replace('os.environ["DATABASE_URL"]', '"postgresql://shop@bouncer.internal:6432/shop"')
    root = write_tree(
        tmp_path,
        {
            "deploy/pgbouncer.ini": INI,
            "deploy/postgresql.conf": "max_connections = 60\n",
            "app/db.py": engine,
        },
    )
    server, client = budgets(run([root], RunSettings()))
    assert server.demands == () and server.total == 50 and not server.exceeded
    assert [d.pool.site.path.endswith("app/db.py") for d in client.demands] == [True]


def test_defaults_and_bad_values_in_pgbouncer_ini() -> None:
    bouncer, problems = read_ini("pgbouncer.ini", "[pgbouncer]\nmax_client_conn = lots\nauth_type = md5\n")
    assert bouncer is not None and (bouncer.max_client_conn, bouncer.default_pool_size) == (100, 20)
    assert problems == [(2, "max_client_conn 'lots' is not a count; PgBouncer's default is used")]
    assert bouncer.server_connections == 20  # no database listed: one, at the default size
    assert read_ini("other.ini", "[server]\nport = 1\n") == (None, [])


def test_a_url_to_the_server_itself_is_not_behind_the_bouncer(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"docker-compose.yml": COMPOSE, "reports/db.py": ENGINE})
    server, bouncer = budgets(run([root], RunSettings()))
    assert len(server.demands) == 1 and bouncer.demands == ()


def test_a_bouncer_deployed_on_kubernetes_is_read_from_its_container_env(tmp_path: Path) -> None:
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pgbouncer\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: pgbouncer\n          image: bitnami/pgbouncer:1.23.1\n"
        "          env:\n            - name: PGBOUNCER_MAX_CLIENT_CONN\n              value: '150'\n"
        "            - name: PGBOUNCER_DEFAULT_POOL_SIZE\n              value: '25'\n"
    )
    engine = ENGINE.replace('os.environ["DATABASE_URL"]', '"postgresql://app@pgbouncer:6432/shop"')
    root = write_tree(
        tmp_path,
        {"k8s/pgbouncer.yaml": manifest, "postgresql.conf": "max_connections = 100\n", "app/db.py": engine},
    )
    server, client = budgets(run([root], RunSettings()))
    assert (client.server.max_connections, server.total, server.demands) == (150, 25, ())
    assert [d.pool.site.path.endswith("app/db.py") for d in client.demands] == [True]


def compose_with_users(*users: str, bouncer_env: str = "") -> dict[str, str]:
    """A bouncer (edoburu's image, one database) and a service per user connecting through it."""
    services = "".join(
        f"  {user}:\n    build: ./{user}\n    environment:\n"
        f"      DATABASE_URL: postgresql://{user}:secret@pgbouncer:5432/shop\n"
        for user in users
    )
    compose = (
        "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=100\n"
        "  pgbouncer:\n    image: edoburu/pgbouncer:1.23.1\n    environment:\n      DB_HOST: db\n"
        f'      DB_NAME: shop\n      DEFAULT_POOL_SIZE: "20"\n{bouncer_env}' + services
    )
    return {"docker-compose.yml": compose, **{f"{user}/app/db.py": ENGINE for user in users}}


def test_each_user_the_services_connect_as_gets_its_own_server_pool(tmp_path: Path) -> None:
    # edoburu writes auth_user=, not user=: PgBouncer logs in as each client's user, a pool each.
    server, _ = budgets(run([write_tree(tmp_path, compose_with_users("orders", "billing"))], RunSettings()))
    (bouncer,) = server.bouncers
    assert sorted(bouncer.pairs) == [("shop", "billing"), ("shop", "orders")]
    assert (bouncer.pairs_counted, bouncer.server_connections, server.total) == (2, 40, 40)


def test_one_pool_per_database_when_no_user_is_known_or_the_user_is_forced(tmp_path: Path) -> None:
    files = compose_with_users("orders", "billing")
    unknown = (
        files["docker-compose.yml"]
        .replace("orders:secret@", "${DB_USER}@")
        .replace("billing:secret@", "${BILLING_USER}@")
    )
    server, _ = budgets(
        run([write_tree(tmp_path / "unknown", {**files, "docker-compose.yml": unknown})], RunSettings())
    )
    assert (server.bouncers[0].pairs_counted, server.total) == (1, 20)
    # bitnami's image writes user= into the database line when asked: every client shares one pool.
    bitnami = (
        files["docker-compose.yml"]
        .replace("edoburu/pgbouncer:1.23.1", "bitnami/pgbouncer:1.23.1")
        .replace("DB_NAME: shop", "PGBOUNCER_DATABASE: shop\n      PGBOUNCER_SET_DATABASE_USER: 'yes'")
        .replace('DEFAULT_POOL_SIZE: "20"', 'PGBOUNCER_DEFAULT_POOL_SIZE: "20"')
    )
    server, _ = budgets(
        run([write_tree(tmp_path / "forced", {**files, "docker-compose.yml": bitnami})], RunSettings())
    )
    assert (server.bouncers[0].pairs_counted, server.total) == (1, 20)


def test_pgbouncer_ini_pairs_per_database_with_a_forced_user_and_the_database_cap(tmp_path: Path) -> None:
    ini = INI.replace("analytics = host=10.0.0.5 dbname=analytics", "analytics = host=10.0.0.5 user=report")
    ini = ini.replace(
        "shop = host=10.0.0.5 port=5432 dbname=shop pool_size=30", "shop = host=10.0.0.5 pool_size=30"
    )
    code = {
        f"{user}/db.py": ENGINE.replace(
            'os.environ["DATABASE_URL"]', f'"postgresql://{user}@bouncer.internal:6432/{database}"'
        )
        for user, database in (("web", "shop"), ("jobs", "shop"), ("bi", "analytics"), ("etl", "analytics"))
    }
    files = {"deploy/pgbouncer.ini": ini, "deploy/postgresql.conf": "max_connections = 200\n", **code}
    server, _ = budgets(run([write_tree(tmp_path / "ini", files)], RunSettings()))
    (bouncer,) = server.bouncers
    # shop: web and jobs, a pool each of 30 + 5 reserve; analytics: user=report, one pool of 10 + 5.
    assert (bouncer.pairs_counted, bouncer.server_connections) == (3, 2 * 35 + 15)
    capped = ini.replace("reserve_pool_size = 5", "reserve_pool_size = 5\nmax_db_connections = 40")
    server, _ = budgets(
        run([write_tree(tmp_path / "capped", {**files, "deploy/pgbouncer.ini": capped})], RunSettings())
    )
    assert server.bouncers[0].server_connections == 40 + 15  # max_db_connections caps each database


def test_the_pools_a_bouncer_put_in_front_would_keep_are_counted_as_a_bouncer_counts_them() -> None:
    # The capacity card's PgBouncer option sizes default_pool_size by these: a URL whose user is not
    # known adds no pool beside a known user of the same database, and a database alone is one.
    assert server_pools_for((("shop", "orders"), ("shop", ""))) == 1
    assert server_pools_for((("shop", "orders"), ("shop", "billing"), ("bi", ""))) == 3
    assert server_pools_for(()) == 1
