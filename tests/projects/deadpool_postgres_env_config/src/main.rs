mod config;

use actix_web::{web, App, HttpResponse, HttpServer};
use deadpool_postgres::{Pool, Runtime};
use tokio_postgres::NoTls;

use crate::config::Config;

async fn count(pool: web::Data<Pool>) -> HttpResponse {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(_) => return HttpResponse::ServiceUnavailable().finish(),
    };
    match client.query_one("SELECT count(*) FROM entries", &[]).await {
        Ok(row) => HttpResponse::Ok().body(row.get::<_, i64>(0).to_string()),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    dotenvy::dotenv().ok();
    let config = Config::from_env().expect("configuration from the environment");
    let pool = config.pg.create_pool(Some(Runtime::Tokio1), NoTls).expect("a pool from PG__*");
    let address = config.server_addr.clone();
    HttpServer::new(move || App::new().app_data(web::Data::new(pool.clone())).route("/count", web::get().to(count)))
        .bind(address)?
        .run()
        .await
}
