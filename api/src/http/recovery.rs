//! `/api/v1/recovery/*`: getting back in after a cancellation or a failed payment.

use actix_web::{post, web, HttpRequest, HttpResponse};
use gatehouse_shared::auth::StatusResponse;
use gatehouse_shared::recovery::{
    RecoveryCheckoutRequest, RecoveryCodeRequest, RecoveryGranted, RecoveryPayment,
    RecoveryVerifyRequest,
};
use gatehouse_shared::ErrorEnvelope;

use super::client_ip::client_address;
use super::json::Json;
use crate::error::AppResult;
use crate::identity::throttle::{self, Attempt};
use crate::recovery;
use crate::state::AppState;

/// Emails a recovery code to the account's address (the same answer whoever asks; at
/// most one code a minute).
#[utoipa::path(
    tag = "recovery",
    request_body = RecoveryCodeRequest,
    responses(
        (status = 202, description = "`{\"status\": \"sent_if_known\"}`", body = StatusResponse),
        (status = 429, description = "Too many requests from this address", body = ErrorEnvelope),
    )
)]
#[post("/recovery/code")]
pub async fn request_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RecoveryCodeRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::CodeRequest,
        client_address(&req),
        &body.login,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    recovery::request_code(&mut conn, &body.login).await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "sent_if_known".to_owned(),
    }))
}

/// Checks the code: a token to pay with, and what the account had.
#[utoipa::path(
    tag = "recovery",
    request_body = RecoveryVerifyRequest,
    responses(
        (status = 200, description = "The account can be recovered", body = RecoveryGranted),
        (status = 409, description = "`already_active` (sign in as usual) or `beyond_retention`", body = ErrorEnvelope),
        (status = 422, description = "`fields.code`: wrong, used up or expired", body = ErrorEnvelope),
        (status = 429, description = "Too many tries from this address", body = ErrorEnvelope),
    )
)]
#[post("/recovery/code/verify")]
pub async fn verify_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RecoveryVerifyRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::CodeVerify,
        client_address(&req),
        &body.login,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let granted =
        recovery::verify(&mut conn, state.billing.retention, &body.login, &body.code).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(granted))
}

/// Where to pay: a Checkout for what the account had, or the Customer Portal to pay a
/// subscription that still stands unpaid. Access returns with Stripe's webhook.
#[utoipa::path(
    tag = "recovery",
    request_body = RecoveryCheckoutRequest,
    responses(
        (status = 200, description = "Send the browser to `url`", body = RecoveryPayment),
        (status = 409, description = "`already_active`, `beyond_retention`, `nothing_to_recover` or `plan_unavailable`", body = ErrorEnvelope),
        (status = 422, description = "`fields.recovery_token` expired", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable; nothing was charged", body = ErrorEnvelope),
    )
)]
#[post("/recovery/checkout")]
pub async fn checkout(
    state: web::Data<AppState>,
    body: Json<RecoveryCheckoutRequest>,
) -> AppResult<HttpResponse> {
    let payment = recovery::checkout(
        &state.pool,
        state.stripe.as_ref(),
        &state.billing,
        &body.into_inner().recovery_token,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(payment))
}
