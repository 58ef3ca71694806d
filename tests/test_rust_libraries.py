"""sea-orm, deadpool, bb8 and r2d2 (incl. diesel): the forms real projects write, and what is no pool."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, Snippets, poolcheck_command, write_snippet


def settings(pool) -> dict[str, tuple[object, str]]:  # type: ignore[no-untyped-def]
    return {c: (s.value, s.source) for c, s in pool.settings.items()}


def test_sea_orm_setters_on_a_mutable_variable(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
        use std::time::Duration;

        pub async fn establish(url: &str) -> Result<DatabaseConnection, DbErr> {
            let mut opt = ConnectOptions::new(url.to_owned());
            opt.max_connections(60)
                .min_connections(4)
                .connect_timeout(Duration::from_secs(8))
                .idle_timeout(Duration::from_secs(300))
                .sqlx_logging(false);
            opt.max_lifetime(Duration::from_secs(1800));
            Database::connect(opt).await
        }
        """
    )
    assert pool.site.library == "sea-orm"
    assert settings(pool) == {
        "max_connections": (60, "explicit"),
        "min_connections": (4, "explicit"),
        "acquire_timeout": (8.0, "explicit"),  # sea-orm hands connect_timeout to sqlx as the acquire timeout
        "max_lifetime": (1800.0, "explicit"),
        "idle_timeout": (300.0, "explicit"),
        "health_check": (True, "default"),
    }
    assert pool.site.span.end_line == 12  # the chain ends before Database::connect takes it


def test_sea_orm_acquire_timeout_wins_over_connect_timeout(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        use sea_orm::*;
        async fn f(u: String) {
            let mut opt = ConnectOptions::new(u);
            opt.acquire_timeout(Duration::from_secs(3)).connect_timeout(Duration::from_secs(20));
            let db = Database::connect(opt).await.unwrap();
        }
        """
    )
    assert pool.settings["acquire_timeout"].value == 3.0


@pytest.mark.parametrize(
    ("call", "database"),
    [
        ('Database::connect("postgres://app@db/app")', "postgres"),
        ("Database::connect(&config.database_url)", "unknown"),
        ("sea_orm::Database::connect(url)", "unknown"),
    ],
)
def test_sea_orm_all_defaults(snippets: Snippets, call: str, database: str) -> None:
    pool = snippets.pool(
        f"use sea_orm::Database;\nasync fn f(url: &str) {{ let db = {call}.await.unwrap(); }}"
    )
    assert pool.site.database == database
    assert settings(pool)["max_connections"] == (10, "default")


def test_sea_orm_connect_with_options_is_not_counted_twice(snippets: Snippets) -> None:
    code = """
        use sea_orm::{ConnectOptions, Database};
        async fn f(opts: ConnectOptions) { let db = Database::connect(opts).await.unwrap(); }
    """
    assert snippets.sites(code) == []


def test_bb8_postgres(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        use bb8::Pool;
        use bb8_postgres::PostgresConnectionManager;

        pub async fn pool(url: &str) -> Pool<PostgresConnectionManager<NoTls>> {
            let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
            Pool::builder()
                .max_size(15)
                .min_idle(Some(2))
                .max_lifetime(None)
                .connection_timeout(Duration::from_secs(5))
                .build(manager)
                .await
                .unwrap()
        }
        """
    )
    assert (pool.site.library, pool.site.database) == ("bb8", "postgres")
    assert settings(pool) == {
        "max_connections": (15, "explicit"),
        "min_connections": (2, "explicit"),
        "acquire_timeout": (5.0, "explicit"),
        "max_lifetime": (None, "disabled"),
        "idle_timeout": (600.0, "default"),
        "health_check": (True, "default"),
    }


@pytest.mark.parametrize(
    "code",
    [
        """
        async fn cache(url: &str) -> bb8::Pool<RedisConnectionManager> {
            let manager = bb8_redis::RedisConnectionManager::new(url).unwrap();
            bb8::Pool::builder().max_size(50).build(manager).await.unwrap()
        }
        """,
        """
        use bb8_redis::{bb8, RedisConnectionManager};
        async fn cache(manager: RedisConnectionManager) -> bb8::Pool<RedisConnectionManager> {
            bb8::Pool::builder().max_size(8).build(manager).await.unwrap()
        }
        """,
        """
        fn pool(cfg: &deadpool_redis::Config) -> deadpool_redis::Pool {
            let cfg = deadpool_redis::Config::from_url("redis://cache");
            cfg.create_pool(Some(deadpool_redis::Runtime::Tokio1)).unwrap()
        }
        """,
        """
        async fn unknown(manager: M) -> bb8::Pool<M> { bb8::Pool::builder().max_size(3).build(manager).await.unwrap() }
        """,
    ],
    ids=["bb8 redis", "bb8 redis parameter", "deadpool redis", "unknown manager"],
)
def test_non_database_and_unidentified_pools_are_not_reported(snippets: Snippets, code: str) -> None:
    assert snippets.sites(code) == []


def test_r2d2_through_diesel(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        use diesel::pg::PgConnection;
        use diesel::r2d2::{self, ConnectionManager};

        pub type DbPool = r2d2::Pool<ConnectionManager<PgConnection>>;

        pub fn establish(url: &str) -> DbPool {
            let manager = ConnectionManager::<PgConnection>::new(url);
            r2d2::Pool::builder().max_size(40).idle_timeout(None).build(manager).expect("pool")
        }
        """
    )
    assert (pool.site.library, pool.site.database) == ("r2d2", "postgres")
    # min_idle unset means max_size: r2d2 opens the whole pool at start.
    minimum = pool.settings["min_connections"]
    assert (minimum.value, minimum.via) == (40, "min_idle unset: max_size")
    assert settings(pool)["idle_timeout"] == (None, "disabled")


def test_r2d2_pool_new_and_manager_parameter(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        fn pool(manager: ConnectionManager<MysqlConnection>) -> r2d2::Pool<ConnectionManager<MysqlConnection>> {
            r2d2::Pool::new(manager).unwrap()
        }
        """
    )
    assert (pool.site.database, pool.site.constructor) == ("mysql", "r2d2::Pool::new")
    assert settings(pool)["min_connections"] == (10, "default")


def test_deadpool_builder(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        fn pool(pg: tokio_postgres::Config) -> deadpool_postgres::Pool {
            let mgr = deadpool_postgres::Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
            deadpool_postgres::Pool::builder(mgr).max_size(16).wait_timeout(None).runtime(Runtime::Tokio1).build().unwrap()
        }
        """
    )
    assert (pool.site.library, pool.site.database) == ("deadpool", "postgres")
    assert settings(pool) == {
        "max_connections": (16, "explicit"),
        "acquire_timeout": (None, "disabled"),
        "connect_timeout": (None, "default"),
        "health_check": (False, "explicit"),  # RecyclingMethod::Fast, given to the manager
    }


@pytest.mark.parametrize(
    ("pool", "library"),
    [
        ("bb8::Builder::<PostgresConnectionManager<NoTls>>::new().max_size(9).build(manager).await?", "bb8"),
        ("bb8::Pool::<PostgresConnectionManager<NoTls>>::builder().max_size(9).build(manager).await?", "bb8"),
        ("r2d2::Builder::<PostgresConnectionManager<NoTls>>::new().max_size(9).build(manager)?", "r2d2"),
        ("r2d2::Pool::<PostgresConnectionManager<NoTls>>::builder().max_size(9).build(manager)?", "r2d2"),
    ],
)
def test_turbofish_type_arguments_are_read_like_the_plain_forms(
    snippets: Snippets, pool: str, library: str
) -> None:
    built = snippets.pool(
        f"""
        async fn open(url: &str) -> anyhow::Result<()> {{
            let manager = PostgresConnectionManager::new_from_stringlike(url, NoTls)?;
            let pool = {pool};
            Ok(())
        }}
        """
    )
    assert (built.site.library, built.site.database, settings(built)["max_connections"]) == (
        library,
        "postgres",
        (9, "explicit"),
    )


def test_the_manager_type_of_a_pool_named_by_its_functions_return_type(snippets: Snippets) -> None:
    pools = snippets.pools(
        """
        use diesel::r2d2::{ConnectionManager, Pool, PoolError};
        use diesel_async::pooled_connection::{deadpool, AsyncDieselConnectionManager};

        pub fn get_connection_pool() -> Pool<ConnectionManager<PgConnection>> {
            let url = database_url_for_env();
            let manager = ConnectionManager::new(url);
            Pool::builder().test_on_check_out(true).build(manager).expect("Could not build connection pool")
        }

        pub fn init_pool(url: &str) -> Result<Pool<ConnectionManager<diesel::MysqlConnection>>, PoolError> {
            Pool::builder().max_size(15).build(ConnectionManager::new(url))
        }

        pub fn async_pool(url: &str) -> deadpool::Pool<diesel_async::AsyncPgConnection> {
            let config = AsyncDieselConnectionManager::new(url);
            deadpool::Pool::builder(config).build().unwrap()
        }
        """
    )
    assert [(p.site.library, p.site.database) for p in pools] == [
        ("r2d2", "postgres"),
        ("r2d2", "mysql"),
        ("deadpool", "postgres"),
    ]


@pytest.mark.parametrize(
    "returned",
    [
        "bb8::Pool<RedisConnectionManager>",
        "(bb8::Pool<PostgresConnectionManager<NoTls>>, bb8::Pool<RedisConnectionManager>)",
        "AppState",
    ],
)
def test_a_return_type_naming_no_single_database_pool_says_nothing(snippets: Snippets, returned: str) -> None:
    code = f"""
        pub async fn init(url: &str) -> {returned} {{
            let manager = make_manager(url);
            bb8::Pool::builder().max_size(15).build(manager).await.unwrap()
        }}
    """
    assert snippets.sites(code) == []


def test_diesel_async_reexports_of_deadpool_and_bb8(snippets: Snippets) -> None:
    pools = snippets.pools(
        """
        use diesel_async::pooled_connection::{bb8, AsyncDieselConnectionManager, ManagerConfig};
        use diesel_async::{pooled_connection::deadpool::Pool, AsyncMysqlConnection, AsyncPgConnection};

        pub type DbPool = Pool<AsyncPgConnection>;

        pub fn establish_connection_pool() -> anyhow::Result<DbPool> {
            let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must be set");
            let config = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
            let pool = Pool::builder(config).max_size(24).build()?;
            Ok(pool)
        }

        pub async fn worker_pool(database_url: String) -> bb8::Pool<AsyncMysqlConnection> {
            let mut config = ManagerConfig::default();
            config.custom_setup = Box::new(establish_connection);
            let mgr = AsyncDieselConnectionManager::<AsyncMysqlConnection>::new_with_config(database_url, config);
            bb8::Pool::builder().max_size(12).build(mgr).await.expect("Failed to create diesel_async pool")
        }

        pub fn ingest_pool(url: String) -> diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection> {
            let mgr = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
            diesel_async::pooled_connection::deadpool::Pool::builder(mgr).max_size(3).build().unwrap()
        }
        """
    )
    assert [(p.site.library, p.site.database, p.settings["max_connections"].value) for p in pools] == [
        ("deadpool", "postgres", 24),
        ("bb8", "mysql", 12),
        ("deadpool", "postgres", 3),
    ]
    # diesel-async's manager recycles with RecyclingMethod::Verified unless told otherwise.
    check = pools[0].settings["health_check"]
    assert (check.value, check.source, check.by) == (True, "default", "diesel-async")


def test_diesel_async_recycling_method_and_what_is_not_its_pool(snippets: Snippets) -> None:
    code = """
        use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
        use diesel_async::AsyncPgConnection;

        fn pools(url: &str) {
            let fast = ManagerConfig { recycling_method: RecyclingMethod::Fast, ..Default::default() };
            let mgr = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, fast);
            let pool = deadpool::managed::Pool::builder(mgr).max_size(50).build().unwrap();
            let verified = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
            let checked = deadpool::managed::Pool::builder(verified).max_size(50).build().unwrap();
            let other = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
            let mobc = diesel_async::pooled_connection::mobc::Pool::builder().max_open(8).build(other);
        }
    """
    fast, verified = snippets.pools(code)  # mobc is no library poolcheck reads
    assert settings(fast)["health_check"] == (False, "explicit")
    assert settings(verified)["health_check"] == (True, "default")
    assert [f.span.line for f in snippets.findings(code) if f.rule == "PC012"] == [fast.site.span.line]


def test_deadpool_config_struct_and_assignments(snippets: Snippets) -> None:
    pools = snippets.pools(
        """
        use deadpool_postgres::{Config, PoolConfig, Runtime, Timeouts};

        pub fn pool(settings: &Settings) -> deadpool_postgres::Pool {
            let mut cfg = Config::new();
            cfg.host = Some(settings.host.clone());
            cfg.pool = Some(PoolConfig {
                max_size: 32,
                timeouts: Timeouts {
                    wait: Some(Duration::from_secs(5)),
                    create: Some(Duration::from_secs(3)),
                    recycle: Some(Duration::from_secs(2)),
                },
                ..Default::default()
            });
            cfg.manager = Some(ManagerConfig { recycling_method: RecyclingMethod::Verified });
            cfg.create_pool(Some(Runtime::Tokio1), NoTls).expect("pool")
        }

        pub fn small() -> deadpool_postgres::Pool {
            let cfg = deadpool_postgres::Config {
                pool: Some(deadpool_postgres::PoolConfig::new(8)),
                ..Default::default()
            };
            cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap()
        }

        pub fn bare() -> deadpool_postgres::Pool {
            let mut cfg = deadpool_postgres::Config::new();
            cfg.dbname = Some("app".into());
            cfg.create_pool(Some(Runtime::Tokio1), NoTls).unwrap()
        }
        """
    )
    assert [settings(p) for p in pools] == [
        {
            "max_connections": (32, "explicit"),
            "acquire_timeout": (5.0, "explicit"),
            "connect_timeout": (3.0, "explicit"),
            "recycle_timeout": (2.0, "explicit"),
            "health_check": (True, "explicit"),
        },
        {
            "max_connections": (8, "explicit"),
            "acquire_timeout": (None, "default"),
            "connect_timeout": (None, "default"),
            "health_check": (False, "default"),
        },
        {
            "max_connections": (None, "default"),
            "acquire_timeout": (None, "default"),
            "connect_timeout": (None, "default"),
            "health_check": (False, "default"),
        },
    ]
    assert pools[2].settings["max_connections"].note is not None  # CPU-dependent, not a number


def test_deadpool_rules(snippets: Snippets) -> None:
    found = snippets.findings(
        "fn f() -> deadpool_postgres::Pool {\n    let cfg = deadpool_postgres::Config::new();\n    cfg.create_pool(None, NoTls).unwrap()\n}\n"
    )
    by_rule = {f.rule: (f.priority, f.message) for f in found}
    # CPU-dependent max is not a number to judge; no lifetime or idle knobs; Fast recycling is no check.
    assert set(by_rule) == {"PC002", "PC012"}
    assert by_rule["PC002"][0] == "p2" and "waits forever (deadpool default)" in by_rule["PC002"][1]
    assert "RecyclingMethod::Fast, which checks only is_closed() (deadpool default)" in by_rule["PC012"][1]
    # A Config's timeout is a Timeouts field, and create_pool must then be given a runtime.
    assert "set wait to a few seconds" in by_rule["PC002"][1]
    assert (
        "without `create_pool(Some(Runtime::Tokio1), ..)` it returns BuildError::NoRuntimeSpecified"
        in (by_rule["PC002"][1])
    )
    builder = snippets.findings(
        "fn f(pg: tokio_postgres::Config) -> deadpool_postgres::Pool {\n"
        "    deadpool_postgres::Pool::builder(deadpool_postgres::Manager::new(pg, NoTls)).build().unwrap()\n}\n"
    )
    advice = next(f.message for f in builder if f.rule == "PC002")
    assert (
        "set wait_timeout to a few seconds (a timeout needs a runtime: without `.runtime(Runtime::Tokio1)`"
        in advice
    )


def test_deadpool_recycling_method_is_its_checkout_check(snippets: Snippets) -> None:
    """Recycling runs inside Pool::get(): Fast checks only is_closed(), Verified and Clean run a query."""
    pools = snippets.pools(
        """
        use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

        fn verified(pg: tokio_postgres::Config) -> Pool {
            let config = ManagerConfig { recycling_method: RecyclingMethod::Verified };
            let manager = Manager::from_config(pg, NoTls, config);
            Pool::builder(manager).max_size(50).recycle_timeout(Some(Duration::from_secs(1))).build().unwrap()
        }

        fn clean(pg: tokio_postgres::Config) -> Pool {
            let manager = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Clean });
            Pool::builder(manager).max_size(50).build().unwrap()
        }

        fn plain(pg: tokio_postgres::Config) -> Pool {
            Pool::builder(Manager::new(pg, NoTls)).max_size(50).build().unwrap()
        }
        """
    )
    assert [settings(p)["health_check"] for p in pools] == [
        (True, "explicit"),
        (True, "explicit"),
        (False, "default"),
    ]
    assert settings(pools[0])["recycle_timeout"] == (1.0, "explicit")
    fired = [
        f.rule
        for f in snippets.findings(
            "fn p(pg: tokio_postgres::Config) -> deadpool_postgres::Pool {\n    deadpool_postgres::Pool::builder(deadpool_postgres::Manager::new(pg, NoTls)).max_size(50).build().unwrap()\n}\n"
        )
    ]
    assert "PC012" in fired


@pytest.mark.parametrize(
    ("code", "priority", "words"),
    [
        (
            "bb8::Pool::builder().connection_timeout(Duration::ZERO).build(PostgresConnectionManager::new(c, NoTls)).await.unwrap()",
            "p1",
            "the builder panics when the pool is built",
        ),
        (
            "r2d2::Pool::builder().max_size(0).build(PostgresConnectionManager::new(c, NoTls)).unwrap()",
            "p1",
            "the builder panics when the pool is built",
        ),
        (
            "deadpool_postgres::Pool::builder(deadpool_postgres::Manager::new(c, NoTls)).max_size(50).wait_timeout(Some(Duration::ZERO)).runtime(Runtime::Tokio1).build().unwrap()",
            "p3",
            "`get()` becomes a non-blocking try",
        ),
        (
            "sqlx::postgres::PgPoolOptions::new().max_connections(50).acquire_timeout(Duration::from_secs(0)).connect(u).await.unwrap()",
            "p1",
            "(PoolTimedOut), so `.connect(..)` fails at start-up",
        ),
    ],
    ids=["bb8", "r2d2", "deadpool", "sqlx"],
)
def test_a_zero_says_what_each_library_does_with_it(
    snippets: Snippets, code: str, priority: str, words: str
) -> None:
    found = [
        f
        for f in snippets.findings(f"async fn f(c: Config, u: &str) {{\n    let pool = {code};\n}}\n")
        if f.rule == "PC007"
    ]
    assert [(f.priority, words in f.message) for f in found] == [(priority, True)], [f.message for f in found]


def test_r2d2_filled_to_its_maximum_needs_no_idle_timeout(snippets: Snippets) -> None:
    """min_idle None keeps r2d2 at max_size: its reaper refills what the idle timeout closes."""
    template = "fn f(m: ConnectionManager<PgConnection>) {{\n    let p = diesel::r2d2::Pool::builder().max_size(50){extra}.build(m).unwrap();\n}}\n"
    assert "PC005" not in [f.rule for f in snippets.findings(template.format(extra=""))]
    assert "PC005" in [f.rule for f in snippets.findings(template.format(extra=".min_idle(Some(5))"))]
    bb8 = "async fn f(m: PostgresConnectionManager<NoTls>) {\n    let p = bb8::Pool::builder().max_size(50).min_idle(Some(5)).build(m).await.unwrap();\n}\n"
    assert "PC005" in [f.rule for f in snippets.findings(bb8)]


def test_sea_orm_over_sqlite_defaults_to_one_connection(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        use sea_orm::{ConnectOptions, Database};
        async fn f() {
            let mut opt = ConnectOptions::new("sqlite://data.db?mode=rwc");
            opt.min_connections(1);
            let db = Database::connect(opt).await.unwrap();
        }
        """
    )
    assert settings(pool)["max_connections"] == (1, "default")


def test_sea_orm_pool_option_closures_make_their_knobs_dynamic(snippets: Snippets) -> None:
    pools = snippets.pools(
        """
        use sea_orm::{ConnectOptions, Database};
        async fn called() {
            let mut opt = ConnectOptions::new("postgres://app@db/app");
            opt.max_connections(60).map_sqlx_postgres_pool_opts(|o| o.max_connections(size()).idle_timeout(None));
            let db = Database::connect(opt).await.unwrap();
        }
        async fn elsewhere() {
            let mut opt = ConnectOptions::new("postgres://app@db/app");
            opt.map_sqlx_mysql_pool_opts(|o| o.max_connections(3)).map_sqlx_postgres_pool_opts(tune);
            let db = Database::connect(opt).await.unwrap();
        }
        """
    )
    called, elsewhere = (settings(p) for p in pools)
    assert called["max_connections"] == (None, "dynamic") and called["idle_timeout"] == (None, "dynamic")
    assert called["acquire_timeout"] == (30.0, "default")  # the closure does not touch it
    assert all(source == "dynamic" for _, source in elsewhere.values())  # `tune` may set any of them
    assert pools[0].settings["max_connections"].expr == "map_sqlx_postgres_pool_opts(..)"


def test_a_written_recycle_timeout_is_in_the_documented_report(tmp_path: Path) -> None:
    write_snippet(
        tmp_path,
        """
        fn pool(pg: tokio_postgres::Config) -> deadpool_postgres::Pool {
            let mgr = deadpool_postgres::Manager::new(pg, NoTls);
            deadpool_postgres::Pool::builder(mgr)
                .max_size(50)
                .recycle_timeout(Some(Duration::from_secs(2)))
                .runtime(Runtime::Tokio1)
                .build()
                .unwrap()
        }
        """,
        "src/db.rs",
    )
    done = subprocess.run(
        [*poolcheck_command(), "--format", "json", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    report = json.loads(done.stdout)
    jsonschema.validate(report, json.loads((ROOT / "docs" / "report.schema.json").read_text()))
    assert report["pools"][0]["settings"]["recycle_timeout"]["value"] == 2.0


def test_a_minimum_above_the_maximum_panics_in_bb8_and_r2d2(snippets: Snippets) -> None:
    """Both builders assert min_idle <= max_size when the pool is built; sqlx only keeps the floor it can."""
    r2d2 = "fn f(m: ConnectionManager<PgConnection>) {\n    let p = r2d2::Pool::builder().max_size(5).min_idle(Some(20)).build(m).unwrap();\n}\n"
    sqlx = "async fn f(u: &str) {\n    let p = PgPoolOptions::new().max_connections(5).min_connections(20).connect(u).await;\n}\n"
    (panics,) = [f.message for f in snippets.findings(r2d2) if f.rule == "PC007"]
    (floor,) = [f.message for f in snippets.findings(sqlx) if f.rule == "PC007"]
    assert "the builder panics when the pool is built (it asserts min_idle <= max_size)" in panics
    assert "the pool cannot keep the floor it is asked for" in floor
