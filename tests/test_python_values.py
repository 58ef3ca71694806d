"""Python value resolution: literals, constants, env defaults, dict splats; everything else dynamic."""

from __future__ import annotations

import pytest
from conftest import Snippets


def setting(snippets: Snippets, code: str, knob: str):  # type: ignore[no-untyped-def]
    site = snippets.site(code, ".py")
    return dict(site.knobs)[knob]


def engine(argument: str, prelude: str = "") -> str:
    return f"import os\nfrom sqlalchemy import create_engine\n{prelude}\nengine = create_engine(URL, pool_size={argument})\n"


@pytest.mark.parametrize(
    ("argument", "value"),
    [("20", 20), ("1_000", 1000), ("4 * 5", 20), ("(2 + 3) * 4", 20), ("30 // 4", 7), ("-1", -1)],
)
def test_literals_and_arithmetic(snippets: Snippets, argument: str, value: int) -> None:
    found = setting(snippets, engine(argument), "pool_size")
    assert (found.value, found.source) == (value, "explicit")


@pytest.mark.parametrize(
    ("argument", "env", "value"),
    [
        ('int(os.getenv("DB_POOL_SIZE", "20"))', "DB_POOL_SIZE", 20),
        ('int(os.getenv("DB_POOL_SIZE", 20))', "DB_POOL_SIZE", 20),
        ('int(os.getenv("DB_POOL_SIZE", default="20"))', "DB_POOL_SIZE", 20),
        ('os.environ.get("DB_POOL_SIZE", 10)', "DB_POOL_SIZE", 10),
        ('int(os.environ.get("DB_POOL_SIZE") or 25)', "DB_POOL_SIZE", 25),
        ('int(os.environ.get("DB_POOL_SIZE", "12")) * 2', "DB_POOL_SIZE", 24),
        ('float(os.getenv("DB_POOL_SIZE", "7.5"))', "DB_POOL_SIZE", 7.5),
    ],
)
def test_env_lookups_with_a_default(snippets: Snippets, argument: str, env: str, value: float) -> None:
    found = setting(snippets, engine(argument), "pool_size")
    assert (found.value, found.source, found.env) == (value, "env-default", env)


def test_from_os_import_environ(snippets: Snippets) -> None:
    code = 'from os import environ, getenv\nfrom sqlalchemy import create_engine\ne = create_engine(U, pool_size=int(environ.get("N", "9")), max_overflow=int(getenv("M", "3")))'
    site = snippets.site(code, ".py")
    assert {n: (s.value, s.source, s.env) for n, s in site.knobs} == {
        "pool_size": (9, "env-default", "N"),
        "max_overflow": (3, "env-default", "M"),
    }


@pytest.mark.parametrize(
    "argument",
    [
        "settings.DB_POOL_SIZE",
        "get_settings().db.pool",
        'config["database"]["pool"]',
        'int(os.environ["DB_POOL_SIZE"])',
        'int(os.getenv("DB_POOL_SIZE"))',
        "pool_size_for(env)",
        "10 if PROD else 2",
        "POOL_N",  # imported from another module
    ],
)
def test_what_cannot_be_known_is_dynamic(snippets: Snippets, argument: str) -> None:
    found = setting(snippets, engine(argument, "from .dbconf import POOL_N"), "pool_size")
    assert (found.value, found.source) == (None, "dynamic")


@pytest.mark.parametrize(
    ("argument", "value", "source", "env"),
    [
        ('max(5, int(os.getenv("POOL", "10")))', 10, "env-default", "POOL"),
        (
            'max(1, min(12, int(os.getenv("DATABASE_POOL_SIZE", "4") or "4")))',
            4,
            "env-default",
            "DATABASE_POOL_SIZE",
        ),
        ("max(1, CONCURRENCY)", 8, "constant", None),
        ("min(CONCURRENCY * 4, 20)", 20, "constant", None),
        ("max(2, CONCURRENCY // 3)", 2, "constant", None),
        ("abs(-12)", 12, "explicit", None),
        ("round(7.6)", 8, "explicit", None),
        ("round(CONCURRENCY * 1.5)", 12, "constant", None),
        ("int(CONCURRENCY * 2.5)", 20, "constant", None),
        ("CONCURRENCY if DEBUG else 8", 8, "constant", None),
    ],
)
def test_pure_builtins_on_known_values(
    snippets: Snippets, argument: str, value: int, source: str, env: str | None
) -> None:
    found = setting(snippets, engine(argument, "CONCURRENCY = 8"), "pool_size")
    assert (found.value, found.source, found.env) == (value, source, env)


@pytest.mark.parametrize(
    "argument",
    [
        "max(4, os.cpu_count() or 1)",
        "max(2, settings.DB_POOL_SIZE // 2)",
        "max(SIZES)",  # the largest of a collection: not followed
        "max(*SIZES)",
        'max("5", "10")',  # compares text
        'abs("5")',
        'int("7.5")',  # ValueError
        "round(8, 1.5)",  # TypeError
        "8 if DEBUG else 20",
        'int(os.getenv("A", "5")) if DEBUG else int(os.getenv("B", "5"))',
    ],
)
def test_builtins_on_unknown_values_stay_dynamic(snippets: Snippets, argument: str) -> None:
    found = setting(snippets, engine(argument, "SIZES = [5, 10]"), "pool_size")
    assert (found.value, found.source) == (None, "dynamic")


def test_builtins_shadowed_by_the_module_are_not_the_builtins(snippets: Snippets) -> None:
    found = setting(snippets, engine("max(5, 10)", "def max(*sizes):\n    return sizes[0]"), "pool_size")
    assert (found.value, found.source) == (None, "dynamic")


def test_timedelta_total_seconds(snippets: Snippets) -> None:
    code = """
        import datetime as dt
        from datetime import timedelta
        from sqlalchemy import create_engine

        RECYCLE = timedelta(hours=1)

        engine = create_engine(
            URL,
            pool_recycle=timedelta(minutes=30).total_seconds(),
            pool_timeout=int(dt.timedelta(seconds=12, milliseconds=500).total_seconds()),
        )
        reports = create_engine(REPORTS_URL, pool_recycle=RECYCLE.total_seconds(), pool_timeout=timedelta(0, 45).total_seconds())
    """
    first, second = snippets.sites(code, ".py")
    assert {n: (s.value, s.source, s.constant) for n, s in first.knobs} == {
        "pool_recycle": (1800.0, "explicit", None),
        "pool_timeout": (12, "explicit", None),
    }
    assert {n: (s.value, s.source, s.constant) for n, s in second.knobs} == {
        "pool_recycle": (3600.0, "constant", "RECYCLE"),
        "pool_timeout": (45.0, "explicit", None),
    }


@pytest.mark.parametrize(
    "argument",
    [
        "timedelta(minutes=30)",  # a timedelta where seconds go: no number of seconds
        "timedelta(minutes=WINDOW).total_seconds()",
        'timedelta(minutes="30").total_seconds()',
        "timedelta(fortnights=2).total_seconds()",
        "timedelta(10**12).total_seconds()",  # OverflowError
        "(now - started).total_seconds()",
    ],
)
def test_timedeltas_that_cannot_be_read_are_dynamic(snippets: Snippets, argument: str) -> None:
    found = setting(snippets, engine(argument, "from datetime import timedelta"), "pool_size")
    assert (found.value, found.source) == (None, "dynamic")


def test_module_and_function_constants(snippets: Snippets) -> None:
    code = """
        import os
        from sqlalchemy import create_engine

        POOL_SIZE = int(os.getenv("POOL_SIZE", "18"))
        RECYCLE = 30 * 60

        def make_engine(url):
            overflow = 4
            return create_engine(url, pool_size=POOL_SIZE, max_overflow=overflow, pool_recycle=RECYCLE, pool_timeout=TIMEOUT)

        TIMEOUT = 8
    """
    site = snippets.site(code, ".py")
    assert {n: (s.value, s.source) for n, s in site.knobs} == {
        "pool_size": (18, "env-default"),
        "max_overflow": (4, "constant"),
        "pool_recycle": (1800, "constant"),
        "pool_timeout": (8, "constant"),
    }


def test_kwargs_dict_literal_built_and_updated_in_straight_line_code(snippets: Snippets) -> None:
    code = """
        from sqlalchemy import create_engine

        ENGINE_OPTIONS = {"pool_size": 10, "pool_recycle": 900}

        def build(url, debug):
            options = dict(ENGINE_OPTIONS, max_overflow=5)
            options["pool_timeout"] = 7
            options.update({"pool_pre_ping": True})
            options.setdefault("pool_size", 99)
            if debug:
                options["pool_recycle"] = 60
            return create_engine(url, **options)
    """
    site = snippets.site(code, ".py")
    assert {n: (s.value, s.source) for n, s in site.knobs} == {
        "pool_size": (10, "explicit"),
        "pool_recycle": (None, "dynamic"),  # reassigned under a condition
        "max_overflow": (5, "explicit"),
        "pool_timeout": (7, "explicit"),
        "pool_pre_ping": (True, "explicit"),
    }


def test_merge_operator_and_nested_splats(snippets: Snippets) -> None:
    code = """
        from sqlalchemy.ext.asyncio import create_async_engine
        BASE = {"pool_size": 8}
        kwargs = {**BASE, "max_overflow": 2}
        kwargs |= {"pool_timeout": 3}
        engine = create_async_engine(URL, **kwargs)
    """
    assert {n: s.value for n, s in snippets.site(code, ".py").knobs} == {
        "pool_size": 8,
        "max_overflow": 2,
        "pool_timeout": 3,
    }


def test_unreadable_splat_makes_unwritten_knobs_dynamic(snippets: Snippets) -> None:
    pool = snippets.pool(
        "from sqlalchemy import create_engine\ne = create_engine(URL, pool_pre_ping=True, **settings.engine_kwargs)",
        ".py",
    )
    assert {c: s.source for c, s in pool.settings.items()} == {
        "max_connections": "dynamic",
        "acquire_timeout": "dynamic",
        "max_lifetime": "dynamic",
        "health_check": "explicit",
    }


def test_pep_263_cookie_bom_and_crlf(snippets: Snippets, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from poolcheck.read import analyse_file

    latin = tmp_path / "latin.py"
    latin.write_bytes(
        "# -*- coding: latin-1 -*-\n# café\nfrom sqlalchemy import create_engine\ne = create_engine(U, pool_size=3)\n".encode(
            "latin-1"
        )
    )
    bom = tmp_path / "bom.py"
    bom.write_bytes(
        b"\xef\xbb\xbfimport asyncpg\r\nasync def f():\r\n    await asyncpg.create_pool(D, max_size=4)\r\n"
    )
    for path, value, line in ((latin, 3, 4), (bom, 4, 3)):
        result = analyse_file(path)
        assert not result.errors
        (site,) = result.sites
        assert next(iter(dict(site.knobs).values())).value == value
        assert site.span.line == line
        assert not site.lines[0].endswith("\r")


ENVIRON = "import environ\nenv = environ.Env(DEBUG=(bool, False))\nenviron.Env.read_env()\n"
DECOUPLE = "from decouple import config\n"


@pytest.mark.parametrize(
    ("argument", "prelude", "expected"),
    [
        ('env.int("DB_POOL_SIZE", default=10)', ENVIRON, (10, "env-default", "DB_POOL_SIZE")),
        ('env.int("DB_POOL_SIZE", 10)', ENVIRON, (10, "env-default", "DB_POOL_SIZE")),
        # django-environ leaves a default uncast (parse_default=False): a string is no pool size.
        ('env("DB_POOL_SIZE", cast=int, default="12")', ENVIRON, (None, "dynamic", "DB_POOL_SIZE")),
        ('env("DB_POOL_SIZE", cast=int, default=12)', ENVIRON, (12, "env-default", "DB_POOL_SIZE")),
        ('env("DB_POOL_SIZE", int)', ENVIRON, (None, "dynamic", "DB_POOL_SIZE")),  # 2nd is cast
        ('env.int("DB_POOL_SIZE")', ENVIRON, (None, "dynamic", "DB_POOL_SIZE")),
        ('config("DB_POOL_SIZE", default=20, cast=int)', DECOUPLE, (20, "env-default", "DB_POOL_SIZE")),
        ('config("DB_POOL_SIZE", 20, cast=int)', DECOUPLE, (20, "env-default", "DB_POOL_SIZE")),
        ('config("DB_POOL_SIZE", cast=int)', DECOUPLE, (None, "dynamic", "DB_POOL_SIZE")),
        # Not an environ.Env: a same-named object reads nothing from the environment.
        ('env.int("DB_POOL_SIZE", default=10)', "env = Settings()\n", (None, "dynamic", None)),
    ],
)
def test_django_environ_and_python_decouple_readers(
    snippets: Snippets, argument: str, prelude: str, expected: tuple[object, str, str | None]
) -> None:
    found = setting(snippets, engine(argument, prelude), "pool_size")
    assert (found.value, found.source, found.env) == expected


HELPER = '''
def env_int(name: str, default: int = 5) -> int:
    """An integer from the environment."""
    return int(os.getenv(name, default))
'''


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ('env_int("DB_POOL_SIZE", 10)', (10, "env-default", "DB_POOL_SIZE")),
        ('env_int("DB_POOL_SIZE", default=10)', (10, "env-default", "DB_POOL_SIZE")),
        ('env_int("DB_POOL_SIZE")', (5, "env-default", "DB_POOL_SIZE")),  # the helper's own default
        ("env_int(variable, 10)", (None, "dynamic", None)),  # the caller's name: not followed
        ('env_int("DB_POOL_SIZE", 10, 3)', (None, "dynamic", None)),  # more arguments than it takes
    ],
)
def test_a_helper_that_wraps_a_reader_is_read_through(
    snippets: Snippets, argument: str, expected: tuple[object, str, str | None]
) -> None:
    found = setting(snippets, engine(argument, HELPER), "pool_size")
    assert (found.value, found.source, found.env) == expected


def test_a_helper_that_does_more_than_return_stays_unknown(snippets: Snippets) -> None:
    prelude = "def size():\n    log('reading')\n    return 10\n"
    assert setting(snippets, engine("size()", prelude), "pool_size").source == "dynamic"


# Helpers of a few statements, read along the path a call takes when the variable is unset.
GUARDED_HELPERS = """
def envint(s: str, default: str) -> int | None:
    v = os.getenv(s, default)
    if v == "None":
        return None

    return int(v)


def env_size(name, default="8"):
    raw = os.environ.get(name, default)
    if not raw:
        return 1
    if raw is None:
        return 2
    return int(raw) * 2


def guarded_by_debug(name, default="8"):
    if DEBUG:
        return 1
    return int(os.getenv(name, default))


def looped(name, default="8"):
    for _ in range(2):
        pass
    return int(os.getenv(name, default))
"""


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ('envint("DB_POOL_SIZE", "12")', (12, "env-default", "DB_POOL_SIZE")),  # healthchecks' settings
        ('envint("DB_POOL_SIZE", "None")', (None, "dynamic", None)),  # the guard holds: returns None
        ('env_size("DB_POOL_SIZE")', (16, "env-default", "DB_POOL_SIZE")),
        ('env_size("DB_POOL_SIZE", "")', (None, "dynamic", None)),  # `not raw` holds
        ('guarded_by_debug("DB_POOL_SIZE")', (None, "dynamic", None)),  # a guard that cannot be read
        ('looped("DB_POOL_SIZE")', (None, "dynamic", None)),  # a statement that is neither
    ],
)
def test_a_helper_of_a_few_statements_is_read_where_the_variable_is_unset(
    snippets: Snippets, argument: str, expected: tuple[object, str, str | None]
) -> None:
    found = setting(snippets, engine(argument, "DEBUG = os.getenv('DEBUG')\n" + GUARDED_HELPERS), "pool_size")
    assert (found.value, found.source, found.env) == expected


WRAPPER = """
def make_engine(url: str, pool_size: int = POOL_SIZE, *, max_overflow=5, timeout=None, recycle=-1, **kw):
    return create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=timeout, pool_recycle=recycle, **kw
    )
"""


def test_a_wrapper_with_no_call_site_is_reported_with_its_defaults(snippets: Snippets) -> None:
    site = snippets.site(f"from sqlalchemy import create_engine\nPOOL_SIZE = 10\n{WRAPPER}", ".py")
    found = {name: (s.value, s.source) for name, s in site.knobs}
    assert found["pool_size"] == (10, "constant")
    assert found["max_overflow"] == (5, "constant")
    assert found["pool_timeout"] == (None, "disabled")  # passing None: waits forever
    assert found["pool_recycle"] == (-1, "constant")
    assert found["pool_pre_ping"][1] == "dynamic"  # **kw may set it


def test_a_wrapper_called_in_its_module_takes_no_default_for_its_calls(snippets: Snippets) -> None:
    code = f"from sqlalchemy import create_engine\nPOOL_SIZE = 10\n{WRAPPER}\nengine = make_engine(URL, 50)\n"
    site = snippets.site(code, ".py")
    assert dict(site.knobs)["pool_size"].source == "dynamic"


DJANGO_HELPER = '''
import environ

env = environ.Env()


def database_config(url, max_age=0):
    """The default database, read from DATABASE_URL."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url,
        "CONN_MAX_AGE": max_age,
        "CONN_HEALTH_CHECKS": True,
    }

'''


@pytest.mark.parametrize(
    ("call", "age"),
    [('database_config(env("DATABASE_URL"), max_age=600)', 600), ('database_config(env("DATABASE_URL"))', 0)],
)
def test_django_databases_built_by_a_settings_helper(snippets: Snippets, call: str, age: int) -> None:
    site = snippets.site(DJANGO_HELPER + f'DATABASES = {{"default": {call}}}\n', ".py")
    found = {name: s.value for name, s in site.knobs}
    assert (site.database, site.pooled, found) == (
        "postgres",
        age > 0,
        {"CONN_MAX_AGE": age, "CONN_HEALTH_CHECKS": True},
    )
