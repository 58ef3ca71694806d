"""PC010 end to end: the fixture systems, given and assumed limits, and the inventory."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import ROOT, poolcheck_command


def poolcheck(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def report(*args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(poolcheck("--format", "json", *args).stdout)  # type: ignore[no-any-return]


def test_two_services_with_replicas_exceed_the_composed_server() -> None:
    found = report("fixtures/system-over")
    (finding,) = [f for f in found["findings"] if f["rule"] == "PC010"]
    assert (finding["rule"], finding["priority"], finding["pool"]) == ("PC010", "p1", None)
    assert (finding["path"], finding["line"]) == ("fixtures/system-over/docker-compose.yml", 5)
    assert "50 x 2 replicas" in finding["message"] and "= 200 connections" in finding["message"]
    assert "above the 97 it allows (max_connections 100" in finding["message"]
    # Each pool lowered in proportion: 24 x 2 + 24 x 2 = 96 of 97.
    assert finding["message"].endswith(
        "; to fit, lower fixtures/system-over/catalog/app/db.py:5 to 24, fixtures/system-over/orders/src/db.rs:6 to 24"
    )
    (budget,) = found["capacity"]
    assert (budget["total"], budget["server"]["available"], budget["exceeded"]) == (200, 97, True)
    assert sorted(p["replicas"] for p in budget["pools"]) == [2, 2]
    assert poolcheck("fixtures/system-over").returncode == 1


def test_the_same_system_with_room_passes() -> None:
    found = report("fixtures/system-ok")
    assert found["findings"] == []
    (budget,) = found["capacity"]
    assert (budget["server"]["max_connections"], budget["total"], budget["exceeded"]) == (300, 200, False)


def test_each_composed_server_serves_only_its_own_code() -> None:
    found = report("fixtures/")
    assert [(f["path"], f["line"]) for f in found["findings"] if f["rule"] == "PC010"] == [
        ("fixtures/system-over/docker-compose.yml", 5),
        ("fixtures/system-scaled/docker-compose.yml", 5),  # the server
        ("fixtures/system-scaled/docker-compose.yml", 8),  # PgBouncer's max_client_conn
    ]
    for budget in found["capacity"]:
        folder = budget["server"]["path"].rsplit("/", 1)[0]
        assert all(found["pools"][p["pool"]]["path"].startswith(folder + "/") for p in budget["pools"])


def test_no_server_found_means_no_capacity_check_unless_given_or_assumed() -> None:
    service = "fixtures/rust-service"
    assert report(service)["capacity"] == []
    given = report("--server-max-connections", "40", service)
    (budget,) = given["capacity"]
    assert budget["server"]["where"] == "server-max-connections option"
    # 10 + 50 + 20 from the PostgreSQL pools; the MySQL and SQLite pools are other servers.
    assert (budget["total"], budget["exceeded"]) == (80, True)
    assert any(f["rule"] == "PC010" for f in given["findings"])
    assumed = report("--server-max-connections", "default", service)
    assert assumed["capacity"][0]["server"]["available"] == 97
    assert not any(f["rule"] == "PC010" for f in assumed["findings"])
    assert poolcheck("--server-max-connections", "lots", service).returncode == 2


def test_a_dynamic_maximum_is_listed_not_guessed(tmp_path: Path) -> None:
    (tmp_path / "postgresql.conf").write_text("max_connections = 20\n")
    (tmp_path / "db.py").write_text(
        "from sqlalchemy import create_engine\n"
        "a = create_engine(URL, pool_size=settings.POOL)\n"
        "b = create_engine(URL, pool_size=20, max_overflow=5)\n"
    )
    found = json.loads(poolcheck("--format", "json", str(tmp_path), cwd=tmp_path).stdout)
    (budget,) = found["capacity"]
    assert budget["unknown"] == [0] and budget["total"] == 25
    (finding,) = [f for f in found["findings"] if f["rule"] == "PC010"]
    assert "not counted: db.py:2 (maximum set at run time by `settings.POOL`)" in finding["message"]
    assert "1 replica: none declared" in finding["message"]


def test_inventory_table() -> None:
    result = poolcheck("--format", "inventory", "fixtures/system-over", "fixtures/rust-service/src/main.rs")
    lines = result.stdout.splitlines()
    assert lines[0] == "Pools (3)"
    assert lines[2].split() == [
        "location",
        "library",
        "version",
        "database",
        "max",
        "min",
        "acquire",
        "lifetime",
        "idle",
        "health",
    ]
    row = next(line for line in lines if line.startswith("fixtures/rust-service/src/main.rs:21"))
    assert row.split()[1:] == [
        "sqlx",
        ">=0.7",
        "(fixtures/rust-service/Cargo.toml)",
        "postgres",
        "10",
        "w",
        "0",
        "d",
        "30",
        "s",
        "d",
        "30",
        "min",
        "d",
        "10",
        "min",
        "d",
        "on",
        "d",
    ]
    assert (
        "Server fixtures/system-over/docker-compose.yml:5 (docker-compose command): max_connections 100 - 3 reserved = 97 available"
        in lines
    )
    assert "  total 200 of 97: EXCEEDED" in lines


def test_the_capacity_card_depends_on_no_card_that_leaves_the_pool_sizes_alone(tmp_path: Path) -> None:
    import yaml

    result = poolcheck("--todos-dir", str(tmp_path), "fixtures/system-over")
    assert result.returncode == 1, result.stderr
    cards = {}
    for path in sorted(tmp_path.glob("*.md")):
        front = yaml.safe_load(path.read_text().split("---")[1])
        cards[path.name] = front
    (capacity,) = [front for name, front in cards.items() if "server-capacity" in name]
    assert [name for name in cards if "health-check" in name]  # the catalog pool's card, size untouched
    assert capacity["priority"] == "p1"
    # It names each pool's change itself: the health-check card changes no number in its sum.
    assert capacity["dependencies"] == []
