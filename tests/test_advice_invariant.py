"""The invariant of the advice: following a card's Option 1 never creates a finding.

Systems are generated (services x replicas x gunicorn workers x server limits x PgBouncer in
front), each card's Option 1 is applied to a copy of the code, and the run again must hold no
finding the first did not, and none of the card's own findings but a pool size the budget
cannot give (the card says so, with the ways out). A capacity card's (PC010) per-pool change,
applied to every pool it names, removes that finding and adds none but PC001 where a pool's share
is below the production floor it met before (the card says so, and recommends raising the limit).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolcheck.cards.content import build_cards
from poolcheck.cards.markdown import render
from poolcheck.cards.source import statement_tail
from poolcheck.check import default_options
from poolcheck.pipeline import RunSettings, run

DAY = date(2026, 12, 1)
SERVICE = st.fixed_dictionaries(
    {
        "replicas": st.integers(1, 4),
        "workers": st.integers(1, 4),
        "pool_size": st.integers(1, 60),
        "overflow": st.integers(0, 20),
        "behind_bouncer": st.booleans(),
    }
)
SYSTEM = st.fixed_dictionaries(
    {
        "max_connections": st.integers(20, 600),
        "services": st.lists(SERVICE, min_size=1, max_size=3),
        "bouncer": st.none()
        | st.fixed_dictionaries({"clients": st.integers(20, 400), "pool": st.integers(5, 60)}),
    }
)


def write(root: Path, system: dict) -> None:  # type: ignore[type-arg]
    compose = [
        "services:",
        "  db:",
        "    image: postgres:16",
        f"    command: postgres -c max_connections={system['max_connections']}",
    ]
    bouncer = system["bouncer"]
    if bouncer is not None:
        compose += [
            "  pgbouncer:",
            "    image: edoburu/pgbouncer:1.23.1",
            "    environment:",
            "      DB_HOST: db",
            f'      MAX_CLIENT_CONN: "{bouncer["clients"]}"',
            f'      DEFAULT_POOL_SIZE: "{bouncer["pool"]}"',
        ]
    for number, service in enumerate(system["services"]):
        host = "pgbouncer" if bouncer is not None and service["behind_bouncer"] else "db"
        compose += [
            f"  svc{number}:",
            f"    build: ./svc{number}",
            f"    command: gunicorn app.main:app -w {service['workers']}",
            "    environment:",
            f"      DATABASE_URL: postgresql://app@{host}:5432/app",
            "    deploy:",
            f"      replicas: {service['replicas']}",
        ]
        code = root / f"svc{number}" / "app" / "db.py"
        code.parent.mkdir(parents=True)
        code.write_text(
            "import os\nfrom sqlalchemy import create_engine\n\n"
            f'engine = create_engine(os.environ["DATABASE_URL"], pool_size={service["pool_size"]}, '
            f"max_overflow={service['overflow']})\n"
        )
    (root / "docker-compose.yml").write_text("\n".join(compose) + "\n")


def findings_of(root: Path) -> tuple[set[tuple[str, str]], list[str]]:
    report = run([root], RunSettings())
    found = {
        (f.rule, f.path.rsplit("/", 3)[-3] if f.pool is not None else f"system:{f.span.line}")
        for f in report.findings
    }
    options = default_options()
    cards = build_cards(report, lambda path: options, DAY, "pool", statement_tail)  # type: ignore[arg-type]
    return found, [render(card, 1) for card in cards]


def option_one(card: str) -> str | None:
    if "### Option 1" not in card:
        return None
    section = card[card.index("### Option 1") :].split("\n### ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    return code.group(1) if code else None


LOWER = "Lower each pool's maximum to its share"
CHANGE = re.compile(
    r"\*\*`[^`]*?(svc\d+)/app/db\.py:\d+`\*\*: maximum (\d+) -> (\d+)[^\n]*\n\n```python\n(.*?)```", re.S
)


def capacity_changes(card: str) -> dict[str, tuple[int, int, str]]:
    """A PC010 card's per-pool change: by service, the maximum now, its share and the code."""
    if LOWER not in card:
        return {}
    section = card[card.index(LOWER) :].split("\n### ", 1)[0]
    return {m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4)) for m in CHANGE.finditer(section)}


def apply(root: Path, copy: Path, changes: dict[str, str]) -> None:
    shutil.copytree(root, copy)
    for service, code in changes.items():
        target = copy / service / "app" / "db.py"
        lines = target.read_text().splitlines(keepends=True)
        target.write_text("".join(lines[:3]) + code)  # the construction is the file's last line


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(SYSTEM)
def test_following_option_one_never_creates_a_finding(system: dict) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory(prefix="poolcheck-invariant-") as folder:
        root = Path(folder) / "system"
        root.mkdir()
        write(root, system)
        before, cards = findings_of(root)
        applied = 0
        pool_cards = 0
        for card in cards:
            code = option_one(card)
            where = re.search(r"\*\*Location\*\*: `[^`]*?(svc\d+)/app/db\.py:", card)
            if code is None or where is None:
                continue
            pool_cards += 1
            apply(root, Path(folder) / f"after-{where.group(1)}", {where.group(1): code})
            after, _ = findings_of(Path(folder) / f"after-{where.group(1)}")
            applied += 1
            assert after <= before, (system, where.group(1), sorted(after - before), code)
            own = {(rule, service) for rule, service in after if service == where.group(1)}
            assert own <= {("PC001", where.group(1))}, (system, sorted(own), code)
        assert applied == pool_cards > 0  # every pool here has a card
        for number, card in enumerate(c for c in cards if "PC010 server-capacity-exceeded" in c):
            # Every pool lowered to its share, as the PC010 card says: that finding goes, and the
            # only new ones are PC001's, on a pool the share takes below the floor (the card says so).
            located = re.search(r"\*\*Location\*\*: `[^`]*docker-compose\.yml:(\d+)`", card)
            changes = capacity_changes(card)
            assert located is not None, card
            if not changes:  # no share fits (the bouncer alone takes the server): the limit must move
                assert "### Option 1: Raise" in card and LOWER not in card, (system, card)
                continue
            copy = Path(folder) / f"capacity-{number}"
            apply(root, copy, {service: code for service, (_, _, code) in changes.items()})
            after, _ = findings_of(copy)
            assert ("PC010", f"system:{located.group(1)}") not in after, (system, changes)
            floor = int(default_options()["min-max-connections"])
            crossing = {("PC001", s) for s, (now, share, _) in changes.items() if share < floor <= now}
            assert after - before <= crossing, (system, sorted(after - before), changes)
            if crossing:
                assert f"would fall below min-max-connections ({floor})" in card
