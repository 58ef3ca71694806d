"""Fixtures for tests against a real PostgreSQL server and real library versions.

Where the server or a venv cannot be had, the tests skip with a reason naming what is missing;
in CI (``CI`` set) they fail instead, so a CI run cannot pass by proving nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import in_ci
from pgserver import PostgresServer, ServerUnavailable, private_server

from realdb.venvs import VenvUnavailable, VersionSet, venv_python


def unavailable(message: str) -> None:
    if in_ci():
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster for this test process, on loopback, removed at the end."""
    try:
        with private_server() as server:
            yield server
    except ServerUnavailable as error:
        unavailable(f"no private PostgreSQL server: {error}")


def python_of(version_set: VersionSet) -> Path:
    """The interpreter of the version set's cached venv (built on first use)."""
    try:
        return venv_python(version_set)
    except VenvUnavailable as error:
        unavailable(f"no venv for {version_set.name}: {error}")
        raise  # unreachable: unavailable() skips or fails
