//! Signing in through Google or GitHub: OAuth 2.0 authorization code with PKCE (S256)
//! and a state bound to the browser by a cookie.
//!
//! `start` records the request (state hashed, PKCE verifier, where to go afterwards) and
//! answers the provider's authorization URL; `finish` takes the request back by its
//! state (once), exchanges the code with the verifier, reads who the person is, and
//! finds, links or creates the user (see [`accounts`]).

pub mod accounts;
pub mod client;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
pub use gatehouse_input::redirect::safe_next;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::sessions::hash_token;
use crate::db::oauth::{self as q, NewState};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// How long a person may spend at the provider.
pub const REQUEST_LIFETIME: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    GitHub,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Google, Provider::GitHub];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::GitHub => "github",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    fn scope(self) -> &'static str {
        match self {
            Self::Google => "openid email profile",
            Self::GitHub => "read:user user:email",
        }
    }

    /// The provider's production endpoints: authorize, token, and profile (Google's
    /// userinfo; GitHub's API base).
    pub fn default_urls(self) -> [&'static str; 3] {
        match self {
            Self::Google => [
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://openidconnect.googleapis.com/v1/userinfo",
            ],
            Self::GitHub => [
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/",
            ],
        }
    }
}

/// One configured provider.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub provider: Provider,
    pub client_id: String,
    pub client_secret: SecretString,
    pub authorize_url: url::Url,
    pub token_url: url::Url,
    /// Google: the userinfo endpoint. GitHub: the API base (`/user`, `/user/emails`).
    pub profile_url: url::Url,
}

/// Every configured provider, and the HTTP client that talks to them.
#[derive(Debug, Clone, Default)]
pub struct OAuthSettings {
    pub providers: Vec<ProviderConfig>,
}

impl OAuthSettings {
    pub fn get(&self, name: &str) -> Option<&ProviderConfig> {
        let provider = Provider::parse(name)?;
        self.providers.iter().find(|p| p.provider == provider)
    }

    pub fn names(&self) -> Vec<String> {
        self.providers
            .iter()
            .map(|p| p.provider.as_str().to_owned())
            .collect()
    }
}

/// Where the provider sends the browser back.
pub fn redirect_uri(public_url: &url::Url, provider: Provider) -> AppResult<url::Url> {
    public_url
        .join(&format!("api/v1/auth/oauth/{}/callback", provider.as_str()))
        .map_err(AppError::internal)
}

fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A started request: the URL to send the browser to and the state for its cookie.
pub struct Started {
    pub authorize_url: url::Url,
    pub state: String,
}

/// Records a new authorization request and builds the provider's URL.
pub async fn start(
    conn: &mut Conn,
    config: &ProviderConfig,
    public_url: &url::Url,
    next: Option<&str>,
) -> AppResult<Started> {
    let state = random_secret();
    let verifier = random_secret();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect = redirect_uri(public_url, config.provider)?;
    q::insert_state(
        conn,
        NewState {
            state_hash: &hash_token(&state),
            provider: config.provider.as_str(),
            code_verifier: &verifier,
            next_path: &safe_next(next),
            expires_at: Utc::now() + chrono::Duration::from_std(REQUEST_LIFETIME).expect("small"),
        },
    )
    .await?;
    let mut authorize_url = config.authorize_url.clone();
    authorize_url
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", redirect.as_str())
        .append_pair("scope", config.provider.scope())
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(Started {
        authorize_url,
        state,
    })
}

/// Why a callback did not sign anyone in; each is an `oauth_error` code for the SPA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Cancelled,
    Failed,
    EmailUnverified,
    AccountUnavailable,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Cancelled => "oauth_cancelled",
            Self::Failed => "oauth_failed",
            Self::EmailUnverified => "oauth_email_unverified",
            Self::AccountUnavailable => "oauth_account_unavailable",
        }
    }
}

/// What the callback carries.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The state cookie set by `start` in this browser.
    pub cookie_state: Option<&'a str>,
}

/// A callback that checked out: who signed in and where they were going.
pub struct Finished {
    pub user_id: uuid::Uuid,
    pub account_id: uuid::Uuid,
    pub next: String,
}

/// Completes the flow. `Err(Refusal)` for everything the person or an attacker can
/// cause; `AppError` only for our own failures.
pub async fn finish(
    conn: &mut Conn,
    http: &reqwest::Client,
    config: &ProviderConfig,
    public_url: &url::Url,
    callback: Callback<'_>,
) -> AppResult<Result<Finished, Refusal>> {
    let Some(state) = callback.state.filter(|s| !s.is_empty() && s.len() <= 128) else {
        tracing::warn!(
            provider = config.provider.as_str(),
            "OAuth callback without a state"
        );
        return Ok(Err(Refusal::Failed));
    };
    // The state must come back to the browser that started the request (login CSRF).
    let same_browser = callback
        .cookie_state
        .is_some_and(|cookie| crate::constant_time::eq(cookie.as_bytes(), state.as_bytes()));
    // Taken whatever happens next: a state works once.
    let pending = q::take_state(conn, &hash_token(state)).await?;
    let Some(pending) =
        pending.filter(|p| p.provider == config.provider.as_str() && p.expires_at > Utc::now())
    else {
        tracing::warn!(
            provider = config.provider.as_str(),
            "OAuth callback with an unknown, used or expired state"
        );
        return Ok(Err(Refusal::Failed));
    };
    if !same_browser {
        tracing::warn!(
            provider = config.provider.as_str(),
            "OAuth state does not match this browser's cookie"
        );
        return Ok(Err(Refusal::Failed));
    }
    if let Some(error) = callback.error {
        tracing::info!(
            provider = config.provider.as_str(),
            error,
            "OAuth sign-in not granted"
        );
        return Ok(Err(Refusal::Cancelled));
    }
    let Some(code) = callback.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return Ok(Err(Refusal::Failed));
    };
    let redirect = redirect_uri(public_url, config.provider)?;
    let profile = match client::profile(http, config, code, &pending.code_verifier, &redirect).await
    {
        Ok(profile) => profile,
        Err(err) => {
            tracing::warn!(provider = config.provider.as_str(), error = %err, "OAuth code exchange or profile failed");
            return Ok(Err(Refusal::Failed));
        }
    };
    Ok(accounts::sign_in_as(conn, config.provider, &profile)
        .await?
        .map(|(user_id, account_id)| Finished {
            user_id,
            account_id,
            next: pending.next_path,
        }))
}
