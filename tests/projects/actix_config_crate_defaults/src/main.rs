mod settings;

use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::settings::get_configuration;

async fn health_check(pool: web::Data<PgPool>) -> HttpResponse {
    match sqlx::query("SELECT 1").execute(pool.get_ref()).await {
        Ok(_) => HttpResponse::Ok().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let configuration = get_configuration().expect("Failed to read configuration.");
    let connection_pool = PgPoolOptions::new()
        .max_connections(configuration.database.max_connections)
        .min_connections(configuration.database.min_connections)
        .acquire_timeout(Duration::from_secs(configuration.database.acquire_timeout_secs))
        .max_lifetime(Duration::from_secs(configuration.database.max_lifetime_secs))
        .connect_lazy(&configuration.database.url)
        .expect("Failed to create the Postgres connection pool.");
    let pool = web::Data::new(connection_pool);
    HttpServer::new(move || App::new().route("/health_check", web::get().to(health_check)).app_data(pool.clone()))
        .bind(("0.0.0.0", configuration.port))?
        .run()
        .await
}
