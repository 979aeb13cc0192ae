//! Forgotten, reset and changed passwords.

use diesel_async::AsyncConnection;
use gatehouse_shared::auth::normalize_email;
use uuid::Uuid;

use super::one_time::{self, Purpose};
use super::password::{self, Verified};
use super::register::password_problem;
use super::verify_email::invalid_link;
use crate::db::identity as q;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, Email, SendEmail};

/// Emails a reset link when the address belongs to an active user (at most once a
/// minute); does nothing otherwise. The caller answers the same either way.
pub async fn forgot(conn: &mut Conn, public_url: &url::Url, raw_email: &str) -> AppResult<()> {
    email_password_link(conn, public_url, raw_email, templates::reset_password).await
}

/// The page where a password link's secret is used.
pub fn password_link(public_url: &url::Url, secret: &str) -> AppResult<String> {
    let mut link = public_url
        .join("reset-password")
        .map_err(AppError::internal)?;
    link.query_pairs_mut().append_pair("token", secret);
    Ok(link.into())
}

/// Emails a link to choose a password (in the words of `template`) when the address
/// belongs to an active user and none was sent in the last minute.
pub async fn email_password_link(
    conn: &mut Conn,
    public_url: &url::Url,
    raw_email: &str,
    template: fn(&str, &str, &str) -> Email,
) -> AppResult<()> {
    let Some(email) = normalize_email(raw_email) else {
        return Ok(());
    };
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(user) = one_time::recipient(tx, Purpose::ResetPassword, &email).await? else {
            return Ok(());
        };
        let secret =
            one_time::issue_link(tx, Purpose::ResetPassword, Some(user.id), &email).await?;
        let link = password_link(public_url, &secret)?;
        enqueue(tx, &SendEmail(template(&email, &user.first_name, &link))).await?;
        Ok(())
    })
    .await
}

fn new_password_invalid(field: &str, problem: &str) -> AppError {
    AppError::validation([(field.to_owned(), problem.to_owned())])
}

/// Sets a new password with a reset link; every session ends; the address counts as
/// verified (the link proved it).
pub async fn reset(conn: &mut Conn, secret: &str, new_password: &str) -> AppResult<()> {
    // The password is checked against the user's names inside; the length up front.
    if let Some(problem) = gatehouse_shared::auth::password_length_problem(new_password) {
        return Err(new_password_invalid("password", problem));
    }
    let hash = password::hash(new_password.to_owned()).await?;
    conn.transaction::<_, AppError, _>(async |tx| {
        let token = one_time::consume_link(tx, Purpose::ResetPassword, secret.trim())
            .await?
            .ok_or_else(invalid_link)?;
        let user = match token.user_id {
            Some(id) => q::find_user(tx, id).await?,
            None => None,
        }
        .filter(|user| user.email == token.address && user.deactivated_at.is_none())
        .ok_or_else(invalid_link)?;
        if let Some(problem) = password_problem(new_password, &user.email, &user.username) {
            return Err(new_password_invalid("password", problem));
        }
        q::set_password_hash(tx, user.id, &hash).await?;
        q::mark_email_verified(tx, user.id).await?;
        let revoked = q::revoke_all_for_user(tx, user.id).await?;
        tracing::info!(user.id = %user.id, revoked, "password reset; every session ended");
        Ok(())
    })
    .await
}

/// Changes the password of a signed-in user; sessions other than `current_session` end.
pub async fn change(
    conn: &mut Conn,
    user_id: Uuid,
    current_session: Uuid,
    current_password: &str,
    new_password: &str,
) -> AppResult<()> {
    let user = q::find_user(conn, user_id)
        .await?
        .filter(|user| user.deactivated_at.is_none())
        .ok_or(AppError::Unauthorized)?;
    if password::verify(current_password.to_owned(), user.password_hash.clone()).await
        == Verified::No
    {
        return Err(new_password_invalid("current_password", "is not correct"));
    }
    if let Some(problem) = password_problem(new_password, &user.email, &user.username) {
        return Err(new_password_invalid("new_password", problem));
    }
    let hash = password::hash(new_password.to_owned()).await?;
    conn.transaction::<_, AppError, _>(async |tx| {
        q::set_password_hash(tx, user.id, &hash).await?;
        q::revoke_all_for_user_except(tx, user.id, current_session).await?;
        Ok(())
    })
    .await
}
