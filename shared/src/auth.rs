//! Sign-up, sign-in and session types, and the field rules both sides check.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, UserId};

/// `POST /api/v1/auth/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    /// 3–32 characters: letters, digits, `_`, `.`, `-`; starts with a letter or digit.
    pub username: String,
    /// 8–128 characters, not a commonly used password.
    pub password: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

/// The answer to a sign-up: always the same, whether or not the address was already
/// registered (the owner of an existing address is told by email instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegisterAccepted {
    /// Always `verification_sent`.
    pub status: String,
}

/// `POST /api/v1/auth/email/verify`: the secret from the emailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    pub token: String,
}

/// `POST /api/v1/auth/email/resend`: answered the same for unknown addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResendVerificationRequest {
    pub email: String,
}

/// A short outcome, e.g. `{"status": "verified"}` or `{"status": "sent_if_pending"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatusResponse {
    pub status: String,
}

/// `POST /api/v1/auth/password/forgot`: answered the same for unknown addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    pub email: String,
}

/// `POST /api/v1/auth/password/reset`: the secret from the emailed link and the new
/// password. Every session of the user ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub token: String,
    pub password: String,
}

/// `POST /api/v1/auth/password/change`: other sessions end, this one stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// `PATCH /api/v1/me`: only names and preferences can change here; any other field is
/// refused (422). Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Replaces the preferences as a whole.
    #[serde(default)]
    pub preferences: Option<Preferences>,
}

/// Personal settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Colour scheme of the web app.
    #[serde(default)]
    pub theme: Theme,
    /// Receive occasional emails about product news (never needed for the service).
    #[serde(default)]
    pub product_updates: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the device.
    #[default]
    System,
    Light,
    Dark,
}

/// `DELETE /api/v1/me`: deactivates the user; needs the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeactivateRequest {
    pub password: String,
}

/// `GET /api/v1/me/export`: everything Gatehouse holds about the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PersonalDataExport {
    pub user: Me,
    /// RFC 3339.
    pub created_at: String,
    pub email_verified_at: Option<String>,
    pub memberships: Vec<MembershipExport>,
    pub sessions: Vec<SessionExport>,
    pub emails: Vec<EmailExport>,
    /// The person's support tickets with every message.
    #[serde(default)]
    pub tickets: Vec<crate::tickets::Ticket>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MembershipExport {
    pub account_id: AccountId,
    pub account_name: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionExport {
    pub started_at: String,
    pub expires_at: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EmailExport {
    pub subject: String,
    pub template: String,
    pub sent_at: String,
}

/// `POST /api/v1/auth/code/request`: email a 6-digit sign-in code (same answer for every
/// address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub email: String,
}

/// `POST /api/v1/auth/code/verify`: sign in with the emailed code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeVerifyRequest {
    pub email: String,
    /// Six digits.
    pub code: String,
    #[serde(default)]
    pub use_cookie: bool,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address or username.
    pub login: String,
    pub password: String,
    #[serde(default)]
    pub use_cookie: bool,
}

/// `POST /api/v1/auth/refresh`: the token from the body, or else from the cookie.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub use_cookie: bool,
}

/// `POST /api/v1/auth/logout`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The session to end (else the cookie's).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// End every session of the user, on every device.
    #[serde(default)]
    pub everywhere: bool,
}

/// Issued on sign-up, sign-in and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Short-lived JWT (EdDSA) to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The rotating refresh token; absent when it was set as a cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email_verified: bool,
    /// The account the access token acts for.
    pub account_id: AccountId,
    /// Whether a password is set (people who only sign in through a provider have none;
    /// "forgot password" sets one).
    #[serde(default)]
    pub has_password: bool,
    /// Whether sign-in needs an authenticator code.
    #[serde(default)]
    pub mfa_enabled: bool,
    /// Staff of this Gatehouse installation.
    #[serde(default)]
    pub staff: bool,
    /// The staff member's role: `support`, `billing` or `admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_role: Option<String>,
    /// Staff who must turn on two-factor authentication before using the admin area.
    #[serde(default)]
    pub mfa_required: bool,
    /// Providers this user can sign in with (`google`, `github`).
    #[serde(default)]
    pub linked_providers: Vec<String>,
    #[serde(default)]
    pub preferences: Preferences,
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const NAME_MAX: usize = 100;

/// Trims and lower-cases; `None` unless it looks like `local@domain.tld`.
pub fn normalize_email(raw: &str) -> Option<String> {
    plausible_email(raw.trim().to_lowercase())
}

/// [`normalize_email`] of an address already trimmed and lower-cased: `None` unless it
/// looks like `local@domain.tld`. For clients that lower-case with their platform's own
/// Unicode tables (the SPA uses the browser's, so its Wasm carries none of Rust's).
pub fn plausible_email(email: String) -> Option<String> {
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && local.len() <= 64
        && (3..=254).contains(&email.len())
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email.contains(char::is_whitespace)
        && !domain.contains('@');
    plausible.then_some(email)
}

/// Why a username is not acceptable, if it is not.
pub fn username_problem(username: &str) -> Option<&'static str> {
    let length = username.chars().count();
    if !(3..=32).contains(&length) {
        return Some("must be 3 to 32 characters");
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Some("may contain only letters, digits, '_', '.' and '-'");
    }
    if !username.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("must start with a letter or digit");
    }
    None
}

/// Why a password's length is not acceptable, if it is not (the server also rejects
/// common passwords).
pub fn password_length_problem(password: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        Some("must be at least 8 characters")
    } else if length > PASSWORD_MAX {
        Some("must be at most 128 characters")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.ORG "),
            Some("ada@example.org".to_owned())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@x.org",
            "a@x..org",
            "a@.x.org",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
            assert_eq!(plausible_email(bad.to_owned()), None, "{bad}");
        }
        assert_eq!(
            plausible_email("ada@example.org".to_owned()),
            Some("ada@example.org".to_owned())
        );
    }

    #[test]
    fn usernames_and_passwords_have_clear_rules() {
        assert_eq!(username_problem("ada_l"), None);
        assert!(username_problem("ab").is_some());
        assert!(username_problem("_ada").is_some());
        assert!(username_problem("ada lovelace").is_some());
        assert!(password_length_problem("short").is_some());
        assert!(password_length_problem(&"x".repeat(129)).is_some());
        assert_eq!(password_length_problem("long enough"), None);
    }
}
