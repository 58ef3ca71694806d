"""Values defined in another of the project's modules: constants, settings classes and their instances.

Written the way FastAPI services lay out their settings (``app/core/config.py`` with a
pydantic ``BaseSettings``, ``app/db/session.py`` building the engine) and the way older
services keep module constants; each value keeps where it is defined.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_from, write_tree

from poolcheck.emit.json import as_document
from poolcheck.frontends import PYTHON
from poolcheck.model import PoolSite, Setting

CONFIG = """\
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_")

    database_url: str = "postgresql+asyncpg://app@db/app"
    db_pool_size: int = 20
    db_max_overflow: int = Field(default=5, ge=0)
    db_pool_timeout: float = 30.0
    db_pool_recycle: int = Field(1800)
    db_echo: bool = Field(..., description="required: no default")


settings = Settings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
"""


def site(root: Path, path: str) -> PoolSite:
    file = root / path
    [found] = PYTHON.extract(str(file), file.read_bytes()).sites
    return found


def knobs(root: Path, path: str) -> dict[str, Setting]:
    return dict(site(root, path).knobs)


def test_a_pydantic_settings_instance_gives_its_field_defaults_and_their_variables(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "backend/app/__init__.py": "",
            "backend/app/core/__init__.py": "",
            "backend/app/core/config.py": CONFIG,
            "backend/app/db/session.py": (
                "from sqlalchemy.ext.asyncio import create_async_engine\n\n"
                "from app.core.config import get_settings, settings\n\n"
                "engine = create_async_engine(\n"
                "    settings.database_url,\n"
                "    pool_size=settings.db_pool_size,\n"
                "    max_overflow=settings.db_max_overflow,\n"
                "    pool_timeout=get_settings().db_pool_timeout,\n"
                "    pool_recycle=settings.db_pool_recycle,\n"
                "    echo=settings.db_echo,\n"
                ")\n"
            ),
        },
    )
    engine = site(tmp_path, "backend/app/db/session.py")
    assert engine.database == "postgres"  # the URL's default names the server
    read = {name: (s.value, s.source, s.env) for name, s in engine.knobs}
    assert read == {
        "pool_size": (20, "env-default", "APP_DB_POOL_SIZE"),
        "max_overflow": (5, "env-default", "APP_DB_MAX_OVERFLOW"),
        "pool_timeout": (30.0, "env-default", "APP_DB_POOL_TIMEOUT"),
        "pool_recycle": (1800, "env-default", "APP_DB_POOL_RECYCLE"),
    }


def test_module_constants_and_plain_classes_are_constants_where_they_are_defined(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'orders'\n",
            "orders/__init__.py": "",
            "orders/constants.py": "POOL_SIZE = 12\nRECYCLE = 60 * 30\n",
            "orders/config.py": (
                "from dataclasses import dataclass, field\n\n"
                "from .constants import POOL_SIZE\n\n\n"
                "@dataclass(frozen=True)\nclass DatabaseConfig:\n"
                "    pool_size: int = POOL_SIZE\n    timeout: int = field(default=10)\n\n\n"
                "DB = DatabaseConfig()\n"
            ),
            "orders/db.py": (
                "import sqlalchemy as sa\n\n"
                "from orders import constants\nfrom orders.config import DB\n\n"
                "engine = sa.create_engine(URL, pool_size=DB.pool_size, pool_timeout=DB.timeout,"
                " pool_recycle=constants.RECYCLE)\n"
            ),
        },
    )
    found = knobs(tmp_path, "orders/db.py")
    assert {name: (s.value, s.source, s.constant) for name, s in found.items()} == {
        "pool_size": (12, "constant", "constants.POOL_SIZE"),
        "pool_timeout": (10, "constant", "DatabaseConfig.timeout"),
        "pool_recycle": (1800, "constant", "constants.RECYCLE"),
    }


def test_a_module_the_project_does_not_hold_stays_unknown(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "svc/db.py": (
                "from sqlalchemy import create_engine\nfrom somelib.settings import settings\n"
                "from svc.missing import SIZE\n\n"
                "engine = create_engine(URL, pool_size=settings.pool_size, max_overflow=SIZE)\n"
            ),
        },
    )
    found = knobs(tmp_path, "svc/db.py")
    assert (found["pool_size"].source, found["max_overflow"].source) == ("dynamic", "dynamic")


def test_imports_that_go_round_in_a_circle_end(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/a.py": "from app.b import SIZE\n",
            "app/b.py": "from app.a import SIZE\n",
            "app/db.py": "from sqlalchemy import create_engine\nfrom app.a import SIZE\n"
            "engine = create_engine(URL, pool_size=SIZE)\n",
        },
    )
    assert knobs(tmp_path, "app/db.py")["pool_size"].source == "dynamic"


def test_nothing_above_the_repository_root_is_read(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/constants.py": "SIZE = 99\n",  # outside the repository below
            "repo/.git/HEAD": "",
            "repo/svc/db.py": "from sqlalchemy import create_engine\nfrom app.constants import SIZE\n"
            "engine = create_engine(URL, pool_size=SIZE)\n",
        },
    )
    assert knobs(tmp_path, "repo/svc/db.py")["pool_size"].source == "dynamic"


def test_where_a_value_is_defined_shows_in_json_and_messages(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/constants.py": "POOL_SIZE = 12\n",
            "app/db.py": "from sqlalchemy import create_engine\n\nfrom app.constants import POOL_SIZE\n\n"
            "engine = create_engine(URL, pool_size=POOL_SIZE, max_overflow=0)\n",
        },
    )
    report = run_from(tmp_path, "app")
    [pool] = report.pools
    size = dict(pool.site.knobs)["pool_size"]
    assert (size.value, size.source, size.defined_at) == (12, "constant", "app/constants.py:1")
    data = as_document(report)
    assert data["pools"][0]["settings"]["max_connections"]["defined_at"] == "app/constants.py:1"
    [pc001] = [f for f in report.findings if f.rule == "PC001"]
    assert "const constants.POOL_SIZE at app/constants.py:1" in pc001.message


def test_a_url_property_of_a_settings_class_names_the_database(tmp_path: Path) -> None:
    config = (
        "from pydantic import PostgresDsn, computed_field\nfrom pydantic_core import MultiHostUrl\n"
        "from pydantic_settings import BaseSettings\nfrom sqlalchemy.engine import URL\n\n\n"
        "class Settings(BaseSettings):\n    POSTGRES_SERVER: str\n\n"
        "    @computed_field\n    @property\n    def DATABASE_URI(self) -> PostgresDsn:\n"
        '        return MultiHostUrl.build(scheme="postgresql+psycopg", host=self.POSTGRES_SERVER)\n\n'
        "    @property\n    def MYSQL_URI(self) -> URL:\n"
        '        return URL.create(drivername="mysql+pymysql", host=self.POSTGRES_SERVER)\n\n\n'
        "settings = Settings()\n"
    )
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/config.py": config,
            "app/db.py": "from sqlalchemy import create_engine\n\nfrom app.config import settings\n\n"
            "engine = create_engine(str(settings.DATABASE_URI), pool_size=10)\n"
            "other = create_engine(settings.MYSQL_URI, pool_size=10)\n",
        },
    )
    file = tmp_path / "app/db.py"
    found = PYTHON.extract(str(file), file.read_bytes()).sites
    assert [s.database for s in found] == ["postgres", "mysql"]


def test_a_library_imported_through_a_project_module_is_that_library(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/compat.py": "try:\n    import sqlalchemy as sa\nexcept ImportError:  # optional\n    sa = None\n",
            "app/db.py": "from app.compat import sa\n\nengine = sa.create_engine(URL, pool_size=7)\n",
            "app/cache.py": "from app.compat import redis_pool\n\npool = redis_pool.create_engine(URL, pool_size=7)\n",
        },
    )
    assert dict(site(tmp_path, "app/db.py").knobs)["pool_size"].value == 7
    file = tmp_path / "app/cache.py"  # a name the module does not bind is no library's
    assert PYTHON.extract(str(file), file.read_bytes()).sites == ()
