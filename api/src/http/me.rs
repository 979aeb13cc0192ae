//! `GET|PATCH|DELETE /api/v1/me` and `GET /api/v1/me/export`.

use actix_web::{delete, get, patch, web, HttpResponse};
use gatehouse_shared::auth::{DeactivateRequest, Me, PersonalDataExport, UpdateMeRequest};
use gatehouse_shared::billing::{Entitlements, MyProducts};
use gatehouse_shared::ErrorEnvelope;

use super::authn::{AccountCaller, Authenticated};
use super::json::Json;
use crate::error::AppResult;
use crate::identity::profile;
use crate::state::AppState;

/// The signed-in user.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "No valid access token, or the user is deactivated", body = ErrorEnvelope),
    )
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Authenticated) -> AppResult<HttpResponse> {
    let me = profile::me(&state.mfa, caller.user, caller.account_id);
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(me))
}

/// Changes the user's names and preferences; any other field is refused.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "The updated user", body = Me),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 422, description = "Too long, or a field that cannot change here", body = ErrorEnvelope),
    )
)]
#[patch("/me")]
pub async fn patch_me(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<UpdateMeRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    profile::update(&mut conn, caller.user.id, body.into_inner()).await?;
    let me = profile::me_now(
        &mut conn,
        &state.mfa,
        caller.user.id,
        caller.session_id,
        caller.account_id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Deactivates the user (needs the password): sign-in, refresh and every access token
/// are refused from then on.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = DeactivateRequest,
    responses(
        (status = 204, description = "Deactivated; every session ended"),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 422, description = "Wrong password", body = ErrorEnvelope),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<DeactivateRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    profile::deactivate(&mut conn, caller.user.id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything Gatehouse holds about the user, as JSON.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Profile, memberships, sessions and emails sent", body = PersonalDataExport),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
    )
)]
#[get("/me/export")]
pub async fn export_me(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let export = profile::export(
        &mut conn,
        &state.mfa,
        caller.user.id,
        caller.session_id,
        caller.account_id,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "content-disposition",
            "attachment; filename=\"gatehouse-export.json\"",
        ))
        .json(export))
}

/// What the account the token acts for may use now.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Entitlements of the active account", body = Entitlements),
        (status = 401, description = "Not signed in (no valid token or API key)", body = ErrorEnvelope),
        (status = 403, description = "`insufficient_scope`, or the key's account may not act", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's requests per minute are spent (`Retry-After`)", body = ErrorEnvelope),
    )
)]
#[get("/me/entitlements")]
pub async fn entitlements(
    state: web::Data<AppState>,
    caller: AccountCaller,
) -> AppResult<HttpResponse> {
    caller.require(crate::accounts::api_keys::Area::Entitlements, false)?;
    let mut conn = state.pool.get().await?;
    let entitlements = crate::billing::overview::entitlements(&mut conn, caller.account_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Entitlements {
            account_id: gatehouse_shared::ids::AccountId(caller.account_id),
            entitlements,
        }))
}

/// The dashboard: the account's products and what needs attention (a failed payment,
/// an unconfirmed address).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Products of the active account's live subscriptions", body = MyProducts),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
    )
)]
#[get("/me/products")]
pub async fn products(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let view = crate::billing::overview::dashboard(
        &mut conn,
        &state.billing,
        caller.account_id,
        caller.user.id,
        caller.user.email_verified_at.is_some(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}
