use serde::Deserialize;

/// Settings of the worker, from `WORKER_*` environment variables.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkerConfig {
    pub redis_url: String,
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    #[serde(default = "default_threads")]
    pub threads: usize,
}

fn default_pool_size() -> u32 {
    8
}

fn default_max_connections() -> u32 {
    32
}

fn default_threads() -> usize {
    4
}

impl WorkerConfig {
    pub fn from_env() -> Result<Self, envy::Error> {
        envy::prefixed("WORKER_").from_env::<WorkerConfig>()
    }
}
