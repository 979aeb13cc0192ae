//! `GET /api/v1/catalog`.

use actix_web::{get, web, HttpResponse};
use gatehouse_shared::catalog::CatalogResponse;
use gatehouse_shared::ErrorEnvelope;

use crate::catalog::public_catalog;
use crate::error::AppResult;
use crate::state::AppState;

/// The public catalog: every active product with its prices, grouped per pricing page.
#[utoipa::path(
    tag = "catalog",
    responses(
        (status = 200, description = "Products, add-ons and prices per pricing page", body = CatalogResponse),
        (status = 503, description = "The database is unavailable", body = ErrorEnvelope),
    )
)]
#[get("/catalog")]
pub async fn get_catalog(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let catalog = public_catalog(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=60"))
        .json(catalog))
}
