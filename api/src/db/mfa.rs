//! Second factors: TOTP secrets and recovery codes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{mfa_recovery_codes, totp_credentials, users};
use super::Conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = totp_credentials, check_for_backend(diesel::pg::Pg))]
pub struct TotpCredential {
    pub user_id: Uuid,
    pub secret: Vec<u8>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_step: Option<i64>,
}

/// The user's TOTP credential, row-locked (confirming, checking and disabling are
/// decided one at a time, so a code is never accepted twice).
pub async fn totp_for_update(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<Option<TotpCredential>> {
    totp_credentials::table
        .find(user_id)
        .select(TotpCredential::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// [`totp_for_update`] for turning the second factor on or off, with the user's row
/// locked first (NO KEY UPDATE). That change also updates the user's row (the
/// `users.mfa_enabled` trigger), and the retention purge locks the user before their
/// credential: taking the credential first would deadlock with it.
pub async fn totp_for_change(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<Option<TotpCredential>> {
    users::table
        .find(user_id)
        .select(users::id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await
        .optional()?;
    totp_for_update(conn, user_id).await
}

/// Whether sign-in needs a second factor.
pub async fn totp_enabled(conn: &mut Conn, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        totp_credentials::table
            .find(user_id)
            .filter(totp_credentials::confirmed_at.is_not_null()),
    ))
    .get_result(conn)
    .await
}

/// Stores a new unconfirmed secret, replacing an unconfirmed one. Leaves a confirmed
/// credential alone and answers false. Call inside a transaction (the check locks).
pub async fn put_unconfirmed_totp(
    conn: &mut Conn,
    user_id: Uuid,
    secret: &[u8],
) -> QueryResult<bool> {
    if totp_for_update(conn, user_id)
        .await?
        .is_some_and(|credential| credential.confirmed_at.is_some())
    {
        return Ok(false);
    }
    diesel::insert_into(totp_credentials::table)
        .values((
            totp_credentials::user_id.eq(user_id),
            totp_credentials::secret.eq(secret),
        ))
        .on_conflict(totp_credentials::user_id)
        .do_update()
        .set((
            totp_credentials::secret.eq(excluded(totp_credentials::secret)),
            totp_credentials::created_at.eq(diesel::dsl::now),
            totp_credentials::last_step.eq(None::<i64>),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}

/// Records the newest accepted time step (and confirms the credential).
pub async fn accept_totp_step(conn: &mut Conn, user_id: Uuid, step: i64) -> QueryResult<()> {
    diesel::update(totp_credentials::table.find(user_id))
        .set((
            totp_credentials::last_step.eq(step),
            totp_credentials::confirmed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the TOTP credential and every recovery code.
pub async fn delete_mfa(conn: &mut Conn, user_id: Uuid) -> QueryResult<()> {
    diesel::delete(totp_credentials::table.find(user_id))
        .execute(conn)
        .await?;
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user_id)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    conn: &mut Conn,
    user_id: Uuid,
    hashes: &[Vec<u8>],
) -> QueryResult<()> {
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user_id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = hashes
        .iter()
        .map(|hash| {
            (
                mfa_recovery_codes::user_id.eq(user_id),
                mfa_recovery_codes::code_hash.eq(hash),
            )
        })
        .collect();
    diesel::insert_into(mfa_recovery_codes::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses up the unused recovery code with this hash; false when there is none.
pub async fn use_recovery_code(conn: &mut Conn, user_id: Uuid, hash: &[u8]) -> QueryResult<bool> {
    let used = diesel::update(
        mfa_recovery_codes::table
            .filter(mfa_recovery_codes::user_id.eq(user_id))
            .filter(mfa_recovery_codes::code_hash.eq(hash))
            .filter(mfa_recovery_codes::used_at.is_null()),
    )
    .set(mfa_recovery_codes::used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(used == 1)
}

/// How many recovery codes are left.
pub async fn recovery_codes_left(conn: &mut Conn, user_id: Uuid) -> QueryResult<i64> {
    mfa_recovery_codes::table
        .filter(mfa_recovery_codes::user_id.eq(user_id))
        .filter(mfa_recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
        .await
}
