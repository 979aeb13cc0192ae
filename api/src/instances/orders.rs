//! Orders and their fulfilment. Every purchase or change of an account's subscription
//! opens an order in the transaction that stores the change ([`request`]); the
//! [`FulfilOrder`] job then gives every member of the account a seat on each product the
//! account may use that runs on an instance, and schedules the release of seats the
//! account no longer pays for once the grace period is over ([`ReleaseLapsedSeats`]).
//!
//! An order's state machine, one place ([`allowed`]):
//!
//! ```text
//! queued → running → complete
//!                  → needs_capacity → (room appears) queued → running → …
//!                  → needs_info     → (staff) queued → …
//!                  → failed         → (staff retry) queued → …
//! ```
//!
//! A fulfilment that dies keeps the order `running`; the job retries it, and the hourly
//! sweep ([`SweepStuckOrders`]) fails orders left running for over an hour so staff see
//! them.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::placement::{self, Placement};
use crate::db::orders::{self as q, Order};
use crate::db::{billing, instances, Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::jobs::{enqueue, enqueue_at, Job, JobContext};

/// Whether an order may move from `from` to `to`.
pub fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("queued", "running")
            | (
                "running",
                "complete" | "needs_capacity" | "needs_info" | "failed"
            )
            | ("needs_capacity" | "needs_info" | "failed", "queued")
    )
}

/// How long an order may stay `running` before the sweep calls it failed.
pub const STUCK_AFTER: Duration = Duration::from_secs(3600);

/// Opens an order for the account's latest change (or joins the one still waiting to
/// start) and queues its fulfilment. Call inside the transaction that stored the change.
pub async fn request(
    tx: &mut Conn,
    account_id: Uuid,
    source: &str,
    stripe_subscription_id: Option<&str>,
) -> AppResult<Order> {
    let order = match q::open_for_update(tx, account_id).await? {
        Some(open) if open.state == "queued" => open,
        Some(waiting) => {
            q::advance(
                tx,
                waiting.id,
                "queued",
                "The subscription changed: trying again.",
                false,
            )
            .await?
        }
        None => {
            let order = q::insert(tx, account_id, source, stripe_subscription_id).await?;
            q::advance(tx, order.id, "queued", "Order received.", false).await?
        }
    };
    enqueue(tx, &FulfilOrder { order_id: order.id }).await?;
    Ok(order)
}

/// Works an order through: seats for what the account pays for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FulfilOrder {
    pub order_id: Uuid,
}

impl Job for FulfilOrder {
    const KIND: &'static str = "instances.fulfil_order";
    const MAX_ATTEMPTS: i32 = 8;

    fn unique_key(&self) -> Option<String> {
        Some(self.order_id.to_string())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        fulfil(&ctx.pool, self.order_id, ctx.services.billing.grace).await?;
        Ok(())
    }
}

/// Fulfils the order (see the module docs); its state afterwards, or `None` when there
/// was nothing to do (finished already, or gone).
pub async fn fulfil(pool: &Pool, order_id: Uuid, grace: Duration) -> AppResult<Option<String>> {
    let mut conn = pool.get().await?;
    let started = conn
        .transaction::<_, AppError, _>(async |tx| {
            let Some(order) = q::lock(tx, order_id).await? else {
                return Ok(None);
            };
            // A retry of an attempt that died mid-way finds it running; go on.
            if order.state != "running" && !allowed(&order.state, "running") {
                return Ok(None);
            }
            let line = format!("Fulfilment started (attempt {}).", order.attempts + 1);
            Ok(Some(
                q::advance(tx, order_id, "running", &line, true).await?,
            ))
        })
        .await?;
    let Some(order) = started else {
        return Ok(None);
    };
    let state = conn
        .transaction::<_, AppError, _>(async |tx| {
            // One account's billing changes and fulfilments are decided one at a time.
            billing::account_for_update(tx, order.account_id).await?;
            let mut lines = Vec::new();
            let wanted = instance_products(tx, order.account_id).await?;
            let holders = q::seat_holders(tx, order.account_id).await?;
            let mut waiting = Vec::new();
            for (product_id, product) in &wanted {
                for (user_id, username) in &holders {
                    match placement::place(tx, *user_id, order.account_id, *product_id).await? {
                        Placement::Kept(instance) => {
                            // What they may use there may have changed.
                            super::connectors::notify(
                                tx,
                                instance.id,
                                *user_id,
                                order.account_id,
                                super::connectors::EventKind::EntitlementsChanged,
                            )
                            .await?;
                            lines.push(format!("{username} keeps a seat on {}.", instance.name));
                        }
                        Placement::Placed(instance) => lines.push(format!(
                            "{username} placed on {} ({} of {} seats).",
                            instance.name, instance.allocated_seats, instance.allocation_cap
                        )),
                        Placement::NoCapacity => {
                            lines.push(format!(
                                "No room for {username} on {product}: waiting for capacity."
                            ));
                            waiting.push(product.clone());
                        }
                    }
                }
            }
            let lapsed = instances::live_seats_of_account(tx, order.account_id)
                .await?
                .into_iter()
                .filter(|(product_id, _)| !wanted.contains_key(product_id))
                .count();
            if lapsed > 0 {
                let at =
                    Utc::now() + chrono::Duration::from_std(grace).map_err(AppError::internal)?;
                enqueue_at(
                    tx,
                    &ReleaseLapsedSeats {
                        account_id: order.account_id,
                    },
                    Some(at),
                )
                .await?;
                lines.push(format!(
                    "{lapsed} seat(s) no longer paid for: released on {} unless paid for again.",
                    at.format("%Y-%m-%d %H:%M UTC")
                ));
            }
            let state = if waiting.is_empty() {
                "complete"
            } else {
                "needs_capacity"
            };
            if lines.is_empty() {
                lines.push("Nothing runs on an instance: nothing to place.".to_owned());
            }
            q::advance(tx, order_id, state, &lines.join(" "), false).await?;
            Ok(state.to_owned())
        })
        .await?;
    Ok(Some(state))
}

/// The products the account may use now that run on an instance, by id (the order
/// every transaction locks them in).
async fn instance_products(tx: &mut Conn, account_id: Uuid) -> AppResult<BTreeMap<Uuid, String>> {
    Ok(billing::live_products(tx, account_id)
        .await?
        .into_iter()
        .filter(|p| p.needs_instance)
        .map(|p| (p.id, p.name))
        .collect())
}

/// Releases the account's seats on products it no longer pays for (run once the grace
/// period after the change is over; anything paid for again by then keeps its seat).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseLapsedSeats {
    pub account_id: Uuid,
}

impl Job for ReleaseLapsedSeats {
    const KIND: &'static str = "instances.release_lapsed_seats";

    fn unique_key(&self) -> Option<String> {
        Some(self.account_id.to_string())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        release_lapsed(&mut conn, self.account_id).await?;
        Ok(())
    }
}

/// Releases the account's seats on products it may no longer use; how many.
pub async fn release_lapsed(conn: &mut Conn, account_id: Uuid) -> AppResult<usize> {
    conn.transaction::<_, AppError, _>(async |tx| {
        billing::account_for_update(tx, account_id).await?;
        let wanted = instance_products(tx, account_id).await?;
        let mut released = 0;
        // By product, as every transaction locks them.
        for (product_id, user_id) in instances::live_seats_of_account(tx, account_id).await? {
            if !wanted.contains_key(&product_id)
                && placement::release(tx, user_id, product_id).await?
            {
                released += 1;
            }
        }
        if released > 0 {
            tracing::info!(account.id = %account_id, released, "seats no longer paid for released");
        }
        Ok(released)
    })
    .await
}

/// Puts every order waiting for capacity back in the queue (call when capacity may have
/// appeared: an instance added, activated or given higher caps); how many.
pub async fn resume_waiting(tx: &mut Conn) -> AppResult<usize> {
    let waiting = q::waiting_for_capacity(tx).await?;
    for id in &waiting {
        if q::lock(tx, *id)
            .await?
            .is_some_and(|o| o.state == "needs_capacity")
        {
            q::advance(
                tx,
                *id,
                "queued",
                "Capacity may have appeared: trying again.",
                false,
            )
            .await?;
            enqueue(tx, &FulfilOrder { order_id: *id }).await?;
        }
    }
    Ok(waiting.len())
}

/// Fails orders left running for over an hour (hourly, with the housekeeping).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepStuckOrders {}

impl Job for SweepStuckOrders {
    const KIND: &'static str = "instances.sweep_stuck_orders";
    const MAX_ATTEMPTS: i32 = 3;

    fn unique_key(&self) -> Option<String> {
        Some("singleton".to_owned())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        sweep_stuck(&mut conn, Utc::now()).await?;
        Ok(())
    }
}

/// Fails the orders running since more than [`STUCK_AFTER`] before `now`; how many.
pub async fn sweep_stuck(conn: &mut Conn, now: DateTime<Utc>) -> AppResult<usize> {
    let cutoff = now - chrono::Duration::from_std(STUCK_AFTER).map_err(AppError::internal)?;
    let mut failed = 0;
    for id in q::running_since_before(conn, cutoff).await? {
        let done = conn
            .transaction::<_, AppError, _>(async |tx| match q::lock(tx, id).await? {
                Some(order) if order.state == "running" && order.updated_at < cutoff => {
                    q::advance(
                        tx,
                        id,
                        "failed",
                        "Stuck running for over an hour: failed. Staff can retry it.",
                        false,
                    )
                    .await?;
                    Ok(true)
                }
                _ => Ok(false),
            })
            .await?;
        if done {
            tracing::warn!(order.id = %id, "an order stuck running was failed");
            failed += 1;
        }
    }
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn orders_move_only_along_the_state_machine() {
        for (from, to) in [
            ("queued", "running"),
            ("running", "complete"),
            ("running", "needs_capacity"),
            ("running", "needs_info"),
            ("running", "failed"),
            ("needs_capacity", "queued"),
            ("needs_info", "queued"),
            ("failed", "queued"),
        ] {
            assert!(allowed(from, to), "{from} → {to}");
        }
        for (from, to) in [
            ("queued", "complete"),
            ("complete", "queued"),
            ("complete", "running"),
            ("needs_capacity", "complete"),
            ("failed", "complete"),
            ("queued", "queued"),
        ] {
            assert!(!allowed(from, to), "{from} → {to}");
        }
    }
}
