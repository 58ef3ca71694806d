"""Rust value resolution: literals, arithmetic, constants, Durations, Option, env defaults, dynamic."""

from __future__ import annotations

import pytest
from conftest import Snippets


def resolved(snippets: Snippets, argument: str, knob: str = "max_connections", prelude: str = "") -> tuple:  # type: ignore[type-arg]
    site = snippets.site(
        f"""
        {prelude}
        async fn open(url: &str, cfg: &Settings, wait: f64) -> Result<PgPool, sqlx::Error> {{
            PgPoolOptions::new().{knob}({argument}).connect(url).await
        }}
        """
    )
    ((_, setting),) = site.knobs
    return setting.value, setting.source, setting.env, setting.constant


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("50", 50),
        ("50_u32", 50),
        ("8u32", 8),
        ("12_000", 12000),
        ("0x20", 32),
        ("(5 + 5) * 3", 30),
        ("100 / 3", 33),
        ("-1", -1),
        ("25 as u32", 25),
    ],
)
def test_count_literals_and_arithmetic(snippets: Snippets, argument: str, value: int) -> None:
    assert resolved(snippets, argument) == (value, "explicit", None, None)


@pytest.mark.parametrize(
    ("argument", "seconds"),
    [
        ("Duration::from_secs(5)", 5.0),
        ("Duration::from_secs(30 * 60)", 1800.0),
        ("Duration::from_millis(2_500)", 2.5),
        ("Duration::from_secs_f64(1.5)", 1.5),
        ("Duration::from_secs_f32(0.5_f32)", 0.5),
        ("Duration::new(8, 500_000_000)", 8.5),
        ("Duration::from_mins(20)", 1200.0),
        ("std::time::Duration::from_secs(60 * 15)", 900.0),
        ("tokio::time::Duration::from_secs(3)", 3.0),
        ("Some(Duration::from_secs(240))", 240.0),
        ("Some(std::time::Duration::from_secs(3000))", 3000.0),
        ("Duration::from_secs(10).into()", 10.0),
    ],
)
def test_durations_in_seconds(snippets: Snippets, argument: str, seconds: float) -> None:
    assert resolved(snippets, argument, "idle_timeout") == (seconds, "explicit", None, None)


def test_none_disables(snippets: Snippets) -> None:
    assert resolved(snippets, "None", "max_lifetime") == (None, "disabled", None, None)


def test_same_file_constants_and_statics_in_any_order(snippets: Snippets) -> None:
    prelude = """
        const HIGH_WATER: u32 = 24;
        static IDLE_SECS: u64 = 12 * 60;
        const WAIT: Duration = Duration::from_secs(4);
        pub(crate) const LIFETIME: Duration = Duration::from_secs(TIMEOUT_BASE * 6);
    """
    assert resolved(snippets, "HIGH_WATER", prelude=prelude) == (24, "constant", None, "HIGH_WATER")
    assert resolved(snippets, "HIGH_WATER / 4", prelude=prelude) == (6, "constant", None, "HIGH_WATER")
    assert resolved(snippets, "Duration::from_secs(IDLE_SECS)", "idle_timeout", prelude) == (
        720.0,
        "constant",
        None,
        "IDLE_SECS",
    )
    assert resolved(snippets, "WAIT", "acquire_timeout", prelude) == (4.0, "constant", None, "WAIT")
    # A constant declared after its use, referring to another one further down.
    late = prelude + "\nconst TIMEOUT_BASE: u64 = 300;"
    assert resolved(snippets, "LIFETIME", "max_lifetime", late)[:2] == (1800.0, "constant")


def test_associated_constant(snippets: Snippets) -> None:
    prelude = "impl Db { const POOL_CAP: u32 = 60; }"
    assert resolved(snippets, "Self::POOL_CAP", prelude=prelude)[:2] == (60, "constant")


@pytest.mark.parametrize(
    ("argument", "env", "value"),
    [
        ('env::var("APP_DB_MAX").ok().and_then(|s| s.parse().ok()).unwrap_or(22)', "APP_DB_MAX", 22),
        ('std::env::var("APP_DB_MAX").ok().and_then(|s| s.parse().ok()).unwrap_or(22)', "APP_DB_MAX", 22),
        ('dotenvy::var("APP_DB_MIN").ok().and_then(|s| s.parse().ok()).unwrap_or(1)', "APP_DB_MIN", 1),
        ('env::var("CAP").unwrap_or_else(|_| "18".to_string()).parse().unwrap()', "CAP", 18),
        ('env::var("CAP").unwrap_or_else(|_| "18".into()).parse::<u32>().unwrap()', "CAP", 18),
        ('dotenvy::var("CAP").unwrap_or("10".to_string()).parse().unwrap()', "CAP", 10),
        ('std::env::var("CAP").map(|v| v.parse().unwrap()).unwrap_or(15)', "CAP", 15),
        ('env::var("CAP").ok().map_or(12, |v| v.parse().unwrap())', "CAP", 12),
    ],
)
def test_env_lookups_with_a_literal_default(snippets: Snippets, argument: str, env: str, value: int) -> None:
    assert resolved(snippets, argument) == (value, "env-default", env, None)


def test_env_default_bound_to_a_local_then_wrapped_in_a_duration(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn open(url: &str) -> Result<PgPool> {
            let max_connections = env::var("DATABASE_MAX_CONNECTIONS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(50);
            let wait_s: u64 = std::env::var("APP_DB_WAIT_SECS").unwrap_or_else(|_| "9".into()).parse().unwrap_or(9);
            PgPoolOptions::new()
                .max_connections(max_connections)
                .min_connections(max_connections / 5)
                .acquire_timeout(std::time::Duration::from_secs(wait_s))
                .connect(url)
                .await
        }
        """
    )
    values = {name: (s.value, s.source, s.env) for name, s in site.knobs}
    assert values == {
        "max_connections": (50, "env-default", "DATABASE_MAX_CONNECTIONS"),
        "min_connections": (10, "env-default", "DATABASE_MAX_CONNECTIONS"),
        "acquire_timeout": (9.0, "env-default", "APP_DB_WAIT_SECS"),
    }


@pytest.mark.parametrize(
    ("argument", "value", "source", "constant"),
    [
        ("CFG_SIZE.clamp(5, 50)", 50, "constant", "CFG_SIZE"),
        ("DEFAULT_POOL.clamp(5, 50)", 8, "constant", "DEFAULT_POOL"),
        ("(CFG_SIZE / 4).max(4)", 20, "constant", "CFG_SIZE"),
        ("DEFAULT_POOL.min(4)", 4, "constant", "DEFAULT_POOL"),
        ("std::cmp::max(DEFAULT_POOL, 10)", 10, "constant", "DEFAULT_POOL"),
        ("max(2, DEFAULT_POOL / 4)", 2, "constant", "DEFAULT_POOL"),
        ("u32::from(SMALL)", 6, "constant", "SMALL"),
        ("From::from(SMALL)", 6, "constant", "SMALL"),
        ("u32::try_from(CFG_SIZE).unwrap()", 80, "constant", "CFG_SIZE"),
        ('u32::try_from(CFG_SIZE).expect("pool size fits in u32")', 80, "constant", "CFG_SIZE"),
        ("SMALL.into()", 6, "constant", "SMALL"),
        ("20u8.into()", 20, "explicit", None),
    ],
)
def test_conversions_and_ordering_of_known_numbers(
    snippets: Snippets, argument: str, value: int, source: str, constant: str | None
) -> None:
    prelude = """
        use std::cmp::max;
        const CFG_SIZE: usize = 80;
        const DEFAULT_POOL: u32 = 8;
        const SMALL: u16 = 6;
    """
    assert resolved(snippets, argument, prelude=prelude) == (value, source, None, constant)


def test_env_default_clamped(snippets: Snippets) -> None:
    argument = 'env::var("DB_POOL").ok().and_then(|v| v.parse().ok()).unwrap_or(100).clamp(5, 50)'
    assert resolved(snippets, argument) == (50, "env-default", "DB_POOL", None)


@pytest.mark.parametrize(
    "argument",
    [
        "num_cpus::get().max(4) as u32",
        "(num_cpus::get() * 2).clamp(4, 32) as u32",
        "cfg.pool_size.clamp(5, 50)",
        "8.clamp(50, 5)",  # clamp panics when min > max
        "u32::from(cfg.pool_size)",
        "other::max(4, 8)",
    ],
)
def test_ordering_and_conversions_of_unknown_values_are_dynamic(snippets: Snippets, argument: str) -> None:
    value, source, _, _ = resolved(snippets, argument)
    assert (value, source) == (None, "dynamic")


@pytest.mark.parametrize(
    "argument",
    [
        "cfg.db.pool_max",
        "cfg.max.unwrap_or(4)",
        "num_cpus::get() as u32 * 3",
        "cap_u64.try_into().unwrap_or(u32::MAX)",
        'env::var("APP_DB_POOL").expect("set APP_DB_POOL").parse().expect("int")',
        "tuned!(5)",
        "wait as u32",
        "crate::settings::POOL_MAX",
    ],
)
def test_what_cannot_be_known_is_dynamic(snippets: Snippets, argument: str) -> None:
    value, source, _, _ = resolved(snippets, argument)
    assert (value, source) == (None, "dynamic")


def test_env_without_default_keeps_the_variable_name(snippets: Snippets) -> None:
    assert resolved(snippets, 'env::var("POOL").unwrap().parse().unwrap()') == (None, "dynamic", "POOL", None)


def test_local_literal_and_conditional_bindings(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn open(url: &str) -> Result<PgPool> {
            let conns = 12;
            let wait = if url.contains(":memory:") { 1 } else { 12 };
            PgPoolOptions::new().max_connections(conns).min_connections(wait).connect(url).await
        }
        """
    )
    assert {n: (s.value, s.source) for n, s in site.knobs} == {
        "max_connections": (12, "explicit"),
        "min_connections": (None, "dynamic"),
    }


def test_health_check_flag(snippets: Snippets) -> None:
    assert resolved(snippets, "false", "test_before_acquire")[:2] == (False, "explicit")
