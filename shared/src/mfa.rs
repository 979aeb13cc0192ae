//! Two-factor authentication: TOTP (RFC 6238) enrolment, recovery codes, and the sign-in
//! challenge that a second factor completes.

use serde::{Deserialize, Serialize};

use crate::auth::TokenResponse;

/// What `POST /api/v1/auth/login` and `POST /api/v1/auth/code/verify` answer: tokens, or
/// (for a user with two-factor authentication on) a challenge for
/// `POST /api/v1/auth/mfa/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum SignInResponse {
    Tokens(TokenResponse),
    MfaRequired(MfaChallenge),
}

/// The first factor was right; a second one is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MfaChallenge {
    /// Always `true`.
    pub mfa_required: bool,
    /// Opaque, single use; send it to `auth/mfa/verify` with a code.
    pub mfa_token: String,
    /// Seconds the challenge stays open.
    pub expires_in: u64,
}

/// `POST /api/v1/auth/mfa/verify`: completes a sign-in with a code from the
/// authenticator app or an unused recovery code. Five wrong codes close the challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyRequest {
    pub mfa_token: String,
    /// Six digits from the app, or a recovery code (`xxxxx-xxxxx`).
    pub code: String,
    #[serde(default)]
    pub use_cookie: bool,
}

/// `POST /api/v1/auth/mfa/totp/setup`: a new secret to enter into an authenticator app.
/// Nothing changes for sign-in until it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TotpSetupResponse {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// `otpauth://totp/…` (SHA1, 6 digits, 30 s).
    pub otpauth_uri: String,
    /// The URI as a QR code: a standalone SVG document.
    pub qr_svg: String,
}

/// `POST /api/v1/auth/mfa/totp/confirm`: a current code proves the app holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmRequest {
    pub code: String,
}

/// Recovery codes, shown once: each signs in once in place of an app code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// `POST /api/v1/auth/mfa/totp/disable`: the password (or, for people who sign in only
/// through a provider, a current app code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpDisableRequest {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// True when `code` looks like an authenticator code (six digits, spaces allowed).
pub fn looks_like_totp(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_answers_are_told_apart_by_shape() {
        let tokens: SignInResponse =
            serde_json::from_str(r#"{"access_token":"a","token_type":"Bearer","expires_in":900}"#)
                .unwrap();
        assert!(matches!(tokens, SignInResponse::Tokens(_)));
        let challenge: SignInResponse =
            serde_json::from_str(r#"{"mfa_required":true,"mfa_token":"t","expires_in":600}"#)
                .unwrap();
        assert!(matches!(challenge, SignInResponse::MfaRequired(_)));
    }

    #[test]
    fn totp_codes_are_six_digits() {
        assert!(looks_like_totp("123456"));
        assert!(looks_like_totp("123 456"));
        assert!(!looks_like_totp("12345"));
        assert!(!looks_like_totp("abcde-fghij"));
    }
}
