//! `GET /api/v1/billing/subscription` and `GET /api/v1/billing/payments`: the account's
//! billing as the local cache knows it (kept current by Stripe's webhooks).

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::auth::StatusResponse;
use gatehouse_shared::billing::{
    BillingOverview, ChangePlanRequest, CheckoutRequest, CheckoutStarted, Payments,
    PlanChangePreview, PortalSession,
};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::authn::{AccountCaller, Authenticated};
use super::json::Json;
use crate::accounts::api_keys::Area;
use crate::billing::{checkout, overview};
use crate::db::{identity as users, Conn};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Roles that see and manage an account's billing.
const BILLING_ROLES: [&str; 3] = ["owner", "admin", "billing"];

/// Owners, admins and billing members see and manage billing; an API key needs a scope
/// that covers billing (a write for `write`).
async fn may_use_billing(conn: &mut Conn, caller: &AccountCaller, write: bool) -> AppResult<()> {
    caller.require(Area::Billing, write)?;
    match caller.person() {
        Some(person) => may_see_billing(conn, person).await,
        None => Ok(()),
    }
}

/// [`may_use_billing`] on a connection given back at once: what follows calls Stripe,
/// which must never hold a pooled connection.
async fn may_use_billing_now(
    state: &AppState,
    caller: &AccountCaller,
    write: bool,
) -> AppResult<()> {
    may_use_billing(&mut *state.pool.get().await?, caller, write).await
}

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
        (status = 403, description = "`forbidden`: not an owner, admin or billing member; `insufficient_scope` or `account_<status>` for an API key", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
    )
)]
#[get("/billing/subscription")]
pub async fn subscription(
    state: web::Data<AppState>,
    caller: AccountCaller,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    may_use_billing(&mut conn, &caller, false).await?;
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
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
    )
)]
#[get("/billing/payments")]
pub async fn payments(
    state: web::Data<AppState>,
    caller: AccountCaller,
    query: web::Query<PaymentsQuery>,
) -> AppResult<HttpResponse> {
    let limit = query.limit.unwrap_or(24).clamp(1, 100);
    let mut conn = state.pool.get().await?;
    may_use_billing(&mut conn, &caller, false).await?;
    let view = overview::payments(&mut conn, caller.account_id, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}

/// Starts Stripe Checkout for a plan's price. Nothing changes here until Stripe confirms
/// the payment; the billing page then shows the subscription.
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    request_body = CheckoutRequest,
    responses(
        (status = 200, description = "Send the customer to `url`", body = CheckoutStarted),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 409, description = "`already_subscribed`: change the plan instead", body = ErrorEnvelope),
        (status = 422, description = "`fields.price_id`: not a plan's active price", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable; nothing was charged", body = ErrorEnvelope),
    )
)]
#[post("/billing/checkout")]
pub async fn start_checkout(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<CheckoutRequest>,
) -> AppResult<HttpResponse> {
    // Checked on a connection given back before Stripe is called.
    may_see_billing(&mut *state.pool.get().await?, &caller).await?;
    let name = format!("{} {}", caller.user.first_name, caller.user.last_name);
    let (session_id, url) = checkout::start(
        &state.pool,
        state.stripe.as_ref(),
        &state.public_url,
        &checkout::Buyer {
            account_id: caller.account_id,
            email: &caller.user.email,
            name: name.trim(),
        },
        body.into_inner().price_id.0,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(CheckoutStarted { session_id, url }))
}

/// Opens Stripe's Customer Portal (payment methods, invoices, cancellation).
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Send the customer to `url`", body = PortalSession),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
        (status = 409, description = "`no_billing_account`: never subscribed", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable", body = ErrorEnvelope),
    )
)]
#[post("/billing/portal")]
pub async fn portal(state: web::Data<AppState>, caller: AccountCaller) -> AppResult<HttpResponse> {
    may_use_billing_now(&state, &caller, true).await?;
    let url = checkout::portal(
        &state.pool,
        state.stripe.as_ref(),
        &state.public_url,
        caller.account_id,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(PortalSession { url }))
}

async fn cancel_at_period_end(
    state: &AppState,
    caller: &AccountCaller,
    cancel: bool,
) -> AppResult<HttpResponse> {
    may_use_billing_now(state, caller, true).await?;
    checkout::set_cancel_at_period_end(
        &state.pool,
        state.stripe.as_ref(),
        caller.account_id,
        cancel,
    )
    .await?;
    tracing::info!(account.id = %caller.account_id, by_key = caller.person().is_none(), cancel, "cancellation at period end changed");
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: if cancel {
            "cancellation_requested"
        } else {
            "resume_requested"
        }
        .to_owned(),
    }))
}

/// Ends the subscription at the end of the paid period (Stripe confirms by webhook).
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "`{\"status\": \"cancellation_requested\"}`", body = StatusResponse),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
        (status = 409, description = "`no_subscription`", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable", body = ErrorEnvelope),
    )
)]
#[post("/billing/subscription/cancel")]
pub async fn cancel_subscription(
    state: web::Data<AppState>,
    caller: AccountCaller,
) -> AppResult<HttpResponse> {
    cancel_at_period_end(&state, &caller, true).await
}

/// Keeps a subscription that was set to end at the period's end.
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "`{\"status\": \"resume_requested\"}`", body = StatusResponse),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
        (status = 409, description = "`no_subscription`", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable", body = ErrorEnvelope),
    )
)]
#[post("/billing/subscription/resume")]
pub async fn resume_subscription(
    state: web::Data<AppState>,
    caller: AccountCaller,
) -> AppResult<HttpResponse> {
    cancel_at_period_end(&state, &caller, false).await
}

/// Moves the subscription to another plan (upgrade or downgrade); the difference is
/// prorated and invoiced at once. With `preview: true` only prices the change.
#[utoipa::path(
    tag = "billing",
    security(("bearer" = [])),
    request_body = ChangePlanRequest,
    responses(
        (status = 200, description = "The preview (nothing changed)", body = PlanChangePreview),
        (status = 202, description = "`{\"status\": \"change_requested\"}`: Stripe confirms by webhook", body = StatusResponse),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
        (status = 409, description = "`no_subscription`", body = ErrorEnvelope),
        (status = 422, description = "`fields.price_id`: not a plan's price, or the current one", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable", body = ErrorEnvelope),
    )
)]
#[post("/billing/subscription/change")]
pub async fn change_plan(
    state: web::Data<AppState>,
    caller: AccountCaller,
    body: Json<ChangePlanRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    may_use_billing_now(&state, &caller, !body.preview).await?;
    let change = checkout::change_plan(
        &state.pool,
        state.stripe.as_ref(),
        caller.account_id,
        body.price_id.0,
        body.preview,
    )
    .await?;
    Ok(match change {
        checkout::PlanChange::Preview(preview) => HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(preview),
        checkout::PlanChange::Requested => {
            tracing::info!(account.id = %caller.account_id, "plan change requested");
            HttpResponse::Accepted().json(StatusResponse {
                status: "change_requested".to_owned(),
            })
        }
    })
}
