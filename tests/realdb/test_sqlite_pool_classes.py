"""The pool class SQLAlchemy picks for a SQLite URL, read from the real library on each version
line, against what poolcheck makes of the same engine at that version: a sized pool (QueuePool,
AsyncAdaptedQueuePool) that the rules judge, or no pool at all. No server is needed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import run_from

from poolcheck.libraries import LIBRARIES
from realdb import version_sets as v
from realdb.conftest import python_of
from realdb.venvs import VersionSet

# Every kind of SQLite URL get_pool_class tells apart: a file, the in-memory forms.
DATABASES = ("/app.db", "/:memory:", "", "/file:app?mode=memory&uri=true")
DRIVERS = {"create_engine": "sqlite", "create_async_engine": "sqlite+aiosqlite"}
SIZED = {"QueuePool", "AsyncAdaptedQueuePool"}

# Run in the version set's venv: each engine's pool class, by function and URL.
PROBE = """
import json, sys, warnings
import sqlalchemy
warnings.simplefilter("ignore")  # 2.1 deprecates choosing the class by mode=memory
engines = {"create_engine": sqlalchemy.create_engine}
try:
    from sqlalchemy.ext.asyncio import create_async_engine
    engines["create_async_engine"] = create_async_engine
except ImportError:  # 1.3: no asyncio engines
    pass
classes = {
    function: {url: type(make(url).pool).__name__ for url in json.loads(sys.argv[1])[function]}
    for function, make in engines.items()
}
print(json.dumps({"version": sqlalchemy.__version__, "classes": classes}))
"""


def urls() -> dict[str, list[str]]:
    return {
        function: [f"{driver}://{database}" for database in DATABASES] for function, driver in DRIVERS.items()
    }


def real_classes(version_set: VersionSet, folder: Path) -> tuple[str, dict[str, dict[str, str]]]:
    result = subprocess.run(
        [str(python_of(version_set)), "-c", PROBE, json.dumps(urls())],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout)
    return found["version"], found["classes"]


def poolchecks_view(project: Path, function: str, urls: list[str]) -> dict[str, bool]:
    """Whether poolcheck reads each engine as a pool, run from the project with its requirements."""
    where = "sqlalchemy.ext.asyncio" if function == "create_async_engine" else "sqlalchemy"
    lines = [f"from {where} import {function}", ""]
    lines += [f'engine_{number} = {function}("{url}")' for number, url in enumerate(urls)]
    (project / "db.py").write_text("\n".join(lines) + "\n")
    report = run_from(project, "db.py")
    assert not report.errors, report.errors
    pooled = {pool.site.span.line: pool.site.pooled for pool in report.pools}
    return {url: pooled[number + 3] for number, url in enumerate(urls)}


@pytest.mark.slow
@pytest.mark.parametrize(
    "version_set",
    [
        pytest.param(s, marks=pytest.mark.xdist_group(s.name))
        for s in (
            v.SQLALCHEMY_SQLITE_1_3,
            v.SQLALCHEMY_SQLITE_1_4,
            v.SQLALCHEMY_SQLITE_2_0,
            v.SQLALCHEMY_SQLITE_2_1,
        )
    ],
    ids=lambda s: s.name,
)
def test_a_sqlite_engine_is_judged_by_the_class_its_version_picks(
    tmp_path: Path, version_set: VersionSet
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text(version_set.requirements())
    version, classes = real_classes(version_set, tmp_path)
    table = LIBRARIES["sqlalchemy"].at(version)
    for function, by_url in classes.items():
        judged = poolchecks_view(tmp_path, function, list(by_url))
        for url, name in by_url.items():
            assert judged[url] is (name in SIZED), f"SQLAlchemy {version} {function}({url!r}) is a {name}"
        file_class = by_url[f"{DRIVERS[function]}:///app.db"]
        if file_class not in SIZED:  # the table names the class the library picks instead
            assert table.unpooled["sqlite"] == file_class
