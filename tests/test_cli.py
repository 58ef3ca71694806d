"""End to end through the installed ``poolcheck`` command, on the bundled fixtures."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, poolcheck_command

SERVICE = FIXTURES / "rust-service"


def poolcheck(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report() -> dict:  # type: ignore[type-arg]
    result = poolcheck("--format", "json", "fixtures/")
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_json_report_matches_the_documented_schema(report: dict) -> None:  # type: ignore[type-arg]
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(report, schema)
    assert report["summary"]["pools"] == len(report["pools"]) > 0
    for finding in report["findings"]:
        if finding["pool"] is None:  # system-level: server capacity
            assert finding["rule"] == "PC010"
            continue
        pool = report["pools"][finding["pool"]]
        assert pool["path"] == finding["path"]
        assert (pool["line"], pool["column"]) <= (finding["line"], finding["column"])
        assert (finding["end_line"], finding["end_column"]) <= (pool["end_line"], pool["end_column"])


def pool_at(report: dict, path: str, line: int) -> int:  # type: ignore[type-arg]
    return next(i for i, p in enumerate(report["pools"]) if p["path"] == path and p["line"] == line)


def test_the_pool_of_ten_gets_exactly_its_five_findings(report: dict) -> None:  # type: ignore[type-arg]
    index = pool_at(report, "fixtures/rust-service/src/main.rs", 21)
    found = {f["rule"]: f for f in report["findings"] if f["pool"] == index}
    assert {rule: f["priority"] for rule, f in found.items()} == {
        "PC001": "p2",
        "PC002": "p2",
        "PC004": "p3",
        "PC005": "p3",
        "PC006": "p3",
    }
    assert "max_connections is 10 (written)" in found["PC001"]["message"]
    assert "30 s (sqlx default)" in found["PC002"]["message"]
    assert "30 min (sqlx default)" in found["PC004"]["message"]
    assert "10 min (sqlx default)" in found["PC005"]["message"]
    assert "0 (sqlx default)" in found["PC006"]["message"]
    assert (found["PC001"]["line"], found["PC001"]["column"]) == (22, 10)
    settings = report["pools"][index]["settings"]
    assert settings["max_connections"] == {
        "value": 10,
        "source": "explicit",
        "expr": "10",
        "line": 22,
        "env": None,
        "note": None,
        "via": None,
        "parts": None,
        "defined_at": None,
        "declared": None,
    }
    assert settings["idle_timeout"] == {
        "value": 600.0,
        "source": "default",
        "expr": None,
        "line": None,
        "env": None,
        "note": None,
        "via": None,
        "parts": None,
        "defined_at": None,
        "declared": None,
    }


def test_the_tuned_pool_gets_nothing(report: dict) -> None:  # type: ignore[type-arg]
    index = pool_at(report, "fixtures/rust-service/src/db/mod.rs", 12)
    assert [f for f in report["findings"] if f["pool"] == index] == []
    settings = report["pools"][index]["settings"]
    assert {c: (s["value"], s["source"]) for c, s in settings.items()} == {
        "max_connections": (50, "constant"),
        "min_connections": (10, "constant"),
        "acquire_timeout": (5.0, "explicit"),
        "max_lifetime": (1800.0, "explicit"),
        "idle_timeout": (600.0, "explicit"),
        "health_check": (True, "default"),
    }


def test_sqlite_pool_is_exempt_and_thread_pools_are_not_pools(report: dict) -> None:  # type: ignore[type-arg]
    paths = {p["path"] for p in report["pools"]}
    assert "fixtures/rust-service/src/runtime.rs" not in paths
    cache = pool_at(report, "fixtures/rust-service/src/cache.rs", 8)
    assert report["pools"][cache]["database"] == "sqlite"
    assert [f for f in report["findings"] if f["pool"] == cache] == []


def test_text_output_and_exit_code() -> None:
    result = poolcheck("fixtures/")
    assert result.returncode == 1
    assert (
        "fixtures/rust-service/src/main.rs:22:10: PC001 [p2] max_connections is 10 (written)" in result.stdout
    )
    assert "22 |         .max_connections(10)" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("Found ")
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_fail_on_select_ignore_exit_zero() -> None:
    assert poolcheck("--fail-on", "p1", "fixtures/rust-service", "fixtures/python-service").returncode == 0
    assert poolcheck("--fail-on", "p1", "fixtures/").returncode == 1  # PC010 on fixtures/system-over
    assert poolcheck("--exit-zero", "fixtures/").returncode == 0
    only = json.loads(poolcheck("--format", "json", "--select", "PC001", "fixtures/").stdout)
    assert {f["rule"] for f in only["findings"]} == {"PC001"}
    without = json.loads(poolcheck("--format", "json", "--ignore", "PC0", "fixtures/").stdout)
    assert without["findings"] == []
    assert poolcheck("--ignore", "PC0", "fixtures/").returncode == 0
    assert poolcheck("--select", "max-connections-too-small", "--fail-on", "p3", "fixtures/").returncode == 1


def test_quiet_statistics_and_usage_errors() -> None:
    quiet = poolcheck("--quiet", "fixtures/")
    assert quiet.stdout.count("\n") == 1 and quiet.stdout.startswith("Found ")
    stats = poolcheck("--statistics", "--quiet", "fixtures/")
    assert "\tPC001\t[p2] max-connections-too-small" in stats.stdout
    bad = poolcheck("--select", "PC999", "fixtures/")
    assert bad.returncode == 2 and "PC999" in bad.stderr


def test_explain_list_rules_and_version() -> None:
    explained = poolcheck("--explain", "PC001")
    assert explained.returncode == 0
    for heading in (
        "## What it does",
        "## Why is this bad?",
        "## Example (sqlx)",
        "## Use instead (sqlx)",
        "## Options",
        "## References",
    ):
        assert heading in explained.stdout
    assert "`min-max-connections` (default 50)" in explained.stdout
    listed = poolcheck("--list-rules").stdout.splitlines()
    assert [line.split()[0] for line in listed] == [
        "PC001",
        "PC002",
        "PC003",
        "PC004",
        "PC005",
        "PC006",
        "PC007",
        "PC010",
        "PC011",
        "PC012",
    ]
    assert poolcheck("--version").stdout.startswith("poolcheck, version ")
    assert poolcheck("--explain", "PC404").returncode == 2


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = poolcheck("--format", "json", "--output", str(target), "fixtures/")
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads(target.read_text())["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_paths_outside_the_working_directory_stay_absolute(tmp_path: Path) -> None:
    result = poolcheck("--format", "json", str(SERVICE / "src" / "main.rs"), cwd=tmp_path)
    paths = {p["path"] for p in json.loads(result.stdout)["pools"]}
    assert paths == {(SERVICE / "src" / "main.rs").as_posix()}


def test_python_service_pools_and_sources(report: dict) -> None:  # type: ignore[type-arg]
    pools = {
        (p["path"].removeprefix("fixtures/python-service/"), p["library"]): p
        for p in report["pools"]
        if p["path"].startswith("fixtures/python-service/")
    }
    assert set(pools) == {
        ("app/db.py", "sqlalchemy"),
        ("app/reporting.py", "sqlalchemy"),
        ("jobs/nightly.py", "psycopg_pool"),
        ("legacy/pg2.py", "psycopg2"),
        ("migrations/env.py", "sqlalchemy"),
        ("worker/consumer.py", "asyncpg"),
    }
    web = pools[("app/db.py", "sqlalchemy")]["settings"]
    assert (web["max_connections"]["value"], web["max_connections"]["source"]) == (30, "env-default")
    assert web["max_connections"]["parts"]["pool_size"]["env"] == "DB_POOL_SIZE"
    assert web["acquire_timeout"]["source"] == "default"
    assert pools[("migrations/env.py", "sqlalchemy")]["pooled"] is False
    reporting = pools[("app/reporting.py", "sqlalchemy")]
    assert {c: s["source"] for c, s in reporting["settings"].items()} == {
        "max_connections": "explicit",
        "acquire_timeout": "explicit",
        "max_lifetime": "explicit",
        "health_check": "explicit",
    }
    clean = {
        pool_index
        for pool_index, p in enumerate(report["pools"])
        if p["path"].startswith("fixtures/python-service/") and p["path"].endswith(("reporting.py", "env.py"))
    }
    assert not [f for f in report["findings"] if f["pool"] in clean]
    assert not [p for p in report["pools"] if p["path"].endswith("cache.py")]


def test_platform_services_cover_every_other_library(report: dict) -> None:  # type: ignore[type-arg]
    prefix = "fixtures/platform-services/"
    pools = [p for p in report["pools"] if p["path"].startswith(prefix)]
    assert sorted({p["library"] for p in pools}) == [
        "aiopg",
        "bb8",
        "deadpool",
        "django",
        "psycopg_pool",
        "r2d2",
        "sea-orm",
        "sqlalchemy",
    ]
    # The Redis pool in sessions.rs is not a database pool.
    assert [p["line"] for p in pools if p["path"].endswith("sessions.rs")] == [12]
    fired = {
        (f["path"].removeprefix(prefix), f["rule"])
        for f in report["findings"]
        if f["path"].startswith(prefix)
    }
    assert ("rust/src/events.rs", "PC002") in fired  # deadpool waits forever by default
    assert ("rust/src/admin.rs", "PC012") in fired  # test_on_check_out(false)
    assert ("rust/src/sessions.rs", "PC004") in fired  # max_lifetime(None)
    assert ("python/legacy/notifications.py", "PC011") in fired  # aiopg maxsize=0
    assert ("python/shop/settings.py", "PC004") in fired  # CONN_MAX_AGE None
    assert ("rust/src/search.rs", "PC001") in fired  # sea-orm max 20


class HardExit(Exception):
    """What ``os._exit`` does in the tests below, with the code it was given."""


def exits(code: object, monkeypatch: pytest.MonkeyPatch, alone: bool = True) -> object:
    """How ``entry`` ends after ``main`` exits with ``code``: the hard exit's code, or the SystemExit.

    ``alone``: as in the command, no other thread or process of the test run is seen.
    """
    from poolcheck import cli

    if alone:
        monkeypatch.setattr(cli.threading, "active_count", lambda: 1)
        monkeypatch.setattr(cli, "_children_running", lambda: False)

    def main() -> None:
        raise SystemExit(code)

    def hard_exit(status: int) -> None:
        raise HardExit(status)

    monkeypatch.setattr(cli, "main", main)
    monkeypatch.setattr(cli.os, "_exit", hard_exit)
    try:
        cli.entry()
    except HardExit as hard:
        return ("hard", hard.args[0])
    except SystemExit as end:
        return ("usual", end.code)
    raise AssertionError("entry returned")


def test_the_command_exits_without_teardown_when_nothing_is_left_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert exits(1, monkeypatch) == ("hard", 1)
    assert exits(None, monkeypatch) == ("hard", 0)
    assert exits(130, monkeypatch) == ("hard", 130)
    assert exits("poolcheck: a message", monkeypatch) == ("usual", "poolcheck: a message")


def test_a_thread_still_running_gets_the_usual_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert exits(1, monkeypatch, alone=False) == ("usual", 1)
    finally:
        stop.set()
        thread.join()


def test_output_that_does_not_flush_gets_the_usual_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    class Full:
        def flush(self) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("sys.stdout", Full())
    assert exits(0, monkeypatch) == ("usual", 0)
