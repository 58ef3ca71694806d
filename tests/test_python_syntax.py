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

import pytest
from conftest import Snippets

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


@pytest.mark.parametrize("construct", sorted(OLD_SYNTAX))
def test_syntax_of_every_version_reports_its_pool(snippets: Snippets, construct: str) -> None:
    code, entry, written = OLD_SYNTAX[construct]
    site = snippets.site(code, ".py")
    assert (site.entry, knobs(site)) == (entry, written)


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


def test_every_form_of_python_3_10_is_read_without_an_error(snippets: Snippets) -> None:
    site = snippets.site(SYNTAX_OF_3_10, ".py")
    written = knobs(site)
    assert site.span.line == SYNTAX_OF_3_10.split("\n").index("engine = create_engine(") + 1
    assert (written["pool_size"], written["max_overflow"], written["pool_timeout"]) == (12, None, 7.5)
