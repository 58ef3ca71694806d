"""The Erlang C model of a pool's waits, against the textbook formula and its known values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from poolcheck.capacity.load import connections_needed, erlang_c, wait
from poolcheck.cli import main
from poolcheck.config import ConfigError, Configs, load_config
from poolcheck.pipeline import RunSettings, run


def textbook(connections: int, load: float) -> float:
    """Erlang C as textbooks write it, with factorials: fine for small pools."""
    top = load**connections / math.factorial(connections) * connections / (connections - load)
    return top / (sum(load**k / math.factorial(k) for k in range(connections)) + top)


def test_known_values() -> None:
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: the utilisation
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    assert erlang_c(5, 0.0) == 0.0 and erlang_c(5, 5.0) == 1.0 and erlang_c(5, 9.0) == 1.0


@settings(derandomize=True, database=None, deadline=None, max_examples=200)
@given(st.integers(1, 60), st.floats(0.01, 0.99))
def test_the_recurrence_agrees_with_the_factorials(connections: int, utilisation: float) -> None:
    load = connections * utilisation
    assert erlang_c(connections, load) == pytest.approx(textbook(connections, load), rel=1e-9, abs=1e-12)


def test_large_pools_stay_finite() -> None:
    # 2,000 connections: the factorials overflow a float; the recurrence does not.
    assert 0 < erlang_c(2000, 1950.0) < 1


def test_the_mean_wait_and_a_pool_that_cannot_keep_up() -> None:
    # 40 requests a second holding 100 ms: 4 connections busy on average.
    at_five = wait(5, rate=40, hold=0.1)
    assert at_five.utilisation == pytest.approx(0.8)
    assert at_five.mean == pytest.approx(erlang_c(5, 4.0) * 0.1 / (5 - 4))
    assert wait(4, rate=40, hold=0.1).unbounded and wait(4, 40, 0.1).mean == math.inf


def test_connections_needed_is_the_smallest_that_fits() -> None:
    needed = connections_needed(rate=200, hold=0.05, acceptable_wait=0.005)  # 10 busy on average
    assert wait(needed, 200, 0.05).mean <= 0.005 < wait(needed - 1, 200, 0.05).mean
    assert needed > 10
    assert connections_needed(rate=0, hold=0.05, acceptable_wait=0.001) == 1
    # A longer acceptable wait never needs more connections.
    assert connections_needed(200, 0.05, 0.05) <= needed


COMPOSE = (
    "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=200\n"
    "  api:\n    build: ./api\n    command: gunicorn app.main:app -w 2\n    deploy:\n      replicas: 2\n"
)
ENGINE = (
    "from sqlalchemy import create_engine\n"
    "engine = create_engine(URL, pool_size=5, max_overflow=0, pool_timeout=5, pool_recycle=1800, pool_pre_ping=True)\n"
)


def service(root: Path, load: str) -> Path:
    (root / "api" / "app").mkdir(parents=True)
    (root / "docker-compose.yml").write_text(COMPOSE)
    (root / "api" / "app" / "db.py").write_text(ENGINE)
    (root / "poolcheck.toml").write_text(load)
    return root


def test_a_declared_load_sizes_the_pool_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = service(tmp_path, "[load]\nrequests-per-second = 800\nhold-ms = 20\nacceptable-wait-ms = 2\n")
    monkeypatch.chdir(root)
    report = run([Path(".")], RunSettings(configs=Configs(fallback=load_config(None, [Path(".")]))))
    (finding,) = report.findings
    # 800 a second over 2 replicas x 2 workers: 200 each, 4 busy on average, and by Erlang C 7 keep
    # the mean wait within 2 ms.
    assert connections_needed(200, 0.02, 0.002) == 7
    assert "at the declared peak of 200 requests a second (800 over 4 pools)" in finding.message
    assert finding.message.endswith("raise it to at least 7")


def test_a_pool_large_enough_for_its_load_is_not_too_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = service(tmp_path, "[load]\nrequests-per-second = 100\nhold-ms = 20\n")  # 25 each, 0.5 busy
    monkeypatch.chdir(root)
    report = run([Path(".")], RunSettings(configs=Configs(fallback=load_config(None, [Path(".")]))))
    assert report.findings == ()  # 5 < the floor of 50, but the load needs fewer


def test_an_unknown_load_key_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "poolcheck.toml").write_text("[load]\nrequest-per-second = 100\n")
    with pytest.raises(
        ConfigError, match=r"unknown key load\.'request-per-second' \(did you mean 'requests-per-second'\?\)"
    ):
        load_config(tmp_path / "poolcheck.toml", [tmp_path])


def test_the_card_shows_the_waits_at_the_declared_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service(tmp_path, "[load]\nrequests-per-second = 800\nhold-ms = 20\nacceptable-wait-ms = 2\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--format", "todo", "."])
    now, recommended = wait(5, 200, 0.02), wait(7, 200, 0.02)
    assert f"| Now (5) | 4 | {now.probability:.0%} | {now.mean * 1000:.1f} ms |" in result.output
    assert (
        f"| Recommended (7) | 4 | {recommended.probability:.0%} | {recommended.mean * 1000:.1f} ms |"
        in result.output
    )
    assert "holds a connection for 50% of its time" not in result.output  # the assumption gives way
