"""aiopg, Flask-SQLAlchemy, SQLModel and Django: the forms real projects write."""

from __future__ import annotations

import pytest
from conftest import Snippets


def settings(pool) -> dict[str, tuple[object, str]]:  # type: ignore[no-untyped-def]
    return {c: (s.value, s.source) for c, s in pool.settings.items()}


def test_aiopg_create_pool(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        import aiopg

        async def go(dsn):
            async with aiopg.create_pool(dsn, minsize=2, maxsize=0, pool_recycle=-1) as pool:
                pass
        """,
        ".py",
    )
    assert (pool.site.library, pool.site.database) == ("aiopg", "postgres")
    assert settings(pool) == {
        "max_connections": (None, "disabled"),  # maxsize=0: no limit
        "min_connections": (2, "explicit"),
        "acquire_timeout": (60.0, "default"),
        "idle_timeout": (None, "disabled"),  # pool_recycle counts from last use: an idle timeout
    }
    found = {
        f.rule
        for f in snippets.findings(
            "import aiopg\nasync def f(d):\n    return await aiopg.create_pool(d, maxsize=0)", ".py"
        )
    }
    assert found == {"PC011", "PC005", "PC002"}


def test_aiopg_sa_engine(snippets: Snippets) -> None:
    code = "from aiopg.sa import create_engine\nasync def f(dsn):\n    return await create_engine(dsn, maxsize=40, timeout=5)"
    pool = snippets.pool(code, ".py")
    assert settings(pool)["max_connections"] == (40, "explicit") and pool.site.library == "aiopg"


def test_sqlmodel_reexports_are_sqlalchemys(snippets: Snippets) -> None:
    pool, in_memory = snippets.pools(
        """
        from sqlmodel import Session, SQLModel, create_engine
        from sqlmodel.pool import StaticPool

        DATABASE_URL = "postgresql+psycopg://app:app@db:5432/app"

        engine = create_engine(DATABASE_URL, pool_size=5, max_overflow=10, pool_pre_ping=True, pool_recycle=300)
        test_engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)


        def get_session():
            with Session(engine) as session:
                yield session
        """,
        ".py",
    )
    assert (pool.site.library, pool.site.entry, pool.site.database) == (
        "sqlalchemy",
        "sqlalchemy.create_engine",
        "postgres",
    )
    assert settings(pool)["max_connections"] == (15, "explicit")
    assert settings(pool)["health_check"] == (True, "explicit")
    assert not in_memory.site.pooled  # sqlmodel.pool.StaticPool is SQLAlchemy's


def test_sqlmodel_engine_from_config_and_queue_pool(snippets: Snippets) -> None:
    code = """
        import sqlmodel

        engine = sqlmodel.engine_from_config({"sqlalchemy.url": URL, "sqlalchemy.pool_size": "12"})
        pool = sqlmodel.QueuePool(connect, pool_size=3)
    """
    sites = snippets.sites(code, ".py")
    assert [(s.library, dict(s.knobs)["pool_size"].value) for s in sites] == [
        ("sqlalchemy", 12),
        ("sqlalchemy", 3),
    ]


def test_flask_engine_options_in_every_place(snippets: Snippets) -> None:
    pools = snippets.pools(
        """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        class ProductionConfig:
            SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://app@db/app"
            SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "pool_recycle": 280, "pool_pre_ping": True}

        def create_app():
            app = Flask(__name__)
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 30, "max_overflow": 20, "pool_timeout": 5}
            return app

        db = SQLAlchemy(engine_options={"pool_size": 7})
        bare = SQLAlchemy()
        """,
        ".py",
    )
    assert [(p.site.library, p.settings["max_connections"].value) for p in pools] == [
        ("sqlalchemy", 20),
        ("sqlalchemy", 50),
        ("sqlalchemy", 17),
    ]
    assert pools[0].site.database == "postgres"
    assert settings(pools[0])["max_lifetime"] == (280, "explicit")


def test_flask_sqlalchemy_without_options_is_not_guessed(snippets: Snippets) -> None:
    assert (
        snippets.sites(
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\ndb2 = SQLAlchemy(app)", ".py"
        )
        == []
    )


def test_django_databases(snippets: Snippets) -> None:
    pools = snippets.pools(
        """
        import dj_database_url

        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "shop",
                "CONN_MAX_AGE": 600,
                "CONN_HEALTH_CHECKS": True,
            },
            "replica": dj_database_url.config(env="REPLICA_URL", conn_max_age=None),
            "pooled": {
                "ENGINE": "django.db.backends.postgresql",
                "OPTIONS": {"pool": {"min_size": 2, "max_size": 20, "timeout": 10}},
            },
            "default_pool": {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"pool": True}},
            "per_request": {"ENGINE": "django.db.backends.postgresql", "NAME": "audit"},
            "local": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"},
        }
        """,
        ".py",
    )
    by_line = {p.site.span.line: p for p in pools}
    default, replica, pooled, default_pool, per_request, local = (by_line[line] for line in sorted(by_line))
    assert settings(default) == {"max_lifetime": (600, "explicit"), "health_check": (True, "explicit")}
    assert settings(replica)["max_lifetime"] == (None, "disabled")
    assert pooled.site.library == "psycopg_pool" and settings(pooled)["max_connections"] == (20, "explicit")
    assert default_pool.site.library == "psycopg_pool" and settings(default_pool)["max_connections"] == (
        4,
        "default",
    )
    assert (per_request.site.pooled, local.site.pooled, local.site.database) == (False, False, "sqlite")


@pytest.mark.parametrize(
    ("conn", "expected"),
    [("None", {"PC004", "PC012"}), ("600", {"PC012"}), ("0", set())],
)
def test_django_rules(snippets: Snippets, conn: str, expected: set[str]) -> None:
    code = f'DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": {conn}}}}}'
    assert {f.rule for f in snippets.findings(code, ".py")} == expected


def test_databases_of_other_frameworks_are_not_django(snippets: Snippets) -> None:
    assert snippets.sites('DATABASES = {"main": "postgres://x"}\nDATABASES2 = {}', ".py") == []
