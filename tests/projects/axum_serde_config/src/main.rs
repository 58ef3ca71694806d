mod config;
mod db;
mod routes;

use crate::config::DatabaseConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();

    let config = DatabaseConfig::from_env()?;
    let pool = db::connect(&config).await?;

    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
    tracing::info!("listening on {}", listener.local_addr()?);
    axum::serve(listener, routes::router(pool)).await?;
    Ok(())
}
