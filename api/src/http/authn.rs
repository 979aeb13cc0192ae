//! `Authenticated`: the extractor for routes that need a signed-in user. It accepts a
//! valid access token (`Authorization: Bearer …`) of a user who is still active, from a
//! session that is still open, so deactivation and signing out (everywhere) take effect
//! at once for Gatehouse's own API. (Products verifying tokens offline accept them until
//! they expire, minutes later.) `AccountCaller`: the same, or an API key of the account.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::db::identity::{self as q, User};
use crate::error::AppError;
use crate::identity::keys::Claims;
use crate::identity::profile::active_user;
use crate::state::AppState;

/// The caller, from a verified access token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub account_id: Uuid,
    /// The session the token was issued from.
    pub session_id: Uuid,
    pub claims: Claims,
}

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| token.trim().to_owned());
        let reads = reads_only(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppState")))?;
            session(&state, &token.ok_or(AppError::Unauthorized)?, reads).await
        })
    }
}

/// Whether the request only reads (GET or HEAD).
fn reads_only(req: &HttpRequest) -> bool {
    matches!(req.method().as_str(), "GET" | "HEAD")
}

/// The signed-in caller an access token stands for: valid, of an active user, from an
/// open session — or, for staff viewing as a customer (`imp`), from a staff member who
/// still is one, and then only for requests that read (`reads`).
pub async fn session(
    state: &AppState,
    token: &str,
    reads: bool,
) -> Result<Authenticated, AppError> {
    let claims = state.keys.verify(token).await.map_err(|err| {
        tracing::debug!(error = %err, "access token refused");
        AppError::Unauthorized
    })?;
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| AppError::Unauthorized)?;
    let account_id = Uuid::parse_str(&claims.acc).map_err(|_| AppError::Unauthorized)?;
    let session_id = Uuid::parse_str(&claims.sid).map_err(|_| AppError::Unauthorized)?;
    let mut conn = state.pool.get().await?;
    let signed_in = q::signed_in(&mut conn, user_id, session_id)
        .await?
        .filter(|found| found.user.deactivated_at.is_none())
        .ok_or(AppError::Unauthorized)?;
    match claims.imp.as_deref() {
        None if !signed_in.session_open => {
            return Err(AppError::Unauthorized);
        }
        None => {}
        Some(staff) => {
            let staff = Uuid::parse_str(staff).map_err(|_| AppError::Unauthorized)?;
            let still_staff = active_user(&mut conn, staff)
                .await
                .is_ok_and(|staff| staff.is_staff);
            if !still_staff {
                return Err(AppError::Unauthorized);
            }
        }
    }
    if claims.ro && !reads {
        return Err(AppError::Forbidden {
            code: "read_only_session",
            message: "This is a read-only view of the customer's account: nothing can be changed from it."
                .to_owned(),
        });
    }
    Ok(Authenticated {
        user: signed_in.user,
        account_id,
        session_id,
        claims,
    })
}

/// Whoever acts for an account: a signed-in member (an access token) or an API key of
/// the account. For account-scoped routes integrators call with keys; routes for people
/// (sessions, MFA, keys themselves) and staff routes take [`Authenticated`] only.
#[derive(Debug, Clone)]
pub struct AccountCaller {
    pub account_id: Uuid,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    Session(Box<Authenticated>),
    Key(crate::accounts::api_keys::KeyCaller),
}

impl AccountCaller {
    /// The signed-in person, when it is one.
    pub fn person(&self) -> Option<&Authenticated> {
        match &self.via {
            Via::Session(caller) => Some(caller),
            Via::Key(_) => None,
        }
    }

    /// Refuses a key whose scopes do not cover `area` (for a write when `write`); people
    /// pass (their roles are checked by the route).
    pub fn require(
        &self,
        area: crate::accounts::api_keys::Area,
        write: bool,
    ) -> Result<(), AppError> {
        match &self.via {
            Via::Key(key) if !key.scopes.allows(area, write) => Err(AppError::Forbidden {
                code: "insufficient_scope",
                message: "This API key's scopes do not cover this request.".to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

impl FromRequest for AccountCaller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| token.trim().to_owned());
        let req = req.clone();
        let reads = reads_only(&req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppState")))?;
            let token = token.ok_or(AppError::Unauthorized)?;
            let caller = if crate::accounts::api_keys::is_key(&token) {
                let mut conn = state.pool.get().await?;
                let key =
                    crate::accounts::api_keys::authenticate(&mut conn, &token, chrono::Utc::now())
                        .await?;
                Self {
                    account_id: key.account_id,
                    via: Via::Key(key),
                }
            } else {
                let person = session(&state, &token, reads).await?;
                Self {
                    account_id: person.account_id,
                    via: Via::Session(Box::new(person)),
                }
            };
            count_against_account(&state, &req, caller.account_id).await?;
            Ok(caller)
        })
    }
}

/// Takes one request from the account's budget (its plan's requests per minute; one
/// bucket per account, so one account's flood never slows another). The decision goes
/// into the request's extensions for the `RateLimit-*` headers; over the limit is 429 with
/// `Retry-After`. When the limiter's store is down, the request goes through (logged).
async fn count_against_account(
    state: &AppState,
    req: &HttpRequest,
    account_id: Uuid,
) -> Result<(), AppError> {
    use actix_web::HttpMessage;
    // The account's plans matter only when some plan has a limit of its own (otherwise
    // no query on this path).
    let plans: Vec<String> = if state.api_rates.plans.is_empty() {
        Vec::new()
    } else {
        let mut conn = state.pool.get().await?;
        crate::db::billing::live_products(&mut conn, account_id)
            .await?
            .into_iter()
            .filter(|product| product.kind == "plan")
            .map(|product| product.slug)
            .collect()
    };
    let per_minute = state.api_rates.for_plans(plans.iter().map(String::as_str));
    let rule = crate::ratelimit::Rule::per(per_minute, std::time::Duration::from_secs(60));
    match state
        .limiter
        .check(&format!("api:{account_id}"), rule)
        .await
    {
        Ok(decision) => {
            req.extensions_mut().insert(decision);
            if decision.allowed {
                Ok(())
            } else {
                Err(AppError::RateLimited {
                    retry_after_secs: decision.retry_after.as_secs().max(1),
                })
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, account.id = %account_id, "the API rate limit could not be checked; letting the request through");
            Ok(())
        }
    }
}
