//! `POST /api/v1/auth/login|refresh|logout` and `GET /.well-known/jwks.json`.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use gatehouse_shared::auth::{
    ChangePasswordRequest, CodeRequest, CodeVerifyRequest, ForgotPasswordRequest, LoginRequest,
    LogoutRequest, RefreshRequest, RegisterAccepted, RegisterRequest, ResendVerificationRequest,
    ResetPasswordRequest, StatusResponse, TokenResponse, VerifyEmailRequest,
};
use gatehouse_shared::mfa::SignInResponse;
use gatehouse_shared::ErrorEnvelope;

use super::authn::Authenticated;
use super::client_ip::client_address;
use super::json::Json;
use crate::error::{AppError, AppResult};
use crate::identity::keys::Jwks;
use crate::identity::login::authenticate;
use crate::identity::sessions::{self, Issued};
use crate::identity::sign_in::{self, FirstFactorDone};
use crate::identity::throttle::{self, Attempt};
use crate::identity::{code_login, passwords, register as signup, verify_email};
use crate::state::AppState;

/// The refresh-token cookie: httpOnly, Secure, SameSite=Strict, only sent to auth routes.
pub const REFRESH_COOKIE: &str = "gatehouse_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";

pub(crate) fn token_response(state: &AppState, issued: Issued, use_cookie: bool) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header(("cache-control", "no-store"));
    let refresh_token = if use_cookie {
        response.cookie(refresh_cookie(state, issued.refresh_token));
        None
    } else {
        Some(issued.refresh_token)
    };
    response.json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".to_owned(),
        expires_in: issued.expires_in,
        refresh_token,
    })
}

/// Tokens, or the challenge a second factor completes.
pub(crate) fn sign_in_response(
    state: &AppState,
    done: FirstFactorDone,
    use_cookie: bool,
) -> HttpResponse {
    match done {
        FirstFactorDone::SignedIn(issued) => token_response(state, issued, use_cookie),
        FirstFactorDone::MfaRequired(challenge) => HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(SignInResponse::MfaRequired(challenge)),
    }
}

/// The refresh token as the SPA keeps it: a cookie JavaScript cannot read.
pub(crate) fn refresh_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let max_age = time::Duration::seconds(state.sessions.refresh_ttl.as_secs() as i64);
    Cookie::build(REFRESH_COOKIE, token)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

fn cleared_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(REFRESH_COOKIE, "")
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// The refresh token from the body, else from the cookie.
fn presented(req: &HttpRequest, from_body: Option<String>) -> Option<String> {
    from_body
        .filter(|token| !token.is_empty())
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .filter(|token| token.len() <= 256)
}

/// Signs up: creates the user and their personal account and emails a verification
/// link. The answer is the same when the address is already registered (its owner gets
/// an email instead), so it never reveals who has an account.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Verification email sent (or the owner told)", body = RegisterAccepted),
        (status = 422, description = "Invalid fields, a common password, or a taken username", body = ErrorEnvelope),
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    signup::register(&mut conn, &state.public_url, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(RegisterAccepted {
        status: "verification_sent".to_owned(),
    }))
}

/// Confirms an email address with the secret from the emailed link.
#[utoipa::path(
    tag = "auth",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "`{\"status\": \"verified\"}`", body = StatusResponse),
        (status = 400, description = "`invalid_or_expired_link`", body = ErrorEnvelope),
    )
)]
#[post("/auth/email/verify")]
pub async fn verify_email_address(
    state: web::Data<AppState>,
    body: Json<VerifyEmailRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    verify_email::verify(&mut conn, &body.into_inner().token).await?;
    Ok(HttpResponse::Ok().json(StatusResponse {
        status: "verified".to_owned(),
    }))
}

/// Sends a new verification link if the address awaits verification (at most once a
/// minute). Answered the same for every address.
#[utoipa::path(
    tag = "auth",
    request_body = ResendVerificationRequest,
    responses((status = 202, description = "`{\"status\": \"sent_if_pending\"}`", body = StatusResponse))
)]
#[post("/auth/email/resend")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    body: Json<ResendVerificationRequest>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    verify_email::resend(&mut conn, &state.public_url, &body.into_inner().email).await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "sent_if_pending".to_owned(),
    }))
}

/// Emails a link to choose a new password, if the address has an account. Answered the
/// same for every address.
#[utoipa::path(
    tag = "auth",
    request_body = ForgotPasswordRequest,
    responses((status = 202, description = "`{\"status\": \"sent_if_registered\"}`", body = StatusResponse))
)]
#[post("/auth/password/forgot")]
pub async fn forgot_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ForgotPasswordRequest>,
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
    passwords::forgot(&mut conn, &state.public_url, &body.email).await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "sent_if_registered".to_owned(),
    }))
}

/// Sets a new password with the secret from the emailed link. Every session ends.
#[utoipa::path(
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "`{\"status\": \"password_reset\"}`", body = StatusResponse),
        (status = 400, description = "`invalid_or_expired_link`", body = ErrorEnvelope),
        (status = 422, description = "The new password is not acceptable", body = ErrorEnvelope),
    )
)]
#[post("/auth/password/reset")]
pub async fn reset_password(
    state: web::Data<AppState>,
    body: Json<ResetPasswordRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut conn = state.pool.get().await?;
    passwords::reset(&mut conn, &body.token, &body.password).await?;
    Ok(HttpResponse::Ok().json(StatusResponse {
        status: "password_reset".to_owned(),
    }))
}

/// Changes the password (needs the current one). Other sessions end; this one stays.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 422, description = "Wrong current password, or the new one is not acceptable", body = ErrorEnvelope),
    )
)]
#[post("/auth/password/change")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::PasswordChange,
        client_address(&req),
        &caller.user.username,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    passwords::change(
        &mut conn,
        caller.user.id,
        caller.session_id,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Emails a 6-digit sign-in code, if the address has an account (at most once a
/// minute). Answered the same for every address.
#[utoipa::path(
    tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 202, description = "`{\"status\": \"sent_if_registered\"}`", body = StatusResponse),
        (status = 429, description = "Too many requests from this address", body = ErrorEnvelope),
    )
)]
#[post("/auth/code/request")]
pub async fn request_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<CodeRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::CodeRequest,
        client_address(&req),
        &body.email,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    code_login::request(&mut conn, &body.email).await?;
    Ok(HttpResponse::Accepted().json(StatusResponse {
        status: "sent_if_registered".to_owned(),
    }))
}

/// Signs in with an emailed code. Five wrong codes use the code up.
#[utoipa::path(
    tag = "auth",
    request_body = CodeVerifyRequest,
    responses(
        (status = 200, description = "Signed in, or (two-factor authentication on) a challenge for `auth/mfa/verify`", body = SignInResponse),
        (status = 401, description = "`invalid_credentials`: wrong, used, expired or exhausted code", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts from this address", body = ErrorEnvelope),
    )
)]
#[post("/auth/code/verify")]
pub async fn verify_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<CodeVerifyRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::CodeVerify,
        client_address(&req),
        &body.email,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let (user_id, account_id) = code_login::verify(&mut conn, &body.email, &body.code).await?;
    let done = sign_in::after_first_factor(&mut conn, &state, user_id, account_id).await?;
    Ok(sign_in_response(&state, done, body.use_cookie))
}

/// Signs in with email or username and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in, or (two-factor authentication on) a challenge for `auth/mfa/verify`", body = SignInResponse),
        (status = 401, description = "`invalid_credentials`, whatever was wrong", body = ErrorEnvelope),
        (status = 422, description = "Malformed fields", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts from this address (for this account); see `Retry-After`", body = ErrorEnvelope),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    throttle::attempt(
        &state.limiter,
        Attempt::SignIn,
        client_address(&req),
        &body.login,
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let (user_id, account_id) = authenticate(&mut conn, &body.login, &body.password).await?;
    let done = sign_in::after_first_factor(&mut conn, &state, user_id, account_id).await?;
    Ok(sign_in_response(&state, done, body.use_cookie))
}

/// Exchanges a refresh token (body or cookie) for a new access and refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the presented refresh token is used up", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused token", body = ErrorEnvelope),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let use_cookie =
        body.use_cookie || req.cookie(REFRESH_COOKIE).is_some() && body.refresh_token.is_none();
    let token = presented(&req, body.refresh_token).ok_or(AppError::Unauthorized)?;
    let mut conn = state.pool.get().await?;
    let issued = sessions::refresh(&mut conn, &state.keys, &state.sessions, &token).await?;
    Ok(token_response(&state, issued, use_cookie))
}

/// Ends this session, or every session of the user (`everywhere`).
#[utoipa::path(
    tag = "auth",
    request_body = LogoutRequest,
    responses((status = 204, description = "Signed out (also when the token was unknown)"))
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LogoutRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    if let Some(token) = presented(&req, body.refresh_token) {
        let mut conn = state.pool.get().await?;
        sessions::logout(&mut conn, &token, body.everywhere).await?;
    }
    Ok(HttpResponse::NoContent().cookie(cleared_cookie()).finish())
}

/// The public keys that verify access tokens (RFC 7517).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "Current and recently retired Ed25519 keys", body = Jwks))
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let jwks = state.keys.jwks().await.map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(jwks))
}
