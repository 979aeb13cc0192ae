//! `/api/v1/admin/waitlist`: staff list the waitlist, export it as CSV and invite people.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::onboarding::{WaitlistEntry, WaitlistPage};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::error::AppResult;
use crate::onboarding::waitlist;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WaitlistQuery {
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// Entries to skip (oldest first), default 0.
    pub offset: Option<i64>,
}

/// Everyone waiting, oldest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(WaitlistQuery),
    responses(
        (status = 200, description = "Oldest first, with the total", body = WaitlistPage),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
    )
)]
#[get("/admin/waitlist")]
pub async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<WaitlistQuery>,
) -> AppResult<HttpResponse> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let offset = query.offset.unwrap_or(0).max(0);
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(waitlist::page(&mut conn, limit, offset).await?))
}

/// The whole waitlist as CSV (`email,name,product,joined_at,invited_at`).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "CSV with a header row", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
    )
)]
#[get("/admin/waitlist.csv")]
pub async fn export(state: web::Data<AppState>, _staff: Staff) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let body = waitlist::csv(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"waitlist.csv\"",
        ))
        .insert_header(("cache-control", "no-store"))
        .body(body))
}

/// Emails the person an invitation to sign up and records when.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The waitlist entry")),
    responses(
        (status = 200, description = "Invited (again, if already)", body = WaitlistEntry),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such entry", body = ErrorEnvelope),
    )
)]
#[post("/admin/waitlist/{id}/invite")]
pub async fn invite(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let entry = audit
        .audited(
            &mut conn,
            "waitlist.invited",
            "waitlist_entry",
            |entry: &WaitlistEntry| entry.id.to_string(),
            None,
            async |tx| waitlist::invite(tx, &state.public_url, *id).await,
        )
        .await?;
    Ok(HttpResponse::Ok().json(entry))
}
