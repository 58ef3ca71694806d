"""The pre-commit hook as users get it: ``pre-commit try-repo`` on this repository's current files.

try-repo clones a repository at HEAD and pip-installs it into a fresh virtualenv, so
the test commits a copy of the working tree first: what is tested is what is on disk,
installed the way a user's pre-commit installs it (not editable). It takes a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

BAD = """\
use sqlx::postgres::PgPoolOptions;

pub async fn connect(u: &str) -> sqlx::Result<sqlx::PgPool> {
    PgPoolOptions::new().max_connections(5).connect(u).await
}
"""

GOOD = """\
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub async fn connect(url: &str) -> sqlx::Result<sqlx::PgPool> {
    PgPoolOptions::new()
        .max_connections(50)
        .min_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(600))
        .max_lifetime(Duration::from_secs(1800))
        .connect(url)
        .await
}
"""

# What a user's clone would not hold: version control, virtualenvs, caches, build output.
NOT_SHIPPED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    ".ci-venv*",  # .ci-venv and .ci-venv-3.10, the oldest Python's
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "build",
    "dist",
)


def pre_commit_command() -> list[str] | None:
    beside = Path(sys.executable).parent / "pre-commit"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("pre-commit")
    return [found] if found else None


def git(*args: str, cwd: Path) -> None:
    identity = ["-c", "user.name=poolcheck tests", "-c", "user.email=tests@poolcheck.invalid"]
    subprocess.run(
        ["git", *identity, "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_the_hook_definition_matches_the_spec() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "poolcheck"
    assert hook["language"] == "python"
    assert "types_or" not in hook and hook["files"]  # files: code and system files (test_partial_runs.py)
    assert hook["require_serial"] is True
    assert hook["entry"].split() == ["poolcheck", "--force-exclude"]


@pytest.fixture(scope="module")
def try_repo(tmp_path_factory: pytest.TempPathFactory) -> object:
    command = pre_commit_command()
    if command is None:
        pytest.skip("the pre-commit command is not installed (pip install -e '.[test]')")
    base = tmp_path_factory.mktemp("pre-commit")
    hook_repo = base / "poolcheck"
    shutil.copytree(ROOT, hook_repo, ignore=NOT_SHIPPED, symlinks=True)
    git("init", "-q", cwd=hook_repo)
    git("add", "-A", cwd=hook_repo)
    git("commit", "-q", "-m", "working tree", cwd=hook_repo)

    project = base / "project"
    for name, code in [("src/bad.rs", BAD), ("src/good.rs", GOOD), ("target/debug/bad.rs", BAD)]:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"), "PRE_COMMIT_COLOR": "never"}

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "try-repo", str(hook_repo), "poolcheck", "--verbose", "--files", *files],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return run


@pytest.mark.slow
@pytest.mark.xdist_group("pre-commit try-repo")
def test_the_hook_fails_on_an_untuned_pool(try_repo) -> None:  # type: ignore[no-untyped-def]
    result = try_repo("src/bad.rs")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "src/bad.rs:4:26: PC001 [p2] max_connections is 5 (written)" in result.stdout
    assert "Failed" in result.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("pre-commit try-repo")
def test_the_hook_passes_a_tuned_pool(try_repo) -> None:  # type: ignore[no-untyped-def]
    result = try_repo("src/good.rs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    assert "No findings: 1 pool in 1 file checked." in result.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("pre-commit try-repo")
def test_the_hook_skips_excluded_files_it_is_given(try_repo) -> None:  # type: ignore[no-untyped-def]
    # pre-commit passes every staged file by name; --force-exclude keeps target/ out.
    result = try_repo("target/debug/bad.rs", "src/good.rs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 file checked" in result.stdout
