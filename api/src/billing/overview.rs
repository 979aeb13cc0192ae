//! What the customer sees of billing, read from the local cache (never from Stripe).

use gatehouse_shared::billing::{
    BillingOverview, PaymentView, Payments, SubscriptionItemView, SubscriptionView,
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
    let grace = chrono::Duration::from_std(settings.grace).map_err(AppError::internal)?;
    Ok(BillingOverview {
        grace_ends_at: account
            .past_due_since
            .filter(|_| account.status == "past_due")
            .map(|since| (since + grace).to_rfc3339()),
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
