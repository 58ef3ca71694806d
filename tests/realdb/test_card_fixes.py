"""Every Python fix a card proposes, run on the real library and a real PostgreSQL server.

For each library a service file builds a pool badly, in a real project's style, next to a
requirements.txt pinning one version line. poolcheck files a card for it; the card's Option 1
and Option 2 code replaces the construction, the file runs in a venv holding those versions
against a private cluster, and the test checks that the pool opens, ``SELECT 1`` runs through
it, and the values read back from the live pool object are the ones the card's acceptance
criteria name. poolcheck then checks the fixed file: the card's findings are gone and none is new.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from conftest import run_from
from pgserver import PostgresServer

from poolcheck.cards.content import build_cards
from poolcheck.cards.model import Card
from poolcheck.cards.source import statement_tail
from poolcheck.check import default_options
from poolcheck.pipeline import RunSettings, run
from realdb import version_sets as v
from realdb.conftest import python_of
from realdb.venvs import VersionSet

PROBE = Path(__file__).resolve().parent / "probe.py"
PROBE_TIMEOUT_S = 120
# aiopg's own default for a connection's timeout, which is every query's default timeout
# (aiopg/connection.py TIMEOUT = 60.0, 1.4.0).
AIOPG_QUERY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Service:
    """A bad pool construction as a project writes it, and how to run it."""

    name: str
    file: str  # where it lives in the project
    source: str
    kind: str  # which probe opens it (probe.py PROBES)
    dsn: Callable[[PostgresServer], dict[str, str]]  # the environment pointing it at the server
    version_sets: tuple[VersionSet, ...]
    positional: tuple[str, ...] = ()  # the pool call's positional parameters, where the code passes some


def url_env(scheme: str) -> Callable[[PostgresServer], dict[str, str]]:
    return lambda server: {"DATABASE_URL": server.url(scheme)}


def conninfo_env(server: PostgresServer) -> dict[str, str]:
    return {"DATABASE_URL": server.conninfo()}


def django_env(server: PostgresServer) -> dict[str, str]:
    return {
        "DB_NAME": server.database,
        "DB_HOST": server.host,
        "DB_PORT": str(server.port),
        "DB_USER": server.user,
    }


SERVICES = (
    Service(
        "sqlalchemy",
        "orders/db.py",
        '''
        """Orders API engine."""

        import os

        from sqlalchemy import create_engine

        DATABASE_URL = os.environ["DATABASE_URL"]

        engine = create_engine(DATABASE_URL, pool_size=5, echo=False)
        ''',
        "sqlalchemy",
        url_env("postgresql+psycopg2"),
        (v.SQLALCHEMY_1_4, v.SQLALCHEMY_2_0),
    ),
    Service(
        "sqlalchemy-async",
        "app/db.py",
        '''
        """Async engine for the FastAPI app."""

        import os

        from sqlalchemy.ext.asyncio import create_async_engine

        DATABASE_URL = os.environ["DATABASE_URL"]

        engine = create_async_engine(
            DATABASE_URL,
            pool_size=5,
        )
        ''',
        "sqlalchemy_async",
        url_env("postgresql+asyncpg"),
        (v.SQLALCHEMY_1_4, v.SQLALCHEMY_2_0),
    ),
    Service(
        "sqlalchemy-from-config",
        "reports/engine.py",
        '''
        """Engine from the app's ini settings."""

        import os

        from sqlalchemy import engine_from_config

        SETTINGS = {"sqlalchemy.url": os.environ["DATABASE_URL"], "sqlalchemy.pool_size": 5}

        engine = engine_from_config(SETTINGS, prefix="sqlalchemy.")
        ''',
        "sqlalchemy",
        url_env("postgresql+psycopg2"),
        (v.SQLALCHEMY_1_4, v.SQLALCHEMY_2_0),
    ),
    Service(
        "flask-sqlalchemy",
        "admin/app.py",
        '''
        """The admin app."""

        import os

        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy


        class ProductionConfig:
            SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
            SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 5, "pool_pre_ping": True}


        db = SQLAlchemy()


        def create_app() -> Flask:
            app = Flask(__name__)
            app.config.from_object(ProductionConfig)
            db.init_app(app)
            return app
        ''',
        "flask",
        url_env("postgresql+psycopg2"),
        (v.FLASK_SQLALCHEMY_3_1,),
    ),
    Service(
        "flask-sqlalchemy-engine-options",
        "portal/app.py",
        '''
        """The customer portal."""

        import os

        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy(engine_options={"pool_size": 5, "pool_pre_ping": True})


        def create_app() -> Flask:
            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
            db.init_app(app)
            return app
        ''',
        "flask",
        url_env("postgresql+psycopg2"),
        (v.FLASK_SQLALCHEMY_3_1,),
    ),
    Service(
        "psycopg_pool",
        "jobs/nightly.py",
        '''
        """Nightly jobs."""

        import os

        from psycopg_pool import ConnectionPool

        CONNINFO = os.environ["DATABASE_URL"]

        pool = ConnectionPool(CONNINFO, min_size=2, max_size=4, open=False)
        ''',
        "psycopg_pool",
        conninfo_env,
        (v.PSYCOPG_POOL_3_1, v.PSYCOPG_POOL_3_2, v.PSYCOPG_POOL_3_3),
    ),
    Service(
        "psycopg_pool-async",
        "reports/build.py",
        '''
        """Report builder."""

        import os

        from psycopg_pool import AsyncConnectionPool

        CONNINFO = os.environ["DATABASE_URL"]


        async def build(handle):
            async with AsyncConnectionPool(CONNINFO, max_size=4) as pool:
                await handle(pool)
        ''',
        "psycopg_pool_async",
        conninfo_env,
        (v.PSYCOPG_POOL_3_1, v.PSYCOPG_POOL_3_2, v.PSYCOPG_POOL_3_3),
    ),
    Service(
        "asyncpg-with",
        "worker/queue.py",
        '''
        """Queue consumer: one pool for the consumer's life."""

        import os

        import asyncpg

        DSN = os.environ["DATABASE_URL"]


        async def consume(handle):
            async with asyncpg.create_pool(DSN, max_size=5, command_timeout=30) as pool:
                await handle(pool)
        ''',
        "asyncpg_with",
        url_env("postgresql"),
        (v.ASYNCPG_0_31, v.ASYNCPG_0_32),
    ),
    Service(
        "asyncpg",
        "worker/consumer.py",
        '''
        """Queue consumer."""

        import os

        import asyncpg

        DSN = os.environ["DATABASE_URL"]


        async def make_pool():
            pool = await asyncpg.create_pool(DSN, min_size=2, max_size=5)
            return pool
        ''',
        "asyncpg",
        url_env("postgresql"),
        (v.ASYNCPG_0_31, v.ASYNCPG_0_32),
    ),
    Service(
        "django",
        "shop/settings.py",
        '''
        """Django settings for the shop."""

        import os

        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": os.getenv("DB_NAME", "shop"),
                "HOST": os.getenv("DB_HOST", "localhost"),
                "PORT": os.getenv("DB_PORT", "5432"),
                "USER": os.getenv("DB_USER", "shop"),
                "OPTIONS": {"pool": {"min_size": 2, "max_size": 4}},
            },
        }
        ''',
        "django",
        django_env,
        (v.DJANGO_5_1, v.DJANGO_5_2, v.DJANGO_6_0, v.DJANGO_6_1),
    ),
    Service(
        # Persistent connections beside a pool: Django raises ImproperlyConfigured unless CONN_MAX_AGE
        # is 0, so the card's code must put it back to 0 (backends/postgresql/base.py, 5.1 - 6.1).
        "django-persistent",
        "shop/settings.py",
        '''
        """Django settings for the shop."""

        import os

        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": os.getenv("DB_NAME", "shop"),
                "HOST": os.getenv("DB_HOST", "localhost"),
                "PORT": os.getenv("DB_PORT", "5432"),
                "USER": os.getenv("DB_USER", "shop"),
                "CONN_MAX_AGE": 600,
                "OPTIONS": {"pool": {"min_size": 2, "max_size": 4}},
            },
        }
        ''',
        "django",
        django_env,
        (v.DJANGO_5_1, v.DJANGO_5_2, v.DJANGO_6_0, v.DJANGO_6_1),
    ),
    Service(
        "aiopg",
        "notify/sender.py",
        '''
        """Notification sender still on aiopg."""

        import os

        import aiopg

        DSN = os.environ["DATABASE_URL"]


        async def make_pool():
            pool = await aiopg.create_pool(DSN, maxsize=5)
            return pool
        ''',
        "aiopg",
        conninfo_env,
        (v.AIOPG_1_4,),
    ),
    Service(
        "psycopg2",
        "legacy/admin.py",
        '''
        """Legacy admin scripts."""

        import os

        from psycopg2 import pool

        db_pool = pool.ThreadedConnectionPool(1, 5, dsn=os.environ["DATABASE_URL"])
        ''',
        "psycopg2",
        conninfo_env,
        (v.PSYCOPG2_2_9,),
        ("minconn", "maxconn"),
    ),
)

# Fixes the library rejects or that change more than the card says: each reason says what the
# card proposes and what the library does. strict, and only for FixRejected: the test turns red
# once the card is right, and a harness failure (a card the test cannot apply) is never hidden.
KNOWN_WRONG: dict[tuple[str, str], str] = {}


class FixRejected(Exception):
    """The card's fix, applied as it says, does not do what the card says on the real library."""


def require(condition: object, message: str) -> None:
    if not condition:
        raise FixRejected(message)


def cases() -> list[object]:
    params = []
    for service in SERVICES:
        for version_set in service.version_sets:
            for number in (1, 2):
                marks = [pytest.mark.xdist_group(version_set.name)]
                reason = KNOWN_WRONG.get((service.name, version_set.name)) or KNOWN_WRONG.get(
                    (service.name, "*")
                )
                if reason:
                    marks.append(pytest.mark.xfail(strict=True, raises=FixRejected, reason=reason))
                params.append(
                    pytest.param(
                        service,
                        version_set,
                        number,
                        marks=marks,
                        id=f"{version_set.name}-{service.name}-{number}",
                    )
                )
    return params


# --- the card --------------------------------------------------------------------------------------


def cards_for(project: Path, file: str) -> tuple[tuple[Card, ...], set[str]]:
    """The cards ``poolcheck --format todo`` builds for one file of the project, run from its root,
    and the rules it found there."""
    previous = Path.cwd()
    os.chdir(project)
    try:
        report = run([Path(file)], RunSettings())
        options = default_options()
        cards = build_cards(report, lambda path: options, date(2025, 1, 2), "pool", statement_tail)  # type: ignore[arg-type]
    finally:
        os.chdir(previous)
    assert not report.errors, report.errors
    return cards, {finding.rule for finding in report.findings}


def rules_found(project: Path, file: str) -> set[str]:
    report = run_from(project, file)
    assert not report.errors, report.errors
    return {finding.rule for finding in report.findings}


def section(card: Card, heading: str) -> str:
    return next(s.body for s in card.sections if s.heading == heading)


def option(card: Card, number: int) -> tuple[str, str]:
    """Option ``number``'s code block and the notes after it."""
    parts = re.split(r"^### ", section(card, "Proposed Solutions"), flags=re.M)
    text = next((part for part in parts if part.startswith(f"Option {number}:")), None)
    if text is None:
        pytest.skip(f"the card has no Option {number}")
    found = re.search(r"```python\n(.*?)\n```(.*)", text, re.S)
    assert found, text
    return found.group(1), found.group(2)


def card_values(card: Card) -> dict[str, str]:
    """The settings the acceptance criteria name, ``knob -> expression``: `max_size=50`."""
    values: dict[str, str] = {}
    for line in section(card, "Acceptance Criteria").splitlines():
        for knob, expression in re.findall(r"`\"?([A-Za-z_]\w*)\"?\s*[=:]\s*([^`]+)`", line):
            values[knob] = expression.strip()
    return values


def lines_of(subject: str) -> tuple[int, int]:
    found = re.search(r":(\d+)(?:-(\d+))?$", subject)
    assert found, subject
    return int(found.group(1)), int(found.group(2) or found.group(1))


# --- the fix applied as the card says ---------------------------------------------------------------


def apply_option(source: str, card: Card, number: int) -> str:
    """The file with the construction's lines replaced by the option's code, its notes followed."""
    code, notes = option(card, number)
    lines = source.splitlines()
    first, last = lines_of(card.subject)
    current = re.search(
        r"\*\*Current configuration\*\*.*?```python\n(.*?)\n```", section(card, "Findings"), re.S
    )
    assert current, "the card shows the current configuration"
    original = "\n".join(lines[first - 1 : last])
    # The lines the card replaces are the lines it shows: the splice cannot miss its place.
    assert textwrap.dedent(original) == current.group(1)
    indent = re.match(r"\s*", lines[first - 1]).group(0)  # type: ignore[union-attr]
    block = textwrap.indent(code, indent)
    fixed = "\n".join([*lines[: first - 1], block, *lines[last:]]) + "\n"
    added = re.findall(r"^- Add (.*) to the pool's configuration\.$", notes, re.M)
    # A note asking for another change than these is one this test cannot follow yet: say so.
    unknown = [
        n for n in re.findall(r"^- Add .*$", notes, re.M) if not n.endswith("to the pool's configuration.")
    ]
    assert not unknown, f"a note the test does not know how to apply: {unknown}"
    if added:
        fixed = add_to_configuration(fixed, first, re.findall(r"`([A-Za-z_]\w*)=([^`]+)`", added[0]))
    moved = len(block.splitlines()) - (last - first + 1)  # how far the splice moved the lines below it
    for knob, value, line in re.findall(
        r"^- Set `(\w+)` to `([^`]+)` where it is written \(line (\d+)\)\.$", notes, re.M
    ):
        at = int(line) if int(line) < first else int(line) + moved
        fixed = set_where_written(fixed, at, knob, value)
    if "Needs `import os`" in notes and not re.search(r"^import os$", fixed, re.M):
        fixed = "import os\n" + fixed
    return fixed


def set_where_written(source: str, line: int, knob: str, value: str) -> str:
    """The value of the setting ``knob`` (a keyword, or a dict key ending with it) on ``line`` replaced."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            pairs = [
                (k.value, v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant)
            ]
        elif isinstance(node, ast.Call):
            pairs = [(keyword.arg, keyword.value) for keyword in node.keywords]
        else:
            continue
        for key, old in pairs:
            if (
                isinstance(key, str)
                and key.rsplit(".", 1)[-1] == knob
                and old.lineno == line == old.end_lineno
            ):
                lines = source.splitlines()
                text = lines[line - 1]
                lines[line - 1] = text[: old.col_offset] + value + text[old.end_col_offset :]  # type: ignore[operator]
                return "\n".join(lines) + "\n"
    raise AssertionError(f"no {knob} written on line {line}:\n{source}")


def add_to_configuration(source: str, first: int, settings: list[tuple[str, str]]) -> str:
    """``"knob": value`` entries added to the dict literal of the pool's settings at line ``first``."""
    tree = ast.parse(source)
    knobs = {name for name, _ in settings}
    dicts = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict) and node.lineno >= first and node.end_lineno is not None
    ]

    def pool_keys(node: ast.Dict) -> int:
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        return len(keys & (knobs | {"pool_size", "min_size", "max_size", "max_overflow", "pool_pre_ping"}))

    target = max(dicts, key=pool_keys)
    assert pool_keys(target) > 0, "the option's code has a dict of pool settings"
    lines = source.splitlines()
    row, column = target.end_lineno - 1, target.end_col_offset - 1  # type: ignore[operator]
    assert lines[row][column] == "}"
    entries = "".join(f", {json.dumps(name)}: {value}" for name, value in settings)
    lines[row] = lines[row][:column] + entries + lines[row][column:]
    return "\n".join(lines) + "\n"


def environment_overrides(fixed: str, positional: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Option 2's environment variables set to twice their defaults, and the knob values they give.

    A setting read from the environment is ``int(os.getenv("NAME", "default"))`` (or ``float``), as
    a keyword, a dict entry or a positional argument (``positional`` names the pool call's).
    """
    env: dict[str, str] = {}
    expected: dict[str, str] = {}
    for node in ast.walk(ast.parse(fixed)):
        if isinstance(node, ast.Call):
            pairs = [(keyword.arg, keyword.value) for keyword in node.keywords]
            pairs += [(name, value) for name, value in zip(positional, node.args, strict=False)]
        elif isinstance(node, ast.Dict):
            pairs = [
                (str(key.value).rsplit(".", 1)[-1], value)  # engine_from_config: "sqlalchemy.pool_size"
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
            ]
        else:
            continue
        for knob, value in pairs:
            read = environment_number(value)
            if knob and read:
                kind, name, default = read
                doubled = int(default) * 2 if kind == "int" else float(default) * 2
                env[name], expected[knob] = str(doubled), repr(doubled)
    return env, expected


def environment_number(value: ast.expr) -> tuple[str, str, str] | None:
    """``(int|float, NAME, default)`` for ``int(os.getenv("NAME", "default"))``, else None."""
    match value:
        case ast.Call(
            func=ast.Name(id=("int" | "float") as kind),
            args=[ast.Call(func=ast.Attribute(value=ast.Name(id="os"), attr="getenv"), args=[name, default])],
        ) if isinstance(name, ast.Constant) and isinstance(default, ast.Constant):
            return kind, str(name.value), str(default.value)
    return None


# --- running it -------------------------------------------------------------------------------------


def probe(python: Path, kind: str, module: Path, expected: dict[str, str], env: dict[str, str]) -> dict:
    request = json.dumps({"module": str(module), "kind": kind, "expected": expected})
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"), **env}
    result = subprocess.run(
        [str(python), str(PROBE), request],
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_S,
        env=environ,
        cwd=module.parent,
    )
    require(result.returncode == 0, f"the fixed code failed on the real library:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.postgres
@pytest.mark.parametrize(("service", "version_set", "number"), cases())
def test_the_card_s_fix_runs_on_the_real_library(
    tmp_path: Path, postgres: PostgresServer, service: Service, version_set: VersionSet, number: int
) -> None:
    project = tmp_path / "service"
    path = project / service.file
    path.parent.mkdir(parents=True)
    (project / "requirements.txt").write_text(version_set.requirements())
    source = textwrap.dedent(service.source).lstrip("\n")
    path.write_text(source)
    (card,), before = cards_for(project, service.file)
    expected = card_values(card)
    assert expected, "the card's acceptance criteria name the settings"

    fixed = apply_option(source, card, number)
    path.write_text(fixed)
    report = probe(python_of(version_set), service.kind, path, expected, service.dsn(postgres))

    require(report["select_1"] == 1, f"SELECT 1 returned {report['select_1']!r}")
    wrong = {knob: got for knob, got in report["knobs"].items() if not got["equal"]}
    require(
        not wrong, f"read back from the {report['version']} pool:\n{json.dumps(wrong, indent=1)}\n{fixed}"
    )
    assert report["warnings"] == [], report["warnings"]
    if service.kind == "aiopg":  # the pool's timeout also bounds every query on its connections
        require(
            report["query_timeout"] >= AIOPG_QUERY_TIMEOUT,
            f"every query times out after {report['query_timeout']} s",
        )
    if number == 2:  # configurable from the environment: the same code with other values set
        overrides, configured = environment_overrides(fixed, service.positional)
        assert overrides, "Option 2 reads the environment"
        env = {**service.dsn(postgres), **overrides}
        report = probe(python_of(version_set), service.kind, path, configured, env)
        wrong = {knob: got for knob, got in report["knobs"].items() if not got["equal"]}
        require(not wrong, f"read back with {overrides}:\n{json.dumps(wrong, indent=1)}\n{fixed}")
    after = rules_found(project, service.file)
    require(
        not after & set(card.rules), f"still found after the fix: {sorted(after & set(card.rules))}\n{fixed}"
    )
    require(after <= before, f"new findings after the fix: {sorted(after - before)}\n{fixed}")
