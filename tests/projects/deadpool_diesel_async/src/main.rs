mod db;
mod state;

use axum::{routing::get, Router};

use crate::state::{build_pool, AppState};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let database_url = std::env::var("DATABASE_URL")?;
    let state = AppState { pool: build_pool(&database_url)? };
    let app = Router::new().route("/health", get(|| async { "ok" })).with_state(state);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
