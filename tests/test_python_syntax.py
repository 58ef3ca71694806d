"""Python syntax of every supported version, read whatever Python runs poolcheck, and recovery from errors.

Each file is written the way services of 2024-2026 write these constructs (FastAPI and
SQLAlchemy apps, psycopg_pool and asyncpg modules); each builds a pool, which must be
found with the knob values written, on the oldest interpreter poolcheck supports as on
the newest. A syntax error costs the statement it is in, not the file: the pools around
it are reported and the error is an ``errors`` entry of kind ``parse`` naming its line.
Files that are not Python 3 (Python 2, Cython, Jinja templates named ``.py``) are an
error entry, never a crash, and never a value the file does not hold.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import pytest
from conftest import Snippets
from hypothesis import given, settings
from hypothesis import strategies as st

from poolcheck.frontends import PYTHON
from poolcheck.model import FileResult, PoolSite, Value


def knobs(site: PoolSite) -> dict[str, Value]:
    return {name: setting.value for name, setting in site.knobs}


def extract(code: str, name: str = "service.py") -> FileResult:
    """The front end on ``code`` (dedented), called directly: an exception fails the test."""
    return PYTHON.extract(name, textwrap.dedent(code).encode("utf-8"))


def parse_error_lines(result: FileResult) -> list[int]:
    """The line each parse error names; every error of the file must be a parse error that names one."""
    lines = []
    for error in result.errors:
        assert error.kind == "parse", error
        found = re.search(r"\bline (\d+)\b", error.message)
        assert found, error.message
        lines.append(int(found.group(1)))
    return lines


# Each construct in a file that builds a pool: (code, the pool's entry, its knobs as written).
NEW_SYNTAX = {
    "3.12 type aliases": (
        '''
        """Engine and session factory of the orders service."""

        from collections.abc import AsyncIterator

        from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

        type Engine = AsyncEngine
        type SessionFactory = async_sessionmaker[AsyncSession]
        type Rows[T] = list[tuple[T, ...]]


        def build_engine(database_url: str) -> Engine:
            return create_async_engine(
                database_url,
                pool_size=15,
                max_overflow=5,
                pool_timeout=10,
                pool_pre_ping=True,
            )
        ''',
        "sqlalchemy.ext.asyncio.create_async_engine",
        {"pool_size": 15, "max_overflow": 5, "pool_timeout": 10, "pool_pre_ping": True},
    ),
    "3.12 generic function": (
        """
        import asyncpg


        async def open_pool[R: asyncpg.Record](dsn: str, record_class: type[R]) -> asyncpg.Pool[R]:
            return await asyncpg.create_pool(
                dsn,
                min_size=2,
                max_size=12,
                max_inactive_connection_lifetime=300.0,
                record_class=record_class,
            )
        """,
        "asyncpg.create_pool",
        {"min_size": 2, "max_size": 12, "max_inactive_connection_lifetime": 300.0},
    ),
    "3.12 generic class, pool in a method": (
        '''
        from psycopg_pool import AsyncConnectionPool
        from pydantic import BaseModel


        class Repository[ModelT: BaseModel, *Keys, **Hooks]:
            """CRUD over one table; each repository owns its pool."""

            def __init__(self, model: type[ModelT], conninfo: str) -> None:
                self.model = model
                self.pool = AsyncConnectionPool(conninfo, min_size=1, max_size=8, timeout=5.0, open=False)

            async def get(self, key: str) -> ModelT | None:
                async with self.pool.connection() as conn:
                    row = await (await conn.execute("SELECT data FROM items WHERE key = %s", (key,))).fetchone()
                return self.model.model_validate(row[0]) if row else None
        ''',
        "psycopg_pool.ConnectionPool",
        {"min_size": 1, "max_size": 8, "timeout": 5.0},
    ),
    "3.13 defaults on type parameters": (
        """
        from dataclasses import dataclass

        from sqlalchemy import create_engine

        type Pair[K = str, V = int] = dict[K, V]


        def first[T = object](items: list[T]) -> T:
            return items[0]


        @dataclass
        class Box[T = int, *Ts = *tuple[int, ...], **P = [str]]:
            url: str

            def engine(self):
                return create_engine(self.url, pool_size=9, pool_recycle=1_800)
        """,
        "sqlalchemy.create_engine",
        {"pool_size": 9, "pool_recycle": 1800},
    ),
    "3.14 except without parentheses": (
        """
        import asyncio
        import logging

        import asyncpg

        log = logging.getLogger(__name__)


        async def warm_up(pool: asyncpg.Pool) -> None:
            try:
                async with asyncio.TaskGroup() as group:
                    for _ in range(pool.get_min_size()):
                        group.create_task(pool.execute("SELECT 1"))
            except* OSError, asyncpg.CannotConnectNowError:
                log.warning("database still starting up")


        async def open_pool(dsn: str, replica: str) -> asyncpg.Pool:
            try:
                conn = await asyncpg.connect(dsn, timeout=2)
            except ConnectionRefusedError, TimeoutError:
                log.warning("primary unreachable, using the replica")
                dsn = replica
            else:
                await conn.close()
            return await asyncpg.create_pool(dsn, min_size=1, max_size=6)
        """,
        "asyncpg.create_pool",
        {"min_size": 1, "max_size": 6},
    ),
    "3.14 template strings": (
        """
        from string.templatelib import Template

        from sqlalchemy import create_engine


        def render(template: Template) -> str:
            return "".join(str(part) for part in template)


        user, host, width = "app", "db.internal", 8
        banner = t"connecting {user!r:>{width}} to {host}"
        engine = create_engine(render(t"postgresql+psycopg://{user}@{host}/app"), pool_size=4, pool_timeout=2.5)
        """,
        "sqlalchemy.create_engine",
        {"pool_size": 4, "pool_timeout": 2.5},
    ),
    "3.12 f-strings with nested quotes": (
        """
        import tomllib

        from sqlalchemy.ext.asyncio import create_async_engine

        with open("config.toml", "rb") as f:
            cfg = tomllib.load(f)["database"]

        engine = create_async_engine(
            f"postgresql+asyncpg://{cfg["user"]}:{cfg["password"]}@{",".join(cfg["hosts"])}/{f"{cfg["name"]}"}",
            pool_size=cfg.get("pool_size", 10),
            max_overflow=3,
            pool_recycle=3600,
        )
        """,
        "sqlalchemy.ext.asyncio.create_async_engine",
        {"pool_size": None, "max_overflow": 3, "pool_recycle": 3600},
    ),
}

# Syntax every supported interpreter reads (3.10 and up), and names its soft keywords may still be.
OLD_SYNTAX = {
    "match, pool built in a case": (
        """
        import os

        from sqlalchemy import create_engine

        match os.environ.get("APP_ENV", "dev"):
            case "test" | "ci":
                pass
            case {"replicas": [primary, *_]} if primary:
                pass
            case "prod":
                engine = create_engine(os.environ["DATABASE_URL"], pool_size=20, max_overflow=10, pool_timeout=5)
            case _:
                pass
        """,
        "sqlalchemy.create_engine",
        {"pool_size": 20, "max_overflow": 10, "pool_timeout": 5},
    ),
    "soft keywords as names": (
        """
        import re

        from psycopg_pool import ConnectionPool

        type = "postgres"
        match = re.match(r"(\\w+)://", DATABASE_URL)
        _ = [match for match in ("a", "b")]
        pool = ConnectionPool(DATABASE_URL, min_size=2, max_size=10, max_idle=120.0)
        """,
        "psycopg_pool.ConnectionPool",
        {"min_size": 2, "max_size": 10, "max_idle": 120.0},
    ),
    "decorators with arbitrary expressions": (
        """
        import asyncpg
        from fastapi import FastAPI

        app = FastAPI()
        handlers = {"startup": [app.on_event("startup")]}


        @handlers["startup"][0]
        @(lambda fn: fn)
        @app.on_event("startup")
        async def open_pool() -> None:
            app.state.pool = await asyncpg.create_pool(app.state.dsn, min_size=2, max_size=10, timeout=30)
        """,
        "asyncpg.create_pool",
        {"min_size": 2, "max_size": 10, "timeout": 30},
    ),
    "decorator on a subscripted attribute chain": (
        """
        from sqlalchemy import create_engine


        @buttons[0].clicked.connect
        def on_connect() -> None:
            window.engine = create_engine(window.url_field.text(), pool_size=3, pool_pre_ping=True)
        """,
        "sqlalchemy.create_engine",
        {"pool_size": 3, "pool_pre_ping": True},
    ),
}


@pytest.mark.parametrize("construct", sorted(NEW_SYNTAX))
def test_newer_syntax_reports_its_pool(snippets: Snippets, construct: str) -> None:
    code, entry, written = NEW_SYNTAX[construct]
    site = snippets.site(code, ".py")  # no errors entry
    assert (site.entry, knobs(site)) == (entry, written)


@pytest.mark.parametrize("construct", sorted(OLD_SYNTAX))
def test_syntax_of_every_version_reports_its_pool(snippets: Snippets, construct: str) -> None:
    code, entry, written = OLD_SYNTAX[construct]
    site = snippets.site(code, ".py")
    assert (site.entry, knobs(site)) == (entry, written)


def test_nested_quotes_in_the_url_still_give_its_database(snippets: Snippets) -> None:
    code, _, _ = NEW_SYNTAX["3.12 f-strings with nested quotes"]
    assert snippets.site(code, ".py").database == "postgres"


def test_walrus_in_the_condition_around_the_pool(snippets: Snippets) -> None:
    site = snippets.site(
        """
        import os

        from psycopg_pool import ConnectionPool

        if (size := int(os.getenv("POOL_SIZE", "10"))) > 0:
            pool = ConnectionPool(os.environ["DATABASE_URL"], min_size=1, max_size=size, timeout=7.5)
        """,
        ".py",
    )
    written = dict(site.knobs)
    assert (written["min_size"].value, written["timeout"].value) == (1, 7.5)
    # The name the walrus binds is the environment's value, or not known; never some other number.
    assert (written["max_size"].value, written["max_size"].env) in ((None, None), (10, "POOL_SIZE"))


def test_match_reports_the_pool_of_every_case(snippets: Snippets) -> None:
    sites = snippets.sites(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        def engine_for(environment: str):
            match environment.split("-"):
                case ["test", *_]:
                    return create_engine(TEST_URL, poolclass=NullPool)
                case ["prod", region] if region in REGIONS:
                    return create_engine(REGIONS[region], pool_size=30, max_overflow=0)
                case _:
                    return create_engine(DEV_URL, pool_size=2)
        """,
        ".py",
    )
    assert [(site.span.line, site.pooled) for site in sites] == [(8, False), (10, True), (12, True)]
    assert [knobs(site) for site in sites[1:]] == [{"pool_size": 30, "max_overflow": 0}, {"pool_size": 2}]


# A syntax error in one function, a pool in another: (code, the error's line).
BROKEN = {
    "unclosed parenthesis in an earlier function": (
        """
        import logging

        from sqlalchemy import create_engine

        log = logging.getLogger(__name__)


        def report(rows):
            log.info("rows: %s", len(rows)


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        10,
    ),
    "missing colon": (
        """
        from sqlalchemy import create_engine


        def handler(event)
            return event["id"]


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        5,
    ),
    "stray closing parenthesis": (
        """
        from sqlalchemy import create_engine


        def total(orders):
            return sum(order.amount for order in orders))


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        6,
    ),
    "error after the pool": (
        """
        from sqlalchemy import create_engine


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)


        def shutdown(:
            engine().dispose()
        """,
        9,
    ),
    "unexpected indent": (
        """
        from sqlalchemy import create_engine


        def retries(settings):
            count = settings.get("retries", 3)
                return max(count, 1)


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        7,
    ),
    "unindent that matches no outer level": (
        """
        from sqlalchemy import create_engine


        def retries(settings):
            if settings:
                count = settings.get("retries", 3)
              return max(count, 1)


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        8,
    ),
    "function body not indented": (
        '''
        from sqlalchemy import create_engine


        def retries(settings):
        """How many times to retry a connection."""
            return settings.get("retries", 3)


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        ''',
        6,
    ),
    "unclosed dict at module level": (
        """
        from sqlalchemy import create_engine

        ENGINE_OPTIONS = {
            "pool_pre_ping": True,
            "echo": False,

        engine = create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        4,
    ),
    "unterminated string": (
        """
        from sqlalchemy import create_engine


        def describe(rows):
            return "rows: + str(len(rows))


        def engine():
            return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        6,
    ),
    "unclosed parenthesis in a decorator": (
        """
        from fastapi import FastAPI
        from sqlalchemy import create_engine

        app = FastAPI()


        @app.get("/health"
        async def health():
            return {"ok": True}


        @app.on_event("startup")
        def engine():
            app.state.engine = create_engine(DATABASE_URL, pool_size=8, max_overflow=2)
        """,
        8,
    ),
    "error in a method of the class that builds the pool": (
        """
        from sqlalchemy import create_engine


        class Database:
            def __init__(self, url):
                self.engine = create_engine(url, pool_size=8, max_overflow=2)

            def ping(self):
                with self.engine.connect() as conn
                    conn.exec_driver_sql("SELECT 1")
        """,
        10,
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_syntax_error_costs_its_statement_not_the_pool(case: str) -> None:
    code, line = BROKEN[case]
    result = extract(code)
    assert parse_error_lines(result) == [line]
    assert [knobs(site) for site in result.sites] == [{"pool_size": 8, "max_overflow": 2}]
    assert result.sites[0].entry == "sqlalchemy.create_engine"


POOL = "engine = create_engine(DATABASE_URL, pool_size=8, max_overflow=2)"
# A block header without its colon, and the pool after that block or beside it, in the code after
# three lines of imports: (the code, the error's line).
MISSING_COLON = {
    "if": (f'if settings.DEBUG\n    logging.basicConfig(level="DEBUG")\n\n{POOL}', 4),
    "elif": (
        f'if settings.DEBUG:\n    level = "DEBUG"\nelif settings.TESTING\n    level = "INFO"\n\n{POOL}',
        6,
    ),
    "for": (
        f'for name in ("sqlalchemy.engine", "sqlalchemy.pool")\n    logging.getLogger(name).setLevel("WARNING")\n\n{POOL}',
        4,
    ),
    "while": (f"while not ready()\n    time.sleep(0.5)\n\n{POOL}", 4),
    "with": (f'with open("VERSION") as f\n    VERSION = f.read().strip()\n\n{POOL}', 4),
    "try": (f"try\n    import orjson as json\nexcept ImportError:\n    import json\n\n{POOL}", 4),
    "except": (f"try:\n    import orjson as json\nexcept ImportError\n    import json\n\n{POOL}", 6),
    "async def": (f"async def ready()\n    return True\n\n{POOL}", 4),
    "method": (f"class Health:\n    def ping(self)\n        return True\n\n{POOL}", 5),
    "match case": (
        f'match settings.ENV:\n    case "dev"\n        logging.basicConfig(level="DEBUG")\n    case _:\n        pass\n\n{POOL}',
        5,
    ),
    "lambda": (f'on_connect = lambda conn conn.execute("SET timezone TO UTC")\n{POOL}', 4),
    "except beside a broken try": (
        f"try\n    from app.local import engine\nexcept ImportError:\n    {POOL}",
        4,
    ),
}


@pytest.mark.parametrize("header", sorted(MISSING_COLON))
def test_a_block_header_without_its_colon_is_an_error_at_its_line(header: str) -> None:
    code, line = MISSING_COLON[header]
    result = extract(f"import logging\n\nfrom sqlalchemy import create_engine\n{code}\n")
    assert parse_error_lines(result) == [line]
    assert [knobs(site) for site in result.sites] == [{"pool_size": 8, "max_overflow": 2}]


def test_django_settings_with_new_syntax_and_an_error_keep_their_pool() -> None:
    result = extract(
        """
        import os
        from pathlib import Path

        type Env = dict[str, str]
        BASE_DIR = Path(__file__).resolve().parent.parent


        def env_list(name: str) -> list[str]
            return os.environ.get(name, "").split(",")


        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": os.environ.get("POSTGRES_DB", "app"),
                "OPTIONS": {"pool": {"min_size": 2, "max_size": 9, "timeout": 10}},
            }
        }
        """,
        "settings.py",
    )
    assert parse_error_lines(result) == [9]
    assert [(site.entry, knobs(site)) for site in result.sites] == [
        ("django.DATABASES.OPTIONS.pool", {"min_size": 2, "max_size": 9, "timeout": 10})
    ]


def test_flask_sqlalchemy_options_after_new_syntax(snippets: Snippets) -> None:
    site = snippets.site(
        """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        type Config = dict[str, object]

        app = Flask(__name__)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 7, "max_overflow": 3, "pool_pre_ping": True}
        db = SQLAlchemy(app)
        """,
        ".py",
    )
    assert (site.entry, knobs(site)) == (
        "flask_sqlalchemy.SQLALCHEMY_ENGINE_OPTIONS",
        {"pool_size": 7, "max_overflow": 3, "pool_pre_ping": True},
    )


def test_the_pool_after_an_error_keeps_its_imports_and_values() -> None:
    result = extract(
        """
        import os

        from psycopg_pool import ConnectionPool

        POOL_MAX = int(os.getenv("POOL_MAX", "16"))


        def broken(
            return None


        pool = ConnectionPool(os.environ["DATABASE_URL"], min_size=4, max_size=POOL_MAX)
        """
    )
    assert parse_error_lines(result) == [9]
    [site] = result.sites
    written = dict(site.knobs)
    assert site.entry == "psycopg_pool.ConnectionPool"
    assert (written["min_size"].value, written["max_size"].value, written["max_size"].env) == (
        4,
        16,
        "POOL_MAX",
    )


# Not Python 3 at all. Each names the values a pool reported from it may have: what the file holds,
# or not known (None); a value read from the wrong reading of the file is a failure.
NOT_PYTHON_3 = {
    "Python 2": (
        """
        import os
        import sys

        from sqlalchemy import create_engine

        DATABASE_URL = os.environ["DATABASE_URL"]


        def get_engine():
            try:
                engine = create_engine(DATABASE_URL, pool_size=010, max_overflow=10L)
            except Exception, e:
                print "could not create the engine: %s" % e
                raise
            print >>sys.stderr, "engine ready"
            return engine
        """,
        {"pool_size": (8, None), "max_overflow": (10, None)},  # 010 is octal in Python 2
    ),
    "Cython": (
        """
        # cython: language_level=3
        from sqlalchemy import create_engine

        size = 20


        cdef class Holder:
            cdef public object engine


        def make(url):
            cdef int size = 5
            return create_engine(url, pool_size=size)
        """,
        {"pool_size": (5, None)},  # the cdef local, not the module's 20
    ),
    "Jinja template": (
        """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        {# rendered by the deploy tool for each environment #}
        {% if pooled %}
        engine = create_engine("{{ database_url }}", pool_size={{ size }}, max_overflow={{ overflow | default(10) }})
        {%- else %}
        engine = create_engine("{{ database_url }}", poolclass=NullPool)
        {% endif %}
        """,
        {"pool_size": (None,), "max_overflow": (None,)},
    ),
}


@pytest.mark.parametrize("kind", sorted(NOT_PYTHON_3))
def test_a_file_that_is_not_python_3_is_an_error_and_no_wrong_value(kind: str) -> None:
    code, allowed = NOT_PYTHON_3[kind]
    result = extract(code)
    assert parse_error_lines(result), result
    for site in result.sites:
        for name, value in knobs(site).items():
            assert name not in allowed or value in allowed[name], (name, value)


# One construct of Python 2, or a number Python 3 cannot read, in a file that builds a pool at line 4
# or after: (the line, what follows the imports, the values its pool_size may be read as).
NOT_PYTHON_3_LINES = {
    "octal literal": (4, "engine = create_engine(DATABASE_URL, pool_size=010)", (8, None)),
    "long literal": (4, "engine = create_engine(DATABASE_URL, pool_size=10L)", (10, None)),
    "backticks": (4, "engine = create_engine(`DATABASE_URL`, pool_size=5)", (5, None)),
    "<> operator": (4, "if POOL <> 0:\n    engine = create_engine(DATABASE_URL, pool_size=5)", (5, None)),
    "ur prefix": (4, "engine = create_engine(ur'postgresql://app@db/app', pool_size=5)", (5, None)),
    "exec statement": (
        4,
        "exec 'import settings'\nengine = create_engine(DATABASE_URL, pool_size=5)",
        (5, None),
    ),
    "print statement": (
        4,
        "print 'connecting'\nengine = create_engine(DATABASE_URL, pool_size=5)",
        (5, None),
    ),
    "raise with a message": (
        5,
        "def fail():\n    raise ValueError, 'no pool'\nengine = create_engine(DATABASE_URL, pool_size=5)",
        (5, None),
    ),
    "tuple parameter": (
        4,
        "def size((low, high)):\n    return high\nengine = create_engine(DATABASE_URL, pool_size=5)",
        (5, None),
    ),
    "trailing underscore": (4, "engine = create_engine(DATABASE_URL, pool_size=10_)", (None,)),
    "doubled underscore": (4, "engine = create_engine(DATABASE_URL, pool_size=1__0)", (None,)),
    "leading zero": (4, "engine = create_engine(DATABASE_URL, pool_size=09)", (None,)),
    "binary digit 2": (4, "engine = create_engine(DATABASE_URL, pool_size=0b12)", (None,)),
    "exponent without digits": (4, "engine = create_engine(DATABASE_URL, pool_size=1e)", (None,)),
}


@pytest.mark.parametrize("construct", sorted(NOT_PYTHON_3_LINES))
def test_each_construct_python_3_cannot_read_is_an_error_at_its_line(construct: str) -> None:
    line, code, allowed = NOT_PYTHON_3_LINES[construct]
    result = extract(f"from sqlalchemy import create_engine\n\nPOOL = 1\n{code}\n")
    assert parse_error_lines(result) == [line]
    assert all(knobs(site).get("pool_size") in allowed for site in result.sites), result.sites


# Every statement and expression form of Python 3.10 in one file, then a pool: nothing is an error.
SYNTAX_OF_3_10 = r'''\
from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

__all__ = ["engine", "Settings"]
DEBUG: bool = os.getenv("DEBUG", "") not in {"", "0", *("false", "no")}
RETRIES, *_ = 3, 4, 5
(WIDTH): int = 80
MASK = 0b1010 | 0o17 ^ 0xFF_FF & ~1 << 2 >> 1
RATIO = 1_000.000_1e-1_0 + .5 + 5. + 1J + 3j.imag
PATH = rb"\d+" + Rb"x" + BR"y" + b"\x00"[:0]
TEXT = u"caf\u00e9" "\N{EM DASH}" r"\d" f"{DEBUG=}" f"{WIDTH!r:>{WIDTH}}" F"{RATIO:.2f}" fr"{PATH!a}" rf"\{WIDTH}"
MULTI = f"""{
    WIDTH
}"""
LONG = 1 + \
    2
squares = {n: n * n for n in range(10) if n % 2 if n}
evens = {n for n in range(10)}
pairs = [(x, y) for x in range(3) for y in range(x) if (z := x + y) > 1]
total = sum(x for x in range(5))
matrix = [[1, 0], [0, 1]]
product = matrix @ matrix if hasattr(matrix, "__matmul__") else None
merged = {**{"a": 1}, "b": 2, **dict(c=3)}
head, *tail = [*range(3), *"ab"]
view = matrix[0][::1], matrix[...,] if False else None
check = 1 < 2 <= 3 != 4 not in [] and DEBUG is not None
lookup = (lambda *, key=None, **rest: key)(key=1)
nothing = lambda: (yield)


def positional(a, b=2, /, c=3, *args, d, e=5, **kwargs) -> tuple[Any, ...]:
    global DEBUG
    assert a, "a is required"
    del kwargs
    return *args, a, b


def counter() -> Callable[[], int]:
    count = 0

    def step() -> int:
        nonlocal count
        count += 1; count //= 1; count **= 1; count >>= 0; count <<= 0; count ^= 0; count |= 0
        return count

    return step


class Settings(dict, metaclass=type):
    """Settings read once."""

    url: str = "postgresql+psycopg://app@db/app"
    size = property(lambda self: 10)

    @functools.cached_property
    def overflow(self) -> int:
        return 5

    @size.setter
    def size(self, value: int) -> None:
        raise AttributeError("size") from None


async def stream() -> AsyncIterator[int]:
    async with contextlib.AsyncExitStack() as stack, contextlib.AsyncExitStack():
        async for item in ticker():
            yield item
        values = [await asyncio.sleep(0, n) async for n in ticker()]
        await stack.aclose()
        print(f"{await asyncio.sleep(0, 'done')}", *values, sep="")


async def ticker() -> AsyncIterator[int]:
    for n in range(3):
        yield n
    else:
        pass


def generator():
    x = yield
    yield from range(x or 0)
    while False:
        break
    else:
        return


def shapes(command: Any) -> str:
    match command:
        case {"action": "move", "to": [x, y], **rest} if not rest:
            return f"{x},{y}"
        case Settings(url=str() as url) | Settings(size=10 as url):
            return url
        case [1, 2, *others] | (3, *others):
            return str(others)
        case -1 | 1.5 | 2 + 3j | -4 - 5j | None | True | "s" "t" if False:
            return ""
        case os.sep:
            return "sep"
        case str(name) as whole:
            return whole
        case _:
            return "?"


with (
    open(os.devnull) as first,
    open(os.devnull) as second,
):
    pass

try:
    pass
except (OSError, ValueError) as error:
    raise RuntimeError() from error
except Exception:
    pass
else:
    pass
finally:
    pass

if DEBUG: print("debug")
elif not DEBUG: pass
else: ...

settings = Settings()
engine = create_engine(
    settings.url,
    poolclass=QueuePool,
    pool_size=12,
    max_overflow=settings.overflow,
    pool_timeout=7.5,
)
'''
# The forms 3.12, 3.13 and 3.14 add, then a pool.
SYNTAX_OF_3_14 = r'''\
import asyncio
from collections.abc import Callable
from typing import Any

from psycopg_pool import ConnectionPool

type Conninfo = str
type Json = dict[str, Json] | list[Json] | str | int | float | bool | None
type Callback[**P, R] = Callable[P, R]
type Pair[K: (str, bytes), V = int] = tuple[K, V]


class Registry[**P, T: (int, str) = int, *Ts = *tuple[int, ...]](dict[str, T]):
    def register[F: Callable[..., Any]](self, fn: F, /) -> F:
        return fn


def first[T](items: list[T], *rest: *Ts) -> T:
    return items[*rest]


def join(hosts: list[str], cfg: dict[str, Any]) -> str:
    where = f"{"\n".join(hosts)}|{cfg["name"]!r:>{cfg["width"]}}|{f"{f"{cfg["port"]}"}"}"
    spread = f"{
        cfg["user"]  # who connects
    }@{hosts[0]}"
    return where + spread


async def gather() -> None:
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(0))
    except* TimeoutError as timeouts:
        raise timeouts from None
    except* OSError, ValueError:
        pass


def retry(conninfo: Conninfo) -> str:
    try:
        return conninfo
    except KeyError, IndexError:
        return ""
    finally:
        label = t"{conninfo!r:>{len(conninfo)}}" + rt"\d{conninfo}" + Tr"{conninfo}" + T"""
        {conninfo}
        """
        print(label)


pool = ConnectionPool(retry("dbname=app"), min_size=2, max_size=20, max_lifetime=1800.0)
'''


def test_every_form_of_python_3_10_is_read_without_an_error(snippets: Snippets) -> None:
    site = snippets.site(SYNTAX_OF_3_10, ".py")
    written = knobs(site)
    assert site.span.line == SYNTAX_OF_3_10.split("\n").index("engine = create_engine(") + 1
    assert (written["pool_size"], written["max_overflow"], written["pool_timeout"]) == (12, None, 7.5)


def test_every_form_python_3_12_to_3_14_adds_is_read_without_an_error(snippets: Snippets) -> None:
    site = snippets.site(SYNTAX_OF_3_14, ".py")
    assert (site.entry, knobs(site)) == (
        "psycopg_pool.ConnectionPool",
        {"min_size": 2, "max_size": 20, "max_lifetime": 1800.0},
    )


def character_span(line: str, text: str) -> tuple[int, int]:
    """The 1-based columns, in characters, where ``text`` starts and ends on ``line``."""
    start = line.index(text) + 1
    return start, start + len(text)


def test_columns_count_characters_on_lines_after_new_syntax(snippets: Snippets) -> None:
    code = textwrap.dedent(
        """
        from psycopg_pool import ConnectionPool

        type Größe = int
        grüße = t"¡Hola {name}! 🚀"


        def pool_für[T](dsn: str) -> ConnectionPool:
            straße = "Bahnhofstraße 🚉"; pool = ConnectionPool(dsn, min_size=1, max_size=4)
            return pool
        """
    )
    site = snippets.site(code, ".py")
    lines = code.split("\n")
    call = "ConnectionPool(dsn, min_size=1, max_size=4)"
    line = next(n for n, text in enumerate(lines, 1) if call in text)
    assert (site.span.line, site.span.end_line) == (line, line)
    assert (site.span.column, site.span.end_column) == character_span(lines[line - 1], call)
    assert site.text == call
    max_size = dict(site.knobs)["max_size"].span
    assert max_size is not None
    assert (max_size.line, max_size.column, max_size.end_column) == (
        line,
        *character_span(lines[line - 1], "max_size=4"),
    )


def test_columns_count_characters_after_non_ascii_names_and_strings(snippets: Snippets) -> None:
    code = textwrap.dedent(
        """
        from sqlalchemy import create_engine

        名前 = {"ホスト": "db"}
        url = f"postgresql://{名前["ホスト"]}/app"
        ø = "🚀"; engine = create_engine(url, connect_args={"application_name": "bücher-🚀"}, pool_size=6)
        """
    )
    site = snippets.site(code, ".py")
    number, line = next((n, text) for n, text in enumerate(code.split("\n"), 1) if "ø =" in text)
    call = line[line.index("create_engine(") :]
    assert (site.span.line, site.span.end_line) == (number, number)
    assert (site.span.column, site.span.end_column) == character_span(line, call)
    pool_size = dict(site.knobs)["pool_size"].span
    assert pool_size is not None
    assert (pool_size.column, pool_size.end_column) == character_span(line, "pool_size=6")
    assert site.database == "postgres"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_a_call_over_several_lines_keeps_its_span_whatever_ends_the_lines(newline: str) -> None:
    lines = [
        "from sqlalchemy import create_engine",
        "",
        "type Size = int",
        'nom = t"café {user} 🚀"; engine = create_engine(',
        '    f"postgresql://{cfg["host"]}/app",',
        "    pool_size=6,  # ü",
        ")",
        "",
    ]
    result = PYTHON.extract("service.py", newline.join(lines).encode())
    [site] = result.sites
    assert result.errors == ()
    start = lines[3].index("create_engine(") + 1
    assert (site.span.line, site.span.column, site.span.end_line, site.span.end_column) == (4, start, 7, 2)
    assert site.text == "\n".join([lines[3][start - 1 :], *lines[4:7]])
    pool_size = dict(site.knobs)["pool_size"].span
    assert pool_size is not None
    assert (pool_size.line, pool_size.column, pool_size.end_column) == (6, 5, 16)


# Generated files: pool functions in every style above, between functions that build nothing.
HEADER = """\
import logging
import os

import asyncpg
from fastapi import FastAPI
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine

app = FastAPI()
log = logging.getLogger(__name__)
type Conninfo = str

"""


@dataclass(frozen=True)
class PoolFunction:
    """A function that builds one pool: its code (first line at 0), the call's line in it, its knobs."""

    code: str
    call_line: int
    knobs: dict[str, Value]


def pool_function(style: int, name: str, size: int, other: int) -> PoolFunction:
    if style == 0:
        code = (
            f"def {name}():\n    return create_engine(DATABASE_URL, pool_size={size}, max_overflow={other})\n"
        )
        return PoolFunction(code, 1, {"pool_size": size, "max_overflow": other})
    if style == 1:
        code = (
            f'@app.on_event("startup")\nasync def {name}():\n'
            f"    app.state.pool = await asyncpg.create_pool(DSN, min_size={other}, max_size={size})\n"
        )
        return PoolFunction(code, 2, {"min_size": other, "max_size": size})
    if style == 2:
        code = (
            f"def {name}[T](factory: type[T]) -> T:\n"
            f"    return factory(ConnectionPool(CONNINFO, max_size={size}, timeout={other}))\n"
        )
        return PoolFunction(code, 1, {"max_size": size, "timeout": other})
    code = (
        f"def {name}(environment: str):\n    match environment:\n        case 'prod':\n"
        f"            return create_engine(DATABASE_URL, pool_size={size}, pool_recycle={other})\n"
    )
    return PoolFunction(code, 3, {"pool_size": size, "pool_recycle": other})


FILLER = (
    "def {name}(rows):\n"
    "    total = sum(row.amount for row in rows if row.amount > 0)\n"
    "    log.info('total %s over %d rows', total, len(rows))\n"
    "    return {{'total': total, 'rows': len(rows)}}\n"
)
# Damage within one line: characters and keywords, none that opens a string or a comment or ends the line.
DAMAGE = st.lists(
    st.sampled_from("abcxyz019 _+-*/%=<>!&|^~@:.,;()[]{}$?é漢🚀\t")
    | st.sampled_from(["def ", "class ", "if ", "lambda", "return", "yield", "async ", "await"]),
    min_size=1,
    max_size=12,
).map("".join)


PoolAt = tuple[int, dict[str, Value]]  # a pool call's line and its knobs
# The code, its pools, and the line of the first statement in the function that builds nothing.
GeneratedFile = tuple[str, list[PoolAt], int]


@st.composite
def pool_files(draw: st.DrawFn) -> GeneratedFile:
    """A header, one to four pool functions, and a function that builds nothing among them."""
    count = draw(st.integers(1, 4))
    filler_at = draw(st.integers(0, count))
    parts, pools = [HEADER], []
    line = HEADER.count("\n") + 1
    filler_line = 0
    for index in range(count + 1):
        if index == filler_at:
            parts.append(FILLER.format(name=f"summarise_{index}") + "\n\n")
            filler_line = line + 1
            line += FILLER.count("\n") + 2
        if index == count:
            break
        size, other = draw(st.integers(1, 200)), draw(st.integers(0, 3600))
        function = pool_function(draw(st.integers(0, 3)), f"pool_{index}", size, other)
        parts.append(function.code + "\n\n")
        pools.append((line + function.call_line, function.knobs))
        line += function.code.count("\n") + 2
    return "".join(parts), pools, filler_line


def found(result: FileResult) -> list[PoolAt]:
    return [(site.span.line, knobs(site)) for site in result.sites]


@settings(max_examples=60)
@given(pool_files())
def test_generated_files_report_every_pool(file: GeneratedFile) -> None:
    code, pools, _ = file
    result = PYTHON.extract("generated.py", code.encode())
    assert (result.errors, found(result)) == ((), pools)


@settings(max_examples=150)
@given(pool_files(), DAMAGE, st.integers(0, 2), st.integers(0, 60), st.integers(0, 60))
def test_damage_in_one_function_leaves_the_other_pools(
    file: GeneratedFile,
    damage: str,
    line_of_filler: int,
    start: int,
    length: int,
) -> None:
    """Characters of one line of a function that builds nothing replaced: every pool is still found."""
    code, pools, filler_line = file
    lines = code.split("\n")
    row = filler_line - 1 + line_of_filler
    indent = len(lines[row]) - len(lines[row].lstrip())
    body = lines[row][indent:]
    start = min(start, len(body))
    lines[row] = lines[row][:indent] + body[:start] + damage + body[start + length :]
    result = PYTHON.extract("damaged.py", "\n".join(lines).encode())
    assert all(error.kind == "parse" for error in result.errors), result.errors
    reported = found(result)
    assert [pool for pool in pools if pool not in reported] == []


MUTATIONS = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "duplicate"]),
    st.binary(min_size=1, max_size=6)
    | st.text(st.characters(codec="utf-8"), min_size=1, max_size=6).map(str.encode)
    | st.sampled_from([b"(", b")", b"[", b"{", b'"', b"'''", b"\\", b":", b"\n    ", b"\t", b"\r", b"#"]),
    st.integers(0, 10**6),  # where, past the imports
    st.integers(1, 8),  # how many bytes it takes
)


@settings(max_examples=200)
@given(pool_files(), st.lists(MUTATIONS, min_size=1, max_size=4))
def test_random_byte_damage_never_raises_and_keeps_the_pools_before_it(
    file: GeneratedFile,
    mutations: list[tuple[str, bytes, int, int]],
) -> None:
    """Any bytes anywhere past the imports: a result, never an exception, and the pools before the
    damage (the call's line ended and a blank line after it untouched) are still found."""
    code, pools, _ = file
    data = bytearray(code.encode())
    first = len(data)
    for kind, piece, where, length in mutations:
        at = len(HEADER) + where % (len(data) - len(HEADER) + 1)
        end = min(len(data), at + length)
        first = min(first, at)  # each mutation leaves the bytes before its place as they were
        if kind == "insert":
            data[at:at] = piece
        elif kind == "delete":
            del data[at:end]
        elif kind == "replace":
            data[at:end] = piece
        else:
            data[at:at] = bytes(data[at:end])
    result = PYTHON.extract("damaged.py", bytes(data))
    assert all(error.kind in ("parse", "read") for error in result.errors), result.errors
    text = bytes(data).decode("utf-8", "replace")
    if "\0" in text or "\ufffd" in text:
        return  # not UTF-8, or a NUL byte: the file may be refused whole
    ended = code.encode()[:first].count(b"\n")
    reported = found(result)
    assert [pool for pool in pools if pool[0] < ended and pool not in reported] == []


# A header without its colon: the grammar notices it a line late, or merges the block into the next
# clause; the error names the header's line, as CPython does, and the pool beside it is still read.
HEADERS_WITHOUT_COLON = {
    "match case": (
        'match settings.ENV:\n    case "dev"\n        engine = None\n    case _:\n'
        "        engine = create_engine(DATABASE_URL, pool_size=8, max_overflow=2)\n",
        5,
    ),
    "settings class": (
        "class Settings(BaseSettings)\n    database_url: str = DATABASE_URL\n\n"
        "engine = create_engine(DATABASE_URL, pool_size=8, max_overflow=2)\n",
        4,
    ),
    "if before else": (
        "if settings.TESTING\n    engine = None\nelse:\n"
        "    engine = create_engine(DATABASE_URL, pool_size=8, max_overflow=2)\n",
        4,
    ),
    "method in a class": (
        "class Database:\n    def ping(self)\n        return True\n\n    def engine(self):\n"
        "        return create_engine(DATABASE_URL, pool_size=8, max_overflow=2)\n",
        5,
    ),
}


@pytest.mark.parametrize("case", sorted(HEADERS_WITHOUT_COLON))
def test_a_header_without_its_colon_is_named_at_its_line(case: str) -> None:
    body, line = HEADERS_WITHOUT_COLON[case]
    result = PYTHON.extract(
        "service.py", f"import logging\n\nfrom sqlalchemy import create_engine\n{body}".encode()
    )
    assert parse_error_lines(result) == [line]
    assert [knobs(site) for site in result.sites] == [{"pool_size": 8, "max_overflow": 2}]


def test_a_template_after_a_leading_comment_is_an_error_where_the_template_starts() -> None:
    """cookiecutter-django's settings start with a ruff comment, then Jinja; in a long template the
    parser's error node begins at the comment, which is not where the file goes wrong."""
    blocks = "".join(
        f'{{% if provider == \'p{n}\' %}}\nSETTING_{n} = env("SETTING_{n}", default="{{{{ default_{n} }}}}")\n'
        f"{{%- else %}}\nSETTING_{n} = None\n{{% endif %}}\n\n"
        for n in range(20)
    )
    code = (
        "# ruff: noqa: E501\n{% if use_sentry == 'y' -%}\nimport logging\n\n{%- endif %}\n"
        "from .base import DATABASES\n\n" + blocks
    )
    assert parse_error_lines(extract(code)) == [2]
