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

/// What a one-time secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
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

/// Whether a new secret for `address` may be sent now.
pub async fn may_resend(
    conn: &mut Conn,
    purpose: Purpose,
    address: &str,
) -> diesel::QueryResult<bool> {
    let last = q::last_issued_at(conn, purpose.as_str(), address).await?;
    Ok(last.is_none_or(|at| (Utc::now() - at).to_std().unwrap_or_default() >= RESEND_AFTER))
}
