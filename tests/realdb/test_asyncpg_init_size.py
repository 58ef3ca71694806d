"""asyncpg's init_size read from the real library at 0.31 and 0.32, against poolcheck's table: the
knob exists from 0.32, unset it opens min_size, and a value outside min_size..max_size is the
ValueError PC007 reports. Pool.__init__ checks its sizes before connecting, so no server is needed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import run_from

from realdb import version_sets as v
from realdb.conftest import python_of
from realdb.venvs import VersionSet

# (min_size, max_size, init_size or None): inside, at each bound, below and above.
SIZES = ((5, 20, None), (5, 20, 5), (5, 20, 20), (5, 20, 12), (5, 20, 2), (5, 20, 30), (0, 4, 0))

# Run in the version set's venv: for each size, the pool's init size, or the error create_pool raises.
PROBE = """
import asyncio, inspect, json, sys
import asyncpg

async def built(low, high, init):
    extra = {} if init is None else {"init_size": init}
    try:
        pool = asyncpg.create_pool("postgresql://127.0.0.1:1/none", min_size=low, max_size=high, **extra)
    except (TypeError, ValueError) as error:
        return type(error).__name__
    return pool._initsize if hasattr(pool, "_initsize") else "no init size"

async def main():
    sizes = json.loads(sys.argv[1])
    return {
        "version": asyncpg.__version__,
        "parameter": "init_size" in inspect.signature(asyncpg.create_pool).parameters,
        "results": [await built(*size) for size in sizes],
    }

print(json.dumps(asyncio.run(main())))
"""


def probe(version_set: VersionSet, folder: Path) -> dict:
    result = subprocess.run(
        [str(python_of(version_set)), "-c", PROBE, json.dumps(SIZES)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def poolcheck_pools(project: Path) -> list[tuple[object, bool]]:
    """Per size, the initial size poolcheck says the pool opens (None: no such knob) and whether
    PC007 reports it."""
    lines = ["import asyncpg", "", "", "async def pools(dsn):"]
    for low, high, init in SIZES:
        extra = "" if init is None else f", init_size={init}"
        lines.append(f"    await asyncpg.create_pool(dsn, min_size={low}, max_size={high}{extra})")
    (project / "db.py").write_text("\n".join(lines) + "\n")
    report = run_from(project, "db.py")
    assert not report.errors, report.errors
    flagged = {
        f.span.line for f in report.findings if f.rule == "PC007" and f.concept == "initial_connections"
    }
    by_line = {pool.site.span.line: pool for pool in report.pools}
    found = []
    for number in range(len(SIZES)):
        pool = by_line[5 + number]
        initial = pool.settings.get("initial_connections")
        found.append((initial.value if initial else None, pool.site.span.line in flagged))
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    "version_set",
    [pytest.param(s, marks=pytest.mark.xdist_group(s.name)) for s in (v.ASYNCPG_0_31, v.ASYNCPG_0_32)],
    ids=lambda s: s.name,
)
def test_init_size_is_what_the_real_asyncpg_does(tmp_path: Path, version_set: VersionSet) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text(version_set.requirements())
    real = probe(version_set, tmp_path)
    judged = poolcheck_pools(tmp_path)
    for size, result, (initial, flagged) in zip(SIZES, real["results"], judged, strict=True):
        shown = f"asyncpg {real['version']} create_pool(min_size, max_size, init_size={size}): {result}"
        if not real["parameter"]:  # before 0.32: no init_size, so poolcheck has no initial size
            assert initial is None and not flagged, shown
            continue
        assert flagged is (result == "ValueError"), shown
        if not flagged:
            assert initial == result, shown
