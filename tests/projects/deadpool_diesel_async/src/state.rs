use std::time::Duration;

use deadpool::Runtime;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;

use crate::db::DbPool;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
}

pub fn build_pool(database_url: &str) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::new(database_url);
    let pool = Pool::builder(manager)
        .max_size(24)
        .wait_timeout(Some(Duration::from_secs(3)))
        .runtime(Runtime::Tokio1)
        .build()?;
    Ok(pool)
}
