"""Things that look like sqlx pools and are not: none of them may be reported."""

from __future__ import annotations

import pytest
from conftest import Snippets

NOT_POOLS = {
    "rayon": """
        fn init(n: usize) { rayon::ThreadPoolBuilder::new().num_threads(n.max(2)).build_global().unwrap(); }
    """,
    "tokio runtime": """
        fn rt() -> std::io::Result<tokio::runtime::Runtime> {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(3)
                .max_blocking_threads(32)
                .thread_keep_alive(std::time::Duration::from_secs(10))
                .enable_all()
                .build()
        }
    """,
    "bb8 builder": """
        async fn redis(mgr: RedisConnectionManager) -> Pool<RedisConnectionManager> {
            bb8::Pool::builder().max_size(12).min_idle(Some(2)).max_lifetime(None)
                .idle_timeout(Some(Duration::from_secs(50))).build(mgr).await.unwrap()
        }
    """,
    "reqwest client": """
        fn http() -> reqwest::Client {
            reqwest::Client::builder().connect_timeout(Duration::from_secs(3)).pool_idle_timeout(None).build().unwrap()
        }
    """,
    "comments, docs and strings": """
        //! Build pools with `PgPoolOptions::new().max_connections(50)`.
        /// Timeouts come from the sqlx AnyPoolOptions settings.
        /* let old = PgPoolOptions::new().max_connections(99).connect(&u).await?; */
        const SRC: &str = "PgPoolOptions::new().max_connections(5).connect(url)";
        fn check() { for s in [".idle_timeout(None)", "PgPool::connect(x)"] { assert!(SRC.contains(s)); } }
    """,
    "own PoolOptions struct literal": """
        pub struct PoolOptions { pub max_connections: u32, pub acquire_timeout: u64 }
        fn o() -> PoolOptions { PoolOptions { max_connections: 20, acquire_timeout: 30 } }
    """,
    "sqlx::test injected options": """
        #[sqlx::test]
        async fn it_works(_po: PgPoolOptions, co: PgConnectOptions) -> sqlx::Result<()> { Ok(()) }
    """,
    "a type named like a pool": """
        fn f() -> PgPool { let x: Option<PgPoolOptions> = None; todo!() }
    """,
}


@pytest.mark.parametrize("code", NOT_POOLS.values(), ids=NOT_POOLS.keys())
def test_not_a_pool(snippets: Snippets, code: str) -> None:
    assert snippets.sites(code) == []


def test_thread_pools_beside_a_real_pool_do_not_leak_into_it(snippets: Snippets) -> None:
    site = snippets.site(
        """
        fn main() {
            let rt = tokio::runtime::Builder::new_multi_thread().max_blocking_threads(num_cpus::get() * 2).build().unwrap();
            rt.block_on(async {
                let pool = PgPoolOptions::new().max_connections(45).connect(&url).await.unwrap();
            });
        }
        """
    )
    assert [name for name, _ in site.knobs] == ["max_connections"]
