"""Python pool roles read from the code: an engine a function builds only to run or inspect alembic's
migrations is a migration's (no sizing rules, not in the budgets); one that outlives them is a service's."""

from __future__ import annotations

from pathlib import Path

from conftest import Snippets, write_tree

from poolcheck.pipeline import RunSettings, run


def roles(snippets: Snippets, code: str) -> list[tuple[int, str, str]]:
    return [(site.span.line, site.role.name, site.role.reason) for site in snippets.sites(code, ".py")]


def test_an_engine_used_only_to_migrate_is_a_migration_pool(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        from alembic import command, config, script
        from alembic.runtime import migration
        from sqlalchemy import create_engine, engine

        from app.core.config import settings


        def db_is_at_head(alembic_cfg: config.Config) -> bool:
            connectable = engine.create_engine(settings.DB_URL)
            directory = script.ScriptDirectory.from_config(alembic_cfg)
            with connectable.begin() as connection:
                context = migration.MigrationContext.configure(connection)
                return set(context.get_current_heads()) == set(directory.get_heads())


        def run_migrations(url: str) -> None:
            # At start-up, before the app's own engine is made.
            alembic_engine = create_engine(url, pool_size=1)
            cfg = config.Config("alembic.ini")
            with alembic_engine.connect() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
            alembic_engine.dispose()
        """,
    )
    assert found == [
        (10, "migration", "used only to connect for alembic's migrations in db_is_at_head()"),
        (19, "migration", "used only to connect for alembic's migrations in run_migrations()"),
    ]


def test_an_engine_that_migrates_and_then_serves_is_a_service_pool(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker()


        def init_db(url: str):
            engine = create_engine(url, pool_size=20)
            with engine.begin() as connection:
                cfg = Config("alembic.ini")
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
            return engine


        def init_sessions(url: str) -> None:
            engine = create_engine(url, pool_size=20)
            with engine.begin() as connection:
                command.upgrade(Config("alembic.ini"), "head")
            SessionLocal.configure(bind=engine)


        def check_connection(url: str) -> None:
            engine = create_engine(url)  # context.configure() is alembic's; this only connects
            with engine.connect() as connection:
                connection.exec_driver_sql("select 1")


        engine = create_engine("postgresql://app@db/app", pool_size=20)
        with engine.begin() as connection:
            command.upgrade(Config("alembic.ini"), "head")
        """,
    )
    assert [role for _, role, _ in found] == ["service"] * 4


def test_a_migration_engine_gets_no_sizing_rule_and_no_budget(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/init_db.py": (
                "from alembic import command\nfrom alembic.config import Config\n"
                "from sqlalchemy import create_engine\n\n\n"
                "def upgrade(url):\n"
                "    engine = create_engine(url)\n"
                "    with engine.begin() as connection:\n"
                "        cfg = Config('alembic.ini')\n"
                "        cfg.attributes['connection'] = connection\n"
                "        command.upgrade(cfg, 'head')\n"
            ),
            "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    command: -c max_connections=10\n",
        },
    )
    report = run([tmp_path], RunSettings())
    assert [pool.site.role.name for pool in report.pools] == ["migration"]
    # No PC001, and no PC010: as a service's, its 15 connections would pass the server's 10 - 3.
    assert {f.rule for f in report.findings} == {"PC002", "PC004", "PC012"}
