//! `GET /api/v1/admin/overview`: the admin home's figures.

use actix_web::{get, web, HttpResponse};
use gatehouse_shared::admin_overview::AdminOverview;
use gatehouse_shared::ErrorEnvelope;

use super::staff::Staff;
use crate::error::AppResult;
use crate::state::AppState;

/// Sign-ups over 30 days, accounts by status, subscriptions, MRR, failed payments,
/// capacity per product, jobs, the webhook inbox and open tickets.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures, from Gatehouse's own tables", body = AdminOverview),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
    ))]
#[get("/admin/overview")]
pub async fn overview(state: web::Data<AppState>, _staff: Staff) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let figures = crate::admin::overview::overview(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(figures))
}
