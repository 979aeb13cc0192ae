//! `/api/v1/tickets`: customers open support tickets, list and read their own, and
//! reply. For people only (a session, not an API key); another user's ticket is 404.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::tickets::{NewMessage, NewTicket, Ticket, TicketList};
use gatehouse_shared::ErrorEnvelope;
use uuid::Uuid;

use super::authn::Authenticated;
use super::json::Json;
use crate::error::AppResult;
use crate::state::AppState;
use crate::tickets::customer;

/// Opens a ticket about the caller's active account; support is emailed.
#[utoipa::path(tag = "tickets", security(("bearer" = [])), request_body = NewTicket, responses(
    (status = 201, description = "Opened (`open`), the body its first message", body = Ticket),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
    (status = 422, description = "`fields`: subject, body, priority, order_id (not an order of your active account), stripe_subscription_id", body = ErrorEnvelope),
    (status = 429, description = "`rate_limited`: ten tickets an hour per person, with `Retry-After`", body = ErrorEnvelope),
))]
#[post("/tickets")]
pub async fn open(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<NewTicket>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let ticket = customer::open(
        &mut conn,
        &state.limiter,
        &state.public_url,
        caller.user.id,
        caller.account_id,
        &body.0,
    )
    .await?;
    Ok(HttpResponse::Created().json(ticket))
}

/// The caller's tickets, newest update first.
#[utoipa::path(tag = "tickets", security(("bearer" = [])), responses(
    (status = 200, description = "Newest update first", body = TicketList),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
))]
#[get("/tickets")]
pub async fn list(state: web::Data<AppState>, caller: Authenticated) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(customer::list(&mut conn, caller.user.id).await?))
}

/// One of the caller's tickets with its messages, oldest first.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket", body = Ticket),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 404, description = "No such ticket of yours", body = ErrorEnvelope),
))]
#[get("/tickets/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(customer::get(&mut conn, caller.user.id, id.into_inner()).await?))
}

/// Replies to one of the caller's tickets; a ticket waiting on the customer is open
/// again, and support is emailed.
#[utoipa::path(tag = "tickets", security(("bearer" = [])), request_body = NewMessage,
    params(("id" = Uuid, Path, description = "The ticket")),
    responses(
        (status = 201, description = "Replied; the ticket is `open`", body = Ticket),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 404, description = "No such ticket of yours", body = ErrorEnvelope),
        (status = 409, description = "`ticket_closed`: open a new ticket instead", body = ErrorEnvelope),
        (status = 422, description = "`fields.body`", body = ErrorEnvelope),
))]
#[post("/tickets/{id}/messages")]
pub async fn reply(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: Json<NewMessage>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let ticket = customer::reply(
        &mut conn,
        &state.public_url,
        caller.user.id,
        id.into_inner(),
        &body.0,
    )
    .await?;
    Ok(HttpResponse::Created().json(ticket))
}
