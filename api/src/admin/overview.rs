//! The admin home's figures (`GET admin/overview`), all from local tables: sign-ups,
//! accounts by status, subscriptions and MRR from the subscription cache, failed
//! payments, capacity per product, the job queue, the webhook inbox and open tickets.

use gatehouse_shared::admin_overview::{
    AdminOverview, DayCount, Money, ProductCapacity, StatusCount,
};

use crate::db::overview as q;
use crate::db::Conn;
use crate::error::AppResult;

pub async fn overview(conn: &mut Conn) -> AppResult<AdminOverview> {
    Ok(AdminOverview {
        signups: q::signups_per_day(conn)
            .await?
            .into_iter()
            .map(|row| DayCount {
                day: row.label,
                count: row.count,
            })
            .collect(),
        accounts_by_status: q::accounts_by_status(conn)
            .await?
            .into_iter()
            .map(|row| StatusCount {
                status: row.label,
                count: row.count,
            })
            .collect(),
        active_subscriptions: q::subscriptions_in(conn, &["active", "past_due"]).await?,
        trialing_subscriptions: q::subscriptions_in(conn, &["trialing"]).await?,
        mrr: q::mrr(conn)
            .await?
            .into_iter()
            .map(|row| Money {
                currency: row.label,
                amount_minor: row.count,
            })
            .collect(),
        failed_payments_30d: q::failed_payments_30d(conn).await?,
        capacity: q::capacity(conn)
            .await?
            .into_iter()
            .map(|row| ProductCapacity {
                product_slug: row.slug,
                product_name: row.name,
                instances: row.instances,
                allocated_seats: row.allocated,
                soft_cap: row.soft,
                allocation_cap: row.allocation,
                hard_cap: row.hard,
            })
            .collect(),
        orders_waiting_for_capacity: q::orders_waiting_for_capacity(conn).await?,
        dead_jobs: q::jobs_in(conn, "dead").await?,
        queued_jobs: q::jobs_in(conn, "queued").await?,
        pending_webhook_events: q::pending_webhook_events(conn).await?,
        open_tickets: q::open_tickets(conn).await?,
    })
}
