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
