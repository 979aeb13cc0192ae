//! Signing in through Google or GitHub (authorization code + PKCE).
//!
//! `GET /api/v1/auth/oauth/{provider}/start?next=/path` redirects to the provider; its
//! `callback` redirects back into the SPA:
//! - signed in: to `next` (default `/account`) with the refresh cookie set; the SPA
//!   resumes the session with a silent refresh;
//! - second factor needed: to `/sign-in?next=…#mfa_token=<token>`;
//! - refused: to `/sign-in?oauth_error=<code>` (see [`OAUTH_ERRORS`]).

use serde::{Deserialize, Serialize};

/// `GET /api/v1/auth/oauth/providers`: the providers this installation has configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OAuthProviders {
    /// Any of `google`, `github`.
    pub providers: Vec<String>,
}

/// The `oauth_error` codes the callback may send the browser back with, and what to
/// tell the person.
pub const OAUTH_ERRORS: &[(&str, &str)] = &[
    ("oauth_cancelled", "Sign-in was cancelled at the provider."),
    (
        "oauth_failed",
        "Signing in with the provider did not work. Please try again.",
    ),
    (
        "oauth_email_unverified",
        "The provider has not verified your email address, or an account with that address \
         has not been confirmed yet. Sign in with your password or confirm your email first.",
    ),
    ("oauth_account_unavailable", "This account cannot sign in."),
];

/// The message for an `oauth_error` code (a generic one for unknown codes).
pub fn oauth_error_message(code: &str) -> &'static str {
    OAUTH_ERRORS
        .iter()
        .find(|(known, _)| *known == code)
        .map_or(OAUTH_ERRORS[1].1, |(_, message)| message)
}

/// Human name of a provider key.
pub fn provider_label(provider: &str) -> &str {
    match provider {
        "google" => "Google",
        "github" => "GitHub",
        other => other,
    }
}
