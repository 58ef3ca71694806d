"""Named files (a pre-commit hook's staged files) still meet the repository's system: PC010 works there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from conftest import ROOT

from poolcheck.pipeline import RunSettings, run

COMPOSE = """\
services:
  db:
    image: postgres:16
    command: postgres -c max_connections=60
  api:
    build: ./api
    deploy:
      replicas: 3
"""
ENGINE = (
    "from sqlalchemy import create_engine\n\n"
    "engine = create_engine(DATABASE_URL, pool_size=20, max_overflow=0, pool_timeout=5)\n"
)
OTHER = "from sqlalchemy import create_engine\n\nother = create_engine(URL, pool_size=2)\n"


def repository(root: Path, git: bool = True) -> Path:
    (root / "api" / "app").mkdir(parents=True)
    (root / "docker-compose.yml").write_text(COMPOSE)
    (root / "api" / "app" / "db.py").write_text(ENGINE)
    (root / "api" / "app" / "other.py").write_text(OTHER)
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


def test_a_named_code_file_is_budgeted_against_the_repository_s_server(tmp_path: Path) -> None:
    root = repository(tmp_path)
    report = run([root / "api" / "app" / "db.py"], RunSettings(project_root=root))
    (finding,) = [f for f in report.findings if f.rule == "PC010"]
    assert "20 x 3 replicas" in finding.message and "above the 57 it allows" in finding.message
    # The other file's pool counts in the budget only once it is named or the system file is.
    assert {f.path.rsplit("/", 1)[-1] for f in report.findings} == {"db.py", "docker-compose.yml"}


def test_a_named_system_file_reads_the_code_it_budgets_and_reports_the_system_only(tmp_path: Path) -> None:
    root = repository(tmp_path)
    report = run([root / "docker-compose.yml"], RunSettings(project_root=root))
    assert [f.rule for f in report.findings] == ["PC010"]
    (budget,) = report.capacity
    assert budget.total == 3 * 20 + 3 * 12  # both pools of api/, each of 3 replicas
    assert report.errors == ()


def test_a_named_yaml_file_that_declares_nothing_reads_no_code(tmp_path: Path) -> None:
    root = repository(tmp_path)
    workflow = root / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    report = run([workflow], RunSettings(project_root=root))
    assert report.pools == () and report.findings == ()


def test_outside_a_work_tree_the_named_files_are_the_whole_run(tmp_path: Path) -> None:
    root = repository(tmp_path, git=False)
    report = run([root / "api" / "app" / "db.py"], RunSettings(project_root=root))
    assert report.capacity == () and not [f for f in report.findings if f.rule == "PC010"]


def test_the_hook_runs_when_only_system_files_change() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    pattern = re.compile(hook["files"])
    for staged in (
        "app/db.py",
        "src/main.rs",
        "docker-compose.yml",
        "deploy/k8s/api.yaml",
        "Dockerfile",
        "api/Dockerfile.prod",
        "Procfile",
        "gunicorn.conf.py",
        "deploy/pgbouncer.ini",
        "db/postgresql.conf",
        ".env",
        "migrations/0002_limits.sql",
    ):
        assert pattern.search(staged), staged
    for other in ("README.md", "package.json", "src/lib.ts"):
        assert not pattern.search(other), other
