//! Applying Stripe's current view of a subscription (or invoice) to the account it
//! belongs to. Processing always re-reads the object from Stripe first, so what arrives
//! here is the present state: applying it again changes nothing, and applying it in any
//! order with other snapshots converges. Everything for one account happens under its
//! row lock, so concurrent deliveries decide one after the other and a transition (and
//! its email) happens once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::accounts::status::{self, Actor};
use crate::db::billing::{self as q, AccountBilling, NewItem, PaymentValues, SubscriptionValues};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;
use crate::mail::{templates, SendEmail};

/// What billing needs from the configuration.
#[derive(Debug, Clone)]
pub struct BillingSettings {
    /// How long a past-due account keeps access before it is suspended.
    pub grace: Duration,
    /// The SPA's billing page, linked from emails.
    pub billing_url: url::Url,
    /// Where the SPA is served (links in emails).
    pub public_url: url::Url,
    /// How long after its subscription ended a cancelled account can be recovered
    /// (then its personal data is deleted).
    pub retention: Duration,
}

impl BillingSettings {
    pub fn new(grace: Duration, public_url: &url::Url) -> Self {
        Self {
            grace,
            billing_url: public_url
                .join("billing")
                .unwrap_or_else(|_| public_url.clone()),
            public_url: public_url.clone(),
            retention: Duration::from_secs(90 * 86_400),
        }
    }

    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self::new(
            Duration::from_secs(7 * 86_400),
            &"http://127.0.0.1:8080/".parse().expect("a URL"),
        )
    }
}

/// Stripe's subscription statuses.
pub const STRIPE_STATUSES: [&str; 8] = [
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
];

/// A subscription as Stripe describes it now, reduced to what Gatehouse keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSnapshot {
    pub stripe_subscription_id: String,
    pub stripe_customer_id: String,
    /// `metadata.account_id`, set when Gatehouse created the checkout.
    pub account_hint: Option<Uuid>,
    /// `metadata.onboarding_id`: a sign-up paid for before its account existed.
    pub onboarding_hint: Option<Uuid>,
    pub status: String,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub trial_end: Option<DateTime<Utc>>,
    /// Stripe's `latest_invoice`: the newest of its invoices (they are dated to the
    /// second, so the date alone cannot tell two apart).
    pub latest_invoice: Option<String>,
    pub items: Vec<ItemSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSnapshot {
    pub stripe_item_id: String,
    pub stripe_price_id: String,
    pub quantity: i32,
}

/// What applying a snapshot did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Stored; the account's status went `from` → `to` (equal when it stayed).
    Stored {
        account_id: Uuid,
        from: String,
        to: String,
    },
    /// The subscription is already over in our records; an older view cannot reopen it.
    Stale,
    /// No account has this customer (and the metadata names none).
    UnknownCustomer,
}

/// The account status one Stripe status means, given when the account fell behind.
pub fn account_status(
    stripe_status: &str,
    past_due_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    grace: Duration,
) -> &'static str {
    match stripe_status {
        "active" => "active",
        "trialing" => "trial",
        "past_due" => {
            let behind = past_due_since
                .map(|since| (now - since).to_std().unwrap_or_default())
                .unwrap_or_default();
            if behind > grace {
                "suspended"
            } else {
                "past_due"
            }
        }
        "incomplete" => "pending_payment",
        "unpaid" | "paused" => "suspended",
        _ => "cancelled",
    }
}

/// Of several subscriptions, the one whose status speaks for the account: the liveliest.
pub fn rank(stripe_status: &str) -> u8 {
    match stripe_status {
        "active" => 0,
        "trialing" => 1,
        "past_due" => 2,
        "incomplete" => 3,
        "unpaid" | "paused" => 4,
        _ => 5,
    }
}

fn is_over(stripe_status: &str) -> bool {
    matches!(stripe_status, "canceled" | "incomplete_expired")
}

/// The account the snapshot belongs to, row-locked; links the customer on first sight.
/// A paid sign-up's account is created here (see `onboarding::provision`).
async fn locked_account(
    tx: &mut Conn,
    settings: &BillingSettings,
    snapshot: &SubscriptionSnapshot,
) -> AppResult<Option<AccountBilling>> {
    let customer = snapshot.stripe_customer_id.as_str();
    if let Some(account) = q::account_by_customer_for_update(tx, customer).await? {
        return Ok(Some(account));
    }
    let hint = match (snapshot.account_hint, snapshot.onboarding_hint) {
        (Some(account), _) => Some(account),
        (None, Some(onboarding)) => {
            crate::onboarding::provision::provision(tx, &settings.public_url, onboarding).await?
        }
        (None, None) => None,
    };
    let Some(id) = hint else {
        return Ok(None);
    };
    let Some(account) = q::account_for_update(tx, id).await? else {
        return Ok(None);
    };
    match &account.stripe_customer_id {
        None => {
            q::set_customer(tx, id, customer).await?;
            Ok(Some(account))
        }
        // The metadata names an account that pays through another customer: not ours
        // to change.
        Some(other) if other != customer => {
            tracing::warn!(account.id = %id, stripe.customer = %customer, "subscription metadata names an account with another customer");
            Ok(None)
        }
        Some(_) => Ok(Some(account)),
    }
}

/// Stores the snapshot and moves the account's status along; emails on transitions.
pub async fn apply_subscription(
    conn: &mut Conn,
    settings: &BillingSettings,
    snapshot: &SubscriptionSnapshot,
    now: DateTime<Utc>,
) -> AppResult<Applied> {
    if !STRIPE_STATUSES.contains(&snapshot.status.as_str()) {
        return Err(AppError::internal(anyhow::anyhow!(
            "unknown Stripe subscription status {:?}",
            snapshot.status
        )));
    }
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(account) = locked_account(tx, settings, snapshot).await? else {
            return Ok(Applied::UnknownCustomer);
        };
        let existing = q::subscription_for_update(tx, &snapshot.stripe_subscription_id).await?;
        if existing
            .as_ref()
            .is_some_and(|row| is_over(&row.status) && !is_over(&snapshot.status))
        {
            tracing::info!(stripe.subscription = %snapshot.stripe_subscription_id, "an older view of an ended subscription ignored");
            return Ok(Applied::Stale);
        }
        let subscription_id = q::upsert_subscription(
            tx,
            &SubscriptionValues {
                account_id: account.id,
                stripe_subscription_id: &snapshot.stripe_subscription_id,
                stripe_customer_id: &snapshot.stripe_customer_id,
                status: &snapshot.status,
                current_period_start: snapshot.current_period_start,
                current_period_end: snapshot.current_period_end,
                cancel_at_period_end: snapshot.cancel_at_period_end,
                canceled_at: snapshot.canceled_at,
                ended_at: snapshot.ended_at,
                trial_end: snapshot.trial_end,
                latest_invoice_id: snapshot.latest_invoice.as_deref(),
            },
        )
        .await?;
        let items: Vec<NewItem> = snapshot
            .items
            .iter()
            .map(|item| NewItem {
                stripe_item_id: &item.stripe_item_id,
                stripe_price_id: &item.stripe_price_id,
                quantity: item.quantity,
            })
            .collect();
        let items_changed = q::replace_items(tx, subscription_id, &items).await?;
        grant_plan_credits(tx, account.id, &snapshot.stripe_subscription_id).await?;
        let to = settle_status(tx, settings, &account, now, Actor::Stripe).await?;
        // A purchase or change (not a repeat of what is stored) opens an order: seats
        // follow what the account may use now, in a job after commit.
        let status_changed = existing
            .as_ref()
            .is_none_or(|row| row.status != snapshot.status);
        if items_changed || status_changed || to != account.status {
            crate::instances::orders::request(
                tx,
                account.id,
                "subscription",
                Some(&snapshot.stripe_subscription_id),
            )
            .await?;
        }
        Ok(Applied::Stored {
            account_id: account.id,
            from: account.status.clone(),
            to,
        })
    })
    .await
}

/// Sets the account's status from all its subscriptions (through the status machine, as
/// `actor`); emails on entering past due and on cancellation. Call with the account row
/// locked. A view the machine does not allow (it would jump where no account can go) is
/// logged and leaves the status as it is.
async fn settle_status(
    tx: &mut Conn,
    settings: &BillingSettings,
    account: &AccountBilling,
    now: DateTime<Utc>,
    actor: Actor,
) -> AppResult<String> {
    let statuses = q::subscription_statuses(tx, account.id).await?;
    let Some(leading) = statuses.iter().min_by_key(|status| rank(status)) else {
        return Ok(account.status.clone());
    };
    let past_due_since = match leading.as_str() {
        "past_due" => Some(account.past_due_since.unwrap_or(now)),
        _ => None,
    };
    let mut to = account_status(leading, past_due_since, now, settings.grace);
    // A live trial or a period paid by bank transfer keeps what it gives whatever
    // Stripe says of another subscription.
    if to != "active" {
        if let Some(from_period) =
            crate::accounts::periods::status_from_periods(tx, account.id, now).await?
        {
            to = from_period;
        }
    }
    // A staff suspension holds whatever Stripe says; reactivating settles again.
    if account.held_at.is_some() {
        to = "suspended";
    }
    if to != account.status {
        if status::allowed(&account.status, to) {
            let reason = match (actor, to) {
                (Actor::System, "suspended") => {
                    "the grace period for the failed payment ended".to_owned()
                }
                _ => format!("its leading Stripe subscription is {leading}"),
            };
            status::change(tx, account.id, &account.status, to, actor, &reason).await?;
            notify(tx, settings, account.id, to).await?;
        } else {
            tracing::warn!(account.id = %account.id, from = %account.status, to, stripe.status = %leading, "a status change the machine does not allow was ignored");
            to = &account.status;
        }
    }
    if past_due_since != account.past_due_since {
        q::set_past_due_since(tx, account.id, past_due_since).await?;
    }
    Ok(to.to_owned())
}

async fn notify(
    tx: &mut Conn,
    settings: &BillingSettings,
    account_id: Uuid,
    status: &str,
) -> AppResult<()> {
    let link = settings.billing_url.as_str();
    let grace_days = settings.grace.as_secs().div_ceil(86_400);
    for (email, name) in q::billing_contacts(tx, account_id).await? {
        let message = match status {
            "past_due" => templates::payment_failed(&email, &name, grace_days, link),
            "cancelled" => templates::subscription_cancelled(&email, &name, link),
            _ => continue,
        };
        enqueue(tx, &SendEmail(message)).await?;
    }
    Ok(())
}

/// Settles the account's status from its subscriptions and plan periods again (staff
/// lifted a hold or asked for a re-sync), as `actor`, for `reason`; call with the
/// account row locked. Without subscriptions the status comes from a live plan period,
/// else it is `active` (nothing bought). Returns the new status.
pub async fn resettle(
    tx: &mut Conn,
    settings: &BillingSettings,
    account: &AccountBilling,
    now: DateTime<Utc>,
    actor: Actor,
    reason: &str,
) -> AppResult<String> {
    if !q::subscription_statuses(tx, account.id).await?.is_empty() {
        return settle_status(tx, settings, account, now, actor).await;
    }
    let to = crate::accounts::periods::status_from_periods(tx, account.id, now)
        .await?
        .unwrap_or("active");
    status::change(tx, account.id, &account.status, to, actor, reason).await?;
    Ok(to.to_owned())
}

/// Re-evaluates a past-due account's grace period (the sweep's safety net): suspends it
/// once the grace period is over.
pub async fn sweep_account(
    conn: &mut Conn,
    settings: &BillingSettings,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<String>> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(account) = q::account_for_update(tx, account_id).await? else {
            return Ok(None);
        };
        let to = settle_status(tx, settings, &account, now, Actor::System).await?;
        if to != account.status {
            crate::instances::orders::request(tx, account.id, "subscription", None).await?;
        }
        Ok(Some(to))
    })
    .await
}

/// Grants the plan credits of the subscription's newest paid invoice, once per invoice
/// (the invoice and the subscription may arrive in either order: both call this). The
/// credits are the plans' monthly credits × quantity × the months of the current period;
/// what was left of the previous plan grant expires.
async fn grant_plan_credits(
    tx: &mut Conn,
    account_id: Uuid,
    stripe_subscription_id: &str,
) -> AppResult<()> {
    use crate::db::plans;
    let Some(invoice) = plans::newest_paid_invoice(tx, stripe_subscription_id).await? else {
        return Ok(());
    };
    let Some((status, start, end)) = plans::subscription_period(tx, stripe_subscription_id).await?
    else {
        return Ok(());
    };
    if !matches!(status.as_str(), "active" | "trialing" | "past_due") {
        return Ok(());
    }
    let months = match (start, end) {
        (Some(start), Some(end)) => crate::accounts::periods::months(start, end),
        _ => 1,
    };
    let mut total = 0;
    let mut names = Vec::new();
    for (plan_id, name, quantity) in plans::subscription_plans(tx, stripe_subscription_id).await? {
        let terms = plans::terms(tx, plan_id).await?;
        if terms.monthly_credits > 0 {
            total += terms.monthly_credits * i64::from(quantity.max(1)) * months;
            names.push(name);
        }
    }
    if total > 0 {
        crate::accounts::credits::renew_plan_grant(
            tx,
            account_id,
            &format!("plan:invoice:{invoice}"),
            total,
            &format!("Plan credits of {} for this period", names.join(", ")),
            crate::accounts::credits::Leftover::Expires,
        )
        .await?;
    }
    Ok(())
}

/// An invoice as Stripe describes it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSnapshot {
    pub stripe_invoice_id: String,
    pub stripe_customer_id: String,
    pub stripe_subscription_id: Option<String>,
    pub amount_due_minor: i64,
    pub amount_paid_minor: i64,
    pub currency: String,
    pub status: String,
    pub hosted_invoice_url: Option<String>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
}

/// Writes the invoice into the payments ledger (once per invoice; later views overwrite).
/// `false` when no account has the customer.
pub async fn apply_invoice(conn: &mut Conn, invoice: &InvoiceSnapshot) -> AppResult<bool> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let Some(account) =
            q::account_by_customer_for_update(tx, &invoice.stripe_customer_id).await?
        else {
            return Ok(false);
        };
        q::upsert_payment(
            tx,
            &PaymentValues {
                account_id: account.id,
                stripe_invoice_id: &invoice.stripe_invoice_id,
                stripe_subscription_id: invoice.stripe_subscription_id.as_deref(),
                amount_due_minor: invoice.amount_due_minor,
                amount_paid_minor: invoice.amount_paid_minor,
                currency: &invoice.currency,
                status: &invoice.status,
                hosted_invoice_url: invoice.hosted_invoice_url.as_deref(),
                period_start: invoice.period_start,
                period_end: invoice.period_end,
                created: invoice.created,
            },
        )
        .await?;
        if let Some(subscription) = &invoice.stripe_subscription_id {
            grant_plan_credits(tx, account.id, subscription).await?;
        }
        Ok(true)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stripe_status_means_one_account_status() {
        let now = Utc::now();
        let grace = Duration::from_secs(7 * 86_400);
        assert_eq!(account_status("active", None, now, grace), "active");
        assert_eq!(account_status("trialing", None, now, grace), "trial");
        assert_eq!(
            account_status("incomplete", None, now, grace),
            "pending_payment"
        );
        assert_eq!(account_status("unpaid", None, now, grace), "suspended");
        assert_eq!(account_status("canceled", None, now, grace), "cancelled");
        assert_eq!(
            account_status("incomplete_expired", None, now, grace),
            "cancelled"
        );
        let recently = now - chrono::Duration::days(2);
        let long_ago = now - chrono::Duration::days(8);
        assert_eq!(
            account_status("past_due", Some(recently), now, grace),
            "past_due"
        );
        assert_eq!(
            account_status("past_due", Some(long_ago), now, grace),
            "suspended"
        );
        assert!(rank("active") < rank("past_due") && rank("past_due") < rank("canceled"));
    }
}
