//! Sign-in with email or username and password.

use uuid::Uuid;

use super::password::{self, Verified};
use crate::db::{identity as q, Conn};
use crate::error::{AppError, AppResult};

/// The one answer for every failed sign-in: unknown user, wrong password and deactivated
/// user are indistinguishable (same status, body and, through the dummy hash, timing).
pub fn invalid_credentials() -> AppError {
    AppError::InvalidCredentials
}

/// Checks the credentials; returns the user and the account a new session acts for.
pub async fn authenticate(conn: &mut Conn, login: &str, password: &str) -> AppResult<(Uuid, Uuid)> {
    if login.trim().is_empty() || password.is_empty() || password.len() > 1024 {
        // Still spend the time of a hash: a cheap early answer would stand out.
        password::verify(String::new(), None).await;
        return Err(invalid_credentials());
    }
    let user = q::find_user_by_login(conn, login).await?;
    let stored = user.as_ref().and_then(|user| user.password_hash.clone());
    let verified = password::verify(password.to_owned(), stored).await;
    let Some(user) = user else {
        return Err(invalid_credentials());
    };
    if verified == Verified::No || user.deactivated_at.is_some() {
        return Err(invalid_credentials());
    }
    if verified == Verified::YesRehash {
        let upgraded = password::hash(password.to_owned()).await?;
        q::set_password_hash(conn, user.id, &upgraded).await?;
        tracing::info!(user.id = %user.id, "password hash upgraded to current parameters");
    }
    let account = q::default_account(conn, user.id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {} has no account", user.id)))?;
    Ok((user.id, account))
}
