use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub database: DatabaseSettings,
    #[serde(default = "default_port")]
    pub port: u16,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
    pub max_lifetime_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "postgres://newsletter@localhost/newsletter".to_string(),
            max_connections: 20,
            min_connections: 0,
            acquire_timeout_secs: 3,
            max_lifetime_secs: 1800,
        }
    }
}

fn default_port() -> u16 {
    8000
}

/// APP_DATABASE__MAX_CONNECTIONS=12 sets `database.max_connections`.
pub fn get_configuration() -> Result<Settings, config::ConfigError> {
    config::Config::builder()
        .add_source(
            config::Environment::with_prefix("APP")
                .prefix_separator("_")
                .separator("__"),
        )
        .build()?
        .try_deserialize::<Settings>()
}
