"""Helpers that run one stage or the whole pipeline on a snippet."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from poolcheck.check import check_pools, every_rule
from poolcheck.effective import effective_pool
from poolcheck.model import Finding, Pool, PoolSite, Report
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import analyse_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"

# Every run draws the same examples, keeps no example database, and never fails on a clock (no
# deadline, no too-slow health check): a run cannot find a new failing example by chance or by load.
settings.register_profile(
    "poolcheck",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("poolcheck")


def in_ci() -> bool:
    """Does the environment say this is CI (``CI=true``, as GitHub Actions and GitLab set it)?"""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_shared(path: Path, what: str) -> Path:
    """A file of the product contract in ``../shared``, beside the repository.

    Missing, it skips the test, naming the path; in CI it fails the test, so that a
    check out without the contract cannot pass by skipping what it was to prove.
    """
    if path.is_file():
        return path
    message = f"{what} is not at {path} (the ../shared folder beside the repository)"
    if in_ci():
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(message)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``; ``root`` back."""
    for name, text in files.items():
        write_snippet(root, text, name)
    return root


def run_from(folder: Path, *paths: str) -> Report:
    """The pipeline run on ``paths`` from ``folder``, as the command runs from a project's root: the
    paths it reports are relative to it."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        return run([Path(path) for path in paths], RunSettings())
    finally:
        os.chdir(previous)


def write_snippet(folder: Path, code: str, name: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


class Snippets:
    """Run the front end, the effective stage, or the rules on a snippet written to a temp file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def _file(self, code: str, suffix: str) -> Path:
        self.count += 1
        return write_snippet(self.folder, code, f"snippet{self.count}{suffix}")

    def sites(self, code: str, suffix: str = ".rs") -> list[PoolSite]:
        result = analyse_file(self._file(code, suffix))
        assert not result.errors, result.errors
        return list(result.sites)

    def site(self, code: str, suffix: str = ".rs") -> PoolSite:
        sites = self.sites(code, suffix)
        assert len(sites) == 1, sites
        return sites[0]

    def pools(self, code: str, suffix: str = ".rs") -> list[Pool]:
        return [effective_pool(site) for site in self.sites(code, suffix)]

    def pool(self, code: str, suffix: str = ".rs") -> Pool:
        return effective_pool(self.site(code, suffix))

    def findings(self, code: str, suffix: str = ".rs") -> list[Finding]:
        return check_pools(self.pools(code, suffix), every_rule())


@pytest.fixture
def snippets(tmp_path: Path) -> Snippets:
    return Snippets(tmp_path)


def poolcheck_command() -> list[str]:
    """The installed console script, next to this interpreter."""
    script = Path(sys.executable).parent / "poolcheck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "poolcheck"]
