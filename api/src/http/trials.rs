//! `GET|POST /api/v1/accounts/{id}/trial`: the free trial an account may start, and
//! starting it. For people (a session): members read, owners, admins and billing members
//! start.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::plans::{StartTrial, Trial, TrialOffer};
use gatehouse_shared::ErrorEnvelope;
use uuid::Uuid;

use super::authn::Authenticated;
use super::json::Json;
use super::observe::RequestId;
use crate::accounts::{teams, trials};
use crate::admin::audit::Audit;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The plans offering a free trial, whether this account may start one, and the trial it
/// had.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "The offer", body = TrialOffer),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
    ))]
#[get("/accounts/{id}/trial")]
pub async fn offer(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    teams::role_of(&mut conn, caller.user.id, account_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(trials::offer(&mut conn, account_id).await?))
}

/// Starts the account's free trial (once per account, only before it ever subscribed):
/// the account moves to `trial` with the plan's entitlements and trial credits until the
/// trial ends. Sign in again (or refresh) for a token carrying them. Convert with
/// `POST billing/checkout`.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = StartTrial,
    responses(
        (status = 201, description = "Started", body = Trial),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: members and admins-only roles", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
        (status = 409, description = "`trial_unavailable`: had one, has subscribed, or no plan offers one", body = ErrorEnvelope),
        (status = 422, description = "`fields.plan`: not a plan with a trial", body = ErrorEnvelope),
    ))]
#[post("/accounts/{id}/trial")]
pub async fn start(
    state: web::Data<AppState>,
    caller: Authenticated,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<StartTrial>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let role = teams::role_of(&mut conn, caller.user.id, account_id).await?;
    if !matches!(role.as_str(), "owner" | "admin" | "billing") {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: "Starting a trial is for the account's owners, admins and billing members."
                .to_owned(),
        });
    }
    let audit = Audit::user(caller.user.id, Some(request_id.0));
    let trial = trials::start(&mut conn, account_id, &audit, &body.0).await?;
    Ok(HttpResponse::Created().json(trial))
}
