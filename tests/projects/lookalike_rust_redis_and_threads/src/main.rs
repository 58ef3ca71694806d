mod cache;
mod config;
mod queue;

use crate::config::WorkerConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = WorkerConfig::from_env()?;
    let cache = cache::connect(&config).await?;
    let queue = queue::queue_pool(&config)?;
    let renderers = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build()?;
    renderers.install(|| println!("{} {}", cache.state().connections, queue.status().size));
    Ok(())
}
