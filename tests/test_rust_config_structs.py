"""A pool setting read from a field of the crate's own config struct takes the field's serde default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_tree

from poolcheck.emit.json import render
from poolcheck.frontends import RUST
from poolcheck.model import Setting
from poolcheck.pipeline import RunSettings, run

CARGO = '[package]\nname = "inventory"\nversion = "0.1.0"\nedition = "2021"\n'

DATABASE_CONFIG = """use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseConfig {
    pub url: String,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    #[serde(default)]
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
    #[serde(default = "default_idle_timeout_secs", rename = "idle_secs")]
    pub idle_timeout_secs: u64,
}

const fn default_max_connections() -> u32 {
    10
}

fn default_idle_timeout_secs() -> u64 {
    10 * 60
}
"""


def knobs(root: Path, path: str) -> dict[str, Setting]:
    file = root / path
    [site] = RUST.extract(str(file), file.read_bytes()).sites
    return dict(site.knobs)


def read(found: dict[str, Setting]) -> dict[str, tuple[object, ...]]:
    return {name: (s.value, s.source, s.env, s.constant) for name, s in found.items()}


def pool_from(arguments: str, body: str) -> str:
    return (
        "use std::time::Duration;\n\n"
        "use sqlx::postgres::{PgPool, PgPoolOptions};\n\n"
        "use crate::config::DatabaseConfig;\n\n"
        f"pub async fn connect({arguments}) -> anyhow::Result<PgPool> {{\n"
        f"{body}"
        "    Ok(PgPoolOptions::new()\n"
        "        .max_connections(cfg.max_connections)\n"
        "        .min_connections(cfg.min_connections)\n"
        "        .acquire_timeout(Duration::from_secs(cfg.acquire_timeout_secs))\n"
        "        .idle_timeout(Duration::from_secs(cfg.idle_timeout_secs))\n"
        "        .connect(&cfg.url)\n"
        "        .await?)\n"
        "}\n"
    )


def test_a_config_parameter_takes_its_fields_serde_defaults_with_where_they_are_defined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/config.rs": DATABASE_CONFIG,
            "src/db.rs": pool_from("cfg: &DatabaseConfig", ""),
        },
    )
    monkeypatch.chdir(tmp_path)
    found = knobs(tmp_path, "src/db.rs")
    assert read(found)["max_connections"] == (10, "constant", None, "DatabaseConfig.max_connections")
    assert found["max_connections"].defined_at == "src/config.rs:16"
    assert read(found)["min_connections"] == (0, "constant", None, "DatabaseConfig.min_connections")
    assert found["min_connections"].defined_at == "src/config.rs:9"
    assert found["idle_timeout"].value == 600.0
    # No default: what the configuration gives it, at run time.
    timeout = found["acquire_timeout"]
    assert (timeout.value, timeout.source) == (None, "dynamic")
    assert timeout.expr == "Duration::from_secs(cfg.acquire_timeout_secs)"


def test_a_config_loaded_by_envy_reads_each_field_from_its_environment_variable(tmp_path: Path) -> None:
    body = '    let cfg: DatabaseConfig = envy::prefixed("APP_").from_env()?;\n'
    write_tree(
        tmp_path,
        {"Cargo.toml": CARGO, "src/config.rs": DATABASE_CONFIG, "src/db.rs": pool_from("", body)},
    )
    found = read(knobs(tmp_path, "src/db.rs"))
    assert found["max_connections"] == (10, "env-default", "APP_MAX_CONNECTIONS", None)
    assert found["min_connections"] == (0, "env-default", "APP_MIN_CONNECTIONS", None)
    assert found["idle_timeout"] == (600.0, "env-default", "APP_IDLE_SECS", None)  # serde's rename
    assert found["acquire_timeout"] == (None, "dynamic", "APP_ACQUIRE_TIMEOUT_SECS", None)


def test_envy_without_a_prefix_and_with_a_turbofish(tmp_path: Path) -> None:
    body = '    let cfg = envy::from_env::<DatabaseConfig>().expect("database settings");\n'
    write_tree(
        tmp_path,
        {"Cargo.toml": CARGO, "src/config.rs": DATABASE_CONFIG, "src/db.rs": pool_from("", body)},
    )
    assert read(knobs(tmp_path, "src/db.rs"))["max_connections"] == (
        10,
        "env-default",
        "MAX_CONNECTIONS",
        None,
    )


def test_the_structs_own_envy_loader_names_the_variables_of_a_config_passed_in(tmp_path: Path) -> None:
    loader = (
        "\nimpl DatabaseConfig {\n"
        "    pub fn from_env() -> Result<Self, envy::Error> {\n"
        '        envy::prefixed("DATABASE_").from_env::<DatabaseConfig>()\n'
        "    }\n"
        "}\n"
    )
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/config.rs": DATABASE_CONFIG + loader,
            "src/db.rs": pool_from("cfg: &DatabaseConfig", ""),
            "src/main.rs": (
                "mod config;\nmod db;\n\n"
                "#[tokio::main]\nasync fn main() -> anyhow::Result<()> {\n"
                "    let cfg = config::DatabaseConfig::from_env()?;\n"
                "    let _pool = db::connect(&cfg).await?;\n"
                "    Ok(())\n}\n"
            ),
        },
    )
    found = read(knobs(tmp_path, "src/db.rs"))
    assert found["max_connections"] == (10, "env-default", "DATABASE_MAX_CONNECTIONS", None)


def test_a_struct_level_serde_default_takes_the_written_impl_default_and_nests(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/settings.rs": (
                "use serde::Deserialize;\n\n"
                "#[derive(Debug, Deserialize)]\n"
                "#[serde(default)]\n"
                "pub struct PoolSettings {\n"
                "    pub max_size: u32,\n"
                "    pub idle_timeout_secs: u64,\n"
                "    pub min_idle: u32,\n"
                "}\n\n"
                "impl Default for PoolSettings {\n"
                "    fn default() -> Self {\n"
                "        Self {\n"
                "            max_size: 20,\n"
                "            idle_timeout_secs: 300,\n"
                "            min_idle: Default::default(),\n"
                "        }\n"
                "    }\n"
                "}\n\n"
                "#[derive(Debug, Default, Deserialize)]\n"
                "#[serde(default)]\n"
                "pub struct Limits {\n"
                "    pub statement_cache: usize,\n"
                "}\n\n"
                "#[derive(Debug, Deserialize)]\n"
                "pub struct Settings {\n"
                "    pub database_url: String,\n"
                "    pub pool: PoolSettings,\n"
                "    pub limits: Limits,\n"
                "}\n"
            ),
            "src/main.rs": (
                "mod settings;\n\n"
                "use std::sync::Arc;\nuse std::time::Duration;\n\n"
                "use sqlx::postgres::PgPoolOptions;\n\n"
                "use crate::settings::Settings;\n\n"
                "async fn pool(settings: Arc<Settings>) -> sqlx::Result<sqlx::PgPool> {\n"
                "    PgPoolOptions::new()\n"
                "        .max_connections(settings.pool.max_size)\n"
                "        .idle_timeout(Duration::from_secs(settings.pool.idle_timeout_secs))\n"
                "        .min_connections(settings.limits.statement_cache as u32)\n"
                "        .connect(&settings.database_url)\n"
                "        .await\n"
                "}\n"
            ),
        },
    )
    found = knobs(tmp_path, "src/main.rs")
    assert read(found)["max_connections"] == (20, "constant", None, "PoolSettings.max_size")
    assert str(found["max_connections"].defined_at).endswith("src/settings.rs:14")
    assert found["idle_timeout"].value == 300.0
    assert read(found)["min_connections"] == (
        0,
        "constant",
        None,
        "Limits.statement_cache",
    )  # derived Default


def test_a_config_crate_settings_struct_and_self_in_its_impl(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/main.rs": (
                "use serde::Deserialize;\n"
                "use sqlx::postgres::PgPoolOptions;\n\n"
                "#[derive(Deserialize)]\n"
                "struct DatabaseSettings {\n"
                "    url: String,\n"
                '    #[serde(default = "DatabaseSettings::default_pool_size")]\n'
                "    pool_size: u32,\n"
                "}\n\n"
                "impl DatabaseSettings {\n"
                "    fn default_pool_size() -> u32 {\n"
                "        16\n"
                "    }\n\n"
                "    async fn pool(&self) -> sqlx::Result<sqlx::PgPool> {\n"
                "        PgPoolOptions::new().max_connections(self.pool_size).connect(&self.url).await\n"
                "    }\n"
                "}\n\n"
                "fn load() -> Result<config::Config, config::ConfigError> {\n"
                "    config::Config::builder()\n"
                '        .add_source(config::File::with_name("config/default"))\n'
                '        .add_source(config::Environment::with_prefix("APP").separator("__"))\n'
                "        .build()\n"
                "}\n\n"
                "async fn other() -> anyhow::Result<()> {\n"
                "    let settings = load()?;\n"
                '    let db = settings.get::<DatabaseSettings>("database")?;\n'
                "    let _pool = PgPoolOptions::new().max_connections(db.pool_size).connect(&db.url).await?;\n"
                "    Ok(())\n"
                "}\n"
            ),
        },
    )
    file = tmp_path / "src/main.rs"
    sites = RUST.extract(str(file), file.read_bytes()).sites
    assert len(sites) == 2
    in_impl, loaded = (dict(site.knobs)["max_connections"] for site in sites)
    # `self` says nothing of how it was loaded: the struct's default.
    assert (in_impl.value, in_impl.source, in_impl.constant) == (16, "constant", "DatabaseSettings.pool_size")
    assert str(in_impl.defined_at).endswith("src/main.rs:13")
    # Read from `load()`'s Config: its Environment source names the variable (prefix, separator, key path).
    assert (loaded.value, loaded.source, loaded.env) == (16, "env-default", "APP__DATABASE__POOL_SIZE")
    assert str(loaded.defined_at).endswith("src/main.rs:13")


CONFIG_CRATE_SETTINGS = """use config::{{Config, ConfigError, Environment, File}};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DatabaseSettings {{
    pub url: String,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}}

fn default_max_connections() -> u32 {{
    25
}}

#[derive(Debug, Deserialize)]
pub struct Settings {{
    pub database: DatabaseSettings,
    #[serde(default)]
    pub workers: u32,
}}

impl Settings {{
    pub fn new() -> Result<Self, ConfigError> {{
        let settings = Config::builder()
            .add_source(File::with_name("config/default").required(false))
            .add_source({environment})
            .build()?;
        settings.try_deserialize()
    }}
}}
"""
SETTINGS_POOL = """use sqlx::postgres::PgPoolOptions;

use crate::settings::Settings;

pub async fn pool(settings: &Settings) -> sqlx::Result<sqlx::PgPool> {
    PgPoolOptions::new()
        .max_connections(settings.database.max_connections)
        .min_connections(settings.workers)
        .connect(&settings.database.url)
        .await
}
"""


@pytest.mark.parametrize(
    ("environment", "nested", "top"),
    [
        (
            'Environment::with_prefix("APP").prefix_separator("_").separator("__")',
            "APP_DATABASE__MAX_CONNECTIONS",
            "APP_WORKERS",
        ),
        ('Environment::with_prefix("APP").separator("__")', "APP__DATABASE__MAX_CONNECTIONS", "APP__WORKERS"),
        ('Environment::with_prefix("APP")', None, "APP_WORKERS"),  # no separator: nothing nested
        ('Environment::default().separator("__")', "DATABASE__MAX_CONNECTIONS", "WORKERS"),
    ],
)
def test_the_config_crates_environment_source_names_each_fields_variable(
    tmp_path: Path, environment: str, nested: str | None, top: str
) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/settings.rs": CONFIG_CRATE_SETTINGS.format(environment=environment),
            "src/db.rs": SETTINGS_POOL,
        },
    )
    found = knobs(tmp_path, "src/db.rs")
    largest, smallest = found["max_connections"], found["min_connections"]
    assert (largest.value, largest.env) == (25, nested)
    assert largest.source == ("env-default" if nested else "constant")
    assert (smallest.value, smallest.source, smallest.env) == (0, "env-default", top)


def test_a_struct_literal_takes_its_fields_and_the_rest_from_default(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/main.rs": (
                "use sqlx::postgres::PgPoolOptions;\n\n"
                "pub struct DbConfig {\n    pub url: String,\n    pub max_connections: u32,\n"
                "    pub min_connections: u32,\n}\n\n"
                "impl Default for DbConfig {\n"
                "    fn default() -> Self {\n"
                "        Self { url: String::new(), max_connections: 12, min_connections: 1 }\n"
                "    }\n}\n\n"
                "async fn pool(url: String) -> sqlx::Result<sqlx::PgPool> {\n"
                "    let cfg = DbConfig { url, min_connections: 3, ..Default::default() };\n"
                "    PgPoolOptions::new()\n"
                "        .max_connections(cfg.max_connections)\n"
                "        .min_connections(cfg.min_connections)\n"
                "        .connect(&cfg.url)\n"
                "        .await\n"
                "}\n"
            ),
        },
    )
    found = read(knobs(tmp_path, "src/main.rs"))
    assert found["max_connections"] == (12, "constant", None, "DbConfig.max_connections")
    assert found["min_connections"] == (3, "explicit", None, None)


def test_a_field_not_of_the_crates_struct_or_with_a_run_time_default_stays_set_at_run_time(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/main.rs": (
                "use serde::Deserialize;\n"
                "use sqlx::postgres::PgPoolOptions;\n"
                "use shared_config::DbConfig;\n\n"
                "#[derive(Deserialize)]\n"
                "struct Local {\n"
                '    #[serde(default = "cpu_based")]\n'
                "    max_connections: u32,\n"
                "}\n\n"
                "fn cpu_based() -> u32 {\n"
                "    num_cpus::get() as u32 * 2\n"
                "}\n\n"
                "async fn a(cfg: &DbConfig) -> sqlx::Result<sqlx::PgPool> {\n"
                '    PgPoolOptions::new().max_connections(cfg.max_connections).connect("postgres://db").await\n'
                "}\n\n"
                "async fn b(cfg: Local) -> sqlx::Result<sqlx::PgPool> {\n"
                '    PgPoolOptions::new().max_connections(cfg.max_connections).connect("postgres://db").await\n'
                "}\n"
            ),
        },
    )
    file = tmp_path / "src/main.rs"
    for site in RUST.extract(str(file), file.read_bytes()).sites:
        setting = dict(site.knobs)["max_connections"]
        assert (setting.value, setting.source, setting.expr) == (None, "dynamic", "cfg.max_connections")


ENVY_CONFIG = """use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DatabaseConfig {
    pub url: String,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    #[serde(default = "default_min_connections")]
    pub min_connections: u32,
}

fn default_max_connections() -> u32 {
    2
}

fn default_min_connections() -> u32 {
    5
}

impl DatabaseConfig {
    pub fn from_env() -> Result<Self, envy::Error> {
        envy::prefixed("APP_").from_env()
    }
}
"""
COMPOSE = """services:
  api:
    build: .
    environment:
      APP_URL: postgres://app:app@db/app
      APP_MAX_CONNECTIONS: 40
"""


def test_a_deployment_value_of_the_envy_variable_beats_the_structs_default(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "docker-compose.yml": COMPOSE,
            "src/config.rs": ENVY_CONFIG,
            "src/db.rs": pool_from("cfg: &DatabaseConfig", ""),
        },
    )
    report = run([tmp_path], RunSettings(read_versions=False))
    (pool,) = json.loads(render(report))["pools"]
    largest, smallest = pool["settings"]["max_connections"], pool["settings"]["min_connections"]
    assert (largest["value"], largest["source"]) == (40, "env")
    assert str(largest["defined_at"]).endswith("docker-compose.yml:6")
    assert largest["via"] == "env APP_MAX_CONNECTIONS"
    assert (smallest["value"], smallest["source"], smallest["env"]) == (
        5,
        "env-default",
        "APP_MIN_CONNECTIONS",
    )
    assert str(smallest["defined_at"]).endswith("src/config.rs:17")
    assert not [f for f in report.findings if f.rule == "PC007"]


def test_serde_defaults_that_contradict_each_other_are_a_finding(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/config.rs": ENVY_CONFIG,
            "src/db.rs": pool_from("cfg: &DatabaseConfig", ""),
        },
    )
    report = run([tmp_path], RunSettings(read_versions=False))
    [finding] = [f for f in report.findings if f.rule == "PC007"]
    assert "APP_MIN_CONNECTIONS" in finding.message and "APP_MAX_CONNECTIONS" in finding.message


OPTIONAL_CONFIG = """use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: Option<u32>,
    pub acquire_timeout_secs: Option<u64>,
    pub idle_timeout_secs: u64,
}
"""
OPTIONAL_POOL = """use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::config::DatabaseConfig;

const DEFAULT_ACQUIRE_SECS: u64 = 3;

pub async fn connect(ARGUMENTS) -> anyhow::Result<PgPool> {
BODY    Ok(PgPoolOptions::new()
        .max_connections(cfg.max_connections.unwrap_or(10))
        .acquire_timeout(Duration::from_secs(cfg.acquire_timeout_secs.unwrap_or(DEFAULT_ACQUIRE_SECS)))
        .idle_timeout(Duration::from_secs(cfg.idle_timeout_secs.unwrap_or(600)))
        .connect(&cfg.url)
        .await?)
}
"""


def test_an_optional_field_falls_back_to_its_unwrap_or_when_the_configuration_gives_none(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/config.rs": OPTIONAL_CONFIG,
            "src/db.rs": OPTIONAL_POOL.replace("ARGUMENTS", "cfg: &DatabaseConfig").replace("BODY", ""),
        },
    )
    found = knobs(tmp_path, "src/db.rs")
    assert read(found)["max_connections"] == (10, "constant", None, "DatabaseConfig.max_connections")
    assert str(found["max_connections"].defined_at).endswith("src/db.rs:11")
    assert read(found)["acquire_timeout"] == (3.0, "constant", None, "DEFAULT_ACQUIRE_SECS")
    # Not an Option: unwrap_or is no fallback of the configuration's.
    assert (found["idle_timeout"].value, found["idle_timeout"].source) == (None, "dynamic")


def test_an_optional_field_of_an_envy_config_is_the_default_of_its_variable(tmp_path: Path) -> None:
    body = '    let cfg = envy::prefixed("DB_").from_env::<DatabaseConfig>()?;\n'
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/config.rs": OPTIONAL_CONFIG,
            "src/db.rs": OPTIONAL_POOL.replace("ARGUMENTS", "").replace("BODY", body),
        },
    )
    found = read(knobs(tmp_path, "src/db.rs"))
    assert found["max_connections"] == (10, "env-default", "DB_MAX_CONNECTIONS", None)
    assert found["acquire_timeout"] == (3.0, "env-default", "DB_ACQUIRE_TIMEOUT_SECS", None)


def test_a_deadpool_config_field_of_a_struct_in_another_module_names_its_max_size_variable(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/settings.rs": (
                "use serde::Deserialize;\n\n"
                "#[derive(Deserialize)]\n"
                "pub struct Settings {\n    pub listen: String,\n    pub database: deadpool_postgres::Config,\n}\n\n"
                "impl Settings {\n"
                "    pub fn load() -> Result<Self, config::ConfigError> {\n"
                "        config::Config::builder()\n"
                '            .add_source(config::Environment::with_prefix("APP").separator("__"))\n'
                "            .build()?\n"
                "            .try_deserialize()\n"
                "    }\n}\n"
            ),
            "src/main.rs": (
                "mod settings;\n\n"
                "use deadpool_postgres::Runtime;\nuse tokio_postgres::NoTls;\n\n"
                "fn main() {\n"
                "    let settings = settings::Settings::load().unwrap();\n"
                "    let _pool = settings.database.create_pool(Some(Runtime::Tokio1), NoTls).unwrap();\n"
                "}\n"
            ),
        },
    )
    found = knobs(tmp_path, "src/main.rs")
    size = found["max_size"]
    assert (size.value, size.source, size.env) == (None, "dynamic", "APP__DATABASE__POOL__MAX_SIZE")
    assert found["wait"].env is None  # a Duration: two variables, secs and nanos


def test_a_deadpool_config_read_by_the_config_crate_names_each_timeout_s_secs_and_nanos_variables(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/settings.rs": (
                "use serde::Deserialize;\n\n"
                "#[derive(Debug, Deserialize)]\n"
                "pub struct AppConfig {\n    pub port: u16,\n    pub postgres: deadpool_postgres::Config,\n}\n\n"
                "impl AppConfig {\n"
                "    pub fn from_env() -> Result<Self, config::ConfigError> {\n"
                "        dotenvy::dotenv().ok();\n"
                "        config::Config::builder()\n"
                '            .add_source(config::File::with_name("config").required(false))\n'
                '            .add_source(config::Environment::default().separator("__"))\n'
                "            .build()?\n"
                "            .try_deserialize()\n"
                "    }\n}\n"
            ),
            "src/main.rs": (
                "mod settings;\n\n"
                "use deadpool_postgres::Runtime;\nuse tokio_postgres::NoTls;\n\n"
                "#[tokio::main]\n"
                "async fn main() {\n"
                '    let cfg = settings::AppConfig::from_env().expect("configuration");\n'
                "    let _pool = cfg.postgres.create_pool(Some(Runtime::Tokio1), NoTls).unwrap();\n"
                "}\n"
            ),
        },
    )
    found = knobs(tmp_path, "src/main.rs")
    # serde's Duration is {secs, nanos}: each timeout is two variables, its nanos in billionths.
    for knob in ("wait", "create", "recycle"):
        setting = found[knob]
        assert (setting.value, setting.source, setting.env) == (None, "dynamic", None)
        below = f"POSTGRES__POOL__TIMEOUTS__{knob.upper()}"
        assert [(name, part.source, part.env, part.scale) for name, part in setting.parts] == [
            ("secs", "dynamic", f"{below}__SECS", 1.0),
            ("nanos", "dynamic", f"{below}__NANOS", 1e-9),
        ]
    assert found["max_size"].env == "POSTGRES__POOL__MAX_SIZE"
