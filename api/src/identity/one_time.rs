//! One-time secrets: CSPRNG, stored hashed, single use, bound to a purpose and an address,
//! valid for 10 minutes.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use uuid::Uuid;

use super::sessions::hash_token;
use crate::db::tokens::{self as q, NewToken, OneTimeToken};
use crate::db::Conn;

pub const LIFETIME: Duration = Duration::from_secs(600);
/// A new secret for the same purpose and address at most this often.
pub const RESEND_AFTER: Duration = Duration::from_secs(60);

/// Wrong guesses a code allows before it is used up.
pub const MAX_ATTEMPTS: i32 = 5;

/// What a one-time secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    LoginCode,
    /// The second step of a sign-in with two-factor authentication.
    MfaChallenge,
    /// Proving a sign-up's address before payment (no user exists yet).
    OnboardingEmail,
    /// Proving the address to recover a cancelled or unpaid account.
    RecoveryCode,
    /// Paying to recover an account, once the address is proved.
    RecoveryCheckout,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::LoginCode => "login_code",
            Self::MfaChallenge => "mfa_challenge",
            Self::OnboardingEmail => "onboarding_email",
            Self::RecoveryCode => "recovery_code",
            Self::RecoveryCheckout => "recovery_checkout",
        }
    }
}

/// A 6-digit code's stored hash: bound to the purpose, the address and the row (so equal
/// codes for different people never collide).
fn code_hash(purpose: Purpose, address: &str, id: Uuid, code: &str) -> Vec<u8> {
    hash_token(&format!("{}:{address}:{id}:{code}", purpose.as_str()))
}

/// Issues a 6-digit code for `address`, replacing any open one; returns the code.
pub async fn issue_code(
    conn: &mut Conn,
    purpose: Purpose,
    user_id: Option<Uuid>,
    address: &str,
) -> diesel::QueryResult<String> {
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let id = Uuid::new_v4();
    q::close_open_tokens(conn, purpose.as_str(), address).await?;
    q::insert_token(
        conn,
        NewToken {
            id,
            purpose: purpose.as_str(),
            user_id,
            address,
            secret_hash: &code_hash(purpose, address, id, code.as_str()),
            expires_at: Utc::now() + chrono::Duration::from_std(LIFETIME).expect("small"),
        },
    )
    .await?;
    Ok(code)
}

/// Checks a code for `address`. A wrong code counts against the open one, which is used
/// up at the fifth wrong try; a right one is used up and returned.
pub async fn consume_code(
    conn: &mut Conn,
    purpose: Purpose,
    address: &str,
    code: &str,
) -> diesel::QueryResult<Option<OneTimeToken>> {
    let Some(token) = q::newest_open_token_for_update(conn, purpose.as_str(), address).await?
    else {
        return Ok(None);
    };
    if token.expires_at <= Utc::now() {
        q::mark_used(conn, token.id).await?;
        return Ok(None);
    }
    let presented = code_hash(purpose, address, token.id, code.trim());
    if !crate::constant_time::eq(&presented, &token.secret_hash) {
        wrong_try(conn, token.id).await?;
        return Ok(None);
    }
    q::mark_used(conn, token.id).await?;
    Ok(Some(token))
}

/// Counts a wrong guess against an open secret; the fifth uses it up.
pub async fn wrong_try(conn: &mut Conn, id: Uuid) -> diesel::QueryResult<()> {
    if q::count_attempt(conn, id).await? >= MAX_ATTEMPTS {
        q::mark_used(conn, id).await?;
    }
    Ok(())
}

/// Issues a link secret (256 bits) for `address`, replacing any open one; returns the
/// raw secret, which only ever exists in the email.
pub async fn issue_link(
    conn: &mut Conn,
    purpose: Purpose,
    user_id: Option<Uuid>,
    address: &str,
) -> diesel::QueryResult<String> {
    let bytes: [u8; 32] = rand::random();
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    q::close_open_tokens(conn, purpose.as_str(), address).await?;
    q::insert_token(
        conn,
        NewToken {
            purpose: purpose.as_str(),
            user_id,
            address,
            id: Uuid::new_v4(),
            secret_hash: &hash_token(&secret),
            expires_at: Utc::now() + chrono::Duration::from_std(LIFETIME).expect("small"),
        },
    )
    .await?;
    Ok(secret)
}

/// Takes the secret if it is open, unexpired and of this purpose (used up either way
/// once found; an expired one is closed too).
pub async fn consume_link(
    conn: &mut Conn,
    purpose: Purpose,
    secret: &str,
) -> diesel::QueryResult<Option<OneTimeToken>> {
    if secret.is_empty() || secret.len() > 128 {
        return Ok(None);
    }
    let Some(token) = q::open_token_for_update(conn, purpose.as_str(), &hash_token(secret)).await?
    else {
        return Ok(None);
    };
    q::mark_used(conn, token.id).await?;
    Ok((token.expires_at > Utc::now()).then_some(token))
}

/// Finds an open, unexpired secret of `purpose` without using it up (row-locked until
/// the transaction ends); the caller then calls [`wrong_try`] or [`use_up`]. An expired
/// one is closed.
pub async fn open_secret(
    conn: &mut Conn,
    purpose: Purpose,
    secret: &str,
) -> diesel::QueryResult<Option<OneTimeToken>> {
    if secret.is_empty() || secret.len() > 128 {
        return Ok(None);
    }
    let Some(token) = q::open_token_for_update(conn, purpose.as_str(), &hash_token(secret)).await?
    else {
        return Ok(None);
    };
    if token.expires_at <= Utc::now() {
        q::mark_used(conn, token.id).await?;
        return Ok(None);
    }
    Ok(Some(token))
}

pub async fn use_up(conn: &mut Conn, id: Uuid) -> diesel::QueryResult<()> {
    q::mark_used(conn, id).await
}

/// The active user whose address is exactly `email`, when a new secret of `purpose` may
/// be sent to it now (the newest is over a minute old); `None` otherwise. Callers answer
/// the same either way, so nobody learns which addresses exist.
pub async fn recipient(
    conn: &mut Conn,
    purpose: Purpose,
    email: &str,
) -> diesel::QueryResult<Option<crate::db::identity::User>> {
    let Some(user) = crate::db::identity::find_user_by_login(conn, email).await? else {
        return Ok(None);
    };
    if user.email != email
        || user.deactivated_at.is_some()
        || !may_resend(conn, purpose, email).await?
    {
        return Ok(None);
    }
    Ok(Some(user))
}

/// Whether a new secret for `address` may be sent now.
pub async fn may_resend(
    conn: &mut Conn,
    purpose: Purpose,
    address: &str,
) -> diesel::QueryResult<bool> {
    let last = q::last_issued_at(conn, purpose.as_str(), address).await?;
    Ok(last.is_none_or(|at| (Utc::now() - at).to_std().unwrap_or_default() >= RESEND_AFTER))
}
