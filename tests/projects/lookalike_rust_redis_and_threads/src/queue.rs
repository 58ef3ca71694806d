use deadpool_redis::{Config, Pool, PoolConfig, Runtime};

use crate::config::WorkerConfig;

pub fn queue_pool(config: &WorkerConfig) -> anyhow::Result<Pool> {
    let mut cfg = Config::from_url(config.redis_url.clone());
    cfg.pool = Some(PoolConfig::new(config.max_connections as usize));
    Ok(cfg.create_pool(Some(Runtime::Tokio1))?)
}
