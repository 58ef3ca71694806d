"""A project's own function that builds a pool from its parameters is one pool per call of it.

Written the way services share their engine setup: ``app/db/engine.py`` with a ``make_engine`` or
``get_engine`` over ``create_engine``, re-exported by the package's ``__init__.py``, and called
from the API, the worker and the scripts, with their own sizes, through ``**kwargs`` too. A
wrapper nobody calls stays one pool at the wrapper, with its defaults; a function of the same
shape over something that is no database pool stays none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import run_from, write_tree

from poolcheck.emit.json import as_document

ENGINE = """\
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine


def make_engine(database_url: str, pool_size: int = 5, **kwargs) -> Engine:
    \"\"\"Every service's engine: checked connections, recycled before the server's timeout.\"\"\"
    return create_engine(
        database_url,
        pool_size=pool_size,
        pool_pre_ping=True,
        pool_recycle=3600,
        **kwargs,
    )
"""

PACKAGE = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "app/__init__.py": "",
    "app/db/__init__.py": 'from .engine import make_engine\n\n__all__ = ["make_engine"]\n',
    "app/db/engine.py": ENGINE,
}


def pools(root: Path) -> dict[str, dict[str, Any]]:
    """The JSON pools by ``path:line``."""
    report = run_from(root, ".")
    assert report.errors == ()
    return {f"{pool['path']}:{pool['line']}": pool for pool in as_document(report)["pools"]}


def knob(pool: dict[str, Any], concept: str, part: str | None = None) -> tuple[Any, str]:
    setting = pool["settings"][concept]
    if part is not None:
        setting = setting["parts"][part]
    return setting["value"], setting["source"]


def test_a_wrapper_called_from_two_modules_is_a_pool_at_each_call(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **PACKAGE,
            "api/__init__.py": "",
            "api/deps.py": """\
                import os

                from app.db.engine import make_engine

                engine = make_engine(os.environ["API_DATABASE_URL"], pool_size=20, pool_timeout=5)
            """,
            "worker/__init__.py": "",
            "worker/tasks.py": """\
                import os

                from app.db import engine as db

                ENGINE = db.make_engine(os.environ["WORKER_DATABASE_URL"], max_overflow=0)
            """,
        },
    )
    found = pools(tmp_path)
    assert set(found) == {"api/deps.py:5", "worker/tasks.py:5"}
    api, worker = found["api/deps.py:5"], found["worker/tasks.py:5"]
    assert knob(api, "max_connections", "pool_size") == (20, "explicit")
    assert knob(api, "acquire_timeout") == (5, "explicit")  # through **kwargs
    assert knob(api, "max_connections", "max_overflow") == (10, "default")
    # The wrapper's default, where the wrapper's parameter writes it.
    assert knob(worker, "max_connections", "pool_size") == (5, "constant")
    assert worker["settings"]["max_connections"]["parts"]["pool_size"]["defined_at"] == "app/db/engine.py:5"
    assert knob(worker, "max_connections", "max_overflow") == (0, "explicit")
    # What the wrapper writes itself holds at every call, said to be defined there.
    for pool in (api, worker):
        assert knob(pool, "max_lifetime") == (3600, "explicit")
        assert pool["settings"]["max_lifetime"]["defined_at"] == "app/db/engine.py:11"
        assert knob(pool, "health_check") == (True, "explicit")


def test_a_wrapper_re_exported_by_its_package_is_followed_to_the_package_s_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **PACKAGE,
            "scripts/backfill.py": """\
                from app.db import make_engine

                DATABASE_URL = "postgresql+psycopg://etl@db/warehouse"
                POOL_SIZE = 2


                def main() -> None:
                    engine = make_engine(DATABASE_URL, POOL_SIZE)
                    engine.dispose()
            """,
        },
    )
    [(where, pool)] = pools(tmp_path).items()
    assert where == "scripts/backfill.py:8"
    assert (pool["library"], pool["database"]) == ("sqlalchemy", "postgres")
    assert knob(pool, "max_connections", "pool_size") == (2, "constant")  # the caller's constant


def test_a_wrapper_never_called_is_one_pool_at_the_wrapper_with_its_defaults(tmp_path: Path) -> None:
    write_tree(tmp_path, PACKAGE)
    [(where, pool)] = pools(tmp_path).items()
    assert where == "app/db/engine.py:7"
    assert knob(pool, "max_connections", "pool_size") == (5, "constant")


def test_a_call_with_a_kwargs_dict_passes_its_keywords_to_the_parameters_and_on(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **PACKAGE,
            "reports/db.py": """\
                import os

                from app.db import make_engine

                ENGINE_OPTIONS = {"pool_size": 12, "max_overflow": 4}
                ENGINE_OPTIONS["pool_timeout"] = 10

                engine = make_engine(os.environ["REPORTS_DATABASE_URL"], **ENGINE_OPTIONS)
            """,
        },
    )
    [(where, pool)] = pools(tmp_path).items()
    assert where == "reports/db.py:8"
    assert knob(pool, "max_connections", "pool_size") == (12, "explicit")
    assert knob(pool, "max_connections", "max_overflow") == (4, "explicit")
    assert knob(pool, "acquire_timeout") == (10, "explicit")  # set after the literal, then passed on
    assert knob(pool, "max_lifetime") == (3600, "explicit")  # the wrapper's own


def test_a_function_of_the_same_shape_over_no_database_pool_stays_none(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **PACKAGE,
            "app/cache.py": """\
                import redis


                def make_cache(url: str, max_connections: int = 10, **kwargs) -> redis.Redis:
                    pool = redis.ConnectionPool.from_url(url, max_connections=max_connections, **kwargs)
                    return redis.Redis(connection_pool=pool)
            """,
            "api/__init__.py": "",
            "api/state.py": """\
                import os

                from app.cache import make_cache
                from app.db import make_engine

                cache = make_cache(os.environ["REDIS_URL"], max_connections=50)
                engine = make_engine(os.environ["DATABASE_URL"], pool_size=8)
            """,
        },
    )
    [(where, pool)] = pools(tmp_path).items()
    assert where == "api/state.py:7"
    assert knob(pool, "max_connections", "pool_size") == (8, "explicit")


def test_a_cached_or_global_engine_getter_is_one_pool_however_often_it_is_called(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **PACKAGE,
            "app/db/shared.py": """\
                from functools import lru_cache

                from sqlalchemy import create_engine

                _engine = None


                @lru_cache(maxsize=4)
                def get_engine(database_url: str, pool_size: int = 7):
                    return create_engine(database_url, pool_size=pool_size)


                def get_global_engine(database_url: str):
                    global _engine
                    if _engine is None:
                        _engine = create_engine(database_url, pool_size=9)
                    return _engine
            """,
            "api/__init__.py": "",
            "api/routes.py": """\
                import os

                from app.db import make_engine
                from app.db.shared import get_engine, get_global_engine

                URL = os.environ["DATABASE_URL"]
                first, second = get_engine(URL), get_engine(URL)
                third, fourth = get_global_engine(URL), get_global_engine(URL)
                own = make_engine(URL, pool_size=4)
            """,
        },
    )
    found = pools(tmp_path)
    # The getters' calls share the engine their first call built: each stays one pool at its body.
    assert set(found) == {"app/db/shared.py:10", "app/db/shared.py:16", "api/routes.py:9"}
    assert knob(found["app/db/shared.py:10"], "max_connections", "pool_size") == (7, "constant")


def test_a_wrapper_s_sqlite_branch_is_the_pool_of_the_calls_whose_url_takes_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "app/__init__.py": "",
            "app/database.py": """\
                from sqlalchemy import create_engine


                def get_engine(database_url: str, pool_size: int = 10):
                    if database_url.startswith("sqlite"):
                        return create_engine(database_url, connect_args={"check_same_thread": False})
                    else:
                        return create_engine(database_url, pool_size=pool_size, pool_pre_ping=True)
            """,
            "app/main.py": """\
                from app.database import get_engine

                engine = get_engine("postgresql+psycopg://app@db/app", pool_size=25)
            """,
            "tests/conftest.py": """\
                from app.database import get_engine

                engine = get_engine("sqlite:///./test.db")
            """,
        },
    )
    report = run_from(tmp_path, ".")
    assert sorted((p.site.path, p.site.span.line) for p in report.pools) == [
        ("app/main.py", 3),
        ("tests/conftest.py", 3),
    ]
    found = {(p.site.path, p.site.span.line): p for p in report.pools}
    assert found["app/main.py", 3].site.database == "postgres"
    assert found["app/main.py", 3].settings["max_connections"].value == 35
    assert found["tests/conftest.py", 3].site.database == "sqlite"
