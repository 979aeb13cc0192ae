//! Signing in with a 6-digit code sent by email.

use diesel_async::AsyncConnection;
use gatehouse_shared::auth::normalize_email;
use uuid::Uuid;

use super::login::invalid_credentials;
use super::one_time::{self, Purpose};
use crate::db::identity as q;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

/// Emails a code when the address belongs to an active user (at most once a minute).
/// The caller answers the same either way.
pub async fn request(conn: &mut Conn, raw_email: &str) -> AppResult<()> {
    let Some(email) = normalize_email(raw_email) else {
        return Ok(());
    };
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(user) = one_time::recipient(tx, Purpose::LoginCode, &email).await? else {
            return Ok(());
        };
        let code = one_time::issue_code(tx, Purpose::LoginCode, Some(user.id), &email).await?;
        enqueue(
            tx,
            &SendEmail(templates::login_code(&email, &user.first_name, &code)),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Checks the code; returns the user and the account a new session acts for. Every
/// failure is the same `invalid_credentials`; wrong tries are committed before answering.
pub async fn verify(conn: &mut Conn, raw_email: &str, code: &str) -> AppResult<(Uuid, Uuid)> {
    let Some(email) = normalize_email(raw_email) else {
        return Err(invalid_credentials());
    };
    if code.trim().len() != 6 || !code.trim().bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_credentials());
    }
    let token = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(one_time::consume_code(tx, Purpose::LoginCode, &email, code).await?)
        })
        .await?
        .ok_or_else(invalid_credentials)?;
    let user = match token.user_id {
        Some(id) => q::find_user(conn, id).await?,
        None => None,
    }
    .filter(|user| user.email == token.address && user.deactivated_at.is_none())
    .ok_or_else(invalid_credentials)?;
    // Receiving the code proved the address.
    q::mark_email_verified(conn, user.id).await?;
    let account = q::default_account(conn, user.id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {} has no account", user.id)))?;
    Ok((user.id, account))
}
