"""Advice that fits the system: a recommended size never leaves the budget it counts in exceeded."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from conftest import poolcheck_command

from poolcheck.capacity.shares import ceilings
from poolcheck.pipeline import RunSettings, run
from poolcheck.redact import redacted_report

CONSTRUCTION = (
    "engine = create_engine(URL, pool_size={size}, max_overflow=0, pool_timeout=5, pool_recycle=1800,"
    " pool_pre_ping=True)\n"
)


def system(root: Path, max_connections: int, replicas: int = 3, size: int = 10) -> Path:
    (root / "api" / "app").mkdir(parents=True)
    (root / "docker-compose.yml").write_text(
        "services:\n  db:\n    image: postgres:16\n"
        f"    command: postgres -c max_connections={max_connections}\n"
        f"  api:\n    build: ./api\n    deploy:\n      replicas: {replicas}\n"
    )
    (root / "api" / "app" / "db.py").write_text(
        "from sqlalchemy import create_engine\n\n" + CONSTRUCTION.format(size=size)
    )
    return root


def poolcheck(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*poolcheck_command(), *args, "."], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_the_recommendation_is_the_largest_size_that_fits_and_following_it_adds_no_finding(
    tmp_path: Path,
) -> None:
    # The system: max_connections=60 (57 available) and three API replicas.
    root = system(tmp_path, 60)
    (finding,) = json.loads(poolcheck(root, "--format", "json").stdout)["findings"]
    assert finding["rule"] == "PC001"
    assert "raise it to 19, the most that fits docker-compose.yml:4" in finding["message"]
    assert (
        "50 needs the server's max_connections of 153 (3 reserved + 0 for the other pools + 50 x 3)"
        in (finding["message"])
    )
    card = poolcheck(root, "--format", "todo").stdout
    option = card[card.index("### Option 1") : card.index("### Option 2")]
    code = re.search(r"```python\n(.*?)```", option, re.S)
    assert code is not None
    (root / "api" / "app" / "db.py").write_text("from sqlalchemy import create_engine\n\n" + code.group(1))
    after = json.loads(poolcheck(root, "--format", "json").stdout)
    assert [f["rule"] for f in after["findings"]] == ["PC001"]  # 19 is still under 50, and says so
    (budget,) = after["capacity"]
    assert (budget["total"], budget["exceeded"]) == (57, False)


def test_with_room_the_floor_is_the_advice(tmp_path: Path) -> None:
    root = system(tmp_path, 500)
    (finding,) = json.loads(poolcheck(root, "--format", "json").stdout)["findings"]
    assert finding["message"].endswith("raise it to at least 50")


def test_a_pool_that_cannot_grow_says_so_and_its_card_does_not_resize_it(tmp_path: Path) -> None:
    root = system(tmp_path, 30, replicas=3)  # 3 x 10 = 30 of 27 available: already over
    found = json.loads(poolcheck(root, "--format", "json").stdout)
    messages = {f["rule"]: f["message"] for f in found["findings"]}
    assert set(messages) == {"PC001", "PC010"}
    assert (
        "it cannot grow within docker-compose.yml:4 (docker-compose command) (27 available)"
        in messages["PC001"]
    )
    card = poolcheck(root, "--format", "todo").stdout
    assert "pool_size=50" not in card and "Maximum pool size raised to" not in card


def test_shares_are_in_proportion_to_the_current_maxima(tmp_path: Path) -> None:
    root = system(tmp_path, 103, replicas=1)  # 100 available
    (root / "api" / "app" / "jobs.py").write_text(
        "from sqlalchemy import create_engine\n\n" + CONSTRUCTION.format(size=30).replace("engine", "jobs", 1)
    )
    report = run([root], RunSettings())
    shares = ceilings(report.capacity)
    by_size = {report.pools[i].settings["max_connections"].value: c.connections for i, c in shares.items()}
    assert by_size == {10: 25, 30: 75}  # 40 used of 100: each may grow by 100 / 40
    assert sum(by_size.values()) <= 100


def test_the_report_the_outputs_show_keeps_each_pool_s_share(tmp_path: Path) -> None:
    report = run([system(tmp_path, 60)], RunSettings())
    (pool,) = report.pools
    assert pool.ceiling is not None and pool.ceiling.connections == 19
    assert redacted_report(report).pools == report.pools


def test_a_bouncer_s_server_connections_are_not_shared_out(tmp_path: Path) -> None:
    # 137 usable: PgBouncer's 58 server connections stay whatever the pools' sizes, so the api's
    # 3 replicas share the 79 left: floor(30 x 79 / 90) = 26, and 26 x 3 + 58 = 136 fits.
    root = system(tmp_path, 140, replicas=3, size=30)
    compose = (root / "docker-compose.yml").read_text()
    bouncer = (
        "  pgbouncer:\n    image: edoburu/pgbouncer:1.23.1\n    environment:\n"
        '      DB_HOST: db\n      DEFAULT_POOL_SIZE: "58"\n'
    )
    (root / "docker-compose.yml").write_text(compose.replace("  api:\n", bouncer + "  api:\n"))
    report = run([root], RunSettings())
    (budget,) = [b for b in report.capacity if b.server.bouncer is None]
    assert (budget.total, budget.server.available) == (148, 137)
    (share,) = ceilings([budget]).values()
    assert share.connections == 26
    assert share.connections * 3 + 58 <= budget.server.available
