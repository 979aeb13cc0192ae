//! `/api/v1/admin/accounts` (search, one account with everything about it, suspend,
//! reactivate, re-sync) and `/api/v1/admin/users/{id}/…` (end sessions, resend verification,
//! send a password reset): staff running customers' accounts. Every change is audited.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::admin_accounts::{
    AccountResync, AdminAccount, AdminAccountDetail, AdminAccountPage, StaffReason, UserActionDone,
    ViewAs, ViewAsToken,
};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;
use uuid::Uuid;

use super::json::Json;
use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::accounts::{self, UserAction};
use crate::admin::audit::Audit;
use crate::error::AppResult;
use crate::state::AppState;

/// Search and paging, all optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// Part of the account's name, a member's email, username or last name; or a Stripe
    /// customer id or account id, exactly.
    pub q: Option<String>,
    /// One status: `trial`, `active`, `past_due`, `pending_payment`, `suspended`,
    /// `cancelled`.
    pub status: Option<String>,
    /// Order: `newest` (created, the default), `oldest`, `name` or `status` (then name).
    pub sort: Option<String>,
    /// From 1 (default 1).
    pub page: Option<i64>,
    /// 1–100 (default 25).
    pub per_page: Option<i64>,
}

const FORBIDDEN: &str = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)";

/// Accounts matching the search, in the order asked for (newest first by default).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AccountsQuery),
    responses(
        (status = 200, description = "A page, with the total matching", body = AdminAccountPage),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 422, description = "`fields.status` or `fields.sort`", body = ErrorEnvelope),
    ))]
#[get("/admin/accounts")]
pub async fn search(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<AccountsQuery>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let page = accounts::search(
        &mut conn,
        query.q.as_deref(),
        query.status.as_deref().filter(|s| !s.is_empty()),
        query.sort.as_deref().filter(|s| !s.is_empty()),
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(25),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(page))
}

/// One account: members (verification, two-factor, sessions, seats), billing, payments,
/// bank transfers, orders, credits, trial and status history.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Everything about it", body = AdminAccountDetail),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    ))]
#[get("/admin/accounts/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let detail = accounts::detail(&mut conn, &state.billing, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(detail))
}

/// Suspends the account with a hold that billing does not lift: no entitlements, keys
/// refused (403 `account_suspended`), seats released after the grace period.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = StaffReason,
    responses(
        (status = 200, description = "Suspended", body = AdminAccount),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 409, description = "`already_suspended`, or `status_transition_refused` (a cancelled account)", body = ErrorEnvelope),
        (status = 422, description = "`fields.reason`", body = ErrorEnvelope),
    ))]
#[post("/admin/accounts/{id}/suspend")]
pub async fn suspend(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<StaffReason>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let account = accounts::suspend(&mut conn, &audit, id.into_inner(), &body.0).await?;
    Ok(HttpResponse::Ok().json(account))
}

/// Lifts a staff suspension: the status follows billing again (active, past due, …).
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = StaffReason,
    responses(
        (status = 200, description = "Reactivated", body = AdminAccount),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 409, description = "`not_suspended_by_staff`", body = ErrorEnvelope),
        (status = 422, description = "`fields.reason`", body = ErrorEnvelope),
    ))]
#[post("/admin/accounts/{id}/reactivate")]
pub async fn reactivate(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<StaffReason>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let account =
        accounts::reactivate(&mut conn, &state.billing, &audit, id.into_inner(), &body.0).await?;
    Ok(HttpResponse::Ok().json(account))
}

/// Re-syncs what the account is entitled to: its subscriptions are read again from
/// Stripe (by jobs), its status is settled again (unless staff suspended it) and its
/// seats are fulfilled again.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = StaffReason,
    responses(
        (status = 200, description = "Re-sync started", body = AccountResync),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 422, description = "`fields.reason`", body = ErrorEnvelope),
    ))]
#[post("/admin/accounts/{id}/resync")]
pub async fn resync(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<StaffReason>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let done =
        accounts::resync(&mut conn, &state.billing, &audit, id.into_inner(), &body.0).await?;
    Ok(HttpResponse::Ok().json(done))
}

async fn act(
    state: &AppState,
    staff: &Staff,
    request_id: RequestId,
    user_id: Uuid,
    action: UserAction,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let done = accounts::act_on_user(&mut conn, &state.public_url, &audit, user_id, action).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// Ends every sign-in of the person (their access tokens run out within minutes).
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user")),
    responses(
        (status = 200, description = "Ended", body = UserActionDone),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
#[post("/admin/users/{id}/sessions/revoke")]
pub async fn revoke_sessions(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    act(
        &state,
        &staff,
        request_id,
        id.into_inner(),
        UserAction::RevokeSessions,
    )
    .await
}

/// Emails the person a new verification link.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user")),
    responses(
        (status = 200, description = "Asked for", body = UserActionDone),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such user", body = ErrorEnvelope),
        (status = 409, description = "`already_verified`", body = ErrorEnvelope),
    ))]
#[post("/admin/users/{id}/verification-email")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    act(
        &state,
        &staff,
        request_id,
        id.into_inner(),
        UserAction::ResendVerification,
    )
    .await
}

/// Emails the person a link to choose a new password.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user")),
    responses(
        (status = 200, description = "Asked for", body = UserActionDone),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
#[post("/admin/users/{id}/password-reset")]
pub async fn password_reset(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    act(
        &state,
        &staff,
        request_id,
        id.into_inner(),
        UserAction::SendPasswordReset,
    )
    .await
}

/// A read-only token to see the account as one of its members sees it (its first owner
/// by default), for ten minutes, without refresh; every change made with it is refused
/// with 403 `read_only_session`, and it never opens the admin area. Audited.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = ViewAs,
    responses(
        (status = 200, description = "The read-only token", body = ViewAsToken),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = FORBIDDEN, body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 422, description = "`fields.user_id`: not a member", body = ErrorEnvelope),
    ))]
#[post("/admin/accounts/{id}/view-as")]
pub async fn view_as(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<ViewAs>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let token = accounts::view_as(
        &mut conn,
        &state.keys,
        &state.sessions,
        &audit,
        id.into_inner(),
        &body.0,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(token))
}
