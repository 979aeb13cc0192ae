//! Who a provider sign-in is: the user linked to the provider's account; else the user
//! with the same address, when both the provider and Gatehouse have verified it (linked
//! now); else a new user with a personal account. An existing account whose address
//! Gatehouse has not verified is never linked: whoever registered it may not own the
//! address, and linking would hand the account to them (or them to it).

use diesel_async::AsyncConnection;
use gatehouse_shared::auth::{normalize_email, username_problem};
use uuid::Uuid;

use super::client::Profile;
use super::{Provider, Refusal};
use crate::db::identity::{self as users, NewUser};
use crate::db::oauth as q;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::identity::register::personal_account_name;

/// `(user, account)` to sign in as, or why not.
pub async fn sign_in_as(
    conn: &mut Conn,
    provider: Provider,
    profile: &Profile,
) -> AppResult<Result<(Uuid, Uuid), Refusal>> {
    let name = provider.as_str();
    let result = conn
        .transaction::<_, AppError, _>(async |tx| {
            if let Some(user_id) = q::linked_user(tx, name, &profile.subject).await? {
                let active = users::find_user(tx, user_id)
                    .await?
                    .is_some_and(|user| user.deactivated_at.is_none());
                if !active {
                    return Ok(Err(Refusal::AccountUnavailable));
                }
                q::link(tx, name, &profile.subject, user_id, &profile.email).await?;
                return Ok(Ok(with_account(tx, user_id).await?));
            }
            let Some(email) = normalize_email(&profile.email) else {
                return Ok(Err(Refusal::Failed));
            };
            if !profile.email_verified {
                return Ok(Err(Refusal::EmailUnverified));
            }
            let existing = users::find_user_by_login(tx, &email)
                .await?
                .filter(|user| user.email == email);
            if let Some(user) = existing {
                if user.deactivated_at.is_some() {
                    return Ok(Err(Refusal::AccountUnavailable));
                }
                if user.email_verified_at.is_none() {
                    return Ok(Err(Refusal::EmailUnverified));
                }
                q::link(tx, name, &profile.subject, user.id, &email).await?;
                tracing::info!(user.id = %user.id, provider = name, "provider account linked");
                return Ok(Ok(with_account(tx, user.id).await?));
            }
            let username = free_username(tx, &profile.username_hint).await?;
            let first_name = clip(&profile.given_name);
            let last_name = clip(&profile.family_name);
            let user = users::insert_user(
                tx,
                &NewUser {
                    email: &email,
                    username: &username,
                    password_hash: None,
                    first_name: &first_name,
                    last_name: &last_name,
                },
            )
            .await?;
            users::mark_email_verified(tx, user.id).await?;
            let account_name = personal_account_name(&first_name, &last_name, &username);
            let account =
                users::insert_account_with_owner(tx, &account_name, true, user.id).await?;
            q::link(tx, name, &profile.subject, user.id, &email).await?;
            tracing::info!(user.id = %user.id, provider = name, "registered through a provider");
            Ok(Ok((user.id, account)))
        })
        .await;
    match result {
        // A sign-up with the same address or username won a race; trying again finds it.
        Err(AppError::Internal(err)) if crate::identity::register::is_unique_violation(&err) => {
            tracing::warn!(provider = name, "provider sign-in raced a sign-up");
            Ok(Err(Refusal::Failed))
        }
        other => other,
    }
}

async fn with_account(conn: &mut Conn, user_id: Uuid) -> AppResult<(Uuid, Uuid)> {
    let account = users::default_account(conn, user_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("user {user_id} has no account")))?;
    Ok((user_id, account))
}

fn clip(name: &str) -> String {
    name.trim()
        .chars()
        .take(gatehouse_shared::auth::NAME_MAX)
        .collect()
}

/// A valid username from the hint, made unique with a number when taken.
async fn free_username(conn: &mut Conn, hint: &str) -> AppResult<String> {
    let base = username_base(hint);
    if !users::username_taken(conn, &base).await? {
        return Ok(base);
    }
    for _ in 0..20 {
        let candidate = format!(
            "{}{}",
            &base[..base.len().min(26)],
            rand::random_range(1000..1_000_000u32)
        );
        if !users::username_taken(conn, &candidate).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free username for {hint:?}"
    )))
}

/// Letters, digits, `_`, `.`, `-`; starts with a letter or digit; 3–32 characters.
fn username_base(hint: &str) -> String {
    let mut base: String = hint
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .take(32)
        .collect();
    while base.len() < 3 {
        base.push_str("user");
        base.truncate(32);
    }
    debug_assert!(username_problem(&base).is_none(), "{base}");
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_made_valid() {
        for hint in [
            "ada",
            "Ada.Lovelace",
            "__x",
            "é",
            "",
            "a b c",
            &"z".repeat(50),
        ] {
            let base = username_base(hint);
            assert_eq!(username_problem(&base), None, "{hint:?} → {base:?}");
        }
        assert_eq!(username_base("ada.lovelace"), "ada.lovelace");
        assert_eq!(username_base("__x"), "xuser");
    }
}
