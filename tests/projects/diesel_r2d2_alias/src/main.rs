mod db;
mod handlers;
mod schema;

use std::time::Duration;

use actix_web::{middleware, web, App, HttpServer};
use diesel::r2d2::{self, ConnectionManager};

use crate::db::DbPool;

fn initialize_db_pool() -> DbPool {
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must be set");
    let manager = ConnectionManager::new(database_url);
    r2d2::Pool::builder()
        .max_size(16)
        .min_idle(Some(2))
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .expect("database URL should be a valid PostgreSQL connection string")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    dotenvy::dotenv().ok();
    env_logger::init_from_env(env_logger::Env::new().default_filter_or("info"));

    let pool = initialize_db_pool();

    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .wrap(middleware::Logger::default())
            .service(handlers::count)
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await
}
