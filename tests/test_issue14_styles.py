"""Issue 14's styles that had no test, or were wrong, each written the way real projects write it.

The audit of the issue's styles: where each is tested ("here" = this file; "fixed" = it was wrong or
missed before the change this file tests; "partial" = see the note).

Python values across files
  module constants; dataclasses; Field(default=..)   test_python_project (module_constants_.., pydantic_settings_..)
  BaseSettings, settings = Settings(), @lru_cache      test_python_project::test_a_pydantic_settings_instance_..
  BaseModel, attrs, NamedTuple, `//`                   here: test_pydantic_models_attrs_and_named_tuples_..
  instance made with arguments (Cfg(pool_size=30))     here, fixed: test_an_instance_made_with_arguments_..
  Depends-style accessor; plain class attributes       here: test_a_depends_style_accessor_and_a_plain_config_..
  env_prefix / model_config= SettingsConfigDict        test_python_project, test_projects (fastapi_full_stack_..)
  class Config: env_prefix; model_config = {..}        here, fixed: test_a_settings_class_config_or_a_model_..
  dict literal / dict(..) spread, same module          test_python_values::test_kwargs_dict_literal_.., merge_..
  dict spread imported (**ENGINE_OPTIONS), module or   here, fixed: test_a_dict_imported_from_a_config_module_..,
    class attribute, re-exported; not a pool's dict      .._attribute_of_a_module_or_class_.., .._re_exported_..,
                                                         .._stays_unknown, .._redis_or_http_pool_reports_nothing
  dict a project function returns (**engine_options()) here, fixed: test_a_dict_a_project_function_returns_..,
                                                         test_a_dict_function_called_with_arguments_..
  django-environ, python-decouple                      test_python_values::test_django_environ_and_python_decouple_..
  os.environ.get / getenv defaults                     test_python_values::test_env_lookups_with_a_default
  same-project helpers                                 test_python_values::test_a_helper_that_wraps_a_reader_..
Rust values
  const/static in other modules                        test_rust_project::test_a_const_used_from_the_crates_config_..
  serde default fn / #[serde(default)] + impl Default  test_rust_config_structs (config_parameter_.., struct_level_..)
  envy / config crate                                  test_rust_config_structs (envy_.., config_crate_..)
Declared environment: .env, compose env_file/environment, K8s env/envFrom, Helm values, disagreeing
  environments                                         test_declared_environment (compose_.., kubernetes_.., helm_..)
Names across files
  Python alias in another module (DbPool: TypeAlias =  here, fixed: test_a_pool_class_aliased_in_another_module_..,
    psycopg_pool.ConnectionPool; make_engine = ..)       test_an_alias_the_calling_module_also_sees_directly_..
  Rust type aliases; diesel_async deadpool/bb8         test_rust_type_aliases, test_projects (diesel_..)
  project module re-exporting a library                test_python_project, test_projects::test_a_library_re_exported_..
  SQLModel's create_engine                             test_python_libraries::test_sqlmodel_reexports_are_sqlalchemys
  return-type manager                                  test_rust_libraries::test_the_manager_type_of_a_pool_named_by_..
  try/except fallback to None; two libraries           test_python_forms (optional_import_.., two_libraries_..)
Configuration from outside, conversions
  Config parameter / from_env / serde struct           test_run_time_values::test_a_deadpool_config_from_outside_..
  .into() / From; turbofish                            test_rust_values::test_conversions_and_ordering_.., test_rust_libraries::test_turbofish_..
  manager through let m = if .. / match                here: test_a_manager_bound_through_an_if_or_a_match_..
Wrappers; Django DATABASES helper                      test_python_wrappers, test_projects, test_python_values::
                                                         test_django_databases_built_by_a_settings_helper
Branches
  knob set differently in if/else or match arms        fixed: set at run time with a variant per arm, value rules
                                                         judging each production one: test_branch_variants;
                                                         here test_a_variable_the_arms_..; a constant imported
                                                         from a module that binds it in arms: fixed, here
                                                         test_a_constant_of_another_module_.., test_branch_variants
  conditional expression                               test_branch_variants (`60 if PROD else 5` in the call)
  an instance chosen by one (`Prod() if .. else        here, fixed: test_an_instance_chosen_by_a_condition_..,
    Settings()`), a field given one in its call          test_an_instance_chosen_in_the_same_module_..
  SQLite URL tests; NullPool in one branch             test_python_branches
  #[cfg(test)] items                                   test_rust_roles::test_a_cfg_test_module_..
  if cfg!(test) branch; a value chosen by it          here, fixed: test_the_branch_of_an_if_cfg_test_is_test_code_..,
                                                         test_a_value_chosen_by_if_cfg_test_is_the_one_..
  one Config create_pool in both arms                  here, fixed: test_one_config_created_in_both_arms_..
Builtins: max/min/int/float/round/abs, timedelta       test_python_values (pure_builtins_.., timedelta_..)
  Duration::from_*, .clamp, .max/.min                  test_rust_values (env_default_clamped, conversions_and_ordering_..)
"set at run time by `expr`"                            test_run_time_values::test_a_run_time_value_reads_as_its_..
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import Snippets, run_from, write_tree

from poolcheck.emit.json import as_document
from poolcheck.model import Setting


def settings_of(root: Path, path: str) -> list[dict[str, Setting]]:
    """Each pool's knobs, of the pools built in ``path``, in the order they are built."""
    report = run_from(root, path)
    pools = sorted(report.pools, key=lambda pool: pool.site.span.line)
    return [dict(pool.site.knobs) for pool in pools]


def read(knobs: dict[str, Setting]) -> dict[str, tuple[object, str, str | None]]:
    return {name: (s.value, s.source, s.defined_at) for name, s in knobs.items()}


# A dict of engine options kept in a config module and spread into a call in another:
# ``create_engine(url, **ENGINE_OPTIONS)`` after ``from app.settings import ENGINE_OPTIONS``.

ENGINE_CONFIG = """\
import os

SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql+psycopg://app@db/app")

ENGINE_OPTIONS = {
    "pool_size": 15,
    "max_overflow": 5,
    "pool_pre_ping": True,
}
ENGINE_OPTIONS["pool_recycle"] = 1800

REPLICA_OPTIONS = dict(pool_size=4, pool_timeout=3)


class ProductionConfig:
    POOL_OPTIONS = {"pool_size": 30, "max_overflow": 0}
"""


def test_a_dict_imported_from_a_config_module_gives_each_knob_where_it_is_defined(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "app/__init__.py": "",
            "app/config.py": ENGINE_CONFIG,
            "app/db.py": (
                "from sqlalchemy import create_engine\n\n"
                "from app.config import SQLALCHEMY_DATABASE_URI, ENGINE_OPTIONS\n\n"
                "engine = create_engine(SQLALCHEMY_DATABASE_URI, **ENGINE_OPTIONS)\n"
            ),
        },
    )
    [engine] = settings_of(tmp_path, "app")
    assert read(engine) == {
        "pool_size": (15, "explicit", "app/config.py:6"),
        "max_overflow": (5, "explicit", "app/config.py:7"),
        "pool_pre_ping": (True, "explicit", "app/config.py:8"),
        "pool_recycle": (1800, "explicit", "app/config.py:10"),  # the module's later update
    }
    document = as_document(run_from(tmp_path, "app"))
    assert document["pools"][0]["settings"]["max_connections"]["value"] == 20
    assert document["pools"][0]["settings"]["max_lifetime"]["defined_at"] == "app/config.py:10"


def test_a_dict_read_as_an_attribute_of_a_module_or_class_and_dict_calls(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/config.py": ENGINE_CONFIG,
            "app/db.py": (
                "from sqlalchemy import create_engine\n\n"
                "from app import config\nfrom app.config import ProductionConfig\n\n"
                'primary = create_engine("postgresql://app@db/app", **config.ENGINE_OPTIONS)\n'
                'replica = create_engine("postgresql://app@replica/app", **config.REPLICA_OPTIONS)\n'
                'prod = create_engine("postgresql://app@prod/app", **ProductionConfig.POOL_OPTIONS)\n'
            ),
        },
    )
    primary, replica, prod = settings_of(tmp_path, "app/db.py")
    assert read(primary)["pool_size"] == (15, "explicit", "app/config.py:6")
    assert read(replica) == {
        "pool_size": (4, "explicit", "app/config.py:12"),
        "pool_timeout": (3, "explicit", "app/config.py:12"),
    }
    assert read(prod) == {
        "pool_size": (30, "explicit", "app/config.py:16"),
        "max_overflow": (0, "explicit", "app/config.py:16"),
    }


def test_a_dict_re_exported_by_a_package_and_merged_with_the_call_sites_own(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/core/__init__.py": "from .config import ENGINE_OPTIONS\n",
            "app/core/config.py": ENGINE_CONFIG,
            "app/db.py": (
                "from sqlalchemy import create_engine\n\n"
                "from app.core import ENGINE_OPTIONS\n\n"
                'engine = create_engine(\n    "postgresql://app@db/app",\n'
                '    **{**ENGINE_OPTIONS, "pool_size": 8},\n    pool_timeout=2,\n)\n'
            ),
        },
    )
    [engine] = settings_of(tmp_path, "app/db.py")
    assert read(engine) == {
        "pool_size": (8, "explicit", None),  # written here, over the imported entry
        "max_overflow": (5, "explicit", "app/core/config.py:7"),
        "pool_pre_ping": (True, "explicit", "app/core/config.py:8"),
        "pool_recycle": (1800, "explicit", "app/core/config.py:10"),
        "pool_timeout": (2, "explicit", None),
    }


# A function that builds the engine options, in the module or in a config module, spread into the
# call: ``create_engine(url, **engine_options())``.
OPTIONS_BUILDER = """\
import os


def engine_options() -> dict:
    \"\"\"The engine's pool, sized for one API worker.\"\"\"
    options = dict(pool_size=int(os.getenv("DB_POOL_SIZE", "15")), max_overflow=5)
    options["pool_recycle"] = 1800
    options.update(pool_pre_ping=True)
    return options


def replica_options(size: int = 4) -> dict:
    return {"pool_size": size, "pool_timeout": 3}


def debug_options() -> dict:
    if os.getenv("DEBUG"):
        return {"pool_size": 1}
    return {"pool_size": 20}
"""


def options_tree(root: Path, db: str) -> None:
    """A project whose ``app/db.py`` (``db``) builds engines from ``app/config.py``'s option builders."""
    write_tree(
        root, {".git/HEAD": "", "app/__init__.py": "", "app/config.py": OPTIONS_BUILDER, "app/db.py": db}
    )


def test_a_dict_a_project_function_returns_gives_its_knobs_where_the_function_writes_them(
    tmp_path: Path,
) -> None:
    options_tree(
        tmp_path,
        (
            "from sqlalchemy import create_engine\n\n"
            "from app.config import engine_options, replica_options\n\n\n"
            "def _local() -> dict:\n"
            '    return {"pool_size": 20, "max_overflow": 10, "pool_timeout": 5}\n\n\n'
            'primary = create_engine("postgresql://app@db/app", **engine_options())\n'
            'local = create_engine("postgresql://app@db/app", **_local())\n'
            'replica = create_engine("postgresql://app@replica/app", **replica_options())\n'
        ),
    )
    primary, local, replica = settings_of(tmp_path, "app/db.py")
    assert read(primary) == {
        "pool_size": (15, "env-default", "app/config.py:6"),  # the dict(..), then its later changes
        "max_overflow": (5, "explicit", "app/config.py:6"),
        "pool_recycle": (1800, "explicit", "app/config.py:7"),
        "pool_pre_ping": (True, "explicit", "app/config.py:8"),
    }
    assert primary["pool_size"].env == "DB_POOL_SIZE"
    assert read(local) == {
        "pool_size": (20, "explicit", "app/db.py:7"),
        "max_overflow": (10, "explicit", "app/db.py:7"),
        "pool_timeout": (5, "explicit", "app/db.py:7"),
    }
    # Called without arguments: the parameter's default is what the body reads (at the entry using it).
    assert read(replica) == {
        "pool_size": (4, "constant", "app/config.py:13"),
        "pool_timeout": (3, "explicit", "app/config.py:13"),
    }
    assert replica["pool_size"].constant == "replica_options(size=)"


def test_a_dict_function_called_with_arguments_or_returning_in_two_places_stays_unknown(
    tmp_path: Path,
) -> None:
    options_tree(
        tmp_path,
        (
            "from sqlalchemy import create_engine\n\n"
            "from app.config import debug_options, replica_options\n\n"
            'a = create_engine("postgresql://app@replica/app", **replica_options(size=12))\n'
            'b = create_engine("postgresql://app@db/app", **debug_options())\n'
        ),
    )
    for engine in settings_of(tmp_path, "app/db.py"):
        assert engine["pool_size"].source == "dynamic"  # the value the call or the branch gives


def test_a_dict_of_a_module_the_project_does_not_hold_or_not_a_dict_stays_unknown(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/config.py": "import json\n\nOPTIONS = json.loads(open('engine.json').read())\n",
            "app/db.py": (
                "from sqlalchemy import create_engine\n\n"
                "from app.config import OPTIONS\nfrom vendored.settings import ENGINE_OPTIONS\n\n"
                'a = create_engine("postgresql://app@db/app", **OPTIONS)\n'
                'b = create_engine("postgresql://app@db/app", **ENGINE_OPTIONS)\n'
            ),
        },
    )
    for engine in settings_of(tmp_path, "app/db.py"):
        assert engine["pool_size"].source == "dynamic"  # any knob may be set by what is not read


def test_an_imported_options_dict_spread_into_a_redis_or_http_pool_reports_nothing(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/config.py": 'REDIS_OPTIONS = {"max_connections": 5}\nHTTP_LIMITS = dict(max_connections=5)\n',
            "app/clients.py": (
                "import httpx\nimport redis\n\nfrom app.config import HTTP_LIMITS, REDIS_OPTIONS\n\n"
                'cache = redis.ConnectionPool.from_url("redis://cache:6379/0", **REDIS_OPTIONS)\n'
                "client = httpx.Client(limits=httpx.Limits(**HTTP_LIMITS))\n"
            ),
        },
    )
    report = run_from(tmp_path, "app")
    assert (report.pools, report.findings) == ((), ())


# Settings classes and their instances, as services write them beside the module that builds the pool.

SETTINGS = """\
from dataclasses import dataclass
from typing import NamedTuple

import attrs
from pydantic import BaseModel, BaseSettings
from pydantic_settings import BaseSettings as Settings2


class DatabaseSettings(BaseModel):
    pool_size: int = 11
    max_overflow: int = 3


@attrs.define
class PoolConfig:
    min_size: int = 2
    max_size: int = attrs.field(default=9)


class Limits(NamedTuple):
    size: int = 13
    timeout: float = 4.0


@dataclass(frozen=True)
class EngineConfig:
    pool_size: int = 12
    pool_timeout: int = 10


class LegacySettings(BaseSettings):
    pool_size: int = 6

    class Config:
        env_prefix = "ORDERS_"


class DictSettings(Settings2):
    model_config = {"env_prefix": "BILLING_", "env_file": ".env"}

    pool_size: int = 8


database = DatabaseSettings()
pool_config = PoolConfig()
LIMITS = Limits()
TUNED = Limits(20)
ENGINE = EngineConfig(pool_size=30)
legacy = LegacySettings()
billing = DictSettings(pool_size=40)
"""


def settings_tree(root: Path, code: str) -> Path:
    return write_tree(
        root,
        {".git/HEAD": "", "app/__init__.py": "", "app/settings.py": SETTINGS, "app/db.py": code},
    )


def test_pydantic_models_attrs_and_named_tuples_give_their_field_defaults(tmp_path: Path) -> None:
    settings_tree(
        tmp_path,
        "from psycopg_pool import ConnectionPool\nfrom sqlalchemy import create_engine\n\n"
        "from app.settings import LIMITS, database, pool_config\n\n"
        'a = create_engine("postgresql://app@db/app", pool_size=database.pool_size,'
        " max_overflow=database.max_overflow, pool_timeout=20 // 4)\n"
        'b = ConnectionPool("dbname=app", min_size=pool_config.min_size, max_size=pool_config.max_size)\n'
        'c = ConnectionPool("dbname=app", max_size=LIMITS.size, timeout=LIMITS.timeout)\n',
    )
    a, b, c = settings_of(tmp_path, "app/db.py")
    assert read(a) == {
        "pool_size": (11, "constant", "app/settings.py:10"),  # a BaseModel is no env reader
        "max_overflow": (3, "constant", "app/settings.py:11"),
        "pool_timeout": (5, "explicit", None),
    }
    assert read(b) == {
        "min_size": (2, "constant", "app/settings.py:16"),
        "max_size": (9, "constant", "app/settings.py:17"),
    }
    assert read(c) == {
        "max_size": (13, "constant", "app/settings.py:21"),
        "timeout": (4.0, "constant", "app/settings.py:22"),
    }


def test_an_instance_made_with_arguments_has_their_values_not_the_class_defaults(tmp_path: Path) -> None:
    settings_tree(
        tmp_path,
        "from psycopg_pool import ConnectionPool\nfrom sqlalchemy import create_engine\n\n"
        "from app.settings import ENGINE, TUNED, EngineConfig, billing\n\n"
        'a = create_engine("postgresql://app@db/app", pool_size=ENGINE.pool_size,'
        " pool_timeout=ENGINE.pool_timeout)\n"
        'b = ConnectionPool("dbname=app", max_size=TUNED.size)\n'
        'c = create_engine("postgresql://app@db/app", pool_size=billing.pool_size)\n'
        'd = create_engine("postgresql://app@db/app", pool_size=EngineConfig(pool_size=3).pool_size)\n',
    )
    a, b, c, d = settings_of(tmp_path, "app/db.py")
    assert read(a) == {
        "pool_size": (30, "constant", "app/settings.py:48"),  # EngineConfig(pool_size=30)
        "pool_timeout": (10, "constant", "app/settings.py:28"),
    }
    assert a["pool_size"].constant == "EngineConfig(pool_size=)"
    assert b["max_size"].source == "dynamic"  # Limits(20): a positional argument, not followed
    assert read(c) == {"pool_size": (40, "constant", "app/settings.py:50")}  # over the environment's
    assert read(d) == {"pool_size": (3, "constant", "app/db.py:9")}


def test_a_settings_class_config_or_a_model_config_dict_gives_the_variables_prefix(tmp_path: Path) -> None:
    settings_tree(
        tmp_path,
        "from sqlalchemy import create_engine\n\nfrom app.settings import DictSettings, legacy\n\n"
        'a = create_engine("postgresql://app@db/app", pool_size=legacy.pool_size)\n'
        'b = create_engine("postgresql://app@db/app", pool_size=DictSettings().pool_size)\n',
    )
    a, b = settings_of(tmp_path, "app/db.py")
    assert (a["pool_size"].value, a["pool_size"].source, a["pool_size"].env) == (
        6,
        "env-default",
        "ORDERS_POOL_SIZE",
    )
    assert (b["pool_size"].value, b["pool_size"].env) == (8, "BILLING_POOL_SIZE")


# One deadpool Config whose create_pool is called in both arms of an if or a match is one pool.

BOTH_ARMS = {
    "if on a built Config": """
        use deadpool_postgres::{Config, ManagerConfig, Pool, RecyclingMethod, Runtime};

        pub fn pool(tls: bool) -> Pool {
            let mut cfg = Config::new();
            cfg.dbname = Some("orders".into());
            cfg.manager = Some(ManagerConfig { recycling_method: RecyclingMethod::Fast });
            if tls {
                cfg.create_pool(Some(Runtime::Tokio1), make_tls()).expect("pool")
            } else {
                cfg.create_pool(Some(Runtime::Tokio1), NoTls).expect("pool")
            }
        }
    """,
    "match on a Config parameter": """
        use deadpool_postgres::{Config, Pool, Runtime};

        pub fn pool(cfg: &Config, mode: SslMode) -> Pool {
            match mode {
                SslMode::Require => cfg.create_pool(Some(Runtime::Tokio1), tls()).unwrap(),
                _ => cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap(),
            }
        }
    """,
}


@pytest.mark.parametrize("form", sorted(BOTH_ARMS))
def test_one_config_created_in_both_arms_of_a_branch_is_one_pool(snippets: Snippets, form: str) -> None:
    [site] = snippets.sites(textwrap.dedent(BOTH_ARMS[form]))
    assert site.library == "deadpool"


def test_one_config_created_twice_in_a_row_is_two_pools(snippets: Snippets) -> None:
    code = """
        use deadpool_postgres::{Config, Runtime};

        pub fn pools() -> (deadpool_postgres::Pool, deadpool_postgres::Pool) {
            let cfg = Config::new();
            let reads = cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap();
            let writes = cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap();
            (reads, writes)
        }
    """
    assert len(snippets.sites(textwrap.dedent(code))) == 2


# A knob's variable bound differently in the arms of an if or a match: no arm's value stands for
# the pool (it is set at run time by the variable, each arm a variant), unless the arms agree.

BRANCHED = """\
import os

from sqlalchemy import create_engine

ENVIRONMENT = os.environ.get("ENVIRONMENT", "development")

if ENVIRONMENT == "production":
    POOL_SIZE = 20
    POOL_TIMEOUT = 5
else:
    POOL_SIZE = 2
    POOL_TIMEOUT = 5


def by_match(url: str):
    match ENVIRONMENT:
        case "production":
            overflow = 10
        case _:
            overflow = 0
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=overflow, pool_timeout=POOL_TIMEOUT)


def in_one_arm(url: str, replica: bool):
    if replica:
        size = 4
        return create_engine(url, pool_size=size)
    size = 12
    return create_engine(url, pool_size=size)
"""


def test_a_variable_the_arms_of_an_if_or_match_bind_differently_is_set_at_run_time(tmp_path: Path) -> None:
    write_tree(tmp_path, {".git/HEAD": "", "app/__init__.py": "", "app/db.py": BRANCHED})
    matched, replica, primary = settings_of(tmp_path, "app/db.py")
    assert (matched["pool_size"].source, matched["pool_size"].expr) == ("dynamic", "POOL_SIZE")
    assert (matched["max_overflow"].source, matched["max_overflow"].expr) == ("dynamic", "overflow")
    assert (matched["pool_timeout"].value, matched["pool_timeout"].source) == (5, "constant")  # arms agree
    assert (replica["pool_size"].value, primary["pool_size"].value) == (4, 12)  # read in its own arm


def test_a_constant_of_another_module_bound_in_both_arms_keeps_each_arm_as_a_variant(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/settings.py": BRANCHED,
            "app/engine.py": "from sqlalchemy import create_engine\n\nfrom app import settings\n"
            "from app.settings import POOL_SIZE, POOL_TIMEOUT\n\n"
            'engine = create_engine("postgresql://app@db/app", pool_size=POOL_SIZE,'
            " pool_timeout=POOL_TIMEOUT, max_overflow=settings.POOL_SIZE)\n",
        },
    )
    report = run_from(tmp_path, "app/engine.py")
    [pool] = report.pools
    knobs = dict(pool.site.knobs)
    assert (knobs["pool_size"].source, knobs["max_overflow"].source) == ("dynamic", "dynamic")
    assert [(v.condition, v.value) for v in knobs["pool_size"].variants] == [
        ('ENVIRONMENT == "production"', 20),
        ("else", 2),
    ]
    assert knobs["pool_timeout"].value == 5
    # Both arms are too small (20 + 20 in production): the finding names the production arm.
    [finding] = [f for f in report.findings if f.rule == "PC001"]
    assert finding.message.startswith(
        'when ENVIRONMENT == "production": max_connections is pool_size 20 '
        "(const settings.POOL_SIZE at app/settings.py:8) + max_overflow 20"
    ), finding.message


# The settings instance chosen by the environment, and a field given a conditional value.
CHOSEN_SETTINGS = """\
import os

from pydantic_settings import BaseSettings

ENVIRONMENT = os.getenv("ENVIRONMENT", "local")


class Settings(BaseSettings):
    db_pool_size: int = 5
    db_max_overflow: int = 0


class ProductionSettings(Settings):
    db_pool_size: int = 40
    db_max_overflow: int = 10


settings = ProductionSettings() if ENVIRONMENT == "production" else Settings()
sized = Settings(db_pool_size=30 if ENVIRONMENT == "production" else 3)
"""


def test_an_instance_chosen_by_a_condition_gives_each_instances_value_as_a_variant(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/config.py": CHOSEN_SETTINGS,
            "app/db.py": "from sqlalchemy import create_engine\n\nfrom app.config import settings, sized\n\n"
            'engine = create_engine("postgresql://app@db/app", pool_size=settings.db_pool_size,'
            " max_overflow=settings.db_max_overflow, pool_timeout=5)\n"
            'other = create_engine("postgresql://app@db/app", pool_size=sized.db_pool_size, pool_timeout=5)\n',
        },
    )
    report = run_from(tmp_path, "app/db.py")
    chosen, given = (dict(pool.site.knobs) for pool in sorted(report.pools, key=lambda p: p.site.span.line))
    assert [(v.condition, v.value, v.defined_at) for v in chosen["pool_size"].variants] == [
        ('ENVIRONMENT == "production"', 40, "app/config.py:14"),  # the subclass's field
        ("else", 5, "app/config.py:9"),
    ]
    assert [(v.condition, v.value) for v in chosen["max_overflow"].variants] == [
        ('ENVIRONMENT == "production"', 10),
        ("else", 0),
    ]
    assert [(v.condition, v.value) for v in given["pool_size"].variants] == [
        ('ENVIRONMENT == "production"', 30),
        ("else", 3),
    ]
    # The production settings' 40 + 10 are enough (the else arm is not judged alone); the call's 30
    # + 10 are not, in either arm: the finding names the production one.
    [finding] = [f for f in report.findings if f.rule == "PC001"]
    assert finding.span.line == 6
    assert finding.message.startswith('when ENVIRONMENT == "production": max_connections is pool_size 30')


def test_an_instance_chosen_in_the_same_module_and_an_unreadable_arm(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/db.py": CHOSEN_SETTINGS.replace(
                "sized = ", "remote = load_settings() if ENVIRONMENT else None\nsized = "
            )
            + "\nfrom sqlalchemy import create_engine\n\n"
            'engine = create_engine("postgresql://app@db/app", pool_size=settings.db_pool_size)\n'
            'other = create_engine("postgresql://app@db/app", pool_size=remote.db_pool_size)\n',
        },
    )
    chosen, unread = settings_of(tmp_path, "app/db.py")
    assert [(v.condition, v.value) for v in chosen["pool_size"].variants] == [
        ('ENVIRONMENT == "production"', 40),
        ("else", 5),
    ]
    assert (unread["pool_size"].source, unread["pool_size"].variants) == ("dynamic", ())


# `if cfg!(test)` builds the tests' pool in its branch, as #[cfg(test)] items do.

CFG_TEST_BRANCHES = """
    use sqlx::postgres::PgPoolOptions;
    use std::time::Duration;

    pub fn pool(url: &str) -> sqlx::PgPool {
        if cfg!(test) {
            PgPoolOptions::new().max_connections(1).connect_lazy(url).unwrap()
        } else {
            PgPoolOptions::new()
                .max_connections(20)
                .acquire_timeout(Duration::from_secs(3))
                .connect_lazy(url)
                .unwrap()
        }
    }

    pub fn negated(url: &str) -> sqlx::PgPool {
        if !cfg!(test) {
            PgPoolOptions::new().max_connections(20).connect_lazy(url).unwrap()
        } else if cfg!(feature = "ci") {
            PgPoolOptions::new().max_connections(2).connect_lazy(url).unwrap()
        } else {
            PgPoolOptions::new().max_connections(1).connect_lazy(url).unwrap()
        }
    }

    pub fn any_feature(url: &str) -> sqlx::PgPool {
        if cfg!(any(test, feature = "local")) {
            PgPoolOptions::new().max_connections(1).connect_lazy(url).unwrap()
        } else {
            PgPoolOptions::new().max_connections(20).connect_lazy(url).unwrap()
        }
    }
"""


def test_the_branch_of_an_if_cfg_test_is_test_code_and_the_other_a_service(snippets: Snippets) -> None:
    sites = snippets.sites(textwrap.dedent(CFG_TEST_BRANCHES))
    assert [(site.role.name, dict(site.knobs)["max_connections"].value) for site in sites] == [
        ("test", 1),
        ("service", 20),
        ("service", 20),
        ("test", 2),  # the else of `if !cfg!(test)`, an else-if among it
        ("test", 1),
        ("service", 1),  # any(test, ..) holds in a build with the feature too
        ("service", 20),
    ]


# A pool class or factory aliased in one module and called in another: the alias module names the
# library, the calling module only the alias (so the first look at it found nothing to read).

ALIASES = """\
from typing import TypeAlias

import psycopg_pool
import redis
from sqlalchemy.ext import asyncio as sa_asyncio

DbPool: TypeAlias = psycopg_pool.ConnectionPool
AsyncDbPool = psycopg_pool.AsyncConnectionPool
make_engine = sa_asyncio.create_async_engine
CachePool = redis.ConnectionPool
"""


def test_a_pool_class_aliased_in_another_module_is_the_librarys_pool_at_its_call(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/db/__init__.py": "from .types import AsyncDbPool, DbPool\n",
            "app/db/types.py": ALIASES,
            "app/services/orders.py": (
                "from app.db import DbPool\n\n"
                'pool = DbPool("dbname=orders", min_size=2, max_size=6, timeout=3)\n'
            ),
            "app/services/billing.py": (
                "from app.db.types import CachePool, make_engine\nfrom app.db import AsyncDbPool as Pool\n\n"
                'engine = make_engine("postgresql+asyncpg://app@db/billing", pool_size=8)\n'
                'pool = Pool("dbname=billing", max_size=4)\n'
                'cache = CachePool(host="cache", max_connections=50)\n'
            ),
        },
    )
    report = run_from(tmp_path, "app")
    built = {
        (pool.site.path, pool.site.constructor, pool.site.library): {
            name: s.value for name, s in pool.site.knobs
        }
        for pool in report.pools
    }
    assert built == {
        ("app/services/orders.py", "DbPool", "psycopg_pool"): {"min_size": 2, "max_size": 6, "timeout": 3},
        ("app/services/billing.py", "make_engine", "sqlalchemy"): {"pool_size": 8},
        ("app/services/billing.py", "Pool", "psycopg_pool"): {"max_size": 4},
    }  # and no redis pool
    assert {f.rule for f in report.findings if f.path == "app/services/orders.py"}  # judged as any pool


def test_an_alias_the_calling_module_also_sees_directly_is_one_pool(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/types.py": ALIASES + '\nlocal = DbPool("dbname=types", max_size=3)\n',
            "app/db.py": (
                "import psycopg_pool\n\nfrom app.types import DbPool\n\n"
                'a = psycopg_pool.ConnectionPool("dbname=a", max_size=5)\n'
                'b = DbPool("dbname=b", max_size=7)\n'
            ),
        },
    )
    report = run_from(tmp_path, "app")
    sizes = sorted((p.site.path, dict(p.site.knobs)["max_size"].value) for p in report.pools)
    assert sizes == [("app/db.py", 5), ("app/db.py", 7), ("app/types.py", 3)]


def test_a_depends_style_accessor_and_a_plain_config_class_give_their_values(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            "app/__init__.py": "",
            "app/core/__init__.py": "",
            "app/core/config.py": (
                "from pydantic_settings import BaseSettings\n\n\n"
                "class Settings(BaseSettings):\n    db_pool_size: int = 17\n\n\n"
                "class Config:\n    POOL_RECYCLE = 1800\n\n\n"
                "settings = Settings()\n\n\n"
                "def get_settings() -> Settings:  # a FastAPI dependency: Depends(get_settings)\n"
                "    return settings\n"
            ),
            "app/db.py": (
                "from sqlalchemy import create_engine\n\nfrom app.core.config import Config, get_settings\n\n"
                'engine = create_engine("postgresql://app@db/app", pool_size=get_settings().db_pool_size,'
                " pool_recycle=Config.POOL_RECYCLE)\n"
            ),
        },
    )
    [engine] = settings_of(tmp_path, "app/db.py")
    size, recycle = engine["pool_size"], engine["pool_recycle"]
    assert (size.value, size.source, size.env, size.defined_at) == (
        17,
        "env-default",
        "DB_POOL_SIZE",
        "app/core/config.py:5",
    )
    assert (recycle.value, recycle.source, recycle.constant) == (1800, "constant", "Config.POOL_RECYCLE")


MANAGER_IN_BRANCHES = """
    use diesel::pg::PgConnection;
    use diesel::r2d2::{ConnectionManager, Pool};

    pub fn by_if(url: &str, replica: bool) -> Pool<ConnectionManager<PgConnection>> {
        let manager = if replica {
            ConnectionManager::<PgConnection>::new(format!("{url}?target_session_attrs=read-only"))
        } else {
            ConnectionManager::<PgConnection>::new(url)
        };
        Pool::builder().max_size(7).build(manager).expect("pool")
    }

    pub fn by_match(url: &str, role: Role) -> Pool<ConnectionManager<PgConnection>> {
        let manager = match role {
            Role::Primary => ConnectionManager::<PgConnection>::new(url),
            Role::Replica => ConnectionManager::new(replica_url(url)),
        };
        Pool::builder().max_size(8).build(manager).expect("pool")
    }
"""


def test_a_manager_bound_through_an_if_or_a_match_names_the_database(snippets: Snippets) -> None:
    sites = snippets.sites(textwrap.dedent(MANAGER_IN_BRANCHES))
    assert [(site.library, site.database, dict(site.knobs)["max_size"].value) for site in sites] == [
        ("r2d2", "postgres", 7),
        ("r2d2", "postgres", 8),
    ]


def test_a_value_chosen_by_if_cfg_test_is_the_one_a_build_that_is_no_tests_runs(snippets: Snippets) -> None:
    code = """
        use sqlx::postgres::PgPoolOptions;

        pub fn pool(url: &str) -> sqlx::PgPool {
            let size: u32 = if cfg!(test) { 1 } else { 25 };
            let idle = if !cfg!(test) { 600 } else { 5 };
            PgPoolOptions::new()
                .max_connections(size)
                .min_connections(if cfg!(feature = "small") { 1 } else { 5 })
                .idle_timeout(Duration::from_secs(idle))
                .connect_lazy(url)
                .unwrap()
        }
    """
    knobs = dict(snippets.site(textwrap.dedent(code)).knobs)
    assert (knobs["max_connections"].value, knobs["idle_timeout"].value) == (25, 600)
    assert knobs["min_connections"].source == "dynamic"  # a feature's branch: either may run
