use axum::{extract::State, routing::get, Router};
use sqlx::PgPool;

pub fn router(pool: PgPool) -> Router {
    Router::new().route("/health", get(health)).with_state(pool)
}

async fn health(State(pool): State<PgPool>) -> &'static str {
    match sqlx::query("SELECT 1").execute(&pool).await {
        Ok(_) => "ok",
        Err(_) => "unavailable",
    }
}
