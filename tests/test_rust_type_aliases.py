"""A pool type named once by an alias (``pub type DbPool = Pool<ConnectionManager<PgConnection>>;``),
in its module or another of the crate, says which library and database a pool built with it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Snippets, write_tree

from poolcheck.check import check_pools, every_rule
from poolcheck.effective import effective_pool
from poolcheck.frontends import RUST
from poolcheck.model import PoolSite

CARGO = '[package]\nname = "bookings"\nversion = "0.1.0"\nedition = "2021"\n'

R2D2_DB = """\
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};

pub type DbPool = Pool<ConnectionManager<{connection}>>;
pub type DbConn = PooledConnection<ConnectionManager<{connection}>>;
"""


def sites(root: Path, path: str) -> list[PoolSite]:
    file = root / path
    result = RUST.extract(str(file), file.read_bytes())
    assert not result.errors, result.errors
    return list(result.sites)


def read(found: list[PoolSite]) -> list[tuple[str, str, object]]:
    return [(s.library, s.database, dict(s.knobs)["max_size"].value) for s in found]


def test_an_r2d2_alias_from_the_db_module_names_the_pools_database(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/db.rs": R2D2_DB.replace("{connection}", "PgConnection"),
            "src/main.rs": """\
                mod db;

                use diesel::r2d2::{self, ConnectionManager};
                use crate::db::DbPool;

                pub fn pool(url: &str) -> DbPool {
                    r2d2::Pool::builder().max_size(15).build(ConnectionManager::new(url)).unwrap()
                }

                pub fn checked(url: &str) -> Result<db::DbPool, r2d2::PoolError> {
                    DbPool::builder().max_size(16).build(ConnectionManager::new(url))
                }

                #[actix_web::main]
                async fn main() -> std::io::Result<()> {
                    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL must be set");
                    let pool: DbPool = r2d2::Pool::builder()
                        .max_size(17)
                        .build(ConnectionManager::new(url.clone()))
                        .expect("Failed to create pool.");
                    let spare = db::DbPool::builder().max_size(18).build_unchecked(ConnectionManager::new(url));
                    Ok(())
                }
            """,
        },
    )
    assert read(sites(tmp_path, "src/main.rs")) == [
        ("r2d2", "postgres", 15),
        ("r2d2", "postgres", 16),
        ("r2d2", "postgres", 17),
        ("r2d2", "postgres", 18),
    ]


@pytest.mark.parametrize(
    ("connection", "database"),
    [("PgConnection", "postgres"), ("diesel::MysqlConnection", "mysql"), ("SqliteConnection", "sqlite")],
)
def test_the_aliased_connection_is_the_database(tmp_path: Path, connection: str, database: str) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/lib.rs": "pub mod db;\npub mod state;\n",
            "src/db.rs": R2D2_DB.replace("{connection}", connection),
            "src/state.rs": """\
                use diesel::r2d2::ConnectionManager;

                pub fn init_pool(database_url: &str) -> super::db::DbPool {
                    let manager = ConnectionManager::new(database_url);
                    diesel::r2d2::Pool::builder().max_size(12).build(manager).expect("pool")
                }
            """,
        },
    )
    assert read(sites(tmp_path, "src/state.rs")) == [("r2d2", database, 12)]


def test_a_sqlite_alias_pool_takes_sqlites_rules(tmp_path: Path) -> None:
    main = """\
        use crate::db::DbPool;

        pub fn pool(url: &str) -> DbPool {
            diesel::r2d2::Pool::builder().max_size(50).build(diesel::r2d2::ConnectionManager::new(url)).unwrap()
        }
    """
    found = {}
    for connection in ("PgConnection", "SqliteConnection"):
        root = tmp_path / connection
        write_tree(
            root,
            {
                "Cargo.toml": CARGO,
                "src/db.rs": R2D2_DB.replace("{connection}", connection),
                "src/main.rs": main,
            },
        )
        pools = [effective_pool(site) for site in sites(root, "src/main.rs")]
        found[connection] = {finding.rule for finding in check_pools(pools, every_rule())}
    assert found["PgConnection"] and found["SqliteConnection"] < found["PgConnection"]


def test_diesel_async_aliases_of_bb8_and_deadpool_pools(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/db/mod.rs": """\
                mod pools;

                pub use pools::{PgPool, QueuePool};
            """,
            "src/db/pools.rs": """\
                use diesel_async::pooled_connection::{bb8, deadpool};
                use diesel_async::AsyncPgConnection;

                pub type PgPool = bb8::Pool<AsyncPgConnection>;
                pub type QueuePool = deadpool::Pool<Connection>;
                type Connection = diesel_async::AsyncMysqlConnection;
            """,
            "src/main.rs": """\
                mod config;
                mod db;

                use crate::db::{PgPool, QueuePool};

                async fn connect(cfg: &config::AppConfig) -> anyhow::Result<(PgPool, QueuePool)> {
                    let pool = PgPool::builder()
                        .max_size(cfg.max_pool_size)
                        .build(config::manager(&cfg.database_url))
                        .await?;
                    let queue = QueuePool::builder(config::manager(&cfg.queue_url)).max_size(4).build()?;
                    Ok((pool, queue))
                }
            """,
        },
    )
    found = [(s.library, s.database, s.constructor) for s in sites(tmp_path, "src/main.rs")]
    assert found == [
        ("bb8", "postgres", "PgPool::builder()"),
        ("deadpool", "mysql", "QueuePool::builder()"),
    ]


def test_a_pool_in_a_static_typed_with_an_alias_of_the_same_file(snippets: Snippets) -> None:
    site = snippets.site(
        """
        use diesel::r2d2::{ConnectionManager, Pool};
        use once_cell::sync::Lazy;

        pub type PgPool = Pool<ConnectionManager<DbConnection>>;
        type DbConnection = diesel::PgConnection;

        static POOL: Lazy<PgPool> = Lazy::new(|| {
            let url = std::env::var("DATABASE_URL").unwrap();
            Pool::builder().max_size(9).build(ConnectionManager::new(url)).unwrap()
        });
        """
    )
    assert (site.library, site.database) == ("r2d2", "postgres")


def test_aliases_of_no_database_pool_stay_unreported_beside_one_that_is(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/types.rs": """\
                use bb8_redis::RedisConnectionManager;
                use diesel::r2d2::ConnectionManager;

                pub type RedisPool = bb8::Pool<RedisConnectionManager>;
                pub type Pool = rayon::ThreadPool;
                pub type DbPool = r2d2::Pool<ConnectionManager<diesel::PgConnection>>;
                #[cfg(feature = "sqlite")]
                pub type Connection = diesel::SqliteConnection;
                #[cfg(feature = "postgres")]
                pub type Connection = diesel::PgConnection;
                pub type AnyPool = r2d2::Pool<ConnectionManager<Connection>>;
            """,
            "src/main.rs": """\
                mod types;

                use types::{AnyPool, DbPool, Pool, RedisPool};

                async fn redis(manager: Manager) -> RedisPool {
                    bb8::Pool::builder().max_size(12).build(manager).await.unwrap()
                }

                async fn cache(url: &str) -> RedisPool {
                    RedisPool::builder().max_size(13).build(cache_manager(url)).await.unwrap()
                }

                fn workers() -> Pool {
                    r2d2::Pool::builder().max_size(14).build(make()).unwrap()
                }

                fn either(url: &str) -> AnyPool {
                    r2d2::Pool::builder().max_size(15).build(diesel::r2d2::ConnectionManager::new(url)).unwrap()
                }

                fn database(url: &str) -> DbPool {
                    r2d2::Pool::builder().max_size(16).build(diesel::r2d2::ConnectionManager::new(url)).unwrap()
                }
            """,
        },
    )
    assert read(sites(tmp_path, "src/main.rs")) == [("r2d2", "postgres", 16)]


def test_an_aliased_manager_names_the_database(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/lib.rs": "pub mod db;\npub mod pool;\n",
            "src/db.rs": """\
                use diesel::r2d2::ConnectionManager;

                pub type Manager = ConnectionManager<diesel::SqliteConnection>;
                pub type PgManager = bb8_postgres::PostgresConnectionManager<tokio_postgres::NoTls>;
            """,
            "src/pool.rs": """\
                use crate::db::{self, PgManager};

                pub fn local(manager: db::Manager) -> anyhow::Result<r2d2::Pool<db::Manager>> {
                    Ok(r2d2::Pool::builder().max_size(1).build(manager)?)
                }

                pub async fn remote(url: &str) -> bb8::Pool<PgManager> {
                    let manager = PgManager::new_from_stringlike(url, tokio_postgres::NoTls).unwrap();
                    bb8::Pool::builder().max_size(20).build(manager).await.unwrap()
                }
            """,
        },
    )
    assert read(sites(tmp_path, "src/pool.rs")) == [("r2d2", "sqlite", 1), ("bb8", "postgres", 20)]


def test_a_sqlx_pool_connected_through_its_alias(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/lib.rs": "pub mod db;\npub mod startup;\n",
            "src/db.rs": """\
                use sqlx::{Pool, Sqlite};

                pub type DbPool = sqlx::PgPool;
                pub type CachePool = Pool<Sqlite>;
                pub type Broker = lapin::Connection;
            """,
            "src/startup.rs": """\
                use crate::db::{Broker, CachePool, DbPool};

                pub async fn connect(url: &str, cache: &str, amqp: &str) -> anyhow::Result<()> {
                    let pool = DbPool::connect(url).await?;
                    let cache = CachePool::connect_lazy(cache)?;
                    let broker = Broker::connect(amqp, Default::default()).await?;
                    Ok(())
                }
            """,
        },
    )
    found = [(s.library, s.database, s.constructor) for s in sites(tmp_path, "src/startup.rs")]
    assert found == [("sqlx", "postgres", "DbPool::connect"), ("sqlx", "sqlite", "CachePool::connect_lazy")]


def test_deadpool_diesels_per_database_pools_and_an_alias_of_one(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/lib.rs": """\
                use deadpool_diesel::postgres::{Object, Pool};

                pub mod config;
                pub mod state;

                pub type DbPool = Pool;
                pub type DbConn = Object;
            """,
            "src/state.rs": """\
                use deadpool_diesel::{mysql, Runtime};
                use deadpool_diesel::postgres::Manager;

                use crate::DbPool;

                pub fn pool(url: &str) -> DbPool {
                    let manager = Manager::new(url, Runtime::Tokio1);
                    DbPool::builder(manager).max_size(10).build().unwrap()
                }

                pub fn reports(url: &str) -> mysql::Pool {
                    mysql::Pool::builder(mysql::Manager::new(url, Runtime::Tokio1)).max_size(4).build().unwrap()
                }
            """,
        },
    )
    found = sites(tmp_path, "src/state.rs")
    assert read(found) == [("deadpool", "postgres", 10), ("deadpool", "mysql", 4)]
    checked = dict(found[0].knobs)["recycling_method"]
    assert (checked.value, checked.source, checked.by) == (False, "default", "deadpool-diesel")


@pytest.mark.parametrize(
    ("manifest", "workspace"),
    [
        ('common = { path = "../common" }', ""),
        (
            "db-common = { workspace = true }",
            '\n[workspace.dependencies]\ndb-common = { path = "crates/common" }\n',
        ),
    ],
)
def test_an_alias_in_another_crate_of_the_workspace(tmp_path: Path, manifest: str, workspace: str) -> None:
    name = manifest.split(" ")[0].replace("-", "_")
    write_tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n' + workspace,
            "crates/common/Cargo.toml": '[package]\nname = "common"\n\n[dependencies]\ndiesel = "2"\n',
            "crates/common/src/lib.rs": "pub mod db;\n",
            "crates/common/src/db.rs": R2D2_DB.replace("{connection}", "SqliteConnection"),
            "crates/api/Cargo.toml": f'[package]\nname = "api"\n\n[dependencies]\n{manifest}\nr2d2 = "0.8"\n',
            "crates/api/src/main.rs": f"""\
                use {name}::db::DbPool;

                fn pool(url: &str) -> DbPool {{
                    r2d2::Pool::builder().max_size(1).build(diesel::r2d2::ConnectionManager::new(url)).unwrap()
                }}

                fn registry(url: &str) -> diesel::r2d2::Pool<Manager> {{
                    r2d2::Pool::builder().max_size(2).build(diesel::r2d2::ConnectionManager::new(url)).unwrap()
                }}
            """,
        },
    )
    assert read(sites(tmp_path, "crates/api/src/main.rs")) == [("r2d2", "sqlite", 1)]


def test_a_library_pool_type_re_exported_by_a_project_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Cargo.toml": CARGO,
            "src/db.rs": """\
                pub use bb8::Pool as AsyncPool;
                pub use diesel::r2d2::{ConnectionManager, Pool};
                pub use sqlx::SqlitePool;
            """,
            "src/main.rs": """\
                mod db;

                use db::{AsyncPool, ConnectionManager, Pool, SqlitePool};

                fn pool(url: &str) -> Pool<ConnectionManager<diesel::PgConnection>> {
                    Pool::builder().max_size(7).build(ConnectionManager::new(url)).unwrap()
                }

                async fn redis(manager: bb8_redis::RedisConnectionManager) {
                    let cache = AsyncPool::builder().max_size(8).build(manager).await.unwrap();
                    let local = SqlitePool::connect("sqlite::memory:").await.unwrap();
                }
            """,
        },
    )
    found = [(s.library, s.database, s.constructor) for s in sites(tmp_path, "src/main.rs")]
    assert found == [("sqlx", "sqlite", "SqlitePool::connect"), ("r2d2", "postgres", "Pool::builder()")]
