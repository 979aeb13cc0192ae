//! The end of every first factor (password, emailed code, provider): a session, or, for
//! people with two-factor authentication on, a challenge the second factor completes.

use uuid::Uuid;

use super::mfa;
use super::sessions::{self, Issued};
use crate::db::identity as q;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use gatehouse_shared::mfa::MfaChallenge;

pub enum FirstFactorDone {
    SignedIn(Issued),
    MfaRequired(MfaChallenge),
}

/// After a right first factor.
pub async fn after_first_factor(
    conn: &mut Conn,
    state: &AppState,
    user_id: Uuid,
    account_id: Uuid,
) -> AppResult<FirstFactorDone> {
    if mfa::enabled(conn, user_id).await? {
        let user = q::find_user(conn, user_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {user_id} vanished")))?;
        return Ok(FirstFactorDone::MfaRequired(
            mfa::challenge(conn, &user).await?,
        ));
    }
    let issued = sessions::start(
        conn,
        &state.keys,
        &state.sessions,
        user_id,
        account_id,
        false,
    )
    .await?;
    tracing::info!(user.id = %user_id, "signed in");
    Ok(FirstFactorDone::SignedIn(issued))
}

/// After a right second factor.
pub async fn after_second_factor(
    conn: &mut Conn,
    state: &AppState,
    user_id: Uuid,
) -> AppResult<Issued> {
    let account_id = q::default_account(conn, user_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {user_id} has no account")))?;
    let issued = sessions::start(
        conn,
        &state.keys,
        &state.sessions,
        user_id,
        account_id,
        true,
    )
    .await?;
    tracing::info!(user.id = %user_id, "signed in with a second factor");
    Ok(issued)
}
