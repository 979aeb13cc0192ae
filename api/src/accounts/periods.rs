//! Plan periods: a plan an account uses for a while without a Stripe subscription — a free
//! trial ([`super::trials`]) or a period paid by bank transfer
//! ([`super::bank_transfers`]). While one is live the account is entitled to its plan
//! (`db::billing::entitlement_keys`, `live_products`) and keeps the status it gives
//! ([`status_from_periods`]); the sweep ([`SweepPlanPeriods`], hourly) reminds trials
//! about to end and settles periods that ended: when nothing else pays, the account
//! moves to `pending_payment`, its plan credits expire and its seats are released.

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::status::{self, Actor};
use crate::db::plans::{self as q, Period};
use crate::db::{billing, Conn};
use crate::error::{AppError, AppResult};
use crate::jobs::{enqueue, Job, JobContext};
use crate::mail::{templates, SendEmail};

/// How long before its end a trial is reminded.
pub const REMIND_BEFORE: chrono::Duration = chrono::Duration::days(3);

/// The status a live period gives its account, when one is live: a paid period beats a
/// trial.
pub async fn status_from_periods(
    tx: &mut Conn,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<&'static str>> {
    let live = q::live_periods(tx, account_id, now).await?;
    Ok(if live.iter().any(|p| p.source == "bank_transfer") {
        Some("active")
    } else if live.is_empty() {
        None
    } else {
        Some("trial")
    })
}

/// Months a period covers (at least one): what its monthly credits are multiplied by.
pub fn months(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> i64 {
    ((ends_at - starts_at).num_days() as f64 / 30.44)
        .round()
        .max(1.0) as i64
}

/// The end of a period of `months` from `start`.
pub fn period_end(start: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    start
        .checked_add_months(Months::new(months))
        .unwrap_or(start + chrono::Duration::days(30 * i64::from(months)))
}

/// Settles one ended period (once): when the account has no other live period and no
/// live subscription, its plan credits expire, it moves to `pending_payment` (from
/// `trial` or `active`) and its seats follow by an order. `true` when the status moved.
pub async fn settle(
    conn: &mut Conn,
    settings: &crate::billing::subscriptions::BillingSettings,
    period_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, AppError, _>(async |tx| {
        // The account first (the lock order of every billing change), then the period.
        let Some(account_id) = q::period_account(tx, period_id).await? else {
            return Ok(false);
        };
        let Some(account) = billing::account_for_update(tx, account_id).await? else {
            return Ok(false);
        };
        let Some(period) = q::period_for_update(tx, period_id).await? else {
            return Ok(false);
        };
        if period.settled_at.is_some() || period.ends_at > now {
            return Ok(false);
        }
        q::mark_settled(tx, period.id).await?;
        let still_paid = !q::live_periods(tx, account.id, now).await?.is_empty()
            || billing::subscription_statuses(tx, account.id)
                .await?
                .iter()
                .any(|s| matches!(s.as_str(), "active" | "trialing" | "past_due"));
        if still_paid {
            return Ok(false);
        }
        super::credits::expire_plan_grant(tx, account.id).await?;
        let moved = matches!(account.status.as_str(), "trial" | "active");
        if moved {
            let reason = if period.source == "trial" {
                "the free trial ended without a payment"
            } else {
                "the period paid by bank transfer ended"
            };
            status::change(
                tx,
                account.id,
                &account.status,
                "pending_payment",
                Actor::System,
                reason,
            )
            .await?;
            if period.source == "trial" {
                for (email, name) in billing::billing_contacts(tx, account.id).await? {
                    let message =
                        templates::trial_ended(&email, &name, settings.billing_url.as_str());
                    enqueue(tx, &SendEmail(message)).await?;
                }
            }
        }
        crate::instances::orders::request(tx, account.id, "plan_period", None).await?;
        Ok(moved)
    })
    .await
}

/// Emails the "trial ends soon" reminder once, while the account is still on trial.
async fn remind(
    conn: &mut Conn,
    settings: &crate::billing::subscriptions::BillingSettings,
    period: &Period,
) -> AppResult<bool> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, AppError, _>(async |tx| {
        if !q::mark_reminded(tx, period.id).await? {
            return Ok(false);
        }
        let on_trial = billing::account_billing(tx, period.account_id)
            .await?
            .is_some_and(|account| account.status == "trial");
        if on_trial {
            let ends_on = period.ends_at.format("%-d %B %Y").to_string();
            for (email, name) in billing::billing_contacts(tx, period.account_id).await? {
                let message =
                    templates::trial_ending(&email, &name, &ends_on, settings.billing_url.as_str());
                enqueue(tx, &SendEmail(message)).await?;
            }
        }
        Ok(on_trial)
    })
    .await
}

/// Reminds trials ending within [`REMIND_BEFORE`] and settles ended periods.
pub async fn sweep(
    conn: &mut Conn,
    settings: &crate::billing::subscriptions::BillingSettings,
    now: DateTime<Utc>,
) -> AppResult<(usize, usize)> {
    let mut reminded = 0;
    for period in q::trials_to_remind(conn, now, now + REMIND_BEFORE).await? {
        reminded += usize::from(remind(conn, settings, &period).await?);
    }
    let mut moved = 0;
    let mut seen = std::collections::HashSet::new();
    loop {
        let ended = q::ended_unsettled(conn, now, 100).await?;
        // Each batch settles what it holds; a batch of periods seen before (one that
        // could not be settled) ends the run instead of spinning.
        if !ended.iter().any(|period| seen.insert(period.id)) {
            break;
        }
        for period in &ended {
            moved += usize::from(settle(conn, settings, period.id, now).await?);
        }
    }
    Ok((reminded, moved))
}

/// The hourly sweep of plan periods.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepPlanPeriods {}

impl Job for SweepPlanPeriods {
    const KIND: &'static str = "accounts.sweep_plan_periods";
    const MAX_ATTEMPTS: i32 = 3;

    fn unique_key(&self) -> Option<String> {
        Some("singleton".to_owned())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        let (reminded, moved) = sweep(&mut conn, &ctx.services.billing, Utc::now()).await?;
        tracing::info!(reminded, moved, "plan periods swept");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_counts_its_months() {
        let start: DateTime<Utc> = "2026-01-31T10:00:00Z".parse().unwrap();
        assert_eq!(months(start, period_end(start, 1)), 1);
        assert_eq!(months(start, period_end(start, 12)), 12);
        assert_eq!(
            period_end(start, 1).to_rfc3339(),
            "2026-02-28T10:00:00+00:00"
        );
        assert_eq!(months(start, start + chrono::Duration::days(14)), 1);
    }
}
