"""A setting an if/elif/else, a conditional expression or a match sets differently has each arm as
a variant with its condition (model.Variant): its value stays "set at run time", and a value rule
fires only when every production variant violates it, naming the variant (poolcheck/variants.py).
The snippets follow how FastAPI and Flask services choose their pool size per environment.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from conftest import Snippets, run_from, write_tree

from poolcheck.check import default_options
from poolcheck.emit.json import as_document
from poolcheck.fix.apply import fixed_run
from poolcheck.fix.plan import FixRules
from poolcheck.model import Finding, Span
from poolcheck.pipeline import RunSettings, analyse, run
from poolcheck.variants import MAX_VARIANT_POOLS

# Every other rule is satisfied, so that only the size is judged.
TAIL = "pool_timeout=5, pool_recycle=1800, pool_pre_ping=True"


def sizing(snippets: Snippets, code: str, suffix: str = ".py") -> list[Finding]:
    return [f for f in snippets.findings(textwrap.dedent(code), suffix) if f.rule == "PC001"]


def test_both_arms_of_an_if_too_small_fire_naming_the_production_arm(snippets: Snippets) -> None:
    code = f"""
        from sqlalchemy import create_engine

        from app.core.config import settings

        if settings.ENVIRONMENT == "production":
            pool_size = {{size}}
        else:
            pool_size = 5
        engine = create_engine(settings.DATABASE_URL, pool_size=pool_size, max_overflow=0, {TAIL})
        """
    [finding] = sizing(snippets, code.format(size=20))
    assert finding.message.startswith(
        'when settings.ENVIRONMENT == "production": max_connections is pool_size 20'
    )
    assert finding.span.line == 10  # on the keyword the call reads it by
    assert sizing(snippets, code.format(size=60)) == []  # the production arm is big enough


def test_only_a_debug_arm_too_small_is_no_finding(snippets: Snippets) -> None:
    code = f"""
        from sqlalchemy import create_engine

        from app.core.config import settings

        engine = create_engine(
            settings.database_url,
            pool_size={{size}} if not settings.debug else 5,
            max_overflow=20 if not settings.debug else 0,
            {TAIL},
        )
        """
    assert sizing(snippets, code.format(size=40)) == []
    [finding] = sizing(snippets, code.format(size=20))  # 20 + 20 in production
    assert finding.message.startswith("when not settings.debug: max_connections is pool_size 20")


def test_a_debug_arm_is_not_production_and_the_else_is(snippets: Snippets) -> None:
    [finding] = sizing(
        snippets,
        f"""
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        if app.config["DEBUG"]:
            size = 50
        else:
            size = 10
        engine = create_engine(app.config["DATABASE_URL"], pool_size=size, max_overflow=0, {TAIL})
        """,
    )
    assert finding.message.startswith("in the else branch: max_connections is pool_size 10")


def test_three_arms_fire_only_when_every_production_arm_is_too_small(snippets: Snippets) -> None:
    code = """
        import os

        from sqlalchemy import create_engine

        ENVIRONMENT = os.environ.get("ENVIRONMENT", "development")

        if ENVIRONMENT == "production":
            POOL_SIZE = {production}
        elif ENVIRONMENT == "staging":
            POOL_SIZE = 10
        else:
            POOL_SIZE = 2

        engine = create_engine(os.environ["DATABASE_URL"], pool_size=POOL_SIZE, max_overflow=5, {tail})
        """
    [finding] = sizing(snippets, code.format(production=20, tail=TAIL))
    assert finding.message.startswith('when ENVIRONMENT == "production": max_connections is pool_size 20')
    assert sizing(snippets, code.format(production=60, tail=TAIL)) == []


def test_a_conditional_expression_in_the_call_is_read_per_arm(snippets: Snippets) -> None:
    code = f"""
        from sqlalchemy.ext.asyncio import create_async_engine

        from app.core.config import settings

        engine = create_async_engine(
            settings.DATABASE_URL,
            pool_size={{size}} if settings.environment == "production" else 5,
            max_overflow=10 if settings.environment == "production" else 0,
            {TAIL},
        )
        """
    [finding] = sizing(snippets, code.format(size=20))
    assert finding.message.startswith(
        'when settings.environment == "production": max_connections is pool_size 20 (written) + max_overflow 10'
    )
    assert sizing(snippets, code.format(size=45)) == []  # 45 + 10 in production


def test_a_match_on_the_environment_is_read_per_case(snippets: Snippets) -> None:
    code = f"""
        from sqlalchemy import create_engine

        from app.config import settings


        def make_engine(url: str):
            match settings.ENVIRONMENT:
                case "prod" | "production":
                    size = {{size}}
                case "dev" | "test":
                    size = 2
                case _:
                    size = 10
            return create_engine(url, pool_size=size, max_overflow=0, {TAIL})
        """
    [finding] = sizing(snippets, code.format(size=20))
    assert finding.message.startswith('when case "prod" | "production": max_connections is pool_size 20')
    assert sizing(snippets, code.format(size=80)) == []  # only `case _`, 10, is too small: not all


def test_a_sqlite_arm_is_not_production(snippets: Snippets) -> None:
    code = f"""
        from sqlalchemy import create_engine

        from app.core.config import get_settings

        settings = get_settings()

        engine = create_engine(
            settings.database_url,
            pool_size={{size}} if "sqlite" not in settings.database_url else 5,
            max_overflow=0,
            {TAIL},
        )
        """
    assert sizing(snippets, code.format(size=60)) == []
    [finding] = sizing(snippets, code.format(size=20))
    assert finding.message.startswith(
        'when "sqlite" not in settings.database_url: max_connections is pool_size 20'
    )


def test_more_variants_than_the_cap_are_checked_as_today(snippets: Snippets) -> None:
    # Two choices of six arms each (five and the value before): 36 pools, one per combination.
    def placed(overflow: str) -> str:
        arms = "\n".join(
            f"{'if' if i == 0 else 'elif'} {where} == {i}:\n    size_{knob} = {i + 1}"
            for knob, where in (("a", "REGION"), ("b", overflow))
            for i in range(5)
        )
        return (
            "from sqlalchemy import create_engine\n\nREGION, ZONE = read_placement()\n"
            + "\n".join(f"size_{k} = 1" for k in "ab")
            + "\n"
            + arms
            + f'\nengine = create_engine("postgresql://db/app", pool_size=size_a, max_overflow=size_b, {TAIL})\n'
        )

    pool = snippets.pool(placed("ZONE"), ".py")
    assert len(dict(pool.site.knobs)["pool_size"].variants) ** 2 > MAX_VARIANT_POOLS
    assert sizing(snippets, placed("ZONE")) == []  # every arm is too small, but too many to judge
    # Chosen by the same conditions, the two sizes vary together: six pools, each too small.
    [finding] = sizing(snippets, placed("REGION"))
    assert finding.message.startswith("with the value set before the if: max_connections is pool_size 1")


def test_the_setting_keeps_its_run_time_value_and_lists_the_variants(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/db.py": f"""
                from sqlalchemy import create_engine

                from app.config import settings

                if settings.ENVIRONMENT == "production":
                    pool_size = 20
                else:
                    pool_size = 5
                engine = create_engine(settings.DATABASE_URL, pool_size=pool_size, {TAIL})
            """
        },
    )
    report = run([tmp_path / "app/db.py"], RunSettings())
    [pool] = as_document(report)["pools"]
    size = pool["settings"]["max_connections"]["parts"]["pool_size"]
    assert (size["value"], size["source"], size["expr"]) == (None, "dynamic", "pool_size")
    assert size["variants"] == [
        {
            "condition": 'settings.ENVIRONMENT == "production"',
            "value": 20,
            "source": "explicit",
            "line": 7,
            "defined_at": None,  # in the pool's own file
        },
        {"condition": "else", "value": 5, "source": "explicit", "line": 9, "defined_at": None},
    ]
    assert "variants" not in pool["settings"]["acquire_timeout"]


def test_a_fix_never_rewrites_a_setting_set_in_each_branch(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/db.py": f"""
                from sqlalchemy import create_engine

                from app.config import settings

                if settings.ENVIRONMENT == "production":
                    pool_size = 20
                else:
                    pool_size = 5
                engine = create_engine(settings.DATABASE_URL, pool_size=pool_size, max_overflow=0, {TAIL})
            """
        },
    )
    source = tmp_path / "app/db.py"
    before = source.read_bytes()
    settings = RunSettings(project_root=tmp_path)
    options = default_options()
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = fixed_run(
            analyse([Path(".")], settings), settings, FixRules(unsafe=True), lambda p: options, True
        )
    finally:
        os.chdir(previous)
    assert source.read_bytes() == before
    reasons = {u.finding.rule: u.reason for u in result.unfixed}
    assert reasons["PC001"] == "`pool_size` is set differently in each branch: change the branch's value"


# The Django and Flask settings style: a settings module sets the size in each branch, and the
# module that builds the engine imports it.
SETTINGS_MODULE = """
    import os

    DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@localhost/app")

    if os.environ.get("ENVIRONMENT") == "production":
        POOL_SIZE = {production}
        MAX_OVERFLOW = 10
    else:
        POOL_SIZE = 5
        MAX_OVERFLOW = 0
"""
IMPORTS = {
    "name": ("from app.settings import DATABASE_URL, MAX_OVERFLOW, POOL_SIZE", ""),
    "module": ("from app import settings", "settings."),
}


def settings_project(root: Path, production: int, form: str) -> Path:
    imported, prefix = IMPORTS[form]
    db = f"""
        from sqlalchemy import create_engine

        {imported}

        engine = create_engine(
            {prefix}DATABASE_URL,
            pool_size={prefix}POOL_SIZE,
            max_overflow={prefix}MAX_OVERFLOW,
            {TAIL},
        )
    """
    files = {".git/HEAD": "", "app/__init__.py": "", "app/db.py": db}
    return write_tree(root, {**files, "app/settings.py": SETTINGS_MODULE.format(production=production)})


@pytest.mark.parametrize("form", sorted(IMPORTS))
def test_a_constant_a_settings_module_sets_in_each_branch_fires_naming_the_production_arm(
    tmp_path: Path, form: str
) -> None:
    report = run_from(settings_project(tmp_path / "small", 20, form), "app/db.py")
    [finding] = [f for f in report.findings if f.rule == "PC001"]
    assert finding.message.startswith(
        'when os.environ.get("ENVIRONMENT") == "production": max_connections is pool_size 20 '
        "(const settings.POOL_SIZE at app/settings.py:7) + max_overflow 10 "
        "(const settings.MAX_OVERFLOW at app/settings.py:8) = 30"
    ), finding.message
    assert (finding.path, finding.span.line) == ("app/db.py", 8)  # on the keyword that reads it
    report = run_from(settings_project(tmp_path / "fine", 60, form), "app/db.py")
    assert [f for f in report.findings if f.rule == "PC001"] == []  # only the else arm is too small


def test_the_json_gives_an_imported_setting_s_arms_with_the_settings_module_s_lines(tmp_path: Path) -> None:
    report = run_from(settings_project(tmp_path, 20, "name"), "app/db.py")
    [pool] = as_document(report)["pools"]
    size = pool["settings"]["max_connections"]["parts"]["pool_size"]
    assert (size["value"], size["source"], size["line"], size["defined_at"]) == (None, "dynamic", 8, None)
    assert size["variants"] == [
        {
            "condition": 'os.environ.get("ENVIRONMENT") == "production"',
            "value": 20,
            "source": "constant",
            "line": 7,
            "defined_at": "app/settings.py:7",
        },
        {
            "condition": "else",
            "value": 5,
            "source": "constant",
            "line": 10,
            "defined_at": "app/settings.py:10",
        },
    ]
    [setting] = [s for name, s in report.pools[0].site.knobs if name == "pool_size"]
    assert [v.span for v in setting.variants] == [Span(7, 17, 7, 19), Span(10, 17, 10, 18)]


def test_a_debug_arm_of_a_settings_class_body_is_not_production(tmp_path: Path) -> None:
    config = """
        import os


        class Config:
            DEBUG = os.environ.get("FLASK_DEBUG") == "1"
            SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://app@localhost/app")
            if DEBUG:
                POOL_SIZE = 5
            else:
                POOL_SIZE = {production}
    """
    db = f"""
        from sqlalchemy import create_engine

        from app.config import Config

        engine = create_engine(Config.SQLALCHEMY_DATABASE_URI, pool_size=Config.POOL_SIZE, max_overflow=0, {TAIL})
    """

    def sizes(production: int) -> list[Finding]:
        root = tmp_path / str(production)
        files = {".git/HEAD": "", "app/__init__.py": "", "app/db.py": db}
        write_tree(root, {**files, "app/config.py": config.format(production=production)})
        return [f for f in run_from(root, "app/db.py").findings if f.rule == "PC001"]

    [finding] = sizes(10)
    assert finding.message.startswith(
        "in the else branch: max_connections is pool_size 10 (const Config.POOL_SIZE at app/config.py:11)"
    ), finding.message
    assert sizes(60) == []  # the DEBUG arm's 5 is a developer's


def test_a_conditional_expression_a_config_module_binds_is_read_per_arm(tmp_path: Path) -> None:
    config = """
        import os

        DEBUG = os.environ.get("DEBUG", "0") == "1"
        POOL_SIZE = 5 if DEBUG else {production}
    """
    db = f"""
        from sqlalchemy import create_engine

        from app import config

        engine = create_engine("postgresql://app@db/app", pool_size=config.POOL_SIZE, max_overflow=0, {TAIL})
    """

    def sizes(production: int) -> list[Finding]:
        root = tmp_path / str(production)
        files = {".git/HEAD": "", "app/__init__.py": "", "app/db.py": db}
        write_tree(root, {**files, "app/config.py": config.format(production=production)})
        return [f for f in run_from(root, "app/db.py").findings if f.rule == "PC001"]

    [finding] = sizes(15)
    assert finding.message.startswith(
        "in the else branch: max_connections is pool_size 15 (const config.POOL_SIZE at app/config.py:5)"
    ), finding.message
    assert sizes(60) == []


def test_a_fix_leaves_an_imported_setting_set_in_each_branch_to_the_author(tmp_path: Path) -> None:
    settings_project(tmp_path, 20, "name")
    sources = [tmp_path / "app/db.py", tmp_path / "app/settings.py"]
    before = [path.read_bytes() for path in sources]
    settings = RunSettings(project_root=tmp_path)
    options = default_options()
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = fixed_run(
            analyse([Path("app/db.py")], settings), settings, FixRules(unsafe=True), lambda p: options, True
        )
    finally:
        os.chdir(previous)
    assert [path.read_bytes() for path in sources] == before
    reasons = {u.finding.rule: u.reason for u in result.unfixed}
    assert reasons["PC001"] == "`pool_size` is set differently in each branch: change the branch's value"


RUST = """
    use sqlx::postgres::PgPoolOptions;
    use std::time::Duration;

    pub async fn connect(cfg: &DatabaseConfig) -> sqlx::PgPool {{
        let max = if cfg.environment == "production" {{ {production} }} else {{ 5 }};
        let idle = match cfg.environment.as_str() {{
            "production" | "prod" => Duration::from_secs(600),
            "dev" | "test" => Duration::from_secs(5),
            _ => Duration::from_secs(300),
        }};
        PgPoolOptions::new()
            .max_connections(max)
            .min_connections(2)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(idle)
            .max_lifetime(Duration::from_secs(1800))
            .connect(&cfg.url)
            .await
            .unwrap()
    }}
"""


def test_a_rust_let_bound_by_an_if_is_read_per_arm_and_named_alone(snippets: Snippets) -> None:
    [finding] = sizing(snippets, RUST.format(production=20), ".rs")
    # The idle timeout's match chooses nothing the finding is about: only the size's condition is named.
    assert finding.message.startswith('when cfg.environment == "production": max_connections is 20 (written)')
    assert sizing(snippets, RUST.format(production=60), ".rs") == []


def test_a_rust_match_gives_each_arm_with_its_pattern(snippets: Snippets) -> None:
    knobs = dict(snippets.site(RUST.format(production=20)).knobs)
    assert [(v.condition, v.value) for v in knobs["idle_timeout"].variants] == [
        ('"production" | "prod"', 600.0),
        ('"dev" | "test"', 5.0),
        ("_", 300.0),
    ]
    assert knobs["max_connections"].source == "dynamic"  # still set at run time by `max`


def test_the_card_names_the_variant_s_size_and_each_arm_s_value(tmp_path: Path) -> None:
    from datetime import date

    from poolcheck.cards.content import build_cards
    from poolcheck.cards.markdown import render

    code = f"""
        from sqlalchemy import create_engine

        from app.core.config import settings

        if settings.ENVIRONMENT == "production":
            pool_size = 20
        else:
            pool_size = 5

        engine = create_engine(settings.DATABASE_URL, pool_size=pool_size, max_overflow=0, {TAIL})
    """
    write_tree(tmp_path, {"app/db.py": textwrap.dedent(code)})
    report = run([tmp_path], RunSettings())
    options = default_options()
    [card] = build_cards(report, lambda path: options, date(2026, 12, 1))
    text = render(card, 1)
    assert card.title.endswith("too small for production (20 connections)"), card.title
    assert (
        'set at run time by `pool_size`: 20 when `settings.ENVIRONMENT == "production"`; 5 in the else branch'
        in text
    )
