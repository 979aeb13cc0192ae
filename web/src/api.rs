//! The one way the SPA talks to the Gatehouse API.
//!
//! Every call goes through one function, which sends JSON to the same origin under
//! `/api/v1` and turns every kind of failure into an [`ApiError`] a view can show:
//! the API's error envelope for non-2xx answers, and a friendly message when the
//! network fails or an answer cannot be read.
//!
//! Calls that need a session are methods of [`AuthorizedApi`], which only signing in (or
//! resuming a session) through [`UnauthorizedApi`] produces.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gatehouse_shared::admin_catalog::{
    AdminEntitlement, AdminEntitlements, AdminProduct, AdminProducts, EntitlementInput, NewProduct,
    ProductPatch,
};
use gatehouse_shared::admin_overview::AdminOverview;
use gatehouse_shared::api_keys::{ApiKeyList, CreatedApiKey, NewApiKey};
use gatehouse_shared::audit::AuditPage;
use gatehouse_shared::auth::{
    ChangePasswordRequest, CodeRequest, CodeVerifyRequest, DeactivateRequest,
    ForgotPasswordRequest, LoginRequest, LogoutRequest, Me, RefreshRequest, RegisterAccepted,
    RegisterRequest, ResendVerificationRequest, ResetPasswordRequest, StatusResponse,
    TokenResponse, UpdateMeRequest, VerifyEmailRequest,
};
use gatehouse_shared::billing::{
    BillingOverview, ChangePlanRequest, CheckoutRequest, MyProducts, Payments, PlanChangePreview,
};
use gatehouse_shared::catalog::CatalogResponse;
use gatehouse_shared::credits::Credits;
use gatehouse_shared::ids::{AccountId, InstanceId, PriceId, ProductId};
use gatehouse_shared::instances::{InstanceList, InstanceUpdate, InstanceView, NewInstanceRequest};
use gatehouse_shared::mfa::{
    MfaChallenge, MfaVerifyRequest, RecoveryCodes, SignInResponse, TotpConfirmRequest,
    TotpDisableRequest, TotpSetupResponse,
};
use gatehouse_shared::oauth::OAuthProviders;
use gatehouse_shared::onboarding::{WaitlistEntry, WaitlistPage};
use gatehouse_shared::plans::{PlanTerms, StartTrial, Trial, TrialOffer};
use gatehouse_shared::teams::{
    AcceptInvitation, AccountList, AccountSummary, ChangeRole, Invitation, InvitationList,
    MemberList, NewAccount, NewInvitation, SwitchAccount, TransferOwnership,
};
use gatehouse_shared::tickets::{
    AdminTicket, AdminTicketPage, NewMessage, NewTicket, Ticket, TicketList,
};
use gatehouse_shared::ErrorEnvelope;
use gloo_net::http::{Method, RequestBuilder};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};

use crate::guard::encode_query_value;
use gatehouse_shared::admin_ops::{StripeEventDetail, StripeEventSummary, StripeEvents};

/// Where the versioned JSON API lives, relative to the page's origin.
const API_PREFIX: &str = "/api/v1";

/// Why a call to the API did not produce the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The API answered with its error envelope.
    Api {
        status: u16,
        code: String,
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// The API answered with a status but no readable error envelope
    /// (e.g. a proxy's 502 page), or with a success body that is not what we expected.
    UnexpectedResponse { status: u16 },
    /// The request never got an answer (offline, server down, DNS, CORS, aborted).
    Network,
    /// The browser refused to build the request (a bug in this app, not the user's doing).
    InvalidRequest,
}

impl ApiError {
    /// The API refused the credentials or session (`401`): whoever called is signed out.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Api { status: 401, .. })
    }

    /// The machine-readable code of an API error envelope.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Per-field messages of a validation error (`422`); empty for every other error.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        match self {
            Self::Api { fields, .. } => fields,
            _ => &NONE,
        }
    }

    /// A sentence that is safe and useful to show to the person using the app.
    pub fn message(&self) -> String {
        match self {
            Self::Api { message, .. } => message.clone(),
            Self::UnexpectedResponse { status } if *status >= 500 => {
                "Gatehouse is having trouble right now. Please try again in a moment.".into()
            }
            Self::UnexpectedResponse { .. } => {
                "Gatehouse sent an answer this page could not read. Please reload the page.".into()
            }
            Self::Network => {
                "Could not reach Gatehouse. Check your connection and try again.".into()
            }
            Self::InvalidRequest => {
                "This page could not send its request. Please reload the page.".into()
            }
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

/// Sends one JSON request to `/api/v1{path}` and decodes the answer.
///
/// - 2xx: the body is decoded as `T` (an empty body decodes as JSON `null`, so `()` works
///   for `204 No Content`).
/// - anything else: the body is decoded as the API's [`ErrorEnvelope`].
pub async fn request<B, T>(method: Method, path: &str, body: Option<&B>) -> Result<T, ApiError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    send(method, path, body, None).await
}

/// [`request`], with `Authorization: Bearer {bearer}` when a token is given.
async fn send<B, T>(
    method: Method,
    path: &str,
    body: Option<&B>,
    bearer: Option<&str>,
) -> Result<T, ApiError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let body = to_json(body)?;
    let (status, text) = fetch(method, path, body.as_deref(), bearer).await?;
    decode(status, &text)
}

/// The request body as JSON text.
fn to_json<B: Serialize + ?Sized>(body: Option<&B>) -> Result<Option<String>, ApiError> {
    body.map(serde_json::to_string)
        .transpose()
        .map_err(|_| ApiError::InvalidRequest)
}

/// Sends one request (with a JSON body, if any) and reads the whole answer: its status
/// and body, whatever they are. Not generic, so the app carries one copy of it.
async fn fetch(
    method: Method,
    path: &str,
    json: Option<&str>,
    bearer: Option<&str>,
) -> Result<(u16, String), ApiError> {
    let mut builder = RequestBuilder::new(&format!("{API_PREFIX}{path}"))
        .method(method)
        .header("Accept", "application/json");
    if let Some(token) = bearer {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match json {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json),
        None => builder.build(),
    }
    .map_err(|_| ApiError::InvalidRequest)?;

    let response = request.send().await.map_err(|_| ApiError::Network)?;
    let status = response.status();
    // A connection cut while the body streams in is a network failure too.
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    Ok((status, text))
}

/// `GET /api/v1{path}`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    request::<(), T>(Method::GET, path, None).await
}

/// Turns a status and a body into the caller's type or an [`ApiError`].
fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        let text = if text.trim().is_empty() { "null" } else { text };
        parse(text)
            .and_then(|value| T::deserialize(&value).ok())
            .ok_or(ApiError::UnexpectedResponse { status })
    } else {
        Err(error_from(status, text))
    }
}

/// The error a non-2xx answer stands for.
fn error_from(status: u16, text: &str) -> ApiError {
    match parse(text).and_then(|value| ErrorEnvelope::deserialize(&value).ok()) {
        Some(envelope) => ApiError::Api {
            status,
            code: envelope.error.code,
            message: envelope.error.message,
            fields: envelope.error.fields,
        },
        None => ApiError::UnexpectedResponse { status },
    }
}

/// JSON text as a document: parsed by one copy of the parser, then read into each
/// type from the document, which takes far less code per type than reading it from text.
fn parse(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text).ok()
}

/// `GET /api/v1/catalog`: every pricing page and what it sells.
pub async fn catalog() -> Result<CatalogResponse, ApiError> {
    get("/catalog").await
}

/// What a first sign-in step (password, or emailed code) led to.
pub enum SignIn {
    /// Signed in.
    Session(AuthorizedApi),
    /// Two-factor authentication is on: a code from the app (or a recovery code) completes
    /// the sign-in, through [`UnauthorizedApi::verify_mfa`].
    SecondFactor(MfaChallenge),
}

impl From<SignInResponse> for SignIn {
    fn from(answer: SignInResponse) -> Self {
        match answer {
            SignInResponse::Tokens(tokens) => Self::Session(AuthorizedApi::new(tokens)),
            SignInResponse::MfaRequired(challenge) => Self::SecondFactor(challenge),
        }
    }
}

/// Calls that need no session. Signing in (or resuming a session from the refresh
/// cookie) is the only way to get an [`AuthorizedApi`].
#[derive(Debug, Clone, Copy, Default)]
pub struct UnauthorizedApi;

impl UnauthorizedApi {
    /// `POST /api/v1/auth/register`. The answer is the same whether or not the address was
    /// already registered, so it never signs anyone in by itself.
    pub async fn register(self, body: &RegisterRequest) -> Result<RegisterAccepted, ApiError> {
        request(Method::POST, "/auth/register", Some(body)).await
    }

    /// `POST /api/v1/auth/login` with an email address or username. The refresh token
    /// comes back as an httpOnly cookie this app never sees.
    pub async fn login(self, login: &str, password: &str) -> Result<SignIn, ApiError> {
        let body = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
            use_cookie: true,
        };
        request::<_, SignInResponse>(Method::POST, "/auth/login", Some(&body))
            .await
            .map(SignIn::from)
    }

    /// `POST /api/v1/auth/code/verify` with the 6-digit code emailed by
    /// [`UnauthorizedApi::request_code`]: signs in exactly like [`UnauthorizedApi::login`].
    pub async fn verify_code(self, email: &str, code: &str) -> Result<SignIn, ApiError> {
        let body = CodeVerifyRequest {
            email: email.to_owned(),
            code: code.to_owned(),
            use_cookie: true,
        };
        request::<_, SignInResponse>(Method::POST, "/auth/code/verify", Some(&body))
            .await
            .map(SignIn::from)
    }

    /// `POST /api/v1/auth/mfa/verify`: completes a sign-in that needs a second factor, with
    /// an authenticator code or a recovery code. Wrong codes (and a challenge closed by
    /// too many of them, or by time) answer `401 invalid_credentials`.
    pub async fn verify_mfa(self, mfa_token: &str, code: &str) -> Result<AuthorizedApi, ApiError> {
        let body = MfaVerifyRequest {
            mfa_token: mfa_token.to_owned(),
            code: code.to_owned(),
            use_cookie: true,
        };
        let tokens = request(Method::POST, "/auth/mfa/verify", Some(&body)).await?;
        Ok(AuthorizedApi::new(tokens))
    }

    /// `GET /api/v1/auth/oauth/providers`: the sign-in providers this installation offers.
    pub async fn oauth_providers(self) -> Result<OAuthProviders, ApiError> {
        get("/auth/oauth/providers").await
    }

    /// `POST /api/v1/auth/code/request`: emails a sign-in code; the same answer for every
    /// address.
    pub async fn request_code(self, email: &str) -> Result<StatusResponse, ApiError> {
        let body = CodeRequest {
            email: email.to_owned(),
        };
        request(Method::POST, "/auth/code/request", Some(&body)).await
    }

    /// `POST /api/v1/auth/password/forgot`: emails a link to choose a new password; the
    /// same answer for every address.
    pub async fn forgot_password(self, email: &str) -> Result<StatusResponse, ApiError> {
        let body = ForgotPasswordRequest {
            email: email.to_owned(),
        };
        request(Method::POST, "/auth/password/forgot", Some(&body)).await
    }

    /// `POST /api/v1/auth/password/reset` with the secret from the emailed link. Every
    /// session of the user ends, so nobody is signed in afterwards.
    pub async fn reset_password(
        self,
        token: &str,
        password: &str,
    ) -> Result<StatusResponse, ApiError> {
        let body = ResetPasswordRequest {
            token: token.to_owned(),
            password: password.to_owned(),
        };
        request(Method::POST, "/auth/password/reset", Some(&body)).await
    }

    /// `POST /api/v1/auth/email/verify` with the secret from the emailed link.
    pub async fn verify_email(self, token: &str) -> Result<StatusResponse, ApiError> {
        let body = VerifyEmailRequest {
            token: token.to_owned(),
        };
        request(Method::POST, "/auth/email/verify", Some(&body)).await
    }

    /// `POST /api/v1/auth/email/resend`: the same answer for every address.
    pub async fn resend_verification(self, email: &str) -> Result<StatusResponse, ApiError> {
        let body = ResendVerificationRequest {
            email: email.to_owned(),
        };
        request(Method::POST, "/auth/email/resend", Some(&body)).await
    }

    /// Resumes the session the refresh cookie holds, if there is one (`401` when not).
    pub async fn resume(self) -> Result<AuthorizedApi, ApiError> {
        refresh_with_cookie().await.map(AuthorizedApi::new)
    }
}

/// A signed-in session: the only way to make authenticated calls.
///
/// The access token lives here, in memory only. Clones share it, so a refresh made through
/// one clone serves them all. Every call sends it as a bearer token; when the API answers
/// `401`, the session refreshes once (one refresh at a time, however many calls failed
/// together) and the call is retried once.
#[derive(Clone)]
pub struct AuthorizedApi {
    inner: Rc<Session>,
}

struct Session {
    token: RefCell<AccessToken>,
    /// A staff member's read-only view as a customer ([`crate::view_as`]): never
    /// refreshed (the refresh cookie is the staff member's own session).
    read_only: bool,
    /// The refresh in flight, shared by every call that needs it.
    refreshing: RefCell<Option<PendingRefresh>>,
    /// Told when each new token should be refreshed, as each arrives.
    on_new_token: RefCell<Option<Rc<Schedule>>>,
}

impl Session {
    /// Makes `tokens`' access token the session's, and schedules its refresh.
    fn keep(&self, tokens: &TokenResponse) {
        let token = AccessToken::from(tokens);
        let refresh_after = refresh_delay(token.lifetime);
        *self.token.borrow_mut() = token;
        let schedule = self.on_new_token.borrow().clone();
        if let Some(schedule) = schedule {
            schedule(refresh_after);
        }
    }
}

/// Given when the newest token should be refreshed.
type Schedule = dyn Fn(Duration);

/// One refresh request, awaited by every call that needs it.
type PendingRefresh = Shared<LocalBoxFuture<'static, Result<(), ApiError>>>;

struct AccessToken {
    value: String,
    /// How long the token lives from when it arrived.
    lifetime: Duration,
}

impl From<&TokenResponse> for AccessToken {
    fn from(tokens: &TokenResponse) -> Self {
        Self {
            value: tokens.access_token.clone(),
            lifetime: Duration::from_secs(tokens.expires_in),
        }
    }
}

impl AuthorizedApi {
    fn new(tokens: TokenResponse) -> Self {
        Self::with(AccessToken::from(&tokens), false)
    }

    /// A read-only session with a staff member's view-as token ([`crate::view_as`]),
    /// which lives ten minutes and is never refreshed.
    pub fn viewing(access_token: String) -> Self {
        let token = AccessToken {
            value: access_token,
            lifetime: Duration::from_secs(600),
        };
        Self::with(token, true)
    }

    fn with(token: AccessToken, read_only: bool) -> Self {
        Self {
            inner: Rc::new(Session {
                token: RefCell::new(token),
                read_only,
                refreshing: RefCell::new(None),
                on_new_token: RefCell::new(None),
            }),
        }
    }

    /// Whether this is a staff member's read-only view as a customer.
    pub fn read_only(&self) -> bool {
        self.inner.read_only
    }

    /// Whether both handles are the same session.
    pub fn same_session(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// How long after the current token arrived it should be refreshed.
    pub fn refresh_after(&self) -> Duration {
        refresh_delay(self.inner.token.borrow().lifetime)
    }

    /// Calls `schedule` with [`AuthorizedApi::refresh_after`] whenever a refresh brings a
    /// new token (whoever asked for the refresh: a timer, or a call that met a `401`).
    pub fn on_new_token(&self, schedule: impl Fn(Duration) + 'static) {
        *self.inner.on_new_token.borrow_mut() = Some(Rc::new(schedule));
    }

    /// `GET /api/v1/me`.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.call::<(), _>(Method::GET, "/me", None).await
    }

    /// `PATCH /api/v1/me`: names and preferences; absent fields stay as they are.
    pub async fn update_me(&self, body: &UpdateMeRequest) -> Result<Me, ApiError> {
        self.call(Method::PATCH, "/me", Some(body)).await
    }

    /// `POST /api/v1/auth/password/change`: other sessions end, this one stays. A wrong
    /// current password is a `422` on `current_password`.
    pub async fn change_password(&self, body: &ChangePasswordRequest) -> Result<(), ApiError> {
        self.call(Method::POST, "/auth/password/change", Some(body))
            .await
    }

    /// `GET /api/v1/me/export`: everything Gatehouse holds about the user, as the JSON
    /// text the API sent (saved as a file as it is).
    pub async fn export(&self) -> Result<String, ApiError> {
        let (status, text) = self.call_raw(Method::GET, "/me/export", None).await?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(error_from(status, &text))
        }
    }

    /// `DELETE /api/v1/me`: deactivates the user, ending every session. Consumes the
    /// session like [`AuthorizedApi::logout`].
    pub async fn deactivate(self, password: &str) -> Result<UnauthorizedApi, ApiError> {
        let body = DeactivateRequest {
            password: password.to_owned(),
        };
        self.call::<_, ()>(Method::DELETE, "/me", Some(&body))
            .await?;
        Ok(UnauthorizedApi)
    }

    /// `POST /api/v1/auth/mfa/totp/setup`: a new secret for an authenticator app
    /// (`409 mfa_already_enabled` when two-factor authentication is on).
    pub async fn totp_setup(&self) -> Result<TotpSetupResponse, ApiError> {
        self.call(Method::POST, "/auth/mfa/totp/setup", Some(&EmptyBody {}))
            .await
    }

    /// `POST /api/v1/auth/mfa/totp/confirm`: turns two-factor authentication on; the
    /// recovery codes come back once.
    pub async fn totp_confirm(&self, code: &str) -> Result<RecoveryCodes, ApiError> {
        let body = TotpConfirmRequest {
            code: code.to_owned(),
        };
        self.call(Method::POST, "/auth/mfa/totp/confirm", Some(&body))
            .await
    }

    /// `POST /api/v1/auth/mfa/totp/disable` with the password (or an app code for people
    /// without one).
    pub async fn totp_disable(&self, body: &TotpDisableRequest) -> Result<(), ApiError> {
        self.call(Method::POST, "/auth/mfa/totp/disable", Some(body))
            .await
    }

    /// `POST /api/v1/auth/logout`: ends this session (the cookie's), or with `everywhere`
    /// every session of the user. Consumes the session: the app is signed out after it.
    pub async fn logout(self, everywhere: bool) -> Result<UnauthorizedApi, ApiError> {
        let body = LogoutRequest {
            refresh_token: None,
            everywhere,
        };
        request::<_, ()>(Method::POST, "/auth/logout", Some(&body)).await?;
        Ok(UnauthorizedApi)
    }

    /// Trades the refresh cookie for a new access token. Calls made while a refresh is in
    /// flight wait for that one instead of starting their own, so a rotated refresh token
    /// is never presented twice by this page.
    pub async fn refresh(&self) -> Result<(), ApiError> {
        if self.inner.read_only {
            return Err(ApiError::Api {
                status: 401,
                code: "unauthorized".to_owned(),
                message: "The view as the customer has ended.".to_owned(),
                fields: BTreeMap::new(),
            });
        }
        let pending = self.inner.refreshing.borrow().clone();
        let pending = pending.unwrap_or_else(|| {
            // The refresh itself stores the new token and frees the slot, exactly once,
            // however many calls await it (and even when the one that started it is gone).
            let session = Rc::downgrade(&self.inner);
            let started = async move {
                let result = refresh_with_cookie().await;
                if let Some(session) = session.upgrade() {
                    session.refreshing.borrow_mut().take();
                    if let Ok(tokens) = &result {
                        session.keep(tokens);
                    }
                }
                result.map(drop)
            }
            .boxed_local()
            .shared();
            *self.inner.refreshing.borrow_mut() = Some(started.clone());
            started
        });
        pending.await
    }

    /// One authenticated call: on `401`, refresh once and retry once. Pages with calls of
    /// their own keep them beside them, in their own `impl AuthorizedApi` block.
    pub(crate) async fn call<B, T>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = to_json(body)?;
        let (status, text) = self.call_raw(method, path, body.as_deref()).await?;
        decode(status, &text)
    }

    /// [`AuthorizedApi::call`], answering the status and body as they came.
    pub(crate) async fn call_raw(
        &self,
        method: Method,
        path: &str,
        json: Option<&str>,
    ) -> Result<(u16, String), ApiError> {
        let used = self.inner.token.borrow().value.clone();
        let answer = fetch(method.clone(), path, json, Some(&used)).await?;
        if answer.0 != 401 {
            return Ok(answer);
        }
        // Another call may have refreshed while this one was out.
        if self.inner.token.borrow().value == used {
            self.refresh().await?;
        }
        let token = self.inner.token.borrow().value.clone();
        fetch(method, path, json, Some(&token)).await
    }
}

/// Billing: what the account has bought and paid, and the ways to change that. Every
/// change is made at Stripe; the account's billing shows it once Stripe's webhook has
/// arrived, so pages poll [`AuthorizedApi::billing`] after asking for one.
impl AuthorizedApi {
    /// `GET /api/v1/orders`: the account's orders, newest first.
    pub async fn orders(&self) -> Result<gatehouse_shared::instances::OrderList, ApiError> {
        self.call::<(), _>(Method::GET, "/orders", None).await
    }

    /// `GET /api/v1/me/products`: the dashboard's products and what needs attention.
    pub async fn my_products(&self) -> Result<MyProducts, ApiError> {
        self.call::<(), _>(Method::GET, "/me/products", None).await
    }

    /// `GET /api/v1/billing/subscription`: standing, subscription and entitlements.
    pub async fn billing(&self) -> Result<BillingOverview, ApiError> {
        self.call::<(), _>(Method::GET, "/billing/subscription", None)
            .await
    }

    /// `GET /api/v1/billing/payments`: the account's invoices, newest first.
    pub async fn payments(&self) -> Result<Payments, ApiError> {
        self.call::<(), _>(Method::GET, "/billing/payments", None)
            .await
    }

    /// `POST /api/v1/billing/checkout`: where to pay for a plan's price (Stripe Checkout).
    /// `409 already_subscribed` when the account has a subscription (change its plan).
    pub async fn checkout(&self, price_id: PriceId) -> Result<Redirect, ApiError> {
        let body = CheckoutRequest { price_id };
        self.call(Method::POST, "/billing/checkout", Some(&body))
            .await
    }

    /// `POST /api/v1/billing/portal`: Stripe's Customer Portal (payment methods, invoices).
    pub async fn portal(&self) -> Result<Redirect, ApiError> {
        self.call(Method::POST, "/billing/portal", Some(&EmptyBody {}))
            .await
    }

    /// `POST /api/v1/billing/subscription/cancel` (`cancel`: ends at the period's end) or
    /// `…/resume` (keeps it going). Accepted; Stripe confirms by webhook.
    pub async fn cancel_at_period_end(&self, cancel: bool) -> Result<(), ApiError> {
        let path = if cancel {
            "/billing/subscription/cancel"
        } else {
            "/billing/subscription/resume"
        };
        self.call::<_, IgnoredAny>(Method::POST, path, Some(&EmptyBody {}))
            .await
            .map(drop)
    }

    /// `POST /api/v1/billing/subscription/change` with `preview`: what moving to
    /// `price_id` would cost now (the proration), changing nothing.
    pub async fn preview_plan_change(
        &self,
        price_id: PriceId,
    ) -> Result<PlanChangePreview, ApiError> {
        let body = ChangePlanRequest {
            price_id,
            preview: true,
        };
        self.call(Method::POST, "/billing/subscription/change", Some(&body))
            .await
    }

    /// `POST /api/v1/billing/subscription/change`: moves the subscription to `price_id`,
    /// the proration invoiced at once. Accepted; Stripe confirms by webhook.
    pub async fn change_plan(&self, price_id: PriceId) -> Result<(), ApiError> {
        let body = ChangePlanRequest {
            price_id,
            preview: false,
        };
        self.call::<_, IgnoredAny>(Method::POST, "/billing/subscription/change", Some(&body))
            .await
            .map(drop)
    }
}

/// API keys: an account's credentials for its own apps and scripts. Only the account's
/// owners and admins may manage them (`403 forbidden` for everyone else).
impl AuthorizedApi {
    /// `GET /api/v1/accounts/{account}/api-keys`: newest first, revoked ones too.
    pub async fn api_keys(&self, account: AccountId) -> Result<ApiKeyList, ApiError> {
        let path = format!("/accounts/{account}/api-keys");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/accounts/{account}/api-keys`: a new key, its secret shown this once.
    /// `422` on `name`, `scopes` or `expires_in_days`.
    pub async fn create_api_key(
        &self,
        account: AccountId,
        body: &NewApiKey,
    ) -> Result<CreatedApiKey, ApiError> {
        let path = format!("/accounts/{account}/api-keys");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `DELETE /api/v1/accounts/{account}/api-keys/{key}`: revokes the key at once.
    pub async fn revoke_api_key(
        &self,
        account: AccountId,
        key: impl fmt::Display,
    ) -> Result<(), ApiError> {
        let path = format!("/accounts/{account}/api-keys/{key}");
        self.call::<(), _>(Method::DELETE, &path, None).await
    }
}

/// Accounts as teams: the accounts the user belongs to, their members and invitations.
/// Managing members and invitations is for an account's owners and admins (`403
/// forbidden` for everyone else); anyone may read the members and leave.
impl AuthorizedApi {
    /// `GET /api/v1/accounts`: the personal account first, then by joining.
    pub async fn accounts(&self) -> Result<AccountList, ApiError> {
        self.call::<(), _>(Method::GET, "/accounts", None).await
    }

    /// `POST /api/v1/accounts`: a team account, the caller its owner (`422` on `name`).
    pub async fn create_account(&self, body: &NewAccount) -> Result<AccountSummary, ApiError> {
        self.call(Method::POST, "/accounts", Some(body)).await
    }

    /// `GET /api/v1/accounts/{account}/members`: by joining.
    pub async fn members(&self, account: impl fmt::Display) -> Result<MemberList, ApiError> {
        let path = format!("/accounts/{account}/members");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `PATCH /api/v1/accounts/{account}/members/{user}`: `admin`, `member` or `billing`
    /// (`409 owner_role` for an owner: ownership moves by transfer).
    pub async fn change_role(
        &self,
        account: impl fmt::Display,
        user: impl fmt::Display,
        role: &str,
    ) -> Result<(), ApiError> {
        let path = format!("/accounts/{account}/members/{user}");
        let body = ChangeRole {
            role: role.to_owned(),
        };
        self.call::<_, IgnoredAny>(Method::PATCH, &path, Some(&body))
            .await
            .map(drop)
    }

    /// `DELETE /api/v1/accounts/{account}/members/{user}`: removes a member, or leaves
    /// (`409 last_owner` for the last owner).
    pub async fn remove_member(
        &self,
        account: impl fmt::Display,
        user: impl fmt::Display,
    ) -> Result<(), ApiError> {
        let path = format!("/accounts/{account}/members/{user}");
        self.call::<(), _>(Method::DELETE, &path, None).await
    }

    /// `POST /api/v1/accounts/{account}/transfer-ownership`: the caller (an owner) makes
    /// another member the owner and becomes an admin.
    pub async fn transfer_ownership(
        &self,
        account: impl fmt::Display,
        body: &TransferOwnership,
    ) -> Result<(), ApiError> {
        let path = format!("/accounts/{account}/transfer-ownership");
        self.call::<_, IgnoredAny>(Method::POST, &path, Some(body))
            .await
            .map(drop)
    }

    /// `GET /api/v1/accounts/{account}/invitations`: the open ones, newest first.
    pub async fn invitations(
        &self,
        account: impl fmt::Display,
    ) -> Result<InvitationList, ApiError> {
        let path = format!("/accounts/{account}/invitations");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/accounts/{account}/invitations`: emails the link. `409
    /// already_member` or `personal_account`; `422` on `email` or `role`.
    pub async fn invite(
        &self,
        account: impl fmt::Display,
        body: &NewInvitation,
    ) -> Result<Invitation, ApiError> {
        let path = format!("/accounts/{account}/invitations");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `DELETE /api/v1/accounts/{account}/invitations/{id}`: the link stops working.
    pub async fn withdraw_invitation(
        &self,
        account: impl fmt::Display,
        id: impl fmt::Display,
    ) -> Result<(), ApiError> {
        let path = format!("/accounts/{account}/invitations/{id}");
        self.call::<(), _>(Method::DELETE, &path, None).await
    }

    /// `POST /api/v1/invitations/accept` with the secret from the emailed link. `400
    /// invalid_or_expired_invitation`; `403 invitation_for_another_address`.
    pub async fn accept_invitation(&self, token: &str) -> Result<AccountSummary, ApiError> {
        let body = AcceptInvitation {
            token: token.to_owned(),
        };
        self.call(Method::POST, "/invitations/accept", Some(&body))
            .await
    }

    /// `POST /api/v1/auth/switch-account`: the session acts for another of the user's
    /// accounts from now on. The new access token is kept here, the new refresh token in
    /// the cookie (the old session ends); `404` for an account the user is not in.
    pub async fn switch_account(&self, account: AccountId) -> Result<(), ApiError> {
        let body = SwitchAccount {
            account_id: account.0,
            use_cookie: true,
        };
        let tokens: TokenResponse = self
            .call(Method::POST, "/auth/switch-account", Some(&body))
            .await?;
        self.inner.keep(&tokens);
        Ok(())
    }

    /// `GET /api/v1/accounts/{account}/trial`: the free trial the account may start.
    pub async fn trial(&self, account: AccountId) -> Result<TrialOffer, ApiError> {
        let path = format!("/accounts/{account}/trial");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/accounts/{account}/trial`: starts the free trial of plan `slug`. `403
    /// forbidden` for members; `409 trial_unavailable` once used or subscribed. The access
    /// token carries the new status only after a refresh.
    pub async fn start_trial(&self, account: AccountId, slug: &str) -> Result<Trial, ApiError> {
        let path = format!("/accounts/{account}/trial");
        let body = StartTrial {
            plan: Some(slug.to_owned()),
        };
        self.call(Method::POST, &path, Some(&body)).await
    }

    /// `GET /api/v1/accounts/{account}/credits`: the balance and the newest entries.
    pub async fn credits(&self, account: AccountId) -> Result<Credits, ApiError> {
        let path = format!("/accounts/{account}/credits");
        self.call::<(), _>(Method::GET, &path, None).await
    }
}

/// The admin area, for staff. Every call may answer `403`: `forbidden` (not staff),
/// `mfa_required` (staff who must sign in with a second factor) or `forbidden_area` (the
/// staff role may not see or change this part).
impl AuthorizedApi {
    /// `GET /api/v1/admin/overview`: the figures of the admin home.
    pub async fn admin_overview(&self) -> Result<AdminOverview, ApiError> {
        self.call::<(), _>(Method::GET, "/admin/overview", None)
            .await
    }

    /// `GET /api/v1/admin/catalog/products`: every product, also retired ones, with every
    /// price it ever had.
    pub async fn catalog_products(&self) -> Result<AdminProducts, ApiError> {
        self.call::<(), _>(Method::GET, "/admin/catalog/products", None)
            .await
    }

    /// `POST /api/v1/admin/catalog/products` (`422` with `fields`, such as
    /// `prices[0].amount_minor`).
    pub async fn create_product(&self, body: &NewProduct) -> Result<AdminProduct, ApiError> {
        self.call(Method::POST, "/admin/catalog/products", Some(body))
            .await
    }

    /// `PATCH /api/v1/admin/catalog/products/{id}`: only the fields given change; a new
    /// amount retires the period's old price, `active: false` takes the product off sale.
    pub async fn update_product(
        &self,
        id: ProductId,
        body: &ProductPatch,
    ) -> Result<AdminProduct, ApiError> {
        let path = format!("/admin/catalog/products/{id}");
        self.call(Method::PATCH, &path, Some(body)).await
    }

    /// `GET /api/v1/admin/catalog/products/{id}/terms`: a plan's terms (all zero when never
    /// set).
    pub async fn plan_terms(&self, id: ProductId) -> Result<PlanTerms, ApiError> {
        let path = format!("/admin/catalog/products/{id}/terms");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `PUT /api/v1/admin/catalog/products/{id}/terms` (`422` on a value out of range).
    pub async fn set_plan_terms(
        &self,
        id: ProductId,
        body: &PlanTerms,
    ) -> Result<PlanTerms, ApiError> {
        let path = format!("/admin/catalog/products/{id}/terms");
        self.call(Method::PUT, &path, Some(body)).await
    }

    /// `GET /api/v1/admin/catalog/entitlements`: every key with the products granting it.
    pub async fn catalog_entitlements(&self) -> Result<AdminEntitlements, ApiError> {
        self.call::<(), _>(Method::GET, "/admin/catalog/entitlements", None)
            .await
    }

    /// `POST /api/v1/admin/catalog/entitlements` (`422` on a malformed or taken key).
    pub async fn create_entitlement(
        &self,
        body: &EntitlementInput,
    ) -> Result<AdminEntitlement, ApiError> {
        self.call(Method::POST, "/admin/catalog/entitlements", Some(body))
            .await
    }

    /// `PATCH /api/v1/admin/catalog/entitlements/{key}`: a new label (keys never change).
    pub async fn relabel_entitlement(
        &self,
        key: &str,
        body: &EntitlementInput,
    ) -> Result<AdminEntitlement, ApiError> {
        let path = format!("/admin/catalog/entitlements/{}", encode_query_value(key));
        self.call(Method::PATCH, &path, Some(body)).await
    }

    /// `GET /api/v1/admin/audit?{query}`: a page of the audit log, newest first. `query` is
    /// already encoded; `422` on `since` or `until`.
    pub async fn audit(&self, query: &str) -> Result<AuditPage, ApiError> {
        let path = format!("/admin/audit?{query}");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `GET /api/v1{path}` of an admin export (`/admin/audit.csv?…`, `/admin/waitlist.csv`):
    /// the CSV text as it came.
    pub async fn admin_csv(&self, path: &str) -> Result<String, ApiError> {
        let (status, text) = self.call_raw(Method::GET, path, None).await?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(error_from(status, &text))
        }
    }

    /// `GET /api/v1/admin/instances`: every instance, by product and name.
    pub async fn instances(&self) -> Result<InstanceList, ApiError> {
        self.call::<(), _>(Method::GET, "/admin/instances", None)
            .await
    }

    /// `PATCH /api/v1/admin/instances/{id}`: only the fields given change (`422` on caps
    /// out of order or below the seats in use).
    pub async fn update_instance(
        &self,
        id: InstanceId,
        body: &InstanceUpdate,
    ) -> Result<InstanceView, ApiError> {
        let path = format!("/admin/instances/{id}");
        self.call(Method::PATCH, &path, Some(body)).await
    }

    /// `POST /api/v1/admin/instances`: a new instance of a product that runs on them.
    pub async fn create_instance(
        &self,
        body: &NewInstanceRequest,
    ) -> Result<InstanceView, ApiError> {
        self.call(Method::POST, "/admin/instances", Some(body))
            .await
    }

    /// `GET /api/v1/admin/webhooks/stripe/events?{query}`: newest first (`422` on an
    /// unknown `status`).
    pub async fn stripe_events(&self, query: &str) -> Result<StripeEvents, ApiError> {
        let path = format!("/admin/webhooks/stripe/events?{query}");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `GET /api/v1/admin/webhooks/stripe/events/{id}`: with Stripe's payload.
    pub async fn stripe_event(&self, id: &str) -> Result<StripeEventDetail, ApiError> {
        let path = format!("/admin/webhooks/stripe/events/{}", encode_query_value(id));
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/admin/webhooks/stripe/events/{id}/replay`: processed again by a job
    /// (`409 event_not_processable` for a type Gatehouse ignores).
    pub async fn replay_stripe_event(&self, id: &str) -> Result<StripeEventSummary, ApiError> {
        let path = format!(
            "/admin/webhooks/stripe/events/{}/replay",
            encode_query_value(id)
        );
        self.call(Method::POST, &path, Some(&EmptyBody {})).await
    }

    /// `POST /api/v1/admin/jobs/{id}/retry`: queued again with fresh attempts (`409
    /// job_not_dead`).
    pub async fn retry_job(&self, id: i64) -> Result<(), ApiError> {
        let path = format!("/admin/jobs/{id}/retry");
        self.call(Method::POST, &path, Some(&EmptyBody {})).await
    }

    /// `GET /api/v1/admin/waitlist?offset=&limit=`: oldest first, with the total.
    pub async fn waitlist(&self, offset: i64, limit: i64) -> Result<WaitlistPage, ApiError> {
        let path = format!("/admin/waitlist?offset={offset}&limit={limit}");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/admin/waitlist/{id}/invite`: emails the person a sign-up link.
    pub async fn invite_from_waitlist(
        &self,
        id: impl fmt::Display,
    ) -> Result<WaitlistEntry, ApiError> {
        let path = format!("/admin/waitlist/{id}/invite");
        self.call(Method::POST, &path, Some(&EmptyBody {})).await
    }
}

/// Support tickets: the customer's own (`/tickets`, another person's is `404`) and staff's
/// desk (`/admin/tickets`, with the admin area's `403`s). Ticket ids travel as the text
/// the page's address holds; one that is not an id is `404` like an unknown one.
impl AuthorizedApi {
    /// `GET /api/v1/tickets`: the person's tickets, newest update first.
    pub async fn tickets(&self) -> Result<TicketList, ApiError> {
        self.call::<(), _>(Method::GET, "/tickets", None).await
    }

    /// `POST /api/v1/tickets`: opens a ticket (`422` on its fields, `429 rate_limited`
    /// after ten in an hour).
    pub async fn open_ticket(&self, body: &NewTicket) -> Result<Ticket, ApiError> {
        self.call(Method::POST, "/tickets", Some(body)).await
    }

    /// `GET /api/v1/tickets/{id}`: one of the person's tickets with its messages.
    pub async fn ticket(&self, id: &str) -> Result<Ticket, ApiError> {
        let path = format!("/tickets/{}", encode_query_value(id));
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/tickets/{id}/messages`: the person's reply, which opens the ticket
    /// again (`409 ticket_closed` once it is closed).
    pub async fn reply_to_ticket(&self, id: &str, body: &NewMessage) -> Result<Ticket, ApiError> {
        let path = format!("/tickets/{}/messages", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `GET /api/v1/admin/tickets?{query}`: a page of every ticket, newest update first.
    /// `query` is already encoded; `422` on a filter the API does not know.
    pub async fn admin_tickets(&self, query: &str) -> Result<AdminTicketPage, ApiError> {
        let path = format!("/admin/tickets?{query}");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `GET /api/v1/admin/tickets/{id}`: the ticket, its messages and who opened it.
    pub async fn admin_ticket(&self, id: &str) -> Result<AdminTicket, ApiError> {
        let path = format!("/admin/tickets/{}", encode_query_value(id));
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/admin/tickets/{id}/messages`: staff's reply; the ticket then waits
    /// on the customer, who is emailed (`409 ticket_closed`).
    pub async fn staff_reply_to_ticket(
        &self,
        id: &str,
        body: &NewMessage,
    ) -> Result<AdminTicket, ApiError> {
        let path = format!("/admin/tickets/{}/messages", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `POST /api/v1/admin/tickets/{id}/close`: no more replies (`409 ticket_closed` when
    /// it already is closed).
    pub async fn close_ticket(&self, id: &str) -> Result<AdminTicket, ApiError> {
        let path = format!("/admin/tickets/{}/close", encode_query_value(id));
        self.call(Method::POST, &path, Some(&EmptyBody {})).await
    }
}

/// Where to send the browser next: Stripe's checkout page or its Customer Portal (both
/// answers carry the address as `url`; one type decodes both).
#[derive(Debug, Clone, Deserialize)]
pub struct Redirect {
    pub url: String,
}

/// `{}`: the body of calls that take no parameters.
#[derive(Serialize)]
pub(crate) struct EmptyBody {}

/// `POST /api/v1/auth/refresh` with the cookie the browser holds.
async fn refresh_with_cookie() -> Result<TokenResponse, ApiError> {
    let body = RefreshRequest {
        refresh_token: None,
        use_cookie: true,
    };
    request(Method::POST, "/auth/refresh", Some(&body)).await
}

/// When to refresh an access token that lives `lifetime`: a minute before it expires, or
/// a fifth of its lifetime before when it lives less than five minutes.
fn refresh_delay(lifetime: Duration) -> Duration {
    lifetime - (lifetime / 5).min(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_bodies_decode_into_the_callers_type() {
        let pages: CatalogResponse = decode(200, r#"{"pages":[]}"#).unwrap();
        assert!(pages.pages.is_empty());
        decode::<()>(204, "").unwrap();
    }

    #[test]
    fn error_envelopes_keep_code_message_and_fields() {
        let body = r#"{"error":{"code":"validation_failed","message":"Check the form",
            "fields":{"email":"must be an email address"}}}"#;
        let error = decode::<()>(422, body).unwrap_err();
        assert_eq!(error.message(), "Check the form");
        let ApiError::Api {
            status,
            code,
            fields,
            ..
        } = error
        else {
            panic!("expected the envelope");
        };
        assert_eq!(status, 422);
        assert_eq!(code, "validation_failed");
        assert_eq!(fields["email"], "must be an email address");
    }

    #[test]
    fn tokens_are_refreshed_shortly_before_they_expire() {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        assert_eq!(refresh_delay(minutes(15)), minutes(14));
        assert_eq!(refresh_delay(minutes(1)), Duration::from_secs(48));
        assert_eq!(refresh_delay(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn unreadable_bodies_become_friendly_errors() {
        let gateway = decode::<()>(502, "<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(gateway, ApiError::UnexpectedResponse { status: 502 });
        assert!(gateway.message().contains("try again"));
        let garbled = decode::<CatalogResponse>(200, "{").unwrap_err();
        assert_eq!(garbled, ApiError::UnexpectedResponse { status: 200 });
    }
}
