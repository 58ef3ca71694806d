"""Constants defined in another module of the crate, found as rustc finds the module."""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree

from poolcheck.frontends import RUST
from poolcheck.model import Setting

CARGO = '[package]\nname = "orders"\nversion = "0.1.0"\nedition = "2021"\n'


def knobs(root: Path, path: str) -> dict[str, Setting]:
    file = root / path
    [site] = RUST.extract(str(file), file.read_bytes()).sites
    return dict(site.knobs)


def test_a_const_used_from_the_crates_config_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/config.rs": (
                "pub const MAX_CONNECTIONS: u32 = 40;\n"
                "pub const ACQUIRE_TIMEOUT_SECS: u64 = 5;\n"
                "pub static IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);\n"
            ),
            "src/db/mod.rs": "pub mod pool;\n",
            "src/db/pool.rs": (
                "use std::time::Duration;\n\n"
                "use sqlx::postgres::{PgPool, PgPoolOptions};\n\n"
                "use crate::config::{self, MAX_CONNECTIONS};\n\n"
                "pub async fn connect(url: &str) -> sqlx::Result<PgPool> {\n"
                "    PgPoolOptions::new()\n"
                "        .max_connections(MAX_CONNECTIONS)\n"
                "        .acquire_timeout(Duration::from_secs(config::ACQUIRE_TIMEOUT_SECS))\n"
                "        .idle_timeout(super::super::config::IDLE_TIMEOUT)\n"
                "        .connect(url)\n"
                "        .await\n"
                "}\n"
            ),
        },
    )
    found = knobs(tmp_path, "src/db/pool.rs")
    read = {name: (s.value, s.source, s.constant) for name, s in found.items()}
    assert read["max_connections"] == (40, "constant", "config::MAX_CONNECTIONS")
    assert read["acquire_timeout"][:2] == (5.0, "constant")
    assert read["idle_timeout"][:2] == (600.0, "constant")


def test_a_module_outside_the_crate_or_missing_stays_unknown(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/main.rs": (
                "use sqlx::postgres::PgPoolOptions;\nuse settings::MAX;\nmod limits;\n\n"
                "async fn f(u: &str) { PgPoolOptions::new().max_connections(limits::SIZE)"
                ".min_connections(MAX).connect(u).await; }\n"
            ),
            "src/limits.rs": "pub const SIZE: u32 = limits::SIZE;\n",  # refers to itself: no value
        },
    )
    found = knobs(tmp_path, "src/main.rs")
    assert (found["max_connections"].source, found["min_connections"].source) == ("dynamic", "dynamic")
