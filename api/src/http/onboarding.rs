//! `/api/v1/onboarding/*`: the sign-up wizard's API (check, prove the address, pay,
//! wait for the account) and `POST /api/v1/waitlist`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use gatehouse_shared::auth::StatusResponse;
use gatehouse_shared::billing::CheckoutStarted;
use gatehouse_shared::onboarding::{
    EmailCodeRequest, EmailCodeVerifyRequest, EmailProved, OnboardingCheckoutRequest,
    OnboardingStatus, ResendPasswordRequest, ValidateRequest, Validation, WaitlistJoined,
    WaitlistRequest,
};
use gatehouse_shared::ErrorEnvelope;

use super::client_ip::client_address;
use super::json::Json;
use crate::error::AppResult;
use crate::identity::passwords::email_password_link;
use crate::identity::throttle::{self, Attempt};
use crate::mail::templates;
use crate::onboarding::{availability, checkout, email_proof, status, waitlist};
use crate::state::AppState;

fn no_store(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(body)
}

/// Is the username free, is the address usable (and does it have an account)? Only the
/// fields sent are answered. Rate-limited per client address.
#[utoipa::path(
    tag = "onboarding",
    request_body = ValidateRequest,
    responses(
        (status = 200, description = "One answer per field sent", body = Validation),
        (status = 429, description = "Too many checks from this address", body = ErrorEnvelope),
    )
)]
#[post("/onboarding/validate")]
pub async fn validate(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ValidateRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::SignUpCheck,
        client_address(&req),
        "",
    )
    .await?;
    let mut conn = state.pool.get().await?;
    Ok(no_store(availability::check(&mut conn, &body).await?))
}

/// Emails a 6-digit code proving the address (at most one a minute per address; the
/// answer is the same either way).
#[utoipa::path(
    tag = "onboarding",
    request_body = EmailCodeRequest,
    responses(
        (status = 202, description = "`{\"status\": \"sent\"}`", body = StatusResponse),
        (status = 422, description = "`fields.email`", body = ErrorEnvelope),
        (status = 429, description = "Too many codes asked for from this address", body = ErrorEnvelope),
    )
)]
#[post("/onboarding/email-code")]
pub async fn email_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<EmailCodeRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::SignUpCode,
        client_address(&req),
        &body.email,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    email_proof::send_code(&mut conn, &body.email).await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "sent".to_owned(),
    }))
}

/// Checks the code with who is signing up; returns the token that pays.
#[utoipa::path(
    tag = "onboarding",
    request_body = EmailCodeVerifyRequest,
    responses(
        (status = 200, description = "The address is proved; valid for an hour", body = EmailProved),
        (status = 422, description = "Per field: `code` wrong, used up or expired; `username` taken; names", body = ErrorEnvelope),
        (status = 429, description = "Too many tries from this address", body = ErrorEnvelope),
    )
)]
#[post("/onboarding/email-code/verify")]
pub async fn verify_email_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<EmailCodeVerifyRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::SignUpCodeVerify,
        client_address(&req),
        &body.email,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    Ok(no_store(email_proof::verify(&mut conn, &body).await?))
}

/// A Stripe Checkout for the plan and add-ons, from the catalog's prices only.
#[utoipa::path(
    tag = "onboarding",
    request_body = OnboardingCheckoutRequest,
    responses(
        (status = 200, description = "Send the browser to `url`; nothing exists until Stripe confirms payment", body = CheckoutStarted),
        (status = 422, description = "`fields.onboarding_token` expired; `price_id` or `add_ons[n].…` not on offer", body = ErrorEnvelope),
        (status = 503, description = "Stripe is unavailable; nothing was charged", body = ErrorEnvelope),
    )
)]
#[post("/onboarding/checkout")]
pub async fn start_checkout(
    state: web::Data<AppState>,
    body: Json<OnboardingCheckoutRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let started =
        checkout::start(&state.pool, state.stripe.as_ref(), &state.public_url, &body).await?;
    Ok(no_store(started))
}

/// What the success page polls: `pending` until Stripe's webhook has been applied.
#[utoipa::path(
    tag = "onboarding",
    params(("session_id" = String, Path, description = "Stripe's checkout session id from the success URL")),
    responses(
        (status = 200, description = "Pending, or provisioned with the products", body = OnboardingStatus),
        (status = 404, description = "No sign-up made this checkout", body = ErrorEnvelope),
    )
)]
#[get("/onboarding/checkout/{session_id}")]
pub async fn checkout_status(
    state: web::Data<AppState>,
    session_id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(no_store(status::status(&mut conn, &session_id).await?))
}

/// Another "set your password" email (at most one a minute per address; the same
/// answer for unknown addresses).
#[utoipa::path(
    tag = "onboarding",
    request_body = ResendPasswordRequest,
    responses(
        (status = 202, description = "`{\"status\": \"sent_if_known\"}`", body = StatusResponse),
        (status = 429, description = "Too many requests from this address", body = ErrorEnvelope),
    )
)]
#[post("/onboarding/resend-password")]
pub async fn resend_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ResendPasswordRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::PasswordForgot,
        client_address(&req),
        &body.email,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    email_password_link(
        &mut conn,
        &state.public_url,
        &body.email,
        templates::set_password,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "sent_if_known".to_owned(),
    }))
}

/// Joins the waitlist (once per address; a second time is answered kindly).
#[utoipa::path(
    tag = "onboarding",
    request_body = WaitlistRequest,
    responses(
        (status = 201, description = "`added`: a confirmation email is on its way", body = WaitlistJoined),
        (status = 200, description = "`already_on_list`: nothing changed", body = WaitlistJoined),
        (status = 422, description = "`fields.email`, `name`, `product`", body = ErrorEnvelope),
        (status = 429, description = "Too many requests from this address", body = ErrorEnvelope),
    )
)]
#[post("/waitlist")]
pub async fn join_waitlist(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<WaitlistRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::Waitlist,
        client_address(&req),
        &body.email,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let joined = waitlist::join(&mut conn, &body).await?;
    Ok(if joined.status == "added" {
        HttpResponse::Created().json(joined)
    } else {
        HttpResponse::Ok().json(joined)
    })
}
