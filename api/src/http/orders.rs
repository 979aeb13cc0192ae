//! `GET /api/v1/orders` and `GET /api/v1/orders/{id}`: the active account's orders and
//! how far each got.

use actix_web::{get, web, HttpResponse};
use gatehouse_shared::instances::{OrderList, OrderView};
use gatehouse_shared::ErrorEnvelope;

use super::authn::AccountCaller;
use crate::accounts::api_keys::Area;
use crate::error::AppResult;
use crate::instances::manage;
use crate::state::AppState;

/// The active account's orders, newest first (at most 100).
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = OrderList),
        (status = 401, description = "Not signed in (no valid token or API key)", body = ErrorEnvelope),
        (status = 403, description = "`insufficient_scope`, or the key's account may not act (`account_suspended`, …)", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
    )
)]
#[get("/orders")]
pub async fn list(state: web::Data<AppState>, caller: AccountCaller) -> AppResult<HttpResponse> {
    caller.require(Area::Orders, false)?;
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(manage::orders_of(&mut conn, caller.account_id).await?))
}

/// One order of the active account, with its fulfilment log.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The order")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 401, description = "Not signed in (no valid token or API key)", body = ErrorEnvelope),
        (status = 403, description = "`insufficient_scope`, or the key's account may not act", body = ErrorEnvelope),
        (status = 404, description = "No such order in this account", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
    )
)]
#[get("/orders/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: AccountCaller,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    caller.require(Area::Orders, false)?;
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(manage::order_of(&mut conn, caller.account_id, id.into_inner()).await?))
}
