"""The cached venvs of tests/realdb: built on an installed interpreter, so they outlive the venv that ran the tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from realdb.conftest import python_of
from realdb.version_sets import PSYCOPG2_2_9


def is_a_venv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").exists()


@pytest.mark.slow
@pytest.mark.xdist_group(PSYCOPG2_2_9.name)
def test_a_cached_venv_links_to_the_installed_interpreter_not_to_the_venv_running_the_tests() -> None:
    """Python 3.10's venv module links a venv made from a venv to that venv's ``python``: a cached venv
    built by the suite in .ci-venv-3.10 would break when that clone and its venv are removed."""
    venv = python_of(PSYCOPG2_2_9).parent.parent
    lines = (venv / "pyvenv.cfg").read_text().splitlines()
    config = dict(line.split(" = ", 1) for line in lines if " = " in line)
    home = Path(config["home"])
    assert not is_a_venv(home.parent), f"{venv.name} runs on {home}, a venv's interpreter"
    assert config["version"].startswith("{}.{}.".format(*sys.version_info[:2]))
