"""``--server-url`` against a real PostgreSQL: its limit decides PC010, read-only, the password never shown."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import poolcheck_command
from pgserver import PostgresServer, ServerUnavailable, private_server

from realdb.conftest import unavailable

pytestmark = pytest.mark.postgres

COMPOSE = """\
services:
  db:
    image: postgres:16
    command: postgres -c max_connections=500
  orders:
    build: ./orders
    deploy:
      replicas: 2
"""
ENGINE = (
    "from sqlalchemy import create_engine\n\n"
    "engine = create_engine(DATABASE_URL, pool_size=30, max_overflow=0, pool_timeout=5, pool_recycle=1800,"
    " pool_pre_ping=True)\n"
)


@pytest.fixture(scope="module")
def small_server() -> Iterator[PostgresServer]:
    """A server of 40 connections (37 after the superuser's 3): two replicas of 30 do not fit."""
    try:
        with private_server(max_connections=40) as server:
            yield server
    except ServerUnavailable as error:
        unavailable(f"no private PostgreSQL server: {error}")


def project(tmp_path: Path) -> Path:
    (tmp_path / "orders" / "app").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "orders" / "app" / "db.py").write_text(ENGINE)
    return tmp_path


def poolcheck(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def test_the_running_server_s_limit_wins_over_the_declared_one(
    tmp_path: Path, small_server: PostgresServer
) -> None:
    root = project(tmp_path)
    declared = json.loads(poolcheck(root, "--format", "json", ".").stdout)
    assert declared["capacity"][0]["server"]["max_connections"] == 500
    assert not [f for f in declared["findings"] if f["rule"] == "PC010"]  # 60 fits in 497
    with psycopg.connect(small_server.conninfo(), application_name="orders-api"):  # one held open
        result = poolcheck(root, "--format", "json", "--server-url", small_server.url(), ".")
    found = json.loads(result.stdout)
    (budget,) = found["capacity"]
    assert (budget["server"]["max_connections"], budget["server"]["available"]) == (40, 37)
    assert budget["server"]["in_use"] == {"orders-api": 1}
    (finding,) = [f for f in found["findings"] if f["rule"] == "PC010"]
    assert f"the running server 127.0.0.1:{small_server.port}/{small_server.database}" in finding["message"]
    assert "30 x 2 replicas" in finding["message"] and "= 60 connections, above the 37" in finding["message"]
    inventory = poolcheck(root, "--format", "inventory", "--server-url", small_server.url(), ".").stdout
    assert "open now: 0 (none)" in inventory  # poolcheck's own session is not counted


def test_the_url_s_password_is_never_shown(tmp_path: Path, small_server: PostgresServer) -> None:
    root = project(tmp_path)
    # The test cluster trusts its user: the password is accepted and ignored.
    url = f"postgresql://{small_server.user}:S3CRET-PW@127.0.0.1:{small_server.port}/{small_server.database}"
    for output_format in ("text", "json", "inventory", "sarif"):
        result = poolcheck(
            root, "--format", output_format, ".", env={**os.environ, "POOLCHECK_SERVER_URL": url}
        )
        assert result.returncode == 1, result.stderr
        assert "S3CRET-PW" not in result.stdout + result.stderr


def test_a_server_that_cannot_be_read_is_a_clear_usage_error(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = poolcheck(
        project(tmp_path), "--server-url", f"postgresql://app:S3CRET-PW@127.0.0.1:{port}/app", "."
    )
    assert result.returncode == 2
    assert f"poolcheck: --server-url: cannot read the server at 127.0.0.1:{port}/app" in result.stderr
    assert "S3CRET-PW" not in result.stderr and "Traceback" not in result.stderr


def test_a_configured_url_may_not_hold_a_password(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "poolcheck.toml").write_text('server-url = "postgresql://app:S3CRET-PW@db/app"\n')
    result = poolcheck(root, ".")
    assert result.returncode == 2
    assert "server-url" in result.stderr and "PGPASSWORD" in result.stderr
    assert "S3CRET-PW" not in result.stderr


def test_connections_other_clients_hold_now_are_taken_off_the_budget(
    tmp_path: Path, small_server: PostgresServer
) -> None:
    root = project(tmp_path)
    conninfo = small_server.conninfo()
    # The orders service's own (orders-api: the service's name and a suffix) is among the pools; a
    # dashboard's two and one that names no application are other clients, and hold slots now.
    with (
        psycopg.connect(conninfo, application_name="orders-api"),
        psycopg.connect(conninfo, application_name="metabase"),
        psycopg.connect(conninfo, application_name="metabase"),
        psycopg.connect(conninfo, application_name=""),
    ):
        found = json.loads(
            poolcheck(root, "--format", "json", "--server-url", small_server.url(), ".").stdout
        )
        inventory = poolcheck(root, "--format", "inventory", "--server-url", small_server.url(), ".").stdout
        cards = tmp_path / "todos"
        poolcheck(root, "--todos-dir", str(cards), "--server-url", small_server.url(), ".")
    (budget,) = found["capacity"]
    assert budget["server"]["in_use"] == {"metabase": 2, "(none)": 1, "orders-api": 1}
    assert budget["server"]["other_clients"] == {"metabase": 2, "(none)": 1}
    assert budget["server"]["available"] == 40 - 3 - 3
    (finding,) = [f for f in found["findings"] if f["rule"] == "PC010"]
    assert (
        "= 60 connections, above the 34 it allows (max_connections 40 from the running server "
        f"127.0.0.1:{small_server.port}/{small_server.database} minus 3 reserved minus 3 in use by other "
        "clients on the server at the time of the run (metabase 2, (none) 1))"
    ) in finding["message"]
    assert "max_connections 40 - 3 reserved - 3 in use by other clients = 34 available" in inventory
    (small,) = [f["message"] for f in found["findings"] if f["rule"] == "PC001"]
    assert (
        "50 needs the server's max_connections of 106 (3 reserved + 3 in use by other clients at the time "
        "of the run + 0 for the other pools + 50 x 2)"
    ) in small
    (card,) = [path.read_text() for path in cards.glob("*server-capacity*.md")]
    # The limit that fits: 3 reserved + 3 held by the others + the pools' 60.
    assert "Set `max_connections = 66` (now 40: 3 reserved + 3 in use by other clients" in card
