"""The private PostgreSQL server the real-database suites share (tests/pgserver.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest
from pgserver import PostgresServer, ServerUnavailable, binaries, private_server

from realdb.conftest import unavailable

pytestmark = pytest.mark.postgres


def psql(server: PostgresServer, query: str) -> str:
    psql_command = shutil.which("psql") or str(binaries() / "psql")  # Debian puts a wrapper on PATH
    result = subprocess.run(
        [psql_command, "-X", "-At", "-h", server.host, "-p", str(server.port), "-U", server.user,
         "-d", server.database, "-c", query],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def accepts(port: int) -> bool:
    with socket.socket() as client:
        client.settimeout(5)
        return client.connect_ex(("127.0.0.1", port)) == 0


def test_the_server_listens_on_loopback_only_and_trusts_the_test_user(postgres: PostgresServer) -> None:
    assert psql(postgres, "SELECT 1") == "1"
    assert psql(postgres, "SHOW listen_addresses") == "127.0.0.1"
    assert psql(postgres, "SELECT current_user") == postgres.user
    assert (postgres.socket_dir / f".s.PGSQL.{postgres.port}").exists()


def test_the_server_is_stopped_and_removed_even_when_the_block_fails() -> None:
    started: list[PostgresServer] = []
    try:
        with pytest.raises(RuntimeError, match="a test failed"), private_server() as server:
            started.append(server)
            assert accepts(server.port)
            raise RuntimeError("a test failed")
    except ServerUnavailable as error:
        unavailable(f"no private PostgreSQL server: {error}")
    [server] = started
    assert not accepts(server.port)
    assert not server.socket_dir.parent.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="initdb refuses root: only a root run needs another account")
def test_as_root_the_server_runs_as_the_postgres_user(postgres: PostgresServer) -> None:
    assert psql(postgres, "SELECT 1") == "1"
    owner = postgres.socket_dir.parent.joinpath("data").stat().st_uid
    assert owner != 0
