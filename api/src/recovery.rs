//! Account recovery, for people who lost access after a cancellation or a failed
//! payment: an emailed code (the identity code rules) proves the address, then they pay
//! again for what the account had. The same account comes back: its data, its members.
//!
//! Retention policy: a cancelled account can be recovered for `GATEHOUSE_RETENTION_DAYS`
//! (90 by default) after its subscription ended; after that it cannot, and
//! [`PurgeExpiredAccounts`] deletes its personal data.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use gatehouse_shared::recovery::{RecoveryGranted, RecoveryItem, RecoveryPayment};
use uuid::Uuid;

use crate::billing::checkout::{stripe_failed, stripe_of, success_url, window};
use crate::billing::stripe_api::{Checkout, Payer, StripeApi};
use crate::db::{billing as q, identity as users, Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::identity::one_time::{self, Purpose};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

/// Statuses recovery is for.
const RECOVERABLE: [&str; 3] = ["cancelled", "past_due", "suspended"];

fn wrong_code() -> AppError {
    AppError::validation([(
        "code".to_owned(),
        "is not the code we sent, or it has expired: ask for a new one".to_owned(),
    )])
}

/// The active user `login` names (email or username).
async fn person(conn: &mut Conn, login: &str) -> AppResult<Option<users::User>> {
    Ok(users::find_user_by_login(conn, login)
        .await?
        .filter(|user| user.deactivated_at.is_none()))
}

/// Emails a recovery code when `login` is a known, active user and none went out in
/// the last minute. The caller answers the same either way.
pub async fn request_code(conn: &mut Conn, login: &str) -> AppResult<()> {
    let Some(user) = person(conn, login).await? else {
        return Ok(());
    };
    conn.transaction::<_, AppError, _>(async |tx| {
        if !one_time::may_resend(tx, Purpose::RecoveryCode, &user.email).await? {
            return Ok(());
        }
        let code =
            one_time::issue_code(tx, Purpose::RecoveryCode, Some(user.id), &user.email).await?;
        enqueue(
            tx,
            &SendEmail(templates::recovery_code(
                &user.email,
                &user.first_name,
                &code,
            )),
        )
        .await?;
        Ok(())
    })
    .await
}

/// The account to recover: the first the user manages that needs it.
async fn account_to_recover(conn: &mut Conn, user_id: Uuid) -> AppResult<(Uuid, String)> {
    let accounts = q::managed_accounts(conn, user_id).await?;
    if let Some(found) = accounts
        .iter()
        .find(|(_, status)| RECOVERABLE.contains(&status.as_str()))
    {
        return Ok(found.clone());
    }
    Err(AppError::Conflict {
        code: "already_active",
        message: "This account is active: sign in as usual.".to_owned(),
    })
}

/// When the account's last subscription ended (for the retention policy).
fn ended_at(subscription: &q::SubscriptionRow) -> Option<DateTime<Utc>> {
    subscription
        .ended_at
        .or(subscription.canceled_at)
        .or(subscription.current_period_end)
}

/// The newest subscription and, for a cancelled account, the last day it can be
/// recovered; refused past it.
async fn last_subscription(
    conn: &mut Conn,
    retention: std::time::Duration,
    account_id: Uuid,
    status: &str,
) -> AppResult<(Option<q::SubscriptionRow>, Option<DateTime<Utc>>)> {
    let retention = chrono::Duration::from_std(retention).map_err(AppError::internal)?;
    let newest = q::subscriptions_of(conn, account_id)
        .await?
        .into_iter()
        .next();
    let until = match (&newest, status) {
        (Some(subscription), "cancelled") => ended_at(subscription).map(|end| end + retention),
        _ => None,
    };
    if until.is_some_and(|until| until < Utc::now()) {
        return Err(AppError::Conflict {
            code: "beyond_retention",
            message: format!(
                "This account ended more than {} days ago and can no longer be recovered; you can sign up again.",
                retention.num_days()
            ),
        });
    }
    Ok((newest, until))
}

/// Checks the code; a token to pay with when the account needs recovering.
pub async fn verify(
    conn: &mut Conn,
    retention: std::time::Duration,
    login: &str,
    code: &str,
) -> AppResult<RecoveryGranted> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong_code());
    }
    let Some(user) = person(conn, login).await? else {
        return Err(wrong_code());
    };
    let token = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(one_time::consume_code(tx, Purpose::RecoveryCode, &user.email, code).await?)
        })
        .await?;
    if token.is_none_or(|token| token.user_id != Some(user.id)) {
        return Err(wrong_code());
    }
    let (account_id, status) = account_to_recover(conn, user.id).await?;
    let (subscription, until) = last_subscription(conn, retention, account_id, &status).await?;
    let items = match &subscription {
        Some(subscription) => q::items_with_products(conn, subscription.id)
            .await?
            .into_iter()
            .map(|item| RecoveryItem {
                product_slug: item.product_slug,
                product_name: item.product_name,
                quantity: item.quantity,
            })
            .collect(),
        None => Vec::new(),
    };
    let secret = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(
                one_time::issue_link(tx, Purpose::RecoveryCheckout, Some(user.id), &user.email)
                    .await?,
            )
        })
        .await?;
    Ok(RecoveryGranted {
        recovery_token: secret,
        account_status: status,
        items,
        recoverable_until: until.map(|t| t.to_rfc3339()),
    })
}

/// What paying to get the account back means, decided from the database alone.
enum Payment {
    /// An unpaid subscription still stands: paying its invoice brings it back.
    Portal { account_id: Uuid, customer: String },
    /// A new checkout for what the ended subscription had.
    Checkout {
        account_id: Uuid,
        customer: String,
        subscription_id: Uuid,
        /// Current Stripe prices and quantities.
        items: Vec<(String, u64)>,
    },
}

/// Reads what [`checkout`] asks Stripe for.
async fn payment(
    conn: &mut Conn,
    settings: &crate::billing::subscriptions::BillingSettings,
    token: &str,
) -> AppResult<Payment> {
    let invalid = || {
        AppError::validation([(
            "recovery_token".to_owned(),
            "has expired: ask for a new code".to_owned(),
        )])
    };
    let token = conn
        .transaction::<_, AppError, _>(async |tx| {
            Ok(one_time::open_secret(tx, Purpose::RecoveryCheckout, token).await?)
        })
        .await?
        .ok_or_else(invalid)?;
    let user_id = token.user_id.ok_or_else(invalid)?;
    let (account_id, status) = account_to_recover(conn, user_id).await?;
    let (subscription, _) =
        last_subscription(conn, settings.retention, account_id, &status).await?;
    let account = q::account_billing(conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = account.stripe_customer_id.ok_or(AppError::Conflict {
        code: "nothing_to_recover",
        message: "This account never had a subscription; choose a plan instead.".to_owned(),
    })?;
    if subscription
        .as_ref()
        .is_some_and(|s| matches!(s.status.as_str(), "past_due" | "unpaid"))
    {
        return Ok(Payment::Portal {
            account_id,
            customer,
        });
    }
    let Some(subscription) = subscription else {
        return Err(AppError::Conflict {
            code: "nothing_to_recover",
            message: "This account never had a subscription; choose a plan instead.".to_owned(),
        });
    };
    let mut items = Vec::new();
    for (price, quantity) in q::items_with_prices(conn, subscription.id).await? {
        let current = match price {
            Some(price) => q::current_stripe_price(conn, price).await?,
            None => None,
        };
        match current {
            Some(stripe_price) => items.push((stripe_price, u64::try_from(quantity).unwrap_or(1))),
            None => {
                return Err(AppError::Conflict {
                    code: "plan_unavailable",
                    message: "Something this account had is no longer sold; choose a plan instead."
                        .to_owned(),
                })
            }
        }
    }
    Ok(Payment::Checkout {
        account_id,
        customer,
        subscription_id: subscription.id,
        items,
    })
}

/// Where to pay to get the account back. What to ask for is read on a connection given
/// back before Stripe is called (a slow Stripe must not hold the pool).
pub async fn checkout(
    pool: &Pool,
    stripe: Option<&StripeApi>,
    settings: &crate::billing::subscriptions::BillingSettings,
    token: &str,
) -> AppResult<RecoveryPayment> {
    let public_url = &settings.public_url;
    let stripe = stripe_of(stripe)?;
    let decided = payment(&mut *pool.get().await?, settings, token).await?;
    let back = public_url.join("billing").map_err(AppError::internal)?;
    let (account_id, customer, subscription_id, items) = match decided {
        Payment::Portal {
            account_id,
            customer,
        } => {
            let key = format!("gatehouse-recovery-portal-{account_id}-{}", window(1));
            let url = stripe
                .portal(&customer, back.as_str(), &key)
                .await
                .map_err(stripe_failed)?;
            return Ok(RecoveryPayment {
                kind: "portal".to_owned(),
                url,
                session_id: None,
            });
        }
        Payment::Checkout {
            account_id,
            customer,
            subscription_id,
            items,
        } => (account_id, customer, subscription_id, items),
    };
    let success = success_url(public_url, "billing?checkout=")?;
    let cancel = public_url.join("recovery").map_err(AppError::internal)?;
    let key = format!(
        "gatehouse-recovery-{account_id}-{subscription_id}-{}",
        window(10)
    );
    let refs: Vec<(&str, u64)> = items.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    let (session_id, url) = stripe
        .create_checkout(
            &Checkout {
                payer: Payer::Customer(&customer),
                items: &refs,
                metadata: ("account_id", account_id.to_string()),
                success_url: &success,
                cancel_url: cancel.as_str(),
            },
            &key,
        )
        .await
        .map_err(stripe_failed)?;
    Ok(RecoveryPayment {
        kind: "checkout".to_owned(),
        url,
        session_id: Some(session_id),
    })
}

/// Deletes the personal data of cancelled accounts past their retention (hourly with
/// the housekeeping). Each account is purged in its own transaction.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PurgeExpiredAccounts {}

impl crate::jobs::Job for PurgeExpiredAccounts {
    const KIND: &'static str = "recovery.purge_expired";
    const MAX_ATTEMPTS: i32 = 3;

    fn unique_key(&self) -> Option<String> {
        Some("singleton".to_owned())
    }

    async fn run(self, ctx: crate::jobs::JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        let purged = purge_expired(&mut conn, ctx.services.billing.retention, Utc::now()).await?;
        if purged > 0 {
            tracing::info!(purged, "accounts past their retention purged");
        }
        Ok(())
    }
}

/// Purges every cancelled account whose subscriptions all ended more than `retention`
/// before `now`; how many.
pub async fn purge_expired(
    conn: &mut Conn,
    retention: std::time::Duration,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    use crate::db::retention;
    let cutoff = now - chrono::Duration::from_std(retention).map_err(AppError::internal)?;
    let mut purged = 0;
    for account in retention::accounts_past_retention(conn, cutoff).await? {
        let done = conn
            .transaction::<_, AppError, _>(async |tx| {
                Ok(retention::purge_account(tx, account, cutoff).await?)
            })
            .await?;
        if done {
            tracing::info!(account.id = %account, "account past its retention purged");
            purged += 1;
        }
    }
    Ok(purged)
}
