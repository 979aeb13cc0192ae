//! Accounts as teams: a user belongs to several accounts with a role in each; owners and
//! admins invite people by email (a single-use link that expires in 7 days), change roles
//! and remove members; an owner transfers ownership; an account always keeps an owner
//! (membership changes of one account take its members' row locks, so two owners leaving
//! at once cannot both succeed).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use diesel_async::AsyncConnection;
use gatehouse_shared::auth::normalize_email;
use gatehouse_shared::teams::{
    AccountList, AccountSummary, Invitation, InvitationList, Member, MemberList, NewAccount,
    NewInvitation,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::identity::User;
use crate::db::{identity, teams as q, Conn};
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 86_400);

/// Roles a member can be given (ownership moves by transfer).
const GIVEN_ROLES: [&str; 3] = ["admin", "member", "billing"];

fn forbidden(message: &str) -> AppError {
    AppError::Forbidden {
        code: "forbidden",
        message: message.to_owned(),
    }
}

/// The user's role in the account; 404 when they are not a member (nobody learns that
/// an account they do not belong to exists).
pub async fn role_of(conn: &mut Conn, user_id: Uuid, account_id: Uuid) -> AppResult<String> {
    identity::role_in(conn, user_id, account_id)
        .await?
        .ok_or(AppError::NotFound)
}

fn manages(role: &str) -> bool {
    matches!(role, "owner" | "admin")
}

pub async fn accounts_of(conn: &mut Conn, user_id: Uuid) -> AppResult<AccountList> {
    let mut accounts = Vec::new();
    for (id, name, personal, role, status) in q::accounts_of(conn, user_id).await? {
        let trial_ends_at = match status.as_str() {
            "trial" => crate::db::plans::trial_of(conn, id)
                .await?
                .map(|trial| trial.ends_at.to_rfc3339()),
            _ => None,
        };
        accounts.push(AccountSummary {
            id,
            name,
            personal,
            role,
            status,
            trial_ends_at,
        });
    }
    Ok(AccountList { accounts })
}

/// A team account with the caller as its owner.
pub async fn create(
    conn: &mut Conn,
    user_id: Uuid,
    request: &NewAccount,
) -> AppResult<AccountSummary> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation([(
            "name".to_owned(),
            "must be 1–200 characters".to_owned(),
        )]));
    }
    let id = identity::insert_account_with_owner(conn, name, false, user_id).await?;
    Ok(AccountSummary {
        id,
        name: name.to_owned(),
        personal: false,
        role: "owner".to_owned(),
        status: "active".to_owned(),
        trial_ends_at: None,
    })
}

pub async fn members(conn: &mut Conn, user_id: Uuid, account_id: Uuid) -> AppResult<MemberList> {
    role_of(conn, user_id, account_id).await?;
    Ok(MemberList {
        members: q::members(conn, account_id)
            .await?
            .into_iter()
            .map(|(user_id, email, first, last, role, joined)| Member {
                user_id,
                email,
                name: format!("{first} {last}").trim().to_owned(),
                role,
                joined_at: joined.to_rfc3339(),
            })
            .collect(),
    })
}

fn invitation_view(row: &q::InvitationRow) -> Invitation {
    Invitation {
        id: row.id,
        email: row.email.clone(),
        role: row.role.clone(),
        created_at: row.created_at.to_rfc3339(),
        expires_at: row.expires_at.to_rfc3339(),
    }
}

/// Invites `email` with a role; the link goes out by email after commit.
pub async fn invite(
    conn: &mut Conn,
    public_url: &url::Url,
    inviter: &User,
    account_id: Uuid,
    request: &NewInvitation,
) -> AppResult<Invitation> {
    let role = role_of(conn, inviter.id, account_id).await?;
    if !manages(&role) {
        return Err(forbidden(
            "Invitations are for the account's owners and admins.",
        ));
    }
    let mut fields = std::collections::BTreeMap::new();
    let email = normalize_email(&request.email);
    if email.is_none() {
        fields.insert(
            "email".to_owned(),
            "is not a valid email address".to_owned(),
        );
    }
    if !GIVEN_ROLES.contains(&request.role.as_str()) {
        fields.insert(
            "role".to_owned(),
            "must be admin, member or billing".to_owned(),
        );
    }
    let Some(email) = email.filter(|_| fields.is_empty()) else {
        return Err(AppError::Validation { fields });
    };
    let account = q::accounts_of(conn, inviter.id)
        .await?
        .into_iter()
        .find(|(id, ..)| *id == account_id)
        .ok_or(AppError::NotFound)?;
    if account.2 {
        return Err(AppError::Conflict {
            code: "personal_account",
            message: "A personal account has one member: create a team account to invite people."
                .to_owned(),
        });
    }
    let already = q::members(conn, account_id)
        .await?
        .into_iter()
        .any(|member| member.1 == email);
    if already {
        return Err(AppError::Conflict {
            code: "already_member",
            message: format!("{email} is already a member."),
        });
    }
    let secret: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(secret);
    let mut link = public_url
        .join("invitations/accept")
        .map_err(AppError::internal)?;
    link.query_pairs_mut().append_pair("token", &token);
    let expires_at =
        Utc::now() + chrono::Duration::from_std(INVITATION_TTL).map_err(AppError::internal)?;
    let inviter_name = format!("{} {}", inviter.first_name, inviter.last_name);
    let row = conn
        .transaction::<_, AppError, _>(async |tx| {
            let row = q::insert_invitation(
                tx,
                account_id,
                &email,
                &request.role,
                &Sha256::digest(token.as_bytes()),
                inviter.id,
                expires_at,
            )
            .await?;
            let mail =
                templates::invitation(&email, &account.1, inviter_name.trim(), link.as_str());
            enqueue(tx, &SendEmail(mail)).await?;
            Ok(row)
        })
        .await?;
    Ok(invitation_view(&row))
}

pub async fn invitations(
    conn: &mut Conn,
    user_id: Uuid,
    account_id: Uuid,
) -> AppResult<InvitationList> {
    if !manages(&role_of(conn, user_id, account_id).await?) {
        return Err(forbidden(
            "Invitations are for the account's owners and admins.",
        ));
    }
    Ok(InvitationList {
        invitations: q::open_invitations(conn, account_id, Utc::now())
            .await?
            .iter()
            .map(invitation_view)
            .collect(),
    })
}

pub async fn revoke_invitation(
    conn: &mut Conn,
    user_id: Uuid,
    account_id: Uuid,
    id: Uuid,
) -> AppResult<()> {
    if !manages(&role_of(conn, user_id, account_id).await?) {
        return Err(forbidden(
            "Invitations are for the account's owners and admins.",
        ));
    }
    if q::revoke_invitation(conn, account_id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The signed-in user accepts an invitation with the secret from its link: once, before
/// it expires, and only with the address it was sent to.
pub async fn accept(conn: &mut Conn, user: &User, token: &str) -> AppResult<AccountSummary> {
    let invalid = || AppError::BadRequest {
        code: "invalid_or_expired_invitation",
        message: "This invitation link is not valid any more: ask for a new one.".to_owned(),
    };
    let hash = Sha256::digest(token.trim().as_bytes()).to_vec();
    let account_id = conn
        .transaction::<_, AppError, _>(async |tx| {
            let invitation = q::invitation_by_hash(tx, &hash)
                .await?
                .ok_or_else(invalid)?;
            if invitation.accepted_at.is_some()
                || invitation.revoked_at.is_some()
                || invitation.expires_at <= Utc::now()
            {
                return Err(invalid());
            }
            if normalize_email(&user.email).as_deref() != Some(invitation.email.as_str()) {
                return Err(AppError::Forbidden {
                    code: "invitation_for_another_address",
                    message: format!(
                        "This invitation is for {}: sign in with that address to accept it.",
                        invitation.email
                    ),
                });
            }
            q::lock_roles(tx, invitation.account_id).await?;
            q::add_member(tx, invitation.account_id, user.id, &invitation.role).await?;
            q::mark_accepted(tx, invitation.id, user.id).await?;
            Ok(invitation.account_id)
        })
        .await?;
    accounts_of(conn, user.id)
        .await?
        .accounts
        .into_iter()
        .find(|account| account.id == account_id)
        .ok_or(AppError::NotFound)
}

/// Changes a member's role (not to or from owner: ownership moves by transfer).
pub async fn change_role(
    conn: &mut Conn,
    caller: Uuid,
    account_id: Uuid,
    target: Uuid,
    role: &str,
) -> AppResult<()> {
    if !GIVEN_ROLES.contains(&role) {
        return Err(AppError::validation([(
            "role".to_owned(),
            "must be admin, member or billing".to_owned(),
        )]));
    }
    conn.transaction::<_, AppError, _>(async |tx| {
        let roles = q::lock_roles(tx, account_id).await?;
        let of = |user: Uuid| {
            roles
                .iter()
                .find(|(id, _)| *id == user)
                .map(|(_, r)| r.as_str())
        };
        let mine = of(caller).ok_or(AppError::NotFound)?;
        if !manages(mine) {
            return Err(forbidden(
                "Roles are changed by the account's owners and admins.",
            ));
        }
        match of(target) {
            None => Err(AppError::NotFound),
            Some("owner") => Err(AppError::Conflict {
                code: "owner_role",
                message: "An owner stays an owner until they transfer ownership.".to_owned(),
            }),
            Some(_) => {
                q::set_role(tx, account_id, target, role).await?;
                Ok(())
            }
        }
    })
    .await
}

/// Removes a member (owners and admins remove others; anyone may leave); the last owner
/// cannot go, and admins cannot remove owners.
pub async fn remove(
    conn: &mut Conn,
    caller: Uuid,
    account_id: Uuid,
    target: Uuid,
) -> AppResult<()> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let roles = q::lock_roles(tx, account_id).await?;
        let of = |user: Uuid| {
            roles
                .iter()
                .find(|(id, _)| *id == user)
                .map(|(_, r)| r.as_str())
        };
        let mine = of(caller).ok_or(AppError::NotFound)?;
        let theirs = of(target).ok_or(AppError::NotFound)?;
        if caller != target && !(manages(mine) && (theirs != "owner" || mine == "owner")) {
            return Err(forbidden(
                "Members are removed by the account's owners and admins.",
            ));
        }
        let owners = roles.iter().filter(|(_, role)| role == "owner").count();
        if theirs == "owner" && owners == 1 {
            return Err(AppError::Conflict {
                code: "last_owner",
                message: "An account keeps at least one owner: transfer ownership first."
                    .to_owned(),
            });
        }
        q::remove_member(tx, account_id, target).await?;
        Ok(())
    })
    .await
}

/// The caller (an owner) makes another member the owner and becomes an admin.
pub async fn transfer(
    conn: &mut Conn,
    caller: Uuid,
    account_id: Uuid,
    target: Uuid,
) -> AppResult<()> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let roles = q::lock_roles(tx, account_id).await?;
        let of = |user: Uuid| roles.iter().find(|(id, _)| *id == user).map(|(_, r)| r.as_str());
        match of(caller) {
            None => return Err(AppError::NotFound),
            Some("owner") => {}
            Some(_) => return Err(forbidden("Only an owner can transfer ownership.")),
        }
        if target == caller {
            return Ok(());
        }
        of(target).ok_or_else(|| {
            AppError::validation([("user_id".to_owned(), "is not a member of this account".to_owned())])
        })?;
        q::set_role(tx, account_id, target, "owner").await?;
        q::set_role(tx, account_id, caller, "admin").await?;
        tracing::info!(account.id = %account_id, from = %caller, to = %target, "ownership transferred");
        Ok(())
    })
    .await
}
