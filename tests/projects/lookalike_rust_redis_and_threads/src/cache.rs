use bb8_redis::RedisConnectionManager;

use crate::config::WorkerConfig;

pub type RedisPool = bb8::Pool<RedisConnectionManager>;

pub async fn connect(config: &WorkerConfig) -> anyhow::Result<RedisPool> {
    let manager = RedisConnectionManager::new(config.redis_url.as_str())?;
    let pool = bb8::Pool::builder().max_size(config.pool_size).build(manager).await?;
    Ok(pool)
}
