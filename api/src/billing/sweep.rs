//! The safety net behind webhooks, run hourly with the housekeeping: past-due accounts
//! whose grace period is over are suspended, and subscriptions our records say should
//! have ended (or renewed) by now are read again from Stripe, in case an event was lost.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::process::ProcessStripeSubject;
use super::subscriptions::sweep_account;
use crate::db::billing as q;
use crate::jobs::{enqueue, Job, JobContext};

/// Subscriptions whose period ended this long ago without news are read again.
const OVERDUE: chrono::Duration = chrono::Duration::hours(1);

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepBilling {}

impl Job for SweepBilling {
    const KIND: &'static str = "billing.sweep";
    const MAX_ATTEMPTS: i32 = 3;

    fn unique_key(&self) -> Option<String> {
        Some("singleton".to_owned())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        let now = Utc::now();
        let mut suspended = 0;
        for account in q::past_due_accounts(&mut conn).await? {
            let status = sweep_account(&mut conn, &ctx.services.billing, account, now).await?;
            suspended += usize::from(status.as_deref() == Some("suspended"));
        }
        let stale = q::subscriptions_past_their_period(&mut conn, now - OVERDUE).await?;
        for subject in &stale {
            enqueue(
                &mut conn,
                &ProcessStripeSubject {
                    subject: subject.clone(),
                },
            )
            .await?;
        }
        tracing::info!(suspended, reread = stale.len(), "billing swept");
        Ok(())
    }
}
