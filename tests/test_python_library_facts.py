"""What the Python libraries really do with their knobs, as their released source says: the
findings and the cards' fixes follow it (aiopg 1.4, Django 5.1-6.1, Flask-SQLAlchemy 3.1,
SQLAlchemy 1.4/2.0, psycopg_pool 3.2, asyncpg 0.32).
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
from conftest import Snippets

from poolcheck.cards.content import build_cards
from poolcheck.cards.model import Card
from poolcheck.cards.source import statement_tail
from poolcheck.check import default_options
from poolcheck.pipeline import RunSettings, run


def fired(snippets: Snippets, code: str) -> dict[str, tuple[str, str]]:
    return {f.rule: (f.priority, f.message) for f in snippets.findings(code, ".py")}


def cards(folder: Path, code: str) -> tuple[Card, ...]:
    path = folder / "service.py"
    path.write_text(textwrap.dedent(code))
    previous = Path.cwd()
    os.chdir(folder)
    try:
        report = run([Path("service.py")], RunSettings())
        options = default_options()
        return build_cards(report, lambda _: options, date(2025, 1, 2), "pool", statement_tail)  # type: ignore[arg-type]
    finally:
        os.chdir(previous)


def text_of(card: Card) -> str:
    return "\n\n".join(section.body for section in card.sections)


def alias_in(code: str) -> dict[str, object]:
    """The ``default`` entry of a card's DATABASES code: the whole assignment, or the entry alone."""
    if code.startswith("DATABASES"):
        statement = ast.parse(code).body[0]
        assert isinstance(statement, ast.Assign)
        return ast.literal_eval(statement.value)["default"]  # type: ignore[no-any-return]
    return ast.literal_eval("{" + code + "}")["default"]  # type: ignore[no-any-return]


def option_code(card: Card, number: int) -> str:
    solutions = next(s.body for s in card.sections if s.heading == "Proposed Solutions")
    part = solutions.split(f"### Option {number}:", 1)[1]
    found = re.search(r"```python\n(.*?)\n```", part, re.S)
    assert found, part
    return found.group(1)


# --- aiopg: one timeout for waiting, connecting and every query ---------------------------------

AIOPG = """
import aiopg


async def connect(dsn):
    return await aiopg.create_pool(dsn, maxsize=50, pool_recycle=600{extra})
"""


def test_aiopg_missing_timeout_is_not_told_to_be_a_few_seconds(snippets: Snippets) -> None:
    priority, message = fired(snippets, AIOPG.format(extra=""))["PC002"]
    assert priority == "p3"
    assert "every query" in message and "set timeout to a few seconds" not in message
    assert "asyncio.timeout" in message  # where a short wait for a connection belongs


def test_aiopg_long_timeout_is_a_query_budget_not_pc003(snippets: Snippets) -> None:
    assert "PC003" not in fired(snippets, AIOPG.format(extra=", timeout=120"))


def test_aiopg_card_never_proposes_a_short_timeout(tmp_path: Path) -> None:
    (card,) = cards(tmp_path, AIOPG.format(extra=""))
    text = text_of(card)
    assert "timeout=5" not in text and "few seconds (5 s is common)" not in text
    assert "every query on the pool's connections" in text
    # The library's own value, written as a choice: the same behaviour, and PC002 is answered.
    assert "timeout=60" in option_code(card, 1)


def test_aiopg_zero_timeout_fails_every_query(snippets: Snippets) -> None:
    priority, message = fired(snippets, AIOPG.format(extra=", timeout=0"))["PC007"]
    assert priority == "p1" and "every query times out" in message


# --- Django: CONN_HEALTH_CHECKS is the pool's check ------------------------------------------------

DJANGO = """
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",{extra}
        "OPTIONS": {{"pool": {{"min_size": 2, "max_size": 50, "timeout": 5, "max_idle": 600, "max_lifetime": 1800}}}},
    }},
}}
"""


def test_django_pool_honours_conn_health_checks(snippets: Snippets) -> None:
    assert fired(snippets, DJANGO.format(extra='\n        "CONN_HEALTH_CHECKS": True,')) == {}
    message = fired(snippets, DJANGO.format(extra=""))["PC012"][1]
    assert message.startswith("CONN_HEALTH_CHECKS is off (Django default)")


def test_django_pool_card_sets_conn_health_checks_never_check(tmp_path: Path) -> None:
    (card,) = cards(tmp_path, DJANGO.format(extra=""))
    alias = alias_in(option_code(card, 1))
    assert alias["CONN_HEALTH_CHECKS"] is True
    assert "check" not in alias["OPTIONS"]["pool"]  # type: ignore[index]  # Django 5.1-6.0 pass check=
    assert "check=" not in text_of(card)


def test_django_pool_options_get_the_cards_values(tmp_path: Path) -> None:
    code = 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"pool": True}}}\n'
    (card,) = cards(tmp_path, code)
    alias = alias_in(option_code(card, 1))
    assert alias["OPTIONS"]["pool"]["max_size"] == 50  # type: ignore[index]
    assert alias["CONN_HEALTH_CHECKS"] is True


# --- Flask-SQLAlchemy 3.x driver defaults -------------------------------------------------------------

FLASK = """
from flask_sqlalchemy import SQLAlchemy

SQLALCHEMY_DATABASE_URI = "{url}"
SQLALCHEMY_ENGINE_OPTIONS = {{"pool_size": 40, "pool_timeout": 5, "pool_pre_ping": True}}
"""


def test_flask_mysql_engines_recycle_after_two_hours(snippets: Snippets) -> None:
    pool = snippets.pool(FLASK.format(url="mysql+pymysql://app@db/app"), ".py")
    lifetime = pool.settings["max_lifetime"]
    assert (lifetime.value, lifetime.source) == (7200.0, "default")
    priority, message = fired(snippets, FLASK.format(url="mysql+pymysql://app@db/app"))["PC004"]
    assert priority == "p3" and "2 h (Flask-SQLAlchemy default)" in message
    # PostgreSQL gets no such default: the lifetime is unlimited.
    assert fired(snippets, FLASK.format(url="postgresql://app@db/app"))["PC004"][0] == "p2"


@pytest.mark.parametrize(
    ("url", "pooled"),
    [
        ("sqlite:///:memory:", False),  # StaticPool (Flask-SQLAlchemy), SingletonThreadPool (SQLAlchemy)
        ("sqlite://", False),
        ("sqlite:///file:shop?mode=memory&uri=true", False),
        ("sqlite:///shop.db", True),  # QueuePool in SQLAlchemy 2.0
    ],
)
def test_in_memory_sqlite_keeps_no_pool(snippets: Snippets, url: str, pooled: bool) -> None:
    assert snippets.pool(FLASK.format(url=url), ".py").site.pooled is pooled
    engine = f'from sqlalchemy import create_engine\nengine = create_engine("{url}")\n'
    assert snippets.pool(engine, ".py").site.pooled is pooled


# --- PC007: what a zero timeout does, per library -------------------------------------------------


@pytest.mark.parametrize(
    ("code", "priority", "words"),
    [
        # QueuePool waits only when pool_size + max_overflow are in use: 0 is "do not wait".
        (
            "from sqlalchemy import create_engine\ne = create_engine(u, pool_timeout=0)",
            "p3",
            "does not wait",
        ),
        (
            "from sqlalchemy.pool import QueuePool\np = QueuePool(creator, timeout=0)",
            "p3",
            "does not wait",
        ),
        ("from psycopg_pool import ConnectionPool\np = ConnectionPool(c, timeout=0)", "p1", "PoolTimeout"),
        (
            "import asyncpg\nasync def f(d):\n    return await asyncpg.create_pool(d, timeout=0)",
            "p1",
            "every connection attempt times out",
        ),
        (
            "from psycopg_pool import ConnectionPool\np = ConnectionPool(c, min_size=0, max_size=0)",
            "p1",
            "raises ValueError when the pool is built",
        ),
        (
            "import asyncpg\nasync def f(d):\n    return await asyncpg.create_pool(d, min_size=0, max_size=0)",
            "p1",
            "raises ValueError in create_pool",
        ),
        (  # Pool._fill_free_pool closes every free connection idle longer than 0 s
            "import aiopg\nasync def f(d):\n    return await aiopg.create_pool(d, pool_recycle=0)",
            "p2",
            "each acquire opens a new connection",
        ),
        (
            "from sqlalchemy import create_engine\ne = create_engine(u, pool_recycle=0)",
            "p2",
            "every checkout closes the connection",
        ),
    ],
)
def test_zero_timeouts_say_what_the_library_does(
    snippets: Snippets, code: str, priority: str, words: str
) -> None:
    found = fired(snippets, code)["PC007"]
    assert found[0] == priority and words in found[1], found


# --- PC005 where an idle timeout closes nothing -----------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "reported"),
    [
        ("", False),
        ("min_size=10, max_size=10", False),
        ("min_size=10", False),
        ("min_size=5, max_size=20", True),
    ],
)
def test_psycopg_pool_fixed_pool_needs_no_idle_timeout(
    snippets: Snippets, arguments: str, reported: bool
) -> None:
    code = f"from psycopg_pool import ConnectionPool\npool = ConnectionPool(c, {arguments})"
    assert ("PC005" in fired(snippets, code)) is reported


def test_asyncpg_cards_say_acquire_waits_forever(tmp_path: Path) -> None:
    code = "import asyncpg\n\n\nasync def f(d):\n    return await asyncpg.create_pool(d)\n"
    (card,) = cards(tmp_path, code)
    assert "pool.acquire() waits forever" in text_of(card)


def test_raising_a_fixed_pools_maximum_chooses_its_idle_timeout_too(tmp_path: Path) -> None:
    # ConnectionPool(conninfo) is a fixed pool of 4: no PC005 now, but the card's max_size=50 makes
    # it shrink after max_idle, so the card sets max_idle as well and the fixed code stays clean.
    (card,) = cards(tmp_path, "from psycopg_pool import ConnectionPool\n\npool = ConnectionPool(conninfo)\n")
    assert "PC005" not in card.rules
    fixed = option_code(card, 1)
    assert "max_size=50" in fixed and "max_idle=600" in fixed
    (tmp_path / "fixed").mkdir()
    assert not cards(tmp_path / "fixed", "from psycopg_pool import ConnectionPool\n\n" + fixed + "\n")


def test_settings_dicts_get_their_new_entries_in_place(tmp_path: Path) -> None:
    flask = (
        "from flask_sqlalchemy import SQLAlchemy\n\n"
        'SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"\n'
        "SQLALCHEMY_ENGINE_OPTIONS = {\n"
        '    "pool_size": 40,\n'
        '    "pool_timeout": 5,\n'
        "}\n"
    )
    (card,) = cards(tmp_path, flask)
    code = option_code(card, 1)
    options = ast.literal_eval(code.split("=", 1)[1].strip())
    assert options["pool_pre_ping"] is True and options["pool_recycle"] == 1800
    assert "to the pool's configuration" not in text_of(card)
    plain = (
        'DATABASES = {\n    "default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 600},\n}\n'
    )
    (tmp_path / "plain").mkdir()
    (card,) = cards(tmp_path / "plain", plain)
    assert alias_in(option_code(card, 1)) == {
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


def test_a_databases_entry_gets_no_statement_before_it(tmp_path: Path) -> None:
    (card,) = cards(tmp_path, DJANGO.format(extra="").replace('"max_size": 50', '"max_size": 10'))
    solutions = next(s.body for s in card.sections if s.heading == "Proposed Solutions")
    assert "Option 2" in solutions and "Sized from CPU cores" not in solutions


def test_flask_engine_options_argument_gets_the_new_keys(tmp_path: Path) -> None:
    # SQLAlchemy(..) takes no pool_* keywords of its own: they go into engine_options.
    code = 'from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy(engine_options={"pool_size": 40})\n'
    (card,) = cards(tmp_path, code)
    call = ast.parse(option_code(card, 1)).body[0]
    assert isinstance(call, ast.Assign) and isinstance(call.value, ast.Call)
    assert [k.arg for k in call.value.keywords] == ["engine_options"]
    options = ast.literal_eval(call.value.keywords[0].value)
    assert options["pool_pre_ping"] is True and options["pool_timeout"] == 5
