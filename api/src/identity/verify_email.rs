//! Email verification: the link from the sign-up email, and sending a new one.

use gatehouse_shared::auth::normalize_email;

use super::one_time::{self, Purpose};
use super::register::verify_link;
use crate::db::identity as q;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

/// The one answer for a link that is unknown, used, expired or for another address.
pub fn invalid_link() -> AppError {
    AppError::bad_request(
        "invalid_or_expired_link",
        "This link is invalid or has expired. Ask for a new one.",
    )
}

/// Marks the address verified when the secret is good and still bound to the user's
/// current address.
pub async fn verify(conn: &mut Conn, secret: &str) -> AppResult<()> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, AppError, _>(async |tx| {
        let token = one_time::consume_link(tx, Purpose::VerifyEmail, secret.trim())
            .await?
            .ok_or_else(invalid_link)?;
        let user_id = token.user_id.ok_or_else(invalid_link)?;
        let user = q::find_user(tx, user_id).await?.ok_or_else(invalid_link)?;
        if user.email != token.address || user.deactivated_at.is_some() {
            return Err(invalid_link());
        }
        q::mark_email_verified(tx, user.id).await?;
        tracing::info!(user.id = %user.id, "email verified");
        Ok(())
    })
    .await
}

/// Sends a new link when the address belongs to an unverified user and the last one is
/// more than a minute old; otherwise does nothing. The caller answers the same either way.
pub async fn resend(conn: &mut Conn, public_url: &url::Url, raw_email: &str) -> AppResult<()> {
    use diesel_async::AsyncConnection;
    let Some(email) = normalize_email(raw_email) else {
        return Ok(());
    };
    conn.transaction::<_, AppError, _>(async |tx| {
        let pending = one_time::recipient(tx, Purpose::VerifyEmail, &email)
            .await?
            .filter(|user| user.email_verified_at.is_none());
        let Some(user) = pending else {
            return Ok(());
        };
        let secret = one_time::issue_link(tx, Purpose::VerifyEmail, Some(user.id), &email).await?;
        let link = verify_link(public_url, &secret)?;
        enqueue(
            tx,
            &SendEmail(templates::verify_email(&email, &user.first_name, &link)),
        )
        .await?;
        Ok(())
    })
    .await
}
