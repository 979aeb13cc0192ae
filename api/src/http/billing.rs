//! `GET /api/v1/billing/subscription` and `GET /api/v1/billing/payments`: the account's
//! billing as the local cache knows it (kept current by Stripe's webhooks).

use actix_web::{get, web, HttpResponse};
use gatehouse_shared::billing::{BillingOverview, Payments};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::authn::Authenticated;
use crate::billing::overview;
use crate::db::{identity as users, Conn};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Roles that see and manage an account's billing.
const BILLING_ROLES: [&str; 3] = ["owner", "admin", "billing"];

async fn may_see_billing(conn: &mut Conn, caller: &Authenticated) -> AppResult<()> {
    let role = users::role_in(conn, caller.user.id, caller.account_id).await?;
    if role
        .as_deref()
        .is_some_and(|role| BILLING_ROLES.contains(&role))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "forbidden",
            message: "Billing is for the account's owners, admins and billing members.".to_owned(),
        })
    }
}

/// The account's status, its subscription and what it may use now.
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "From the local cache", body = BillingOverview),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: not an owner, admin or billing member", body = ErrorEnvelope),
    )
)]
#[get("/billing/subscription")]
pub async fn subscription(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    may_see_billing(&mut conn, &caller).await?;
    let view = overview::overview(&mut conn, &state.billing, caller.account_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PaymentsQuery {
    /// 1–100, default 24.
    pub limit: Option<i64>,
}

/// The account's invoices, newest first.
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    params(PaymentsQuery),
    responses(
        (status = 200, description = "Newest first", body = Payments),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
    )
)]
#[get("/billing/payments")]
pub async fn payments(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<PaymentsQuery>,
) -> AppResult<HttpResponse> {
    let limit = query.limit.unwrap_or(24).clamp(1, 100);
    let mut conn = state.pool.get().await?;
    may_see_billing(&mut conn, &caller).await?;
    let view = overview::payments(&mut conn, caller.account_id, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}
