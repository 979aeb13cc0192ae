//! Sessions: an access token plus a rotating refresh token. One refresh-token family per
//! sign-in; every refresh rotates the token; presenting a rotated token again revokes the
//! family (theft), except within a short window so two tabs refreshing at once both
//! succeed.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use diesel_async::AsyncConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::keys::{Claims, KeyStore};
use crate::db::identity::{self as q, NewRefreshToken};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// Lifetimes of the tokens.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub access_ttl: Duration,
    /// Absolute: a family ends this long after sign-in, however often it refreshes.
    pub refresh_ttl: Duration,
    /// How long a just-rotated token may still be presented without a theft alarm.
    pub reuse_window: Duration,
}

/// What a sign-in or refresh hands out.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub user_id: Uuid,
}

/// The one answer for every refused refresh.
fn refused() -> AppError {
    AppError::Unauthorized
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_refresh_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a new session (family) for the user in the account.
pub async fn start(
    conn: &mut Conn,
    keys: &KeyStore,
    settings: &SessionSettings,
    user_id: Uuid,
    account_id: Uuid,
    mfa: bool,
) -> AppResult<Issued> {
    let family_id = Uuid::new_v4();
    let expires_at = Utc::now()
        + chrono::Duration::from_std(settings.refresh_ttl).map_err(AppError::internal)?;
    let refresh_token = new_refresh_token();
    q::insert_refresh_token(
        conn,
        NewRefreshToken {
            family_id,
            user_id,
            account_id,
            token_hash: &hash_token(&refresh_token),
            expires_at,
            mfa,
        },
    )
    .await?;
    let access_token =
        access_token(conn, keys, settings, user_id, account_id, family_id, mfa).await?;
    Ok(Issued {
        access_token,
        expires_in: settings.access_ttl.as_secs(),
        refresh_token,
        user_id,
    })
}

/// How long a staff member's read-only view as a customer lasts (no refresh).
pub const VIEW_AS_TTL: Duration = Duration::from_secs(10 * 60);

/// A read-only access token for `user_id` in `account_id`, for staff member `staff_id`
/// to see what the customer sees: `imp` names the staff member, `ro` is set, it lasts
/// [`VIEW_AS_TTL`] (or the usual lifetime, when shorter) and has no refresh token.
pub async fn view_as(
    conn: &mut Conn,
    keys: &KeyStore,
    settings: &SessionSettings,
    user_id: Uuid,
    account_id: Uuid,
    staff_id: Uuid,
) -> AppResult<(String, u64)> {
    let ttl = settings.access_ttl.min(VIEW_AS_TTL);
    let settings = SessionSettings {
        access_ttl: ttl,
        ..settings.clone()
    };
    let mut claims = claims_for(
        conn,
        keys,
        &settings,
        user_id,
        account_id,
        Uuid::new_v4(),
        false,
    )
    .await?;
    claims.imp = Some(staff_id.to_string());
    claims.ro = true;
    let token = keys.sign(&claims).await.map_err(AppError::internal)?;
    Ok((token, ttl.as_secs()))
}

async fn access_token(
    conn: &mut Conn,
    keys: &KeyStore,
    settings: &SessionSettings,
    user_id: Uuid,
    account_id: Uuid,
    family_id: Uuid,
    mfa: bool,
) -> AppResult<String> {
    let claims = claims_for(conn, keys, settings, user_id, account_id, family_id, mfa).await?;
    keys.sign(&claims).await.map_err(AppError::internal)
}

/// What an access token for the user in the account says now.
async fn claims_for(
    conn: &mut Conn,
    keys: &KeyStore,
    settings: &SessionSettings,
    user_id: Uuid,
    account_id: Uuid,
    family_id: Uuid,
    mfa: bool,
) -> AppResult<Claims> {
    let role = q::role_in(conn, user_id, account_id).await?;
    let now = Utc::now().timestamp();
    let claims = Claims {
        iss: keys.issuer().to_owned(),
        aud: keys.audience().to_owned(),
        sub: user_id.to_string(),
        iat: now,
        exp: now + settings.access_ttl.as_secs() as i64,
        acc: account_id.to_string(),
        roles: role.into_iter().collect(),
        // What the account's live subscriptions grant, as of this token.
        ent: crate::db::billing::entitlement_keys(conn, account_id).await?,
        // And where the user is placed, as of this token.
        seats: crate::db::instances::seat_claims(conn, user_id)
            .await?
            .into_iter()
            .map(
                |(product, instance, url)| crate::identity::keys::SeatClaim {
                    product,
                    instance: instance.to_string(),
                    url,
                },
            )
            .collect(),
        sid: family_id.to_string(),
        mfa,
        imp: None,
        ro: false,
    };
    Ok(claims)
}

/// Exchanges a refresh token for a new pair, in one transaction with the token row
/// locked, so concurrent refreshes of one token are decided one after the other.
pub async fn refresh(
    conn: &mut Conn,
    keys: &KeyStore,
    settings: &SessionSettings,
    presented: &str,
) -> AppResult<Issued> {
    let presented_hash = hash_token(presented);
    let outcome = conn
        .transaction::<_, AppError, _>(async |tx| {
            let Some(row) = q::refresh_token_for_update(tx, &presented_hash).await? else {
                return Ok(Err(refused()));
            };
            if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
                return Ok(Err(refused()));
            }
            if let Some(rotated_at) = row.rotated_at {
                let age = (Utc::now() - rotated_at).to_std().unwrap_or_default();
                if age > settings.reuse_window {
                    // A token used after its successor was issued: someone holds a copy.
                    let revoked = q::revoke_family(tx, row.family_id).await?;
                    tracing::warn!(
                        user.id = %row.user_id,
                        session.id = %row.family_id,
                        revoked,
                        "refresh token reused after rotation; session revoked"
                    );
                    return Ok(Err(refused()));
                }
            }
            let active = q::find_user(tx, row.user_id)
                .await?
                .is_some_and(|user| user.deactivated_at.is_none());
            let member = q::role_in(tx, row.user_id, row.account_id).await?.is_some();
            if !active || !member {
                q::revoke_family(tx, row.family_id).await?;
                return Ok(Err(refused()));
            }
            let refresh_token = new_refresh_token();
            let new_id = q::insert_refresh_token(
                tx,
                NewRefreshToken {
                    family_id: row.family_id,
                    user_id: row.user_id,
                    account_id: row.account_id,
                    token_hash: &hash_token(&refresh_token),
                    expires_at: row.expires_at,
                    mfa: row.mfa,
                },
            )
            .await?;
            // Within the reuse window the first successor stays the recorded one.
            if row.rotated_at.is_none() {
                q::mark_rotated(tx, row.id, new_id).await?;
            }
            let access_token = access_token(
                tx,
                keys,
                settings,
                row.user_id,
                row.account_id,
                row.family_id,
                row.mfa,
            )
            .await?;
            Ok(Ok(Issued {
                access_token,
                expires_in: settings.access_ttl.as_secs(),
                refresh_token,
                user_id: row.user_id,
            }))
        })
        .await?;
    // Revocations above commit before the refusal is answered.
    outcome
}

/// A new session acting for `account_id` (which the user must belong to: 404 otherwise),
/// keeping whether the old one passed a second factor; the old session ends.
pub async fn switch_account(
    conn: &mut Conn,
    keys: &KeyStore,
    settings: &SessionSettings,
    user_id: Uuid,
    from_session: Uuid,
    account_id: Uuid,
    mfa: bool,
) -> AppResult<Issued> {
    if q::role_in(conn, user_id, account_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let issued = conn
        .transaction::<_, AppError, _>(async |tx| {
            q::revoke_family(tx, from_session).await?;
            start(tx, keys, settings, user_id, account_id, mfa).await
        })
        .await?;
    tracing::info!(user.id = %user_id, account.id = %account_id, "switched to another account");
    Ok(issued)
}

/// Ends the session the token belongs to, or every session of its user.
pub async fn logout(conn: &mut Conn, presented: &str, everywhere: bool) -> AppResult<()> {
    let Some(row) = q::refresh_token_for_update(conn, &hash_token(presented)).await? else {
        // Unknown or already gone: logging out is idempotent.
        return Ok(());
    };
    if everywhere {
        let revoked = q::revoke_all_for_user(conn, row.user_id).await?;
        tracing::info!(user.id = %row.user_id, revoked, "signed out everywhere");
    } else {
        q::revoke_family(conn, row.family_id).await?;
    }
    Ok(())
}
