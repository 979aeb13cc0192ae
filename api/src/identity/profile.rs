//! The signed-in user's own data: names, deactivation and the export.

use diesel_async::AsyncConnection;
use gatehouse_shared::auth::{
    DeactivateRequest, EmailExport, Me, MembershipExport, PersonalDataExport, Preferences,
    SessionExport, UpdateMeRequest, NAME_MAX,
};
use gatehouse_shared::ids::{AccountId, UserId};
use uuid::Uuid;

use super::mfa::MfaSettings;
use super::password::{self, Verified};
use crate::db::identity::{self as q, User};
use crate::db::{tokens, Conn};
use crate::error::{AppError, AppResult};

/// The active user, or 401.
pub async fn active_user(conn: &mut Conn, user_id: Uuid) -> AppResult<User> {
    q::find_user(conn, user_id)
        .await?
        .filter(|user| user.deactivated_at.is_none())
        .ok_or(AppError::Unauthorized)
}

/// The user as `GET me` shows them.
pub fn me(settings: &MfaSettings, user: User, account_id: Uuid) -> Me {
    Me {
        has_password: user.password_hash.is_some(),
        mfa_enabled: user.mfa_enabled,
        staff: user.is_staff,
        staff_role: user.staff_role.clone(),
        mfa_required: user.is_staff && settings.staff_required && !user.mfa_enabled,
        linked_providers: user.sign_in_providers.iter().flatten().cloned().collect(),
        preferences: preferences_of(&user),
        id: UserId(user.id),
        email: user.email,
        username: user.username,
        first_name: user.first_name,
        last_name: user.last_name,
        email_verified: user.email_verified_at.is_some(),
        account_id: AccountId(account_id),
    }
}

/// The user as `GET me` shows them, read again now (after a change); 401 when they are
/// gone or deactivated.
pub async fn me_now(
    conn: &mut Conn,
    settings: &MfaSettings,
    user_id: Uuid,
    session_id: Uuid,
    account_id: Uuid,
) -> AppResult<Me> {
    let found = q::signed_in(conn, user_id, session_id)
        .await?
        .filter(|found| found.user.deactivated_at.is_none())
        .ok_or(AppError::Unauthorized)?;
    Ok(me(settings, found.user, account_id))
}

/// Stored preferences; anything unreadable (an older shape) falls back to defaults.
fn preferences_of(user: &User) -> Preferences {
    serde::Deserialize::deserialize(&user.preferences).unwrap_or_default()
}

pub async fn update(conn: &mut Conn, user_id: Uuid, request: UpdateMeRequest) -> AppResult<()> {
    let first = request.first_name.as_deref().map(str::trim);
    let last = request.last_name.as_deref().map(str::trim);
    let mut fields = Vec::new();
    for (field, value) in [("first_name", first), ("last_name", last)] {
        if value.is_some_and(|v| v.chars().count() > NAME_MAX) {
            fields.push((
                field.to_owned(),
                "must be at most 100 characters".to_owned(),
            ));
        }
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let preferences = request
        .preferences
        .map(|p| serde_json::to_value(p).map_err(AppError::internal))
        .transpose()?;
    conn.transaction::<_, AppError, _>(async |tx| {
        q::update_names(tx, user_id, first, last).await?;
        if let Some(preferences) = &preferences {
            q::set_preferences(tx, user_id, preferences).await?;
        }
        Ok(())
    })
    .await
}

/// Deactivates the user after checking the password; every session ends.
pub async fn deactivate(
    conn: &mut Conn,
    user_id: Uuid,
    request: DeactivateRequest,
) -> AppResult<()> {
    let user = active_user(conn, user_id).await?;
    if password::verify(request.password, user.password_hash.clone()).await == Verified::No {
        return Err(AppError::validation([(
            "password".to_owned(),
            "is not correct".to_owned(),
        )]));
    }
    conn.transaction::<_, AppError, _>(async |tx| {
        q::deactivate(tx, user.id).await?;
        q::revoke_all_for_user(tx, user.id).await?;
        Ok(())
    })
    .await?;
    tracing::info!(user.id = %user.id, "user deactivated themselves");
    Ok(())
}

pub async fn export(
    conn: &mut Conn,
    settings: &MfaSettings,
    user_id: Uuid,
    session_id: Uuid,
    account_id: Uuid,
) -> AppResult<PersonalDataExport> {
    let user = active_user(conn, user_id).await?;
    let memberships = q::memberships(conn, user_id).await?;
    let sessions = q::sessions_of(conn, user_id).await?;
    let emails = tokens::emails_to(conn, &user.email).await?;
    let mut tickets = Vec::new();
    for ticket in crate::tickets::customer::list(conn, user_id).await?.tickets {
        tickets.push(crate::tickets::customer::get(conn, user_id, ticket.id).await?);
    }
    Ok(PersonalDataExport {
        tickets,
        created_at: user.created_at.to_rfc3339(),
        email_verified_at: user.email_verified_at.map(|t| t.to_rfc3339()),
        user: me_now(conn, settings, user_id, session_id, account_id).await?,
        memberships: memberships
            .into_iter()
            .map(|(id, name, role)| MembershipExport {
                account_id: AccountId(id),
                account_name: name,
                role,
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|session| SessionExport {
                started_at: session.started.to_rfc3339(),
                expires_at: session.expires.to_rfc3339(),
                active: session.active,
            })
            .collect(),
        emails: emails
            .into_iter()
            .map(|email| EmailExport {
                subject: email.subject,
                template: email.template,
                sent_at: email.created_at.to_rfc3339(),
            })
            .collect(),
    })
}
