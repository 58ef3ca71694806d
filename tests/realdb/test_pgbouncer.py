"""The PgBouncer model checked against a real PgBouncer (Debian's package) in front of a private server.

poolcheck reads pgbouncer.ini's limits and PgBouncer's defaults; here the real bouncer is started
from the same file and asked (``SHOW CONFIG``, ``SHOW DATABASES``), and the two hops behave as the
findings say: clients past ``max_client_conn`` are refused, and towards the server the bouncer
opens no more than its pool size, however many clients wait.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pgserver import PostgresServer

from poolcheck.capacity.bouncers import read_ini
from realdb.conftest import unavailable

pytestmark = pytest.mark.postgres
START_TIMEOUT_S = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def bouncer(server: PostgresServer, settings: str, databases: str) -> Iterator[tuple[int, str]]:
    """A PgBouncer in front of ``server`` with ``settings`` in its [pgbouncer] section: (port, ini text)."""
    binary = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if binary is None:
        unavailable("PgBouncer is not installed (Debian: apt-get install pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="poolcheck-pgbouncer-"))
    port = _free_port()
    ini = (
        f"[databases]\n{databases.format(port=server.port)}\n\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder}/userlist.txt\nadmin_users = {server.user}\n"
        f"logfile = {folder}/pgbouncer.log\npidfile = {folder}/pgbouncer.pid\n{settings}"
    )
    (folder / "pgbouncer.ini").write_text(ini)
    (folder / "userlist.txt").write_text(f'"{server.user}" ""\n')
    options: dict[str, object] = {}
    if os.geteuid() == 0:  # PgBouncer refuses to run as root, as PostgreSQL does
        account = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        options = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    process = subprocess.Popen(  # type: ignore[call-overload]
        [binary, str(folder / "pgbouncer.ini")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **options
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log = (
                    (folder / "pgbouncer.log").read_text(errors="replace")
                    if (folder / "pgbouncer.log").exists()
                    else ""
                )
                unavailable(f"PgBouncer did not start: {log[-1000:]}")
            time.sleep(0.1)
        yield port, ini
    finally:
        process.kill()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def admin(port: int, server: PostgresServer, command: str) -> list[dict[str, object]]:
    """A ``SHOW`` of PgBouncer's admin console, as rows of column -> value."""
    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=server.user,
        dbname="pgbouncer",
        autocommit=True,
        prepare_threshold=None,
    ) as console:
        cursor = console.execute(command)
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_limits_poolcheck_reads_are_the_ones_pgbouncer_runs_with(postgres: PostgresServer) -> None:
    databases = "shop = host=127.0.0.1 port={port} dbname=poolcheck pool_size=7\nother = host=127.0.0.1 port={port} dbname=poolcheck"
    with bouncer(postgres, "reserve_pool_size = 2\n", databases) as (port, ini):
        read, problems = read_ini("pgbouncer.ini", ini)
        assert problems == [] and read is not None
        config = {row["key"]: row["value"] for row in admin(port, postgres, "SHOW CONFIG")}
        # Written (reserve_pool_size) and PgBouncer's own defaults (max_client_conn, default_pool_size) alike.
        assert int(str(config["max_client_conn"])) == read.max_client_conn == 100
        assert int(str(config["default_pool_size"])) == read.default_pool_size == 20
        assert int(str(config["reserve_pool_size"])) == read.reserve_pool_size == 2
        assert int(str(config["listen_port"])) == read.listen_port == port
        sizes = {row["name"]: row["pool_size"] for row in admin(port, postgres, "SHOW DATABASES")}
        expected = {
            d.name: d.pool_size if d.pool_size is not None else read.default_pool_size for d in read.databases
        }
        assert {name: sizes[name] for name in expected} == expected == {"shop": 7, "other": 20}


def test_clients_past_max_client_conn_are_refused(postgres: PostgresServer) -> None:
    databases = "shop = host=127.0.0.1 port={port} dbname=poolcheck"
    with bouncer(postgres, "max_client_conn = 3\n", databases) as (port, _), contextlib.ExitStack() as held:
        for _ in range(3):
            held.enter_context(
                psycopg.connect(host="127.0.0.1", port=port, user=postgres.user, dbname="shop")
            )
        with pytest.raises(psycopg.OperationalError, match="max_client_conn"):
            psycopg.connect(host="127.0.0.1", port=port, user=postgres.user, dbname="shop", connect_timeout=5)


def test_towards_the_server_it_opens_no_more_than_its_pool_size(postgres: PostgresServer) -> None:
    databases = "shop = host=127.0.0.1 port={port} dbname=poolcheck application_name=behind-bouncer"
    settings = "pool_mode = transaction\ndefault_pool_size = 2\n"
    with bouncer(postgres, settings, databases) as (port, ini):
        read, _ = read_ini("pgbouncer.ini", ini)
        assert read is not None and read.server_connections == 2

        def client() -> None:
            with psycopg.connect(
                host="127.0.0.1", port=port, user=postgres.user, dbname="shop", prepare_threshold=None
            ) as connection:
                connection.execute("SELECT pg_sleep(0.5)")

        clients = [threading.Thread(target=client) for _ in range(6)]
        for thread in clients:
            thread.start()
        most = 0
        with psycopg.connect(postgres.conninfo(), autocommit=True) as monitor:
            while any(thread.is_alive() for thread in clients):
                row = monitor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'behind-bouncer'"
                ).fetchone()
                most = max(most, int(row[0]) if row else 0)
                time.sleep(0.05)
        for thread in clients:
            thread.join(timeout=30)
        assert 1 <= most <= read.server_connections
