"""Pool roles: test pools unreported by default, migrations and tools spared the sizing rules, budgets
counting services only."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from poolcheck.pipeline import RunSettings, run
from poolcheck.roles import role_of

SMALL = 'from sqlalchemy import create_engine\n\nengine = create_engine("postgresql://db/app", pool_size=2)\n'


@pytest.mark.parametrize(
    ("path", "role", "reason"),
    [
        ("tests/test_orders.py", "test", "under tests/"),
        ("orders/tests/conftest.py", "test", "under tests/"),
        ("app/test_db.py", "test", "a test file (test_db.py)"),
        ("app/db_test.py", "test", "a test file (db_test.py)"),
        ("conftest.py", "test", "a test file (conftest.py)"),
        ("crates/orders/tests/api.rs", "test", "under tests/"),
        ("crates/orders/benches/pool.rs", "test", "under benches/"),
        ("crates/orders/src/db_test.rs", "test", "a test file (db_test.rs)"),
        ("crates/orders/src/tests.rs", "test", "a test file (tests.rs)"),  # `#[cfg(test)] mod tests;`
        ("crates/orders/src/test_utils.rs", "test", "a test file (test_utils.rs)"),
        ("crates/orders/src/db_tests.rs", "test", "a test file (db_tests.rs)"),
        ("crates/orders/src/attestation.rs", "service", ""),
        ("alembic/env.py", "migration", "under alembic/"),
        ("orders/migrations/env.py", "migration", "under migrations/"),
        ("scripts/backfill.py", "tool", "under scripts/"),
        ("crates/orders/src/bin/reindex.rs", "tool", "under bin/"),
        ("shop/management/commands/import_catalog.py", "tool", "under commands/"),
        ("app/db.py", "service", ""),
        ("app/contest.py", "service", ""),  # not conftest
        ("latest/app.py", "service", ""),  # a folder that only contains "test"
    ],
)
def test_the_role_and_its_reason(path: str, role: str, reason: str) -> None:
    found = role_of(path)
    assert (found.name, found.reason) == (role, reason)


def test_a_test_container_marks_a_test_pool() -> None:
    text = "create_engine(PostgresContainer('postgres:16').start().get_connection_url())"
    assert role_of("app/fixtures.py", text).name == "test"


def test_test_pools_are_not_reported_unless_asked(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"app/db.py": SMALL, "tests/test_db.py": SMALL, "app/test_api.py": SMALL})
    reported = {
        f.path.rsplit("/", 2)[-2] + "/" + f.path.rsplit("/", 1)[-1]
        for f in run([root], RunSettings()).findings
    }
    assert reported == {"app/db.py"}
    everything = run([root], RunSettings(include_tests=True))
    assert {f.path.rsplit("/", 1)[-1] for f in everything.findings} == {"db.py", "test_db.py", "test_api.py"}
    assert sorted(p.site.role.name for p in everything.pools) == ["service", "test", "test"]


def test_migrations_and_tools_get_no_sizing_rule_but_the_others(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"alembic/env.py": SMALL, "scripts/backfill.py": SMALL, "app/db.py": SMALL})
    rules: dict[str, set[str]] = {}
    for finding in run([root], RunSettings()).findings:
        rules.setdefault(finding.path.rsplit("/", 2)[-2], set()).add(finding.rule)
    assert {"PC001", "PC002"} <= rules["app"]
    for folder in ("alembic", "scripts"):  # PC001 sizes for production load; PC002 is about waiting
        assert "PC001" not in rules[folder] and "PC002" in rules[folder], rules[folder]


def test_budgets_count_service_pools_only(tmp_path: Path) -> None:
    big = SMALL.replace("pool_size=2", "pool_size=60, max_overflow=0")
    root = write_tree(
        tmp_path,
        {
            "postgresql.conf": "max_connections = 100\n",
            "app/db.py": big,
            "tests/test_db.py": big,
            "scripts/load.py": big,
        },
    )
    (budget,) = run([root], RunSettings(include_tests=True)).capacity
    assert [d.pool.site.path.rsplit("/", 1)[-1] for d in budget.demands] == ["db.py"]
    assert (budget.total, budget.exceeded) == (60, False)


def test_the_role_is_read_from_the_project_root_not_from_where_the_project_sits(tmp_path: Path) -> None:
    # A checkout under a folder named tests/ (a CI workspace, say) is not test code.
    root = write_tree(
        tmp_path / "tests" / "shop", {".git/HEAD": "ref: refs/heads/main\n", "app/db.py": SMALL}
    )
    report = run([root], RunSettings())
    assert [p.site.role.name for p in report.pools] == ["service"]
    assert report.findings
