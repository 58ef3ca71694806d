"""A private PostgreSQL server for tests: ``initdb`` and ``pg_ctl`` in a temporary folder, on loopback.

Shared by every suite that needs a real server (``tests/realdb``, later a PgBouncer one). The
cluster listens on 127.0.0.1 at a free port and on a Unix socket in its own folder, trusts one
test user, and is stopped and removed when the ``with`` block ends, even on failure. As root
(here and in CI) the server runs as the ``postgres`` system user, since ``initdb`` refuses root;
a watchdog process stops it too if the test process dies or the server outlives its time limit.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEBIAN_BIN = Path("/usr/lib/postgresql")
USER = "poolcheck"
DATABASE = "poolcheck"
LIFETIME_S = 1800  # a server left by a killed run is stopped by the watchdog after this long
START_TIMEOUT_S = 60


class ServerUnavailable(Exception):
    """The server could not be started: the message names what is missing or what failed."""


@dataclass(frozen=True)
class PostgresServer:
    host: str  # 127.0.0.1
    port: int
    socket_dir: Path
    user: str
    database: str

    def conninfo(self) -> str:
        """A libpq keyword string (psycopg, psycopg2, aiopg)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={self.database}"

    def url(self, scheme: str = "postgresql") -> str:
        """A URL (asyncpg, SQLAlchemy with a driver in ``scheme``)."""
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.database}"


def binaries() -> Path:
    """The folder holding initdb, pg_ctl and postgres: the PATH's initdb, else Debian's newest."""
    found = shutil.which("initdb")
    if found:
        folder = Path(found).resolve().parent
        if (folder / "pg_ctl").exists() and (folder / "postgres").exists():
            return folder
    versions = sorted(DEBIAN_BIN.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name), reverse=True)
    if versions:
        return versions[0].parent
    raise ServerUnavailable("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)")


def _server_account() -> tuple[int, int] | None:
    """The uid and gid to run the server as: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerUnavailable(
            "running as root and there is no 'postgres' system user to run the server"
        ) from None
    return account.pw_uid, account.pw_gid


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], account: tuple[int, int] | None, timeout: float) -> None:
    options: dict[str, object] = {}
    if account is not None:
        options = {"user": account[0], "group": account[1], "extra_groups": []}
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd="/",
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"},
        **options,  # type: ignore[call-overload]
    )
    if result.returncode != 0:
        raise ServerUnavailable(f"{Path(command[0]).name} failed: {(result.stderr or result.stdout).strip()}")


def _watchdog(pid_file: Path, folder: Path) -> subprocess.Popen[bytes]:
    """A process that stops the server (SIGQUIT: immediate) once this process ends or time is up."""
    code = f"""
import os, shutil, signal, time
parent, deadline = {os.getpid()}, time.monotonic() + {LIFETIME_S}
while time.monotonic() < deadline:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(1)
try:
    os.kill(int(open({str(pid_file)!r}).readline()), signal.SIGQUIT)
    time.sleep(2)
except (OSError, ValueError):
    pass
shutil.rmtree({str(folder)!r}, ignore_errors=True)
"""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _start(
    pg_ctl: str, data: Path, sockets: Path, max_connections: int, account: tuple[int, int] | None
) -> int:
    """Start the server on a free loopback port; the port it listens on."""
    log = data.parent / "server.log"
    for _attempt in range(3):  # a free port can be taken between the probe and the server's bind
        port = _free_port()
        settings = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c max_connections={max_connections}"
            " -c shared_buffers=16MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        command = [pg_ctl, "-D", str(data), "-l", str(log), "-o", settings, "-w", "-t", str(START_TIMEOUT_S)]
        try:
            _run([*command, "start"], account, timeout=START_TIMEOUT_S + 10)
            return port
        except ServerUnavailable:
            continue
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise ServerUnavailable(f"pg_ctl start failed three times; server log:\n{tail}")


@contextlib.contextmanager
def private_server(max_connections: int = 200) -> Iterator[PostgresServer]:
    """Start a private cluster, yield where it listens, stop and remove it at the end."""
    bin_dir = binaries()
    account = _server_account()
    # Not under pytest's basetemp: that is 0700 to root, and the server may run as postgres.
    folder = Path(tempfile.mkdtemp(prefix="poolcheck-pg-"))
    data, sockets = folder / "data", folder / "sock"
    sockets.mkdir()
    if account is not None:
        for path in (folder, sockets):
            os.chown(path, *account)
    watchdog = _watchdog(data / "postmaster.pid", folder)
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        initdb = [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]
        _run(initdb, account, timeout=120)
        port = _start(pg_ctl, data, sockets, max_connections, account)
        createdb = [str(bin_dir / "createdb"), "-h", str(sockets), "-p", str(port), "-U", USER, DATABASE]
        _run(createdb, account, timeout=60)
        yield PostgresServer("127.0.0.1", port, sockets, USER, DATABASE)
    finally:
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(ServerUnavailable, subprocess.TimeoutExpired):
                _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"], account, 40)
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(watchdog.pid, signal.SIGKILL)
        watchdog.wait(timeout=10)
