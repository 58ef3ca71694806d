"""Django's refusal of persistent connections beside a pool, read from the real Django on each version
line the tables tell apart, against the table's fact (libraries/django.py): which CONN_MAX_AGE values
make DatabaseWrapper.pool raise ImproperlyConfigured. Building the pool opens no connection
(``open=False``), so no server is needed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from poolcheck.libraries.django import DJANGO_POOL
from poolcheck.model import Setting
from realdb import version_sets as v
from realdb.conftest import python_of
from realdb.venvs import VersionSet

# CONN_MAX_AGE as settings write it, and as poolcheck's front end reads each one.
AGES: dict[str, Setting] = {
    "600": Setting(600, "explicit"),
    "None": Setting(None, "disabled"),
    "0": Setting(0, "explicit"),
    "0.0": Setting(0.0, "explicit"),
}

PROBE = """
import json, sys
import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ages = json.loads(sys.argv[1])
settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}} | {
    f"alias{number}": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "HOST": "127.0.0.1",
        "PORT": "1",
        "CONN_MAX_AGE": eval(age),
        "OPTIONS": {"pool": {"min_size": 1, "max_size": 2}},
    }
    for number, age in enumerate(ages)
})
django.setup()
from django.db import connections

refused = {}
for number, age in enumerate(ages):
    try:
        connections[f"alias{number}"].pool
        refused[age] = False
    except ImproperlyConfigured as error:
        assert "persistent connections" in str(error), error
        refused[age] = True
print(json.dumps({"version": django.__version__, "refused": refused}))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "version_set",
    [
        pytest.param(s, marks=pytest.mark.xdist_group(s.name))
        for s in (v.DJANGO_5_1, v.DJANGO_5_2, v.DJANGO_6_0, v.DJANGO_6_1)
    ],
    ids=lambda s: s.name,
)
def test_conn_max_age_beside_a_pool_is_refused_as_the_table_says(
    tmp_path: Path, version_set: VersionSet
) -> None:
    result = subprocess.run(
        [str(python_of(version_set)), "-c", PROBE, json.dumps(list(AGES))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    real = json.loads(result.stdout)
    knob = DJANGO_POOL.knob("CONN_MAX_AGE")
    assert knob is not None
    judged = {age: knob.refuses(setting) for age, setting in AGES.items()}
    assert judged == real["refused"], f"Django {real['version']}"
