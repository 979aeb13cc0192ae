//! Processing Stripe's events: one job per subject (the subscription an event is about,
//! or the invoice when it belongs to none). The job re-reads the subject from Stripe,
//! applies what Stripe says now, and marks the events it covered. Jobs of one subject
//! never run side by side (the queue serialises by key), so an older read can never be
//! applied after a newer one; and because the state comes from Stripe, not from the
//! event, duplicates and any order of delivery converge.

use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};

use super::subscriptions::{apply_invoice, apply_subscription, Applied};
use crate::db::billing as accounts_q;
use crate::db::stripe_events::{self as q, StripeEventRow};
use crate::error::AppError;
use crate::jobs::{enqueue, Job, JobContext};
use crate::mail::{templates, SendEmail};

/// Event types that change what Gatehouse knows; every other type is kept and ignored.
pub const HANDLED: [&str; 8] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
];

/// Re-reads `subject` from Stripe and applies it; covers the subject's pending events
/// (a subscription is re-read even with none: the sweep's safety net).
#[derive(Debug, Serialize, Deserialize)]
pub struct ProcessStripeSubject {
    /// `sub_…` or `in_…`.
    pub subject: String,
}

impl Job for ProcessStripeSubject {
    const KIND: &'static str = "billing.stripe_subject";
    const MAX_ATTEMPTS: i32 = 12;

    fn unique_key(&self) -> Option<String> {
        Some(self.subject.clone())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        // No connection is held while Stripe is asked (a slow Stripe would pin it).
        let events = {
            let mut conn = ctx.pool.get().await?;
            q::pending_for_subject(&mut conn, &self.subject).await?
        };
        // Without events (a sweep's re-read) a subscription is still read again.
        if events.is_empty() && !self.subject.starts_with("sub_") {
            return Ok(());
        }
        let result = process(&ctx, &self.subject, &events).await;
        if let Err(err) = &result {
            let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
            let mut conn = ctx.pool.get().await?;
            q::mark_failed(&mut conn, &ids, &format!("{err:#}")).await?;
        }
        result
    }
}

async fn process(ctx: &JobContext, subject: &str, events: &[StripeEventRow]) -> anyhow::Result<()> {
    let stripe =
        ctx.services.stripe.as_ref().ok_or_else(|| {
            anyhow::anyhow!("Stripe is not configured (GATEHOUSE_STRIPE_SECRET_KEY)")
        })?;
    let settings = &ctx.services.billing;
    // Everything is read from Stripe first, and only then is a connection taken to
    // apply it: a slow Stripe never holds a pooled connection.
    let subscription = if subject.starts_with("sub_") {
        Some(stripe.subscription(subject).await?)
    } else {
        None
    };
    // Invoices named by the events (for the ledger), each read as it is now.
    let mut invoices: Vec<&str> = events
        .iter()
        .filter(|e| e.kind.starts_with("invoice."))
        .filter_map(|e| e.object_id.as_deref())
        .collect();
    invoices.sort_unstable();
    invoices.dedup();
    let mut invoice_snapshots = Vec::with_capacity(invoices.len());
    for invoice in invoices {
        invoice_snapshots.push(stripe.invoice(invoice).await?);
    }
    let mut conn = ctx.pool.get().await?;
    let now = Utc::now();
    if let Some(snapshot) = &subscription {
        let applied = apply_subscription(&mut conn, settings, snapshot, now).await?;
        if applied == Applied::UnknownCustomer {
            tracing::warn!(
                stripe.subscription = subject,
                "a subscription of a customer no account has"
            );
        }
    }
    for snapshot in &invoice_snapshots {
        apply_invoice(&mut conn, snapshot).await?;
    }
    let trial_ending = events
        .iter()
        .any(|e| e.kind == "customer.subscription.trial_will_end");
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    conn.transaction::<_, AppError, _>(async |tx| {
        if trial_ending {
            announce_trial_end(tx, settings, subject).await?;
        }
        q::mark_processed(tx, &ids).await?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// Emails the account's billing contacts that the trial ends soon (once per event: the
/// event is marked processed in the same transaction).
async fn announce_trial_end(
    tx: &mut crate::db::Conn,
    settings: &super::subscriptions::BillingSettings,
    subscription: &str,
) -> Result<(), AppError> {
    let Some(row) = accounts_q::subscription_for_update(tx, subscription).await? else {
        return Ok(());
    };
    let (Some(trial_end), "trialing") = (row.trial_end, row.status.as_str()) else {
        return Ok(());
    };
    let ends_on = trial_end.format("%Y-%m-%d").to_string();
    for (email, name) in accounts_q::billing_contacts(tx, row.account_id).await? {
        enqueue(
            tx,
            &SendEmail(templates::trial_ending(
                &email,
                &name,
                &ends_on,
                settings.billing_url.as_str(),
            )),
        )
        .await?;
    }
    Ok(())
}
