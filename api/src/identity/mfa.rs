//! Two-factor authentication with an authenticator app (TOTP) and recovery codes.
//!
//! Enrolment: `setup` stores a new secret, unconfirmed; `confirm` with a current code
//! turns it on and hands out ten recovery codes (stored hashed, shown once). Sign-in of
//! a user with it on stops after the first factor with a challenge (a one-time secret,
//! five wrong codes, ten minutes) that `verify` completes with an app code or an unused
//! recovery code. An accepted app code's time step is recorded, so no code works twice.

use chrono::Utc;
use diesel_async::AsyncConnection;
use gatehouse_shared::mfa::{looks_like_totp, MfaChallenge, RecoveryCodes, TotpSetupResponse};
use uuid::Uuid;

use super::login::invalid_credentials;
use super::one_time::{self, Purpose};
use super::password::{self, Verified};
use super::sessions::hash_token;
use super::totp;
use crate::db::identity::{self as users, User};
use crate::db::{mfa as q, Conn};
use crate::error::{AppError, AppResult};

pub const RECOVERY_CODES: usize = 10;

/// What two-factor authentication needs from the configuration.
#[derive(Debug, Clone)]
pub struct MfaSettings {
    /// The name authenticator apps show next to the account.
    pub issuer: String,
    /// Staff must have it on to use the admin area.
    pub staff_required: bool,
}

fn already_enabled() -> AppError {
    AppError::Conflict {
        code: "mfa_already_enabled",
        message: "Two-factor authentication is already on; turn it off first to start over."
            .to_owned(),
    }
}

fn wrong_code() -> AppError {
    AppError::validation([(
        "code".to_owned(),
        "is not the current code from your authenticator app".to_owned(),
    )])
}

/// Starts enrolment: a new secret (replacing an unconfirmed one).
pub async fn setup(
    conn: &mut Conn,
    settings: &MfaSettings,
    user: &User,
) -> AppResult<TotpSetupResponse> {
    let secret = totp::new_secret();
    let stored = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(q::put_unconfirmed_totp(tx, user.id, &secret).await?)
        })
        .await?;
    if !stored {
        return Err(already_enabled());
    }
    let otpauth_uri = totp::otpauth_uri(&settings.issuer, &user.email, &secret);
    Ok(TotpSetupResponse {
        secret: totp::encode_secret(&secret),
        qr_svg: totp::qr_svg(&otpauth_uri).map_err(AppError::internal)?,
        otpauth_uri,
    })
}

/// Finishes enrolment with a current code; returns fresh recovery codes.
pub async fn confirm(conn: &mut Conn, user_id: Uuid, code: &str) -> AppResult<RecoveryCodes> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(credential) = q::totp_for_change(tx, user_id).await? else {
            return Err(AppError::Conflict {
                code: "mfa_setup_missing",
                message: "Start the setup first.".to_owned(),
            });
        };
        if credential.confirmed_at.is_some() {
            return Err(already_enabled());
        }
        let step = totp::matching_step(&credential.secret, code, Utc::now().timestamp(), None)
            .ok_or_else(wrong_code)?;
        q::accept_totp_step(tx, user_id, step).await?;
        let codes = new_recovery_codes();
        let hashes: Vec<_> = codes
            .iter()
            .map(|code| recovery_code_hash(user_id, code))
            .collect();
        q::replace_recovery_codes(tx, user_id, &hashes).await?;
        tracing::info!(user.id = %user_id, "two-factor authentication turned on");
        Ok(RecoveryCodes {
            recovery_codes: codes,
        })
    })
    .await
}

/// Turns it off. People with a password confirm with it; people without one (they sign
/// in through a provider) with a current app code.
pub async fn disable(
    conn: &mut Conn,
    user: &User,
    password_given: Option<String>,
    code: Option<String>,
) -> AppResult<()> {
    match (&user.password_hash, password_given) {
        (Some(_), None) => {
            return Err(AppError::validation([(
                "password".to_owned(),
                "is required".to_owned(),
            )]))
        }
        (Some(hash), Some(given)) => {
            if password::verify(given, Some(hash.clone())).await == Verified::No {
                return Err(AppError::validation([(
                    "password".to_owned(),
                    "is not correct".to_owned(),
                )]));
            }
        }
        (None, _) => {}
    }
    let needs_code = user.password_hash.is_none();
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(credential) = q::totp_for_change(tx, user.id).await? else {
            return Ok(());
        };
        if needs_code {
            let code = code.as_deref().unwrap_or_default();
            let now = Utc::now().timestamp();
            totp::matching_step(&credential.secret, code, now, credential.last_step)
                .ok_or_else(wrong_code)?;
        }
        q::delete_mfa(tx, user.id).await?;
        tracing::info!(user.id = %user.id, "two-factor authentication turned off");
        Ok(())
    })
    .await
}

/// Whether the user's sign-ins need a second factor.
pub async fn enabled(conn: &mut Conn, user_id: Uuid) -> AppResult<bool> {
    Ok(q::totp_enabled(conn, user_id).await?)
}

/// Opens a challenge after a right first factor.
pub async fn challenge(conn: &mut Conn, user: &User) -> AppResult<MfaChallenge> {
    let token = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(one_time::issue_link(tx, Purpose::MfaChallenge, Some(user.id), &user.email).await?)
        })
        .await?;
    Ok(MfaChallenge {
        mfa_required: true,
        mfa_token: token,
        expires_in: one_time::LIFETIME.as_secs(),
    })
}

/// Completes a challenge; returns the user. Wrong codes count against the challenge
/// (committed before answering); every failure is the same `invalid_credentials`.
pub async fn verify(conn: &mut Conn, mfa_token: &str, code: &str) -> AppResult<User> {
    let outcome = conn
        .transaction::<_, AppError, _>(async |tx| {
            let Some(challenge) =
                one_time::open_secret(tx, Purpose::MfaChallenge, mfa_token).await?
            else {
                return Ok(None);
            };
            let user = match challenge.user_id {
                Some(id) => users::find_user(tx, id).await?,
                None => None,
            }
            .filter(|user| user.deactivated_at.is_none());
            let Some(user) = user else {
                one_time::use_up(tx, challenge.id).await?;
                return Ok(None);
            };
            if second_factor_ok(tx, user.id, code).await? {
                one_time::use_up(tx, challenge.id).await?;
                Ok(Some(user))
            } else {
                one_time::wrong_try(tx, challenge.id).await?;
                Ok(None)
            }
        })
        .await?;
    outcome.ok_or_else(invalid_credentials)
}

/// An app code (not used before) or an unused recovery code, used up when right.
async fn second_factor_ok(conn: &mut Conn, user_id: Uuid, code: &str) -> AppResult<bool> {
    let Some(credential) = q::totp_for_update(conn, user_id).await? else {
        return Ok(false);
    };
    if credential.confirmed_at.is_none() {
        return Ok(false);
    }
    if looks_like_totp(code) {
        let now = Utc::now().timestamp();
        return match totp::matching_step(&credential.secret, code, now, credential.last_step) {
            Some(step) => {
                q::accept_totp_step(conn, user_id, step).await?;
                Ok(true)
            }
            None => Ok(false),
        };
    }
    let Some(normalized) = normalize_recovery_code(code) else {
        return Ok(false);
    };
    let used =
        q::use_recovery_code(conn, user_id, &recovery_code_hash(user_id, &normalized)).await?;
    if used {
        let left = q::recovery_codes_left(conn, user_id).await?;
        tracing::info!(user.id = %user_id, left, "signed in with a recovery code");
    }
    Ok(used)
}

/// Ten codes of 10 characters from a 32-letter alphabet without look-alikes (50 bits
/// each), shown as `xxxxx-xxxxx`.
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// Lower-case, without separators; `None` unless it could be a recovery code.
fn normalize_recovery_code(code: &str) -> Option<String> {
    let cleaned: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (cleaned.len() == 10 && cleaned.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| format!("{}-{}", &cleaned[..5], &cleaned[5..]))
}

fn recovery_code_hash(user_id: Uuid, code: &str) -> Vec<u8> {
    hash_token(&format!("recovery:{user_id}:{code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_distinct_and_readable() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(
                normalize_recovery_code(code).as_deref(),
                Some(code.as_str())
            );
            assert_eq!(
                normalize_recovery_code(&code.to_uppercase().replace('-', " ")).as_deref(),
                Some(code.as_str())
            );
        }
        assert_eq!(normalize_recovery_code("short"), None);
        assert_eq!(normalize_recovery_code("abcde-fghi!"), None);
    }
}
