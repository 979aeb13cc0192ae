//! Brute-force protection for credential endpoints, on the shared rate limiter.
//!
//! Two buckets per attempt: one per client address (stops one source from spraying many
//! accounts) and one per account name *and* address (stops guessing one account). The
//! second never involves other addresses, so an attacker cannot lock the owner out from
//! elsewhere. Empty buckets answer 429 with `Retry-After`; the wait grows with every
//! further attempt because each one also drains the bucket.

use std::net::IpAddr;
use std::time::Duration;

use crate::error::{AppError, AppResult};
use crate::ratelimit::{RateLimiter, Rule};

/// Sign-in attempts per client address: 30 at once, then one every 10 s.
pub fn per_address() -> Rule {
    Rule::per(30, Duration::from_secs(300))
}

/// Sign-in attempts per account name and address: 5 at once, then one a minute.
pub fn per_account_and_address() -> Rule {
    Rule::per(5, Duration::from_secs(300))
}

/// Which credential check an attempt is for; each has its own buckets.
#[derive(Debug, Clone, Copy)]
pub enum Attempt {
    SignIn,
    PasswordChange,
    PasswordForgot,
    /// Asking for an emailed sign-in code.
    CodeRequest,
    /// Entering an emailed sign-in code.
    CodeVerify,
    /// Entering an authenticator or recovery code.
    MfaCode,
    /// The sign-up wizard's availability check.
    SignUpCheck,
    /// Asking for a sign-up code (keyed by the address).
    SignUpCode,
    /// Entering a sign-up code.
    SignUpCodeVerify,
    /// Joining the waitlist.
    Waitlist,
}

impl Attempt {
    fn key(self) -> &'static str {
        match self {
            Self::SignIn => "signin",
            Self::PasswordChange => "pwchange",
            Self::PasswordForgot => "pwforgot",
            Self::CodeRequest => "coderequest",
            Self::CodeVerify => "codeverify",
            Self::MfaCode => "mfacode",
            Self::SignUpCheck => "signupcheck",
            Self::SignUpCode => "signupcode",
            Self::SignUpCodeVerify => "signupverify",
            Self::Waitlist => "waitlist",
        }
    }
}

/// Takes one token from both buckets; 429 when either is empty. If the limiter's store
/// is unreachable the attempt is allowed (argon2 still bounds the rate) and logged.
pub async fn attempt(
    limiter: &RateLimiter,
    kind: Attempt,
    client: IpAddr,
    login: &str,
) -> AppResult<()> {
    let account_key = login.trim().to_lowercase();
    let action = kind.key();
    let checks = [
        (format!("{action}:ip:{client}"), per_address()),
        (
            format!("{action}:acct:{account_key}:{client}"),
            per_account_and_address(),
        ),
    ];
    for (key, rule) in checks {
        match limiter.check(&key, rule).await {
            Ok(decision) if decision.allowed => {}
            Ok(decision) => {
                tracing::warn!(%client, action, "credential attempts throttled");
                return Err(AppError::RateLimited {
                    retry_after_secs: decision.retry_after.as_secs().max(1),
                });
            }
            Err(err) => {
                tracing::warn!(error = %err, "rate limiter unavailable; allowing the attempt")
            }
        }
    }
    Ok(())
}
