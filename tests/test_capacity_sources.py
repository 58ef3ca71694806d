"""Every form in which a repository declares its server's max_connections and its replicas."""

from __future__ import annotations

import textwrap

import pytest

from poolcheck.capacity.budget import budget, find_servers, replicas_for
from poolcheck.capacity.sources import Declarations, declarations, is_candidate
from poolcheck.model import ReplicaCount, Server


def limits(path: str, text: str) -> list[tuple[str, int, int, str]]:
    found = declarations(path, textwrap.dedent(text))
    return [(s.name, s.value, s.line, s.how) for s in found.settings]


def test_postgresql_conf() -> None:
    conf = """
        # max_connections = 500   (commented out)
        max_connections = 250                   # (change requires restart)
        superuser_reserved_connections = 5
        shared_buffers = 128MB
    """
    assert limits("deploy/postgresql.conf", conf) == [
        ("max_connections", 250, 3, "postgresql.conf"),
        ("superuser_reserved_connections", 5, 4, "postgresql.conf"),
    ]


@pytest.mark.parametrize(
    "command",
    [
        "command: postgres -c max_connections=150 -c shared_buffers=256MB",
        'command: ["postgres", "-c", "max_connections=150"]',
        "command:\n      - postgres\n      - -c\n      - max_connections=150",
        "command: >\n      postgres\n      -c max_connections=150\n      -c log_statement=all",
        'command: postgres -c "max_connections=${PG_MAX_CONNECTIONS:-150}"',
        "command: postgres -c max_connections=${PG_MAX_CONNECTIONS-150}",
    ],
    ids=["string", "flow list", "block list", "folded", "env default quoted", "env default"],
)
def test_compose_command_forms(command: str) -> None:
    compose = f"""
services:
  db:
    image: postgres:16
    {command}
  app:
    build: ./app
"""
    found = declarations("docker-compose.yml", compose).settings
    assert [(s.name, s.value, s.how, s.server) for s in found] == [
        ("max_connections", 150, "docker-compose command", "db")
    ]
    assert "max_connections" in compose.splitlines()[found[0].line - 1]


def test_compose_environment_and_env_files() -> None:
    compose = """
services:
  db:
    image: bitnami/postgresql:16
    environment:
      - POSTGRESQL_USERNAME=app
      - POSTGRESQL_MAX_CONNECTIONS=300
  db2:
    image: quay.io/sclorg/postgresql-15-c9s
    environment:
      POSTGRESQL_MAX_CONNECTIONS: ${PG_MAX:-180}
"""
    assert [(s.value, s.line, s.server) for s in declarations("compose.yaml", compose).settings] == [
        (300, 7, "db"),
        (180, 11, "db2"),
    ]
    assert limits(".env", "POSTGRESQL_MAX_CONNECTIONS=400\n") == [
        ("max_connections", 400, 1, "environment file")
    ]


def test_alter_system_and_helm() -> None:
    sql = "ALTER SYSTEM SET max_connections = 350;\nalter system set superuser_reserved_connections to '4';\n"
    assert limits("db/init.sql", sql) == [
        ("max_connections", 350, 1, "ALTER SYSTEM"),
        ("superuser_reserved_connections", 4, 2, "ALTER SYSTEM"),
    ]
    values = """
        postgresql:
          primary:
            extendedConfiguration: |-
              max_connections = 220
              shared_buffers = 512MB
    """
    assert limits("charts/values.yaml", values) == [("max_connections", 220, 5, "Helm extendedConfiguration")]


@pytest.mark.parametrize(
    "sql",
    [
        "-- ALTER SYSTEM SET max_connections = 900;\n",
        "/* ALTER SYSTEM SET max_connections = 900; */\n",
        "/* outer /* nested */ ALTER SYSTEM SET max_connections = 900; */\n",
        "/* never closed\nALTER SYSTEM SET max_connections = 900;\n",
        "SELECT 'ALTER SYSTEM SET max_connections = 900';\n",
        "SELECT 'it''s ALTER SYSTEM SET max_connections = 900';\n",
        "SELECT E'\\' ALTER SYSTEM SET max_connections = 900';\n",
        "DO $$ BEGIN EXECUTE 'x'; END $$; SELECT $$ALTER SYSTEM SET max_connections = 900$$;\n",
        "SELECT $body$ $$ ALTER SYSTEM SET max_connections = 900; $$ $body$;\n",
        'SELECT 1 AS "ALTER SYSTEM SET max_connections = 900";\n',
        "SELECT '-- /* $$' AS x; -- ALTER SYSTEM SET max_connections = 900;\n",
    ],
    ids=[
        "line-comment",
        "block-comment",
        "nested-block-comment",
        "unclosed-block-comment",
        "string",
        "string-with-doubled-quote",
        "escape-string",
        "dollar-quoted",
        "tagged-dollar-quoted",
        "quoted-identifier",
        "comment-marks-inside-a-string",
    ],
)
def test_alter_system_in_a_comment_or_string_is_not_a_limit(sql: str) -> None:
    assert limits("db/init.sql", sql) == []


@pytest.mark.parametrize(
    ("sql", "value", "line"),
    [
        ("/* tuned for the load test */ ALTER SYSTEM SET max_connections = 250;", 250, 1),
        ("/* a\n   b */\n-- c\nALTER SYSTEM SET max_connections = 250;", 250, 4),
        ("ALTER SYSTEM SET max_connections TO 200;", 200, 1),
        ("ALTER SYSTEM SET max_connections = '200';", 200, 1),
        ("ALTER SYSTEM SET max_connections TO E'200';", 200, 1),
        ("ALTER SYSTEM SET max_connections = $$200$$;", 200, 1),
        ('ALTER SYSTEM SET "max_connections" = 200;', 200, 1),
        ("ALTER/* why */SYSTEM SET max_connections=200;", 200, 1),
        # A backslash ends nothing in a plain string: the string closes at the second quote.
        ("SELECT '\\'; ALTER SYSTEM SET max_connections = 300; -- '", 300, 1),
    ],
)
def test_alter_system_statement_forms_count(sql: str, value: int, line: int) -> None:
    assert limits("db/init.sql", sql) == [("max_connections", value, line, "ALTER SYSTEM")]


def test_alter_system_value_that_is_no_number_is_not_a_limit() -> None:
    sql = "ALTER SYSTEM SET max_connections TO DEFAULT;\nALTER SYSTEM SET max_connections = 'many';\n"
    assert limits("db/init.sql", sql) == []


@pytest.mark.parametrize(
    ("unit", "size", "after"),
    [
        ("/*", 5_000_000, []),  # one comment that never closes hides what follows
        ("'", 2_000_000, [900]),  # doubled quotes, closed by the last one
        ("'", 1_999_999, []),  # doubled quotes in a string that never closes
        ("'a", 2_000_000, [900]),  # many short strings
        ("E'\\", 2_000_000, [900]),
        ("$a", 2_000_000, [900]),
        ('"', 2_000_000, [900]),
        ("--", 2_000_000, [900]),
        ("/* ' $$ -- */\n", 2_000_000, [900]),
    ],
)
def test_hostile_sql_is_read_to_the_end(unit: str, size: int, after: list[int]) -> None:
    # Megabytes of openers: a backtracking pattern would not return; the lexer reads them once.
    sql = unit * (size // len(unit)) + "\nALTER SYSTEM SET max_connections = 900;\n"
    assert [s.value for s in declarations("db/hostile.sql", sql).settings] == after


def test_replicas_from_compose_and_kubernetes() -> None:
    compose = """
services:
  orders:
    build: ./services/orders
    deploy:
      replicas: 3
  worker:
    build:
      context: ./services/worker
"""
    found = declarations("docker-compose.yml", compose).replicas
    assert [(r.service, r.count, r.build, r.line) for r in found] == [("orders", 3, "./services/orders", 6)]
    manifest = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
spec:
  replicas: 4
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/catalog-api:1.4
          env:
            - name: POSTGRESQL_MAX_CONNECTIONS
              value: "500"
---
apiVersion: v1
kind: Service
metadata:
  name: catalog
"""
    k8s = declarations("k8s/catalog.yaml", manifest)
    assert [(r.service, r.count, r.images, r.line) for r in k8s.replicas] == [
        ("catalog", 4, ("registry.example.com/shop/catalog-api:1.4",), 7)
    ]
    assert [s.value for s in k8s.settings] == [500]


def test_tying_replicas_to_code() -> None:
    compose = ReplicaCount(3, "deploy/docker-compose.yml", 6, "compose", "orders", build="../services/orders")
    k8s = ReplicaCount(
        4, "k8s/catalog.yaml", 7, "Kubernetes Deployment", "catalog", images=("shop/catalog-api:1",)
    )
    by_image = ReplicaCount(
        2, "k8s/billing.yaml", 7, "Kubernetes Deployment", "billing-deploy", images=("billing:2",)
    )
    declared = [compose, k8s, by_image]
    assert replicas_for("services/orders/src/db.rs", declared) is compose
    assert replicas_for("catalog/app/db.py", declared) is k8s
    assert replicas_for("billing/db.py", declared) is by_image
    assert replicas_for("services/reports/db.py", declared) is None


def test_server_found_given_or_assumed() -> None:
    declared = declarations("postgresql.conf", "max_connections = 120\nreserved_connections = 2\n")
    (server,) = find_servers(declared, None, assume_default=False)
    assert (server.max_connections, server.reserved, server.available, server.scope) == (120, 5, 115, "")
    assert server.where == "postgresql.conf:1 (postgresql.conf)"
    assert find_servers(Declarations(), None, assume_default=False) == []
    (assumed,) = find_servers(Declarations(), None, assume_default=True)
    assert (assumed.max_connections, assumed.available) == (100, 97)
    (given,) = find_servers(declared, 300, assume_default=False)
    assert given.max_connections == 300


def test_a_compose_server_serves_the_code_beside_it() -> None:
    compose = "services:\n  db:\n    command: postgres -c max_connections=50\n"
    declared = declarations("shop/docker-compose.yml", compose)
    (server,) = find_servers(declared, None, assume_default=False)
    assert server.scope == "shop"


def test_candidates_are_decided_on_bytes() -> None:
    assert is_candidate("docker-compose.yml", b"command: postgres -c max_connections=5")
    assert not is_candidate("docker-compose.yml", b"services: {}")
    assert not is_candidate("notes.md", b"max_connections")
    assert declarations("broken.yaml", "services: [unclosed").settings == ()


def test_budget_counts_replicas_and_lists_unknown_maxima(snippets) -> None:  # type: ignore[no-untyped-def]
    pools = snippets.pools(
        """
        async fn a(u: &str) { let p = PgPoolOptions::new().max_connections(40).connect(u).await; }
        async fn b(u: &str) { let p = PgPoolOptions::new().max_connections(cfg.max).connect(u).await; }
        async fn c(u: &str) { let p = MySqlPoolOptions::new().max_connections(90).connect(u).await; }
        """
    )
    site_path = pools[0].site.path
    replicas = ReplicaCount(3, "docker-compose.yml", 1, "compose", "svc", build=".")
    result = budget(Server(100, 3, "here"), pools, Declarations((), (replicas,)))
    assert [(d.maximum, d.replicas) for d in result.demands] == [(40, 3), (None, 3)]
    assert (result.total, len(result.unknown), result.exceeded) == (120, 1, True)
    assert site_path  # the snippet's pools are tied through the build context "."


def test_postgresql_conf_names_ignore_case_and_values_may_be_quoted() -> None:
    conf = "MAX_CONNECTIONS = '250'\nSuperuser_Reserved_Connections 5\n"
    assert limits("postgresql.conf", conf) == [
        ("max_connections", 250, 1, "postgresql.conf"),
        ("superuser_reserved_connections", 5, 2, "postgresql.conf"),
    ]
