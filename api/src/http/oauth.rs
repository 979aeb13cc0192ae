//! `GET /api/v1/auth/oauth/providers`, `GET /api/v1/auth/oauth/{provider}/start` and
//! `GET /api/v1/auth/oauth/{provider}/callback`: browser redirects, not JSON (except the
//! provider list and a 404 for unknown providers).

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use gatehouse_shared::oauth::OAuthProviders;
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::auth::refresh_cookie;
use crate::error::{AppError, AppResult};
use crate::identity::oauth::{self, Callback};
use crate::identity::sign_in::{self, FirstFactorDone};
use crate::state::AppState;

/// Binds an authorization request to the browser that started it. Lax, because the
/// provider sends the browser back with a cross-site top-level GET.
const STATE_COOKIE: &str = "gatehouse_oauth_state";
const STATE_COOKIE_PATH: &str = "/api/v1/auth/oauth";

fn state_cookie(value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(STATE_COOKIE, value)
        .path(STATE_COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

fn redirect(location: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Found();
    response
        .insert_header((header::LOCATION, location.to_owned()))
        .insert_header(("cache-control", "no-store"));
    response
}

/// The sign-in providers this installation offers.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "Configured providers (maybe none)", body = OAuthProviders))
)]
#[get("/auth/oauth/providers")]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=60"))
        .json(OAuthProviders {
            providers: state.oauth.names(),
        })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StartQuery {
    /// A path on this site to continue to after signing in (default `/account`).
    pub next: Option<String>,
}

/// Starts signing in with a provider: redirects the browser to it.
#[utoipa::path(
    tag = "auth",
    params(("provider" = String, Path, description = "`google` or `github`"), StartQuery),
    responses(
        (status = 302, description = "To the provider's authorization page (PKCE S256, state bound to this browser by a cookie)"),
        (status = 404, description = "Not a configured provider", body = ErrorEnvelope),
    )
)]
#[get("/auth/oauth/{provider}/start")]
pub async fn start(
    state: web::Data<AppState>,
    provider: web::Path<String>,
    query: web::Query<StartQuery>,
) -> AppResult<HttpResponse> {
    let config = state.oauth.get(&provider).ok_or(AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    let started = oauth::start(&mut conn, config, &state.public_url, query.next.as_deref()).await?;
    let max_age = time::Duration::seconds(oauth::REQUEST_LIFETIME.as_secs() as i64);
    Ok(redirect(started.authorize_url.as_str())
        .cookie(state_cookie(started.state, max_age))
        .finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by the provider when the person did not grant access.
    pub error: Option<String>,
}

/// Where the provider sends the browser back. Redirects into the SPA: to `next` signed
/// in (refresh cookie set), to `/sign-in?next=…#mfa_token=…` when a second factor is
/// needed, or to `/sign-in?oauth_error=<code>`.
#[utoipa::path(
    tag = "auth",
    params(("provider" = String, Path, description = "`google` or `github`"), CallbackQuery),
    responses(
        (status = 302, description = "Back into the web app (see the description)"),
        (status = 404, description = "Not a configured provider", body = ErrorEnvelope),
    )
)]
#[get("/auth/oauth/{provider}/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    provider: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> AppResult<HttpResponse> {
    let config = state.oauth.get(&provider).ok_or(AppError::NotFound)?;
    let cookie = req.cookie(STATE_COOKIE);
    let mut conn = state.pool.get().await?;
    let outcome = oauth::finish(
        &mut conn,
        &state.oauth_http,
        config,
        &state.public_url,
        Callback {
            code: query.code.as_deref(),
            state: query.state.as_deref(),
            error: query.error.as_deref(),
            cookie_state: cookie.as_ref().map(|c| c.value()),
        },
    )
    .await?;
    let clear_state = state_cookie(String::new(), time::Duration::ZERO);
    let app_url = |path: &str| -> AppResult<String> {
        Ok(gatehouse_input::redirect::app_url(&state.public_url, path)
            .map_err(AppError::internal)?
            .to_string())
    };
    let finished = match outcome {
        Ok(finished) => finished,
        Err(refusal) => {
            let location = app_url(&format!("sign-in?oauth_error={}", refusal.code()))?;
            return Ok(redirect(&location).cookie(clear_state).finish());
        }
    };
    let done =
        sign_in::after_first_factor(&mut conn, &state, finished.user_id, finished.account_id)
            .await?;
    Ok(match done {
        FirstFactorDone::SignedIn(issued) => redirect(&app_url(&finished.next)?)
            .cookie(clear_state)
            .cookie(refresh_cookie(&state, issued.refresh_token))
            .finish(),
        FirstFactorDone::MfaRequired(challenge) => {
            let mut location = state
                .public_url
                .join("sign-in")
                .map_err(AppError::internal)?;
            location
                .query_pairs_mut()
                .append_pair("next", &finished.next);
            location.set_fragment(Some(&format!("mfa_token={}", challenge.mfa_token)));
            redirect(location.as_str()).cookie(clear_state).finish()
        }
    })
}
