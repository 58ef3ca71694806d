"""Rust pool roles read from the syntax: test functions and ``#[cfg(test)]`` items, pools used only to
run migrations, and a bin target's single connection; in the report, the formats and the budgets."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Snippets, write_snippet, write_tree

from poolcheck.emit import inventory, sarif
from poolcheck.emit import json as json_format
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import analyse_file


def roles(snippets: Snippets, code: str, name: str = "") -> list[tuple[int, str, str]]:
    """(line, role, reason) of each pool the front end finds in ``code``, written as ``name`` if given."""
    sites = analyse_file(write_snippet(snippets.folder, code, name)).sites if name else snippets.sites(code)
    return [(site.span.line, site.role.name, site.role.reason) for site in sites]


def test_a_cfg_test_module_and_its_helpers_are_test_code(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        use sqlx::postgres::{PgPool, PgPoolOptions};

        pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
            PgPoolOptions::new().max_connections(20).connect(url).await
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            async fn test_pool() -> PgPool {
                let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL must be set");
                PgPoolOptions::new()
                    .max_connections(2)
                    .connect(&url)
                    .await
                    .expect("connect to the test database")
            }

            #[tokio::test]
            async fn connects() {
                let pool = test_pool().await;
                let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await.unwrap();
                assert_eq!(one, 1);
            }
        }
        """,
    )
    assert found == [(5, "service", ""), (14, "test", "in a #[cfg(test)] module")]


def test_test_attributes_mark_their_function(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        use sqlx::{postgres::PgPoolOptions, PgPool};

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn orders_survive_a_restart() -> anyhow::Result<()> {
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .connect(&std::env::var("DATABASE_URL")?)
                .await?;
            sqlx::query("SELECT 1").execute(&pool).await?;
            Ok(())
        }

        #[sqlx::test(migrations = "./migrations")]
        async fn listens_on_a_second_pool(pool: PgPool) -> sqlx::Result<()> {
            let listener_pool = PgPool::connect(&std::env::var("DATABASE_URL").unwrap()).await?;
            Ok(())
        }

        #[test]
        fn blocking_bb8_is_built_in_a_runtime() {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let manager = bb8_postgres::PostgresConnectionManager::new_from_stringlike(
                    "host=localhost user=postgres",
                    tokio_postgres::NoTls,
                )
                .unwrap();
                let pool = bb8::Pool::builder().max_size(2).build(manager).await.unwrap();
            });
        }
        """,
    )
    assert found == [
        (6, "test", "in a #[tokio::test] function"),
        (16, "test", "in a #[sqlx::test] function"),
        (29, "test", "in a #[test] function"),
    ]


# Each attribute before a pool's function, and the role it gives the pool.
CFG_ROLES = [
    ("#[cfg(test)]", "test"),
    ('#[cfg(all(test, feature = "postgres"))]', "test"),
    ('#[cfg(all(feature = "postgres", any(test, test)))]', "test"),
    ("#[cfg(not(test))]", "service"),  # the production build's twin of a test helper
    ('#[cfg(any(test, feature = "test-utils"))]', "service"),  # built with the feature too
    ('#[cfg(feature = "test")]', "service"),
    ("#[cfg_attr(test, derive(Debug))]", "service"),
]


def test_only_a_cfg_that_requires_test_marks_test_code(snippets: Snippets) -> None:
    functions = "\n".join(
        f"{attribute}\npub async fn pool_{n}(url: &str) -> PgPool {{\n"
        "    PgPoolOptions::new().max_connections(5).connect(url).await.unwrap()\n}\n"
        for n, (attribute, _) in enumerate(CFG_ROLES)
    )
    found = roles(snippets, "use sqlx::postgres::{PgPool, PgPoolOptions};\n\n" + functions)
    assert [role for _, role, _ in found] == [role for _, role in CFG_ROLES]


def test_an_inner_cfg_test_makes_the_whole_file_test_code(snippets: Snippets) -> None:
    # src/lib.rs: `#[cfg(test)] mod support;`, and support.rs says so itself.
    found = roles(
        snippets,
        """
        #![cfg(test)]
        //! Shared set-up for the crate's unit tests.

        use deadpool_postgres::{Config, Runtime};
        use tokio_postgres::NoTls;

        pub fn pool() -> deadpool_postgres::Pool {
            let mut cfg = Config::new();
            cfg.dbname = Some("orders_test".into());
            cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap()
        }
        """,
    )
    assert found == [(9, "test", "in a file under #![cfg(test)]")]


def test_a_pool_only_for_migrations_is_a_migration_pool(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        use sqlx::migrate::Migrator;
        use sqlx::postgres::{PgPool, PgPoolOptions};
        use std::path::Path;

        static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

        #[tokio::main]
        async fn main() -> anyhow::Result<()> {
            let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL not set");
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect(&database_url)
                .await
                .context("connecting to run migrations")?;
            MIGRATOR.run(&pool).await?;
            pool.close().await;
            Ok(())
        }

        pub async fn migrate_from(dir: &str, url: &str) -> anyhow::Result<()> {
            let db = PgPool::connect(url).await?;
            Migrator::new(Path::new(dir)).await?.run(&db).await?;
            Ok(())
        }

        pub async fn migrate_inline(url: &str) -> Result<(), sqlx::migrate::MigrateError> {
            sqlx::migrate!().run(&PgPool::connect(url).await?).await
        }

        pub async fn roll_back(url: &str, target: i64) -> anyhow::Result<()> {
            let pool = PgPool::connect(url).await?;
            MIGRATOR.undo(&pool, target).await?;
            Ok(())
        }

        pub async fn migrate_past_deleted_files(url: &str) -> anyhow::Result<()> {
            let pool = PgPool::connect(url).await?;
            sqlx::migrate!().set_ignore_missing(true).run(&pool).await?;
            Ok(())
        }
        """,
    )
    assert found == [
        (11, "migration", "used only for MIGRATOR.run(..)"),
        (22, "migration", "used only for Migrator::new(..).run(..)"),
        (28, "migration", "built for sqlx::migrate!().run(..) alone"),
        (32, "migration", "used only for MIGRATOR.undo(..)"),
        (38, "migration", "used only for sqlx::migrate!().set_ignore_missing(..).run(..)"),
    ]


def test_a_pool_that_migrates_at_start_up_and_then_serves_is_a_service_pool(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        use axum::{routing::get, Router};
        use sqlx::postgres::{PgPool, PgPoolOptions};

        #[tokio::main]
        async fn main() -> anyhow::Result<()> {
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .connect(&std::env::var("DATABASE_URL")?)
                .await?;
            sqlx::migrate!().run(&pool).await?;

            let app = Router::new().route("/health", get(health)).with_state(pool);
            let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
            axum::serve(listener, app).await?;
            Ok(())
        }

        pub async fn init_pool(url: &str) -> PgPool {
            let pool = PgPool::connect(url).await.expect("database unreachable");
            sqlx::migrate!().run(&pool).await.expect("migrations failed");
            pool
        }

        async fn migrate_then_check(url: &str) -> anyhow::Result<()> {
            let pool = PgPool::connect(url).await?;
            sqlx::migrate!().run(&pool).await?;
            let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM orders").fetch_one(&pool).await?;
            Ok(())
        }

        async fn migrate_first(url: &str) -> anyhow::Result<()> {
            let pool = PgPool::connect(url).await?;
            db::run_migrations(&pool).await?;
            let pool = PgPool::connect(url).await?;  // a new pool: the first one migrated alone
            serve(pool).await
        }
        """,
    )
    assert found == [
        (7, "service", ""),
        (20, "service", ""),
        (26, "service", ""),
        (33, "migration", "used only for run_migrations(..)"),
        (35, "service", ""),
    ]


def test_sea_orm_migrator_functions_are_migrations(snippets: Snippets) -> None:
    found = roles(
        snippets,
        """
        use migration::{Migrator, MigratorTrait};
        use sea_orm::{Database, DbErr};

        #[tokio::main]
        async fn main() -> Result<(), DbErr> {
            let url = std::env::var("DATABASE_URL").expect("DATABASE_URL is not set");
            let db = Database::connect(&url).await?;
            Migrator::up(&db, None).await?;
            Ok(())
        }
        """,
    )
    assert found == [(8, "migration", "used only for Migrator::up(..)")]


BACKFILL = """
    use sqlx::postgres::PgPoolOptions;

    #[tokio::main]
    async fn main() -> anyhow::Result<()> {
        let url = std::env::var("DATABASE_URL")?;
        // One connection: the backfill runs its batches one after another.
        let pool = PgPoolOptions::new().max_connections(1).connect(&url).await?;
        backfill_order_totals(&pool).await
    }
"""


def test_one_connection_in_a_bin_targets_main_is_a_tool(snippets: Snippets) -> None:
    assert roles(snippets, BACKFILL, "crates/orders/src/bin/backfill.rs") == [
        (8, "tool", "one connection in a bin target's main")
    ]
    assert roles(snippets, BACKFILL, "crates/orders/src/bin/backfill/main.rs")[0][1] == "tool"
    # The crate's own main, a library function, or more connections: no sign of a tool.
    assert roles(snippets, BACKFILL, "crates/orders/src/main.rs")[0][1] == "service"
    in_a_library = BACKFILL.replace("async fn main()", "pub async fn run()")
    assert roles(snippets, in_a_library, "crates/orders/src/bin/run.rs")[0][1] == "service"
    more = BACKFILL.replace("max_connections(1)", "max_connections(4)")
    assert roles(snippets, more, "crates/orders/src/bin/more.rs")[0][1] == "service"


MIGRATE_MAIN = """
    use sqlx::postgres::PgPoolOptions;

    #[tokio::main]
    async fn main() {
        dotenvy::dotenv().ok();
        let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL not set");
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(&database_url)
            .await
            .unwrap();
        sqlx::migrate!().run(&pool).await.unwrap();
    }
"""

SERVICE_MAIN = """
    use sqlx::postgres::PgPoolOptions;

    #[tokio::main]
    async fn main() -> anyhow::Result<()> {
        let pool = PgPoolOptions::new().max_connections(5).connect(&std::env::var("DATABASE_URL")?).await?;
        sqlx::migrate!().run(&pool).await?;
        let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
        axum::serve(listener, api::router(pool)).await?;
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        #[sqlx::test]
        async fn lists_orders(pool: sqlx::PgPool) {
            let other = sqlx::PgPool::connect("postgres://localhost/orders_test").await.unwrap();
        }
    }
"""


def test_the_report_spares_migration_pools_the_sizing_rules_and_leaves_tests_out(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {"crates/migrator/src/main.rs": MIGRATE_MAIN, "crates/api/src/main.rs": SERVICE_MAIN},
    )
    report = run([root], RunSettings())
    found = sorted(
        (p.site.path.split("crates/")[1], p.site.role.name, p.site.role.reason) for p in report.pools
    )
    assert found == [
        ("api/src/main.rs", "service", ""),
        ("api/src/main.rs", "test", "in a #[cfg(test)] module"),
        ("migrator/src/main.rs", "migration", "used only for sqlx::migrate!().run(..)"),
    ]
    rules: dict[tuple[str, str], set[str]] = {}
    for pool in report.pools:
        rules[(pool.site.path.split("crates/")[1], pool.site.role.name)] = set()
    for finding in report.findings:
        pool = report.pools[finding.pool] if finding.pool is not None else None
        if pool is not None:
            rules[(finding.path.split("crates/")[1], pool.site.role.name)].add(finding.rule)
    assert "PC001" in rules[("api/src/main.rs", "service")]  # 5 connections for an API
    migration = rules[("migrator/src/main.rs", "migration")]
    assert migration and "PC001" not in migration  # a migration needs no production size
    assert not rules[("api/src/main.rs", "test")]  # test code is not reported by default
    everything = run([root], RunSettings(include_tests=True))
    tested = {f.rule for f in everything.findings if everything.pools[f.pool or 0].site.role.name == "test"}
    assert "PC001" in tested  # asked for, test code gets every rule


def test_the_role_shows_in_json_sarif_and_the_inventory(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {"crates/migrator/src/main.rs": MIGRATE_MAIN, "crates/api/src/main.rs": SERVICE_MAIN},
    )
    report = run([root], RunSettings(include_tests=True))
    pools = json.loads(json_format.render(report))["pools"]
    shown = sorted((p["path"].split("crates/")[1], p["role"]["name"], p["role"]["reason"]) for p in pools)
    assert shown == [
        ("api/src/main.rs", "service", ""),
        ("api/src/main.rs", "test", "in a #[cfg(test)] module"),
        ("migrator/src/main.rs", "migration", "used only for sqlx::migrate!().run(..)"),
    ]
    results = json.loads(sarif.render(report))["runs"][0]["results"]
    assert {r["properties"]["role"] for r in results} == {"service", "test", "migration"}
    listed = inventory.render(report)
    assert "main.rs:8 (migration)" in listed and "main.rs:17 (test)" in listed


def test_budgets_leave_out_rust_test_and_migration_pools(tmp_path: Path) -> None:
    big = "max_connections(60)"
    root = write_tree(
        tmp_path,
        {
            "postgresql.conf": "max_connections = 100\n",
            "crates/migrator/src/main.rs": MIGRATE_MAIN.replace("max_connections(5)", big),
            "crates/api/src/main.rs": SERVICE_MAIN.replace("max_connections(5)", big),
        },
    )
    (budget,) = run([root], RunSettings(include_tests=True)).capacity
    assert [(d.pool.site.path.split("crates/")[1], d.pool.site.role.name) for d in budget.demands] == [
        ("api/src/main.rs", "service")
    ]
    assert (budget.total, budget.exceeded) == (60, False)


def test_the_path_and_the_syntax_agree_on_the_stronger_role(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            # A bin target that only migrates: a migration, not merely a tool.
            "src/bin/migrate.rs": MIGRATE_MAIN,
            # A migration run inside a test is test code.
            "src/lib.rs": "#[cfg(test)]\nmod tests {\n"
            + MIGRATE_MAIN.replace("async fn main", "async fn t")
            + "}\n",
            # Under tests/, the path already says so.
            "tests/api.rs": SERVICE_MAIN,
        },
    )
    found = sorted(
        (p.site.path.replace(str(root) + "/", ""), p.site.role.name, p.site.role.reason)
        for p in run([root], RunSettings(include_tests=True)).pools
    )
    assert found == [
        ("src/bin/migrate.rs", "migration", "used only for sqlx::migrate!().run(..)"),
        ("src/lib.rs", "test", "in a #[cfg(test)] module"),
        ("tests/api.rs", "test", "in a #[cfg(test)] module"),
        ("tests/api.rs", "test", "under tests/"),
    ]


def test_hostile_attributes_and_migrators_end_in_a_role_not_a_crash(snippets: Snippets) -> None:
    deep_cfg = "#[cfg(" + "all(" * 5_000 + "test" + ")" * 5_000 + ")]"
    unwraps = ".unwrap()" * 5_000
    found = roles(
        snippets,
        f"""
        use sqlx::{{migrate::Migrator, PgPool}};

        static MIGRATOR: Migrator = MIGRATOR_ALIAS;
        static MIGRATOR_ALIAS: Migrator = MIGRATOR;

        pub async fn ring(url: &str) -> anyhow::Result<()> {{
            let pool = PgPool::connect(url).await?;
            MIGRATOR.run(&pool).await?;
            Ok(())
        }}

        pub async fn long(url: &str) -> anyhow::Result<()> {{
            let pool = PgPool::connect(url).await?;
            Migrator::new(dir).await{unwraps}.run(&pool).await?;
            Ok(())
        }}

        {deep_cfg}
        pub async fn nested(url: &str) -> PgPool {{
            PgPool::connect(url).await.unwrap()
        }}
        """,
    )
    assert [role for _, role, _ in found] == ["service", "service", "service"]


API_BIN = """
    use axum::{routing::get, Router};
    use sqlx::postgres::PgPoolOptions;

    #[tokio::main]
    async fn main() -> anyhow::Result<()> {
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(&std::env::var("DATABASE_URL")?)
            .await?;
        let app = Router::new().route("/orders", get(list_orders)).with_state(pool);
        let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
        axum::serve(listener, app).await?;
        Ok(())
    }
"""

GRPC_BIN = """
    use tonic::transport::Server;

    #[tokio::main]
    async fn main() -> Result<(), Box<dyn std::error::Error>> {
        let pool = sqlx::PgPool::connect(&std::env::var("DATABASE_URL")?).await?;
        Server::builder()
            .add_service(LedgerServer::new(Ledger { pool }))
            .serve("[::1]:50051".parse()?)
            .await?;
        Ok(())
    }
"""


def test_a_bin_target_that_serves_is_a_service_not_a_tool(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "src/bin/api.rs": API_BIN,
            "src/bin/ledger/main.rs": GRPC_BIN,
            "src/bin/reindex.rs": BACKFILL.replace("max_connections(1)", "max_connections(4)"),
        },
    )
    report = run([root], RunSettings())
    found = sorted(
        (p.site.path.replace(str(root) + "/", ""), p.site.role.name, p.site.role.reason) for p in report.pools
    )
    assert found == [
        ("src/bin/api.rs", "service", "a bin target that serves requests (axum::serve)"),
        (
            "src/bin/ledger/main.rs",
            "service",
            "a bin target that serves requests (tonic::transport::Server::builder)",
        ),
        ("src/bin/reindex.rs", "tool", "under bin/"),
    ]
    sized = {f.path.replace(str(root) + "/", "") for f in report.findings if f.rule == "PC001"}
    assert sized == {"src/bin/api.rs", "src/bin/ledger/main.rs"}  # 5 and 10 connections for a server
