"""A Django alias's connection settings changed after ``DATABASES`` is written, the cookiecutter-django
way: ``DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)``, in the module that
defines the dict or in a settings module that imports it (``from .base import DATABASES``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_from, write_tree

from poolcheck.cli import main

BASE = """\
import environ

env = environ.Env()

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
"""
PRODUCTION = """\
from .base import *  # noqa: F403
from .base import DATABASES
from .base import env

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
"""


def settings_tree(root: Path, files: dict[str, str]) -> None:
    write_tree(root, {".git/HEAD": "", "config/__init__.py": "", "config/settings/__init__.py": "", **files})


def pools(root: Path) -> list[tuple[str, int, object, str, bool]]:
    """(file, line, CONN_MAX_AGE's value, its source, persistent) of each Django alias found."""
    report = run_from(root, "config")
    return [
        (
            Path(pool.site.path).name,
            pool.site.span.line,
            knobs["CONN_MAX_AGE"].value,
            knobs["CONN_MAX_AGE"].source,
            pool.site.pooled,
        )
        for pool in report.pools
        for knobs in [dict(pool.site.knobs)]
    ]


def test_a_production_module_changing_the_base_modules_alias_is_its_persistent_pool(tmp_path: Path) -> None:
    settings_tree(tmp_path, {"config/settings/base.py": BASE, "config/settings/production.py": PRODUCTION})
    assert pools(tmp_path) == [("production.py", 5, 60, "env-default", True)]
    report = run_from(tmp_path, "config")
    assert [f.rule for f in report.findings] == ["PC012"]  # persistent, and not checked before use
    [pool] = report.pools
    assert dict(pool.site.knobs)["CONN_MAX_AGE"].env == "CONN_MAX_AGE"  # the imported environ.Env's reader


def test_a_change_in_the_module_of_the_dict_applies_after_it_and_to_its_alias_only(tmp_path: Path) -> None:
    settings = (
        "import environ\n\nenv = environ.Env()\n\n"
        'DATABASES["default"]["CONN_MAX_AGE"] = 600  # before the dict: replaced by it\n'
        'DATABASES = {"default": env.db("DATABASE_URL"), "replica": env.db("REPLICA_URL")}\n'
        'DATABASES["replica"]["CONN_MAX_AGE"] = None\n'
        'DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True\n'
    )
    settings_tree(tmp_path, {"config/settings/base.py": settings})
    report = run_from(tmp_path, "config")
    [replica] = report.pools  # the default alias is read from its URL alone: nothing persists
    knobs = dict(replica.site.knobs)
    assert (knobs["CONN_MAX_AGE"].source, knobs["CONN_HEALTH_CHECKS"].value, replica.site.pooled) == (
        "disabled",
        True,
        True,
    )
    assert [f.rule for f in report.findings] == ["PC004"]  # CONN_MAX_AGE None: connections live forever


def test_a_change_of_no_connection_setting_makes_no_pool(tmp_path: Path) -> None:
    settings_tree(tmp_path, {"config/settings/base.py": BASE})
    assert run_from(tmp_path, "config").pools == ()


def test_the_fix_and_the_card_add_the_health_check_as_a_change_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_tree(tmp_path, {"config/settings/base.py": BASE, "config/settings/production.py": PRODUCTION})
    monkeypatch.chdir(tmp_path)
    card = CliRunner().invoke(main, ["--output-format", "todo", "config"])
    assert (
        'DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)\n'
        'DATABASES["default"]["CONN_HEALTH_CHECKS"] = True\n'
    ) in card.stdout
    fixed = CliRunner().invoke(main, ["--fix", "config"])
    assert fixed.exit_code == 0, fixed.output
    production = (tmp_path / "config/settings/production.py").read_text()
    assert production == PRODUCTION + 'DATABASES["default"]["CONN_HEALTH_CHECKS"] = True\n'
    assert run_from(tmp_path, "config").findings == ()


def test_a_changed_setting_is_read_where_the_change_is(tmp_path: Path) -> None:
    """A name bound between the dict and the change (``MAX_AGE``) is the change's value: its default
    0 persists nothing, so no rule applies."""
    settings = (
        "import environ\n\nenv = environ.Env()\n\n"
        'DATABASES = {"default": env.db("DATABASE_URL")}\n'
        'MAX_AGE = env.int("CONN_MAX_AGE", default=0)\n'
        'DATABASES["default"]["CONN_MAX_AGE"] = MAX_AGE\n'
    )
    settings_tree(tmp_path, {"config/settings/base.py": settings})
    assert pools(tmp_path) == [("base.py", 5, 0, "env-default", False)]
    assert run_from(tmp_path, "config").findings == ()
