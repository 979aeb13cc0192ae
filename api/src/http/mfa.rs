//! `POST /api/v1/auth/mfa/totp/setup|confirm|disable` and `POST /api/v1/auth/mfa/verify`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use gatehouse_shared::auth::TokenResponse;
use gatehouse_shared::mfa::{
    MfaVerifyRequest, RecoveryCodes, TotpConfirmRequest, TotpDisableRequest, TotpSetupResponse,
};
use gatehouse_shared::ErrorEnvelope;

use super::auth::token_response;
use super::authn::Authenticated;
use super::client_ip::client_address;
use super::json::Json;
use crate::error::AppResult;
use crate::identity::throttle::{self, Attempt};
use crate::identity::{mfa, sign_in};
use crate::state::AppState;

/// An empty JSON object: setup takes no input.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Starts two-factor enrolment: a new secret for an authenticator app, as text, URI and
/// QR code. Sign-in is unchanged until `confirm`.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = Empty,
    responses(
        (status = 200, description = "A new secret (replaces an unconfirmed one)", body = TotpSetupResponse),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 409, description = "`mfa_already_enabled`", body = ErrorEnvelope),
    )
)]
#[post("/auth/mfa/totp/setup")]
pub async fn totp_setup(
    state: web::Data<AppState>,
    caller: Authenticated,
    _body: Json<Empty>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let setup = mfa::setup(&mut conn, &state.mfa, &caller.user).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(setup))
}

/// Turns two-factor authentication on with a current code from the app; answers the
/// recovery codes, which are shown this once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = TotpConfirmRequest,
    responses(
        (status = 200, description = "On; keep these recovery codes", body = RecoveryCodes),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 409, description = "`mfa_already_enabled`, or `mfa_setup_missing`", body = ErrorEnvelope),
        (status = 422, description = "Not the current code (`fields.code`)", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts", body = ErrorEnvelope),
    )
)]
#[post("/auth/mfa/totp/confirm")]
pub async fn totp_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<TotpConfirmRequest>,
) -> AppResult<HttpResponse> {
    throttle::attempt(
        &state.limiter,
        Attempt::MfaCode,
        client_address(&req),
        &caller.user.id.to_string(),
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let codes = mfa::confirm(&mut conn, caller.user.id, &body.into_inner().code).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(codes))
}

/// Turns two-factor authentication off: needs the password (or, for people without
/// one, a current app code). The recovery codes go too.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = TotpDisableRequest,
    responses(
        (status = 204, description = "Off (also when it was not on)"),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 422, description = "Wrong password (`fields.password`) or code (`fields.code`)", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts", body = ErrorEnvelope),
    )
)]
#[post("/auth/mfa/totp/disable")]
pub async fn totp_disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<TotpDisableRequest>,
) -> AppResult<HttpResponse> {
    throttle::attempt(
        &state.limiter,
        Attempt::PasswordChange,
        client_address(&req),
        &caller.user.username,
    )
    .await?;
    let body = body.into_inner();
    let mut conn = state.pool.get().await?;
    mfa::disable(&mut conn, &caller.user, body.password, body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Completes a sign-in that answered `mfa_required`, with a code from the app or an
/// unused recovery code. Five wrong codes close the challenge.
#[utoipa::path(
    tag = "auth",
    request_body = MfaVerifyRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "`invalid_credentials`: wrong code, or the challenge is unknown, used, expired or closed", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts from this address", body = ErrorEnvelope),
    )
)]
#[post("/auth/mfa/verify")]
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<MfaVerifyRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let challenge_key: String = body.mfa_token.chars().take(16).collect();
    throttle::attempt(
        &state.limiter,
        Attempt::MfaCode,
        client_address(&req),
        &challenge_key,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let user = mfa::verify(&mut conn, &body.mfa_token, &body.code).await?;
    let issued = sign_in::after_second_factor(&mut conn, &state, user.id).await?;
    Ok(token_response(&state, issued, body.use_cookie))
}
