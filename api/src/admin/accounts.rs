//! What staff do with accounts and the people in them: search, read everything about
//! one, suspend (a hold billing does not lift) and reactivate, end a person's sessions,
//! send them a verification or password-reset email. Every change is audited in its
//! transaction.

use chrono::Utc;
use gatehouse_shared::admin_accounts::{
    AccountResync, AdminAccount, AdminAccountDetail, AdminAccountPage, AdminMember, StaffReason,
    StatusChangeView, UserActionDone, ViewAs, ViewAsToken,
};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::audit::Audit;
use crate::accounts::status::{self, Actor};
use crate::billing::process::ProcessStripeSubject;
use crate::billing::subscriptions::{resettle, BillingSettings};
use crate::db::admin_accounts::{self as q, AccountRow};
use crate::db::{billing, identity, Conn};
use crate::error::{AppError, AppResult};

pub const MAX_PER_PAGE: i64 = 100;

async fn views(conn: &mut Conn, rows: Vec<AccountRow>) -> AppResult<Vec<AdminAccount>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let memberships = q::memberships(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let of_this = memberships
                .iter()
                .filter(|(account, _, _)| *account == row.id);
            AdminAccount {
                owner_email: of_this
                    .clone()
                    .find(|(_, role, _)| role == "owner")
                    .map(|(_, _, email)| email.clone()),
                members: of_this.count() as i64,
                id: row.id,
                name: row.name,
                personal: row.personal,
                status: row.status,
                held: row.held_at.is_some(),
                held_reason: row.held_reason,
                stripe_customer_id: row.stripe_customer_id,
                created_at: row.created_at.to_rfc3339(),
            }
        })
        .collect())
}

/// A page (from 1) of accounts matching `query` and `status`, newest first.
pub async fn search(
    conn: &mut Conn,
    query: Option<&str>,
    status_filter: Option<&str>,
    sort: Option<&str>,
    page: i64,
    per_page: i64,
) -> AppResult<AdminAccountPage> {
    let sort = match sort {
        None => q::AccountSort::Newest,
        Some(name) => q::AccountSort::parse(name).ok_or_else(|| {
            AppError::validation([(
                "sort".to_owned(),
                "must be one of newest, oldest, name, status".to_owned(),
            )])
        })?,
    };
    if let Some(wanted) = status_filter {
        if !status::STATUSES.contains(&wanted) {
            return Err(AppError::validation([(
                "status".to_owned(),
                format!("must be one of {}", status::STATUSES.join(", ")),
            )]));
        }
    }
    let page = page.max(1);
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let (rows, total) = q::search(
        conn,
        query,
        status_filter,
        sort,
        per_page,
        (page - 1) * per_page,
    )
    .await?;
    Ok(AdminAccountPage {
        accounts: views(conn, rows).await?,
        total,
        page,
        per_page,
    })
}

/// Everything about one account.
pub async fn detail(
    conn: &mut Conn,
    settings: &BillingSettings,
    id: Uuid,
) -> AppResult<AdminAccountDetail> {
    let row = q::account(conn, id).await?.ok_or(AppError::NotFound)?;
    let account = views(conn, vec![row]).await?.remove(0);
    let seats = q::seats(conn, id).await?;
    let mut members = Vec::new();
    for member in q::members(conn, id).await? {
        members.push(AdminMember {
            active_sessions: q::active_sessions(conn, member.user_id).await?,
            seats: seats
                .iter()
                .filter(|(user, _)| *user == member.user_id)
                .map(|(_, product)| product.clone())
                .collect(),
            user_id: member.user_id,
            email: member.email,
            username: member.username,
            name: format!("{} {}", member.first_name, member.last_name)
                .trim()
                .to_owned(),
            role: member.role,
            email_verified: member.email_verified_at.is_some(),
            mfa_enabled: member.mfa_confirmed_at.is_some(),
            deactivated: member.deactivated_at.is_some(),
        });
    }
    let status_history = crate::db::accounts::status_history(conn, id)
        .await?
        .into_iter()
        .map(|change| StatusChangeView {
            from: change.from_status,
            to: change.to_status,
            actor: change.actor,
            reason: change.reason,
            at: change.at.to_rfc3339(),
        })
        .collect();
    Ok(AdminAccountDetail {
        account,
        members,
        billing: crate::billing::overview::overview(conn, settings, id).await?,
        payments: crate::billing::overview::payments(conn, id, 24).await?,
        bank_transfers: crate::accounts::bank_transfers::list(conn, id)
            .await?
            .transfers,
        orders: crate::instances::manage::orders_of(conn, id).await?,
        credits_balance: crate::db::credits::balance(conn, id).await?,
        trial: crate::accounts::trials::offer(conn, id).await?.trial,
        status_history,
    })
}

fn reason_of(request: &StaffReason) -> AppResult<&str> {
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        let mut fields = BTreeMap::new();
        fields.insert(
            "reason".to_owned(),
            "must say why, in 1–500 characters".to_owned(),
        );
        return Err(AppError::Validation { fields });
    }
    Ok(reason)
}

/// Suspends the account with a hold: no access (tokens, keys, seats released by an
/// order) until staff reactivate it, whatever billing says meanwhile.
pub async fn suspend(
    conn: &mut Conn,
    audit: &Audit,
    id: Uuid,
    request: &StaffReason,
) -> AppResult<AdminAccount> {
    let reason = reason_of(request)?;
    let staff = audit.user_id().ok_or(AppError::Forbidden {
        code: "forbidden",
        message: "Only staff suspend accounts.".to_owned(),
    })?;
    audit
        .audited(
            conn,
            "account.suspended",
            "account",
            |account: &AdminAccount| account.id.to_string(),
            None,
            async |tx| {
                let account = billing::account_for_update(tx, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if account.held_at.is_some() {
                    return Err(AppError::Conflict {
                        code: "already_suspended",
                        message: "Staff have already suspended this account.".to_owned(),
                    });
                }
                q::set_hold(tx, id, Some(reason)).await?;
                status::change(
                    tx,
                    id,
                    &account.status,
                    "suspended",
                    Actor::Staff(staff),
                    reason,
                )
                .await?;
                crate::instances::orders::request(tx, id, "staff", None).await?;
                let row = q::account(tx, id).await?.ok_or(AppError::NotFound)?;
                Ok(views(tx, vec![row]).await?.remove(0))
            },
        )
        .await
}

/// Lifts a staff hold: the status is settled again from the account's subscriptions and
/// plan periods (so an account that stopped paying meanwhile does not come back active).
pub async fn reactivate(
    conn: &mut Conn,
    settings: &BillingSettings,
    audit: &Audit,
    id: Uuid,
    request: &StaffReason,
) -> AppResult<AdminAccount> {
    let reason = reason_of(request)?;
    let staff = audit.user_id().ok_or(AppError::Forbidden {
        code: "forbidden",
        message: "Only staff reactivate accounts.".to_owned(),
    })?;
    audit
        .audited(
            conn,
            "account.reactivated",
            "account",
            |account: &AdminAccount| account.id.to_string(),
            Some(serde_json::json!({ "held": true })),
            async |tx| {
                let mut account = billing::account_for_update(tx, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if account.held_at.is_none() {
                    return Err(AppError::Conflict {
                        code: "not_suspended_by_staff",
                        message: "Staff have not suspended this account.".to_owned(),
                    });
                }
                q::set_hold(tx, id, None).await?;
                account.held_at = None;
                let to = resettle(
                    tx,
                    settings,
                    &account,
                    Utc::now(),
                    Actor::Staff(staff),
                    &format!("reactivated by staff: {reason}"),
                )
                .await?;
                tracing::info!(account.id = %id, to, reason, "account reactivated by staff");
                crate::instances::orders::request(tx, id, "staff", None).await?;
                let row = q::account(tx, id).await?.ok_or(AppError::NotFound)?;
                Ok(views(tx, vec![row]).await?.remove(0))
            },
        )
        .await
}

/// Re-syncs what an account is entitled to, for when it looks wrong: every subscription
/// it has is read again from Stripe (the job webhooks use, after commit), its status is
/// settled again from billing and plan periods (unless staff hold it), and its order is
/// fulfilled again (seats on what it pays for). Audited like every staff change.
pub async fn resync(
    conn: &mut Conn,
    settings: &BillingSettings,
    audit: &Audit,
    id: Uuid,
    request: &StaffReason,
) -> AppResult<AccountResync> {
    let reason = reason_of(request)?;
    let staff = audit.user_id().ok_or(AppError::Forbidden {
        code: "forbidden",
        message: "Only staff re-sync accounts.".to_owned(),
    })?;
    audit
        .audited(
            conn,
            "account.resynced",
            "account",
            |done: &AccountResync| done.account.id.to_string(),
            None,
            async |tx| {
                let account = billing::account_for_update(tx, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let subscriptions = billing::subscriptions_of(tx, id).await?;
                for subscription in &subscriptions {
                    let subject = subscription.stripe_subscription_id.clone();
                    crate::jobs::enqueue(tx, &ProcessStripeSubject { subject }).await?;
                }
                if account.held_at.is_none() {
                    resettle(
                        tx,
                        settings,
                        &account,
                        Utc::now(),
                        Actor::Staff(staff),
                        "re-synced by staff",
                    )
                    .await?;
                }
                crate::instances::orders::request(tx, id, "staff", None).await?;
                tracing::info!(account.id = %id, subscriptions = subscriptions.len(), reason, "account re-synced by staff");
                let row = q::account(tx, id).await?.ok_or(AppError::NotFound)?;
                Ok(AccountResync {
                    account: views(tx, vec![row]).await?.remove(0),
                    subscriptions_queued: subscriptions.len() as i64,
                })
            },
        )
        .await
}

/// A staff action on a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// End every sign-in (refresh tokens); access tokens run out within minutes.
    RevokeSessions,
    /// Email a new verification link (when the address is not verified yet).
    ResendVerification,
    /// Email a password-reset link.
    SendPasswordReset,
}

impl UserAction {
    fn audit_action(self) -> &'static str {
        match self {
            Self::RevokeSessions => "account.sessions_revoked",
            Self::ResendVerification => "account.verification_resent",
            Self::SendPasswordReset => "account.password_reset_sent",
        }
    }
}

pub async fn act_on_user(
    conn: &mut Conn,
    public_url: &url::Url,
    audit: &Audit,
    user_id: Uuid,
    action: UserAction,
) -> AppResult<UserActionDone> {
    let user = identity::find_user(conn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if action == UserAction::ResendVerification && user.email_verified_at.is_some() {
        return Err(AppError::Conflict {
            code: "already_verified",
            message: "This address is verified already.".to_owned(),
        });
    }
    audit
        .audited(
            conn,
            action.audit_action(),
            "user",
            |done: &UserActionDone| done.user_id.to_string(),
            None,
            async |tx| {
                let mut done = UserActionDone {
                    user_id,
                    sessions_ended: 0,
                    email_requested: false,
                };
                match action {
                    UserAction::RevokeSessions => {
                        done.sessions_ended = identity::revoke_all_for_user(tx, user_id).await?;
                    }
                    UserAction::ResendVerification => {
                        crate::identity::verify_email::resend(tx, public_url, &user.email).await?;
                        done.email_requested = true;
                    }
                    UserAction::SendPasswordReset => {
                        crate::identity::passwords::forgot(tx, public_url, &user.email).await?;
                        done.email_requested = true;
                    }
                }
                Ok(done)
            },
        )
        .await
}

/// A read-only token for staff to see the account as one of its members does (its first
/// owner by default); audited. Only members of the account can be viewed as.
pub async fn view_as(
    conn: &mut Conn,
    keys: &crate::identity::keys::KeyStore,
    sessions: &crate::identity::sessions::SessionSettings,
    audit: &Audit,
    account_id: Uuid,
    request: &ViewAs,
) -> AppResult<ViewAsToken> {
    let staff = audit.user_id().ok_or(AppError::Forbidden {
        code: "forbidden",
        message: "Only staff view accounts as their members.".to_owned(),
    })?;
    q::account(conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = q::members(conn, account_id).await?;
    let member = match request.user_id {
        Some(user) => members.iter().find(|m| m.user_id == user),
        None => members.iter().find(|m| m.role == "owner"),
    };
    let Some(member) = member else {
        return Err(AppError::validation([(
            "user_id".to_owned(),
            "is not a member of this account".to_owned(),
        )]));
    };
    let user_id = member.user_id;
    let email = member.email.clone();
    // The token only reads the database; the audit record (never the token) commits
    // before it is handed out.
    let (access_token, expires_in) =
        crate::identity::sessions::view_as(conn, keys, sessions, user_id, account_id, staff)
            .await?;
    audit
        .audited(
            conn,
            "account.viewed_as",
            "account",
            |_: &serde_json::Value| account_id.to_string(),
            None,
            async |_| {
                Ok(serde_json::json!({
                    "user_id": user_id,
                    "email": email,
                    "expires_in": expires_in,
                    "read_only": true,
                }))
            },
        )
        .await?;
    tracing::info!(account.id = %account_id, user.id = %user_id, staff.id = %staff, "staff view as a customer");
    Ok(ViewAsToken {
        access_token,
        expires_in,
        user_id,
        account_id,
    })
}
