"""sqlx extraction: every builder, terminal and all-defaults form, written as real projects write them."""

from __future__ import annotations

import pytest
from conftest import Snippets


def knobs(site) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {name: setting.value for name, setting in site.knobs}


def test_imported_builder_with_literal_chain(snippets: Snippets) -> None:
    site = snippets.site(
        """
        use sqlx::postgres::PgPoolOptions;

        pub async fn open(dsn: &str) -> anyhow::Result<PgPool> {
            let db = PgPoolOptions::new()
                .max_connections(7)
                .acquire_timeout(Duration::from_secs(4))
                .connect(&dsn)
                .await
                .expect("db unreachable");
            Ok(db)
        }
        """
    )
    assert (site.library, site.database, site.constructor) == ("sqlx", "postgres", "PgPoolOptions::new()")
    assert knobs(site) == {"max_connections": 7, "acquire_timeout": 4.0}
    assert (site.span.line, site.span.end_line) == (5, 8)
    assert site.lines[0] == "    let db = PgPoolOptions::new()"


@pytest.mark.parametrize(
    ("builder", "database"),
    [
        ("sqlx::postgres::PgPoolOptions::new()", "postgres"),
        ("sqlx::mysql::MySqlPoolOptions::new()", "mysql"),
        ("sqlx::sqlite::SqlitePoolOptions::new()", "sqlite"),
        ("sqlite::SqlitePoolOptions::new()", "sqlite"),
        ("MySqlPoolOptions::new()", "mysql"),
        ("PgPoolOptions::default()", "postgres"),
        ("PoolOptions::<Postgres>::new()", "postgres"),
        ("sqlx::pool::PoolOptions::<sqlx::MySql>::new()", "mysql"),
        ("PoolOptions::<Sqlite>::default()", "sqlite"),
        ("pool::PoolOptions::<D>::new()", "unknown"),
        ("AnyPoolOptions::new()", "unknown"),
    ],
)
def test_builder_types_and_their_database(snippets: Snippets, builder: str, database: str) -> None:
    site = snippets.site(
        f"""
        async fn open(u: &str) -> Result<(), sqlx::Error> {{
            let p = {builder}.max_connections(30).connect(u).await?;
            Ok(())
        }}
        """
    )
    assert site.database == database
    assert knobs(site) == {"max_connections": 30}


def test_any_pool_database_comes_from_a_literal_url(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn t() {
            let a = sqlx::pool::PoolOptions::<sqlx::Any>::new().max_connections(1).connect("sqlite::memory:").await;
        }
        """
    )
    assert site.database == "sqlite"


def test_plain_pool_options_needs_an_sqlx_import(snippets: Snippets) -> None:
    imported = """
        use sqlx::pool::PoolOptions;
        fn base() -> PoolOptions<Sqlite> { PoolOptions::new().min_connections(0) }
    """
    assert snippets.site(imported).database == "unknown"
    own_struct = """
        use crate::settings::PoolOptions;
        fn base() -> PoolOptions { PoolOptions::new().max_connections(3) }
    """
    assert snippets.sites(own_struct) == []


@pytest.mark.parametrize(
    "terminal", ["connect(&url)", "connect_with(opts)", "connect_lazy(&url)", "connect_lazy_with(opts)"]
)
def test_every_terminal_ends_the_construction(snippets: Snippets, terminal: str) -> None:
    site = snippets.site(
        f"""
        fn pool(url: String, opts: PgConnectOptions) -> PgPool {{
            PgPoolOptions::new().max_connections(12).{terminal}.unwrap()
        }}
        """
    )
    assert site.text.endswith(terminal)
    assert knobs(site) == {"max_connections": 12}


@pytest.mark.parametrize(
    ("call", "database"),
    [
        ("PgPool::connect(&url)", "postgres"),
        ("sqlx::PgPool::connect_with(PgConnectOptions::from_str(&url)?)", "postgres"),
        ('PgPool::connect_lazy("postgres://unused")', "postgres"),
        ("PgPool::connect_lazy_with(opts)", "postgres"),
        ("Pool::<Postgres>::connect(&settings.url)", "postgres"),
        ("sqlx::Pool::<sqlx::MySql>::connect(&url)", "mysql"),
        ("MySqlPool::connect(&url)", "mysql"),
        ('SqlitePool::connect(&format!("sqlite://{path}?mode=rwc"))', "sqlite"),
        ('AnyPool::connect("postgres://localhost/app")', "postgres"),
    ],
)
def test_all_defaults_forms(snippets: Snippets, call: str, database: str) -> None:
    pool = snippets.pool(
        f"""
        async fn open(url: String) -> anyhow::Result<()> {{
            let pg = {call}.await?;
            Ok(())
        }}
        """
    )
    assert pool.site.database == database
    assert pool.site.knobs == ()
    assert pool.settings["max_connections"].value == 10
    assert pool.settings["max_connections"].source == "default"


def test_bare_pool_connect_is_sqlx_only_with_an_import(snippets: Snippets) -> None:
    assert snippets.site(
        "use sqlx::{Pool, Postgres};\nasync fn f() { let p: Pool<Postgres> = Pool::connect(&u).await?; }"
    )
    assert snippets.sites("use deadpool::Pool;\nasync fn f() { let p = Pool::connect(&u).await?; }") == []


@pytest.mark.parametrize(
    "ending",
    [
        ".await?",
        ".await.unwrap()",
        '.await.context("connecting to postgres")?',
        '.await.with_context(|| format!("db {}", 5))?',
        '.await.map_err(|e| { log::error!("pool: {e}"); AppError::Db(e) })?',
    ],
)
def test_result_handling_after_the_terminal(snippets: Snippets, ending: str) -> None:
    site = snippets.site(
        f"""
        async fn f(u: &str) -> Result<PgPool> {{
            Ok(PgPoolOptions::new().max_connections(40).connect(u){ending})
        }}
        """
    )
    assert site.text == "PgPoolOptions::new().max_connections(40).connect(u)"


def test_chain_split_across_let_bindings(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn open(cfg: &Cfg) -> Result<PgPool> {
            let opts = PgPoolOptions::new().max_connections(25);
            let opts = opts.min_connections(5);
            let opts = opts.idle_timeout(Duration::from_secs(300));
            let pool = opts.connect(&cfg.url).await?;
            Ok(pool)
        }
        """
    )
    assert knobs(site) == {"max_connections": 25, "min_connections": 5, "idle_timeout": 300.0}
    assert (site.span.line, site.span.end_line) == (3, 6)


def test_mutable_builder_reassigned_in_branches(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn open(cfg: &Cfg) -> Result<PgPool> {
            let mut opts = PgPoolOptions::new()
                .max_connections(cfg.cap)
                .acquire_timeout(Duration::from_secs(7));
            if let Some(idle) = cfg.idle {
                opts = opts.idle_timeout(idle);
            }
            if let Some(secs) = cfg.life_secs.filter(|s| *s > 0) {
                opts = opts.max_lifetime(Duration::from_secs(secs));
            }
            let pool = opts.connect(&cfg.url).await?;
            Ok(pool)
        }
        """
    )
    assert [name for name, _ in site.knobs] == [
        "max_connections",
        "acquire_timeout",
        "idle_timeout",
        "max_lifetime",
    ]
    sources = {name: s.source for name, s in site.knobs}
    assert sources == {
        "max_connections": "dynamic",
        "acquire_timeout": "explicit",
        "idle_timeout": "dynamic",
        "max_lifetime": "dynamic",
    }
    assert site.text.rstrip().endswith("opts.connect(&cfg.url)")


def test_shadowing_by_an_unrelated_value_stops_the_chain(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn open(u: &str) -> Result<()> {
            let opts = PgPoolOptions::new().max_connections(50);
            let opts = load_other_options();
            opts.max_connections(3);
            Ok(())
        }
        """
    )
    assert knobs(site) == {"max_connections": 50}


def test_builder_returned_from_a_helper_is_reported_where_it_is_built(snippets: Snippets) -> None:
    site = snippets.site(
        """
        fn base_opts() -> PgPoolOptions {
            PgPoolOptions::new()
                .max_connections(28)
                .acquire_timeout(Duration::from_secs(6))
        }

        pub async fn open(url: &str) -> Result<PgPool> {
            Ok(base_opts().connect(url).await?)
        }
        """
    )
    assert knobs(site) == {"max_connections": 28, "acquire_timeout": 6.0}


def test_pools_inside_other_expressions(snippets: Snippets) -> None:
    sites = snippets.sites(
        """
        static DB: once_cell::sync::Lazy<PgPool> = once_cell::sync::Lazy::new(|| {
            PgPoolOptions::new().max_connections(2).idle_timeout(Duration::from_secs(3)).connect_lazy_with(co())
        });

        async fn open(u: &str) -> anyhow::Result<Repo> {
            let pool = tokio::time::timeout(Duration::from_secs(11),
                AnyPoolOptions::new().max_connections(4).connect(&u)).await??;
            Ok(Repo { pool: sqlx::postgres::PgPoolOptions::new().max_connections(40).connect(&u).await?, hooks: vec![] })
        }
        """
    )
    assert [knobs(s) for s in sites] == [
        {"max_connections": 2, "idle_timeout": 3.0},
        {"max_connections": 4},
        {"max_connections": 40},
    ]


def test_pre_06_connect_timeout_sets_the_acquire_timeout(snippets: Snippets) -> None:
    pool = snippets.pool(
        """
        fn get_pool(cfg: &DbSettings) -> PgPool {
            PgPoolOptions::new()
                .connect_timeout(std::time::Duration::from_secs(2))
                .connect_lazy_with(cfg.with_db())
        }
        """
    )
    setting = pool.settings["acquire_timeout"]
    assert (setting.value, setting.source, setting.knob) == (2.0, "explicit", "connect_timeout")
    assert "connect_timeout" not in pool.settings


def test_comments_and_closures_inside_a_chain(snippets: Snippets) -> None:
    site = snippets.site(
        """
        async fn open(o: SqliteConnectOptions) -> Result<SqlitePool> {
            SqlitePoolOptions::new()
                //.max_connections(1)
                // .idle_timeout(None)
                .after_connect(|conn, _meta| Box::pin(async move {
                    conn.execute("SET statement_timeout = 9000").await?;
                    let budget = if cfg!(test) { 1 } else { 500 };
                    Ok(())
                }))
                /* .max_lifetime(None) */
                .acquire_timeout(Duration::from_secs(4))
                .connect_with(o)
                .await
        }
        """
    )
    assert knobs(site) == {"acquire_timeout": 4.0}


def test_several_pools_in_one_function_stay_apart(snippets: Snippets) -> None:
    sites = snippets.sites(
        """
        const READERS: u32 = 8;
        async fn open(wo: SqliteConnectOptions, ro: SqliteConnectOptions) -> Result<()> {
            let writer = SqlitePoolOptions::new().max_connections(1).connect_with(wo).await?;
            let readers = SqlitePoolOptions::new().max_connections(READERS).connect_with(ro.read_only(true)).await?;
            Ok(())
        }
        """
    )
    assert [knobs(s) for s in sites] == [{"max_connections": 1}, {"max_connections": 8}]


def test_construction_span_and_setting_locations(snippets: Snippets) -> None:
    site = snippets.site(
        """
        fn f() {
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .connect(&config.database_url);
        }
        """
    )
    ((_name, setting),) = site.knobs
    assert (site.span.line, site.span.column, site.span.end_line) == (3, 16, 5)
    assert setting.span is not None
    assert (setting.span.line, setting.span.column, setting.span.end_column) == (4, 10, 29)
    assert setting.expr == "10"


def test_any_pool_database_from_a_formatted_url(snippets: Snippets) -> None:
    site = snippets.site(
        'async fn f(path: &str) { let p = AnyPoolOptions::new().max_connections(1).connect(&format!("sqlite://{path}?mode=rwc")).await; }'
    )
    assert site.database == "sqlite"
