use actix_web::{get, web, HttpResponse, Responder};
use diesel::prelude::*;

use crate::db::DbPool;
use crate::schema::bookings::dsl::*;

#[get("/bookings/count")]
pub async fn count(pool: web::Data<DbPool>) -> actix_web::Result<impl Responder> {
    let total = web::block(move || {
        let mut conn = pool.get().expect("no database connection");
        bookings.count().get_result::<i64>(&mut conn)
    })
    .await?
    .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok().json(total))
}
