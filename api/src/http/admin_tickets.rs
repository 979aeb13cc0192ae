//! `/api/v1/admin/tickets`: staff list (filters, pages), read, reply to and close support
//! tickets. The tickets area: `support` and `admin` may change, `billing` may only look.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::tickets::{AdminTicket, AdminTicketPage, NewMessage};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;
use uuid::Uuid;

use super::json::Json;
use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::error::AppResult;
use crate::state::AppState;
use crate::tickets::staff;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TicketsQuery {
    /// Only tickets in this status: `open`, `waiting_on_customer` or `closed`.
    pub status: Option<String>,
    /// Only tickets of this priority: `low`, `normal`, `high` or `urgent`.
    pub priority: Option<String>,
    /// Order: `updated` (newest update first, the default), `waiting` (oldest update
    /// first: who has waited longest) or `priority` (urgent first, then newest update).
    pub sort: Option<String>,
    /// From 1 (the default).
    pub page: Option<i64>,
    /// 1–100, default 25.
    pub per_page: Option<i64>,
}

/// Every ticket matching the filters, in the order asked for (newest update first by
/// default), one page at a time.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(TicketsQuery), responses(
    (status = 200, description = "A page, with the total matching", body = AdminTicketPage),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
    (status = 403, description = "`forbidden` or `mfa_required`", body = ErrorEnvelope),
    (status = 422, description = "`fields`: status, priority, sort, page, per_page", body = ErrorEnvelope),
))]
#[get("/admin/tickets")]
pub async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<TicketsQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut conn = state.pool.get().await?;
    let page = staff::list(
        &mut conn,
        &staff::Query {
            status: query.status,
            priority: query.priority,
            sort: query.sort,
            page: query.page,
            per_page: query.per_page,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A ticket with its messages and who opened it.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket", body = AdminTicket),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` or `mfa_required`", body = ErrorEnvelope),
        (status = 404, description = "No such ticket", body = ErrorEnvelope),
))]
#[get("/admin/tickets/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(staff::get(&mut conn, id.into_inner()).await?))
}

/// Replies as staff: the ticket waits on the customer, who is emailed; audited.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = NewMessage,
    params(("id" = Uuid, Path, description = "The ticket")),
    responses(
        (status = 201, description = "Replied; the ticket is `waiting_on_customer`", body = AdminTicket),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`, `mfa_required` or `forbidden_area`", body = ErrorEnvelope),
        (status = 404, description = "No such ticket", body = ErrorEnvelope),
        (status = 409, description = "`ticket_closed`", body = ErrorEnvelope),
        (status = 422, description = "`fields.body`", body = ErrorEnvelope),
))]
#[post("/admin/tickets/{id}/messages")]
pub async fn reply(
    state: web::Data<AppState>,
    staff_member: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<NewMessage>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff_member.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let ticket = staff::reply(
        &mut conn,
        &state.public_url,
        &audit,
        id.into_inner(),
        &body.0,
    )
    .await?;
    Ok(HttpResponse::Created().json(ticket))
}

/// Closes the ticket (no more replies); audited.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket")),
    responses(
        (status = 200, description = "Closed", body = AdminTicket),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`, `mfa_required` or `forbidden_area`", body = ErrorEnvelope),
        (status = 404, description = "No such ticket", body = ErrorEnvelope),
        (status = 409, description = "`ticket_closed`: already closed", body = ErrorEnvelope),
))]
#[post("/admin/tickets/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    staff_member: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff_member.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(staff::close(&mut conn, &audit, id.into_inner()).await?))
}
