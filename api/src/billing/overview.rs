//! What the customer sees of billing, read from the local cache (never from Stripe).

use gatehouse_shared::billing::{
    Attention, BillingOverview, MyProducts, OwnedProduct, PaymentView, Payments,
    SubscriptionItemView, SubscriptionView,
};
use gatehouse_shared::catalog::{BillingPeriod, Entitlement};
use uuid::Uuid;

use super::subscriptions::BillingSettings;
use crate::db::{billing as q, catalog, Conn};
use crate::error::{AppError, AppResult};

/// What the account may use now, with the names customers read.
pub async fn entitlements(conn: &mut Conn, account_id: Uuid) -> AppResult<Vec<Entitlement>> {
    let keys = q::entitlement_keys(conn, account_id).await?;
    Ok(catalog::entitlement_labels(conn, &keys)
        .await?
        .into_iter()
        .map(|(key, label)| Entitlement { key, label })
        .collect())
}

/// When a past-due account's access ends (RFC 3339).
fn grace_ends_at(
    settings: &BillingSettings,
    account: &q::AccountBilling,
) -> AppResult<Option<String>> {
    let grace = chrono::Duration::from_std(settings.grace).map_err(AppError::internal)?;
    Ok(account
        .past_due_since
        .filter(|_| account.status == "past_due")
        .map(|since| (since + grace).to_rfc3339()))
}

pub async fn overview(
    conn: &mut Conn,
    settings: &BillingSettings,
    account_id: Uuid,
) -> AppResult<BillingOverview> {
    let account = q::account_billing(conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let subscriptions = q::subscriptions_of(conn, account_id).await?;
    // The liveliest one speaks for the account (as in the status), else the newest.
    let current = subscriptions
        .iter()
        .min_by_key(|row| super::subscriptions::rank(&row.status));
    let subscription = match current {
        None => None,
        Some(row) => {
            let items = q::items_with_products(conn, row.id)
                .await?
                .into_iter()
                .map(|item| SubscriptionItemView {
                    product_slug: item.product_slug,
                    product_name: item.product_name,
                    period: item
                        .billing_period
                        .as_deref()
                        .and_then(BillingPeriod::parse),
                    amount_minor: item.amount_minor,
                    currency: item.currency,
                    quantity: item.quantity,
                })
                .collect();
            Some(SubscriptionView {
                status: row.status.clone(),
                current_period_end: row.current_period_end.map(|t| t.to_rfc3339()),
                cancel_at_period_end: row.cancel_at_period_end,
                trial_end: row.trial_end.map(|t| t.to_rfc3339()),
                items,
            })
        }
    };
    Ok(BillingOverview {
        grace_ends_at: grace_ends_at(settings, &account)?,
        account_status: account.status,
        subscription,
        entitlements: entitlements(conn, account_id).await?,
    })
}

pub async fn payments(conn: &mut Conn, account_id: Uuid, limit: i64) -> AppResult<Payments> {
    let rows = q::payments_of(conn, account_id, limit).await?;
    Ok(Payments {
        payments: rows
            .into_iter()
            .map(|row| PaymentView {
                invoice_id: row.stripe_invoice_id,
                status: row.status,
                amount_due_minor: row.amount_due_minor,
                amount_paid_minor: row.amount_paid_minor,
                currency: row.currency,
                hosted_invoice_url: row.hosted_invoice_url,
                period_start: row.period_start.map(|t| t.to_rfc3339()),
                period_end: row.period_end.map(|t| t.to_rfc3339()),
                created: row.created.to_rfc3339(),
            })
            .collect(),
    })
}

/// The products the account may use now, each with `user_id`'s instance of it when they
/// have a seat there.
pub async fn owned_products(
    conn: &mut Conn,
    account_id: Uuid,
    user_id: Option<Uuid>,
) -> AppResult<Vec<OwnedProduct>> {
    let seats = match user_id {
        Some(user) => crate::db::instances::live_seats_of_user(conn, user).await?,
        None => Vec::new(),
    };
    Ok(q::live_products(conn, account_id)
        .await?
        .into_iter()
        .map(|p| OwnedProduct {
            url: seats
                .iter()
                .find(|instance| instance.product_id == p.id)
                .map(|instance| instance.base_url.clone()),
            slug: p.slug,
            name: p.name,
            kind: p.kind,
            quantity: p.quantity,
            needs_instance: p.needs_instance,
        })
        .collect())
}

/// What needs the person's attention, most pressing first.
pub fn attention(
    account_status: &str,
    grace_ends_at: Option<&str>,
    email_verified: bool,
) -> Vec<Attention> {
    let mut items = Vec::new();
    let account = match account_status {
        "past_due" => Some((
            "payment_failed",
            match grace_ends_at {
                Some(ends) => format!(
                    "Your last payment did not go through. Update your payment method before {} to keep access.",
                    &ends[..10.min(ends.len())]
                ),
                None => "Your last payment did not go through. Update your payment method to keep access.".to_owned(),
            },
        )),
        "suspended" => Some((
            "suspended",
            "Access is suspended until the open invoice is paid.".to_owned(),
        )),
        "cancelled" => Some((
            "cancelled",
            "There is no active subscription. Choose a plan to use the products again.".to_owned(),
        )),
        "pending_payment" => Some((
            "pending_payment",
            "The first payment has not been confirmed yet.".to_owned(),
        )),
        _ => None,
    };
    if let Some((code, message)) = account {
        items.push(Attention {
            code: code.to_owned(),
            message,
        });
    }
    if !email_verified {
        items.push(Attention {
            code: "email_unverified".to_owned(),
            message: "Please confirm your email address: we sent you a link.".to_owned(),
        });
    }
    items
}

/// The dashboard of `user_id`: the account's products (with their instance links) and
/// what needs attention.
pub async fn dashboard(
    conn: &mut Conn,
    settings: &BillingSettings,
    account_id: Uuid,
    user_id: Uuid,
    email_verified: bool,
) -> AppResult<MyProducts> {
    let account = q::account_billing(conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let grace_ends_at = grace_ends_at(settings, &account)?;
    Ok(MyProducts {
        account_id: gatehouse_shared::ids::AccountId(account_id),
        attention: attention(&account.status, grace_ends_at.as_deref(), email_verified),
        products: owned_products(conn, account_id, Some(user_id)).await?,
        account_status: account.status,
    })
}
