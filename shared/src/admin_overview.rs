//! `GET /api/v1/admin/overview`: how the platform is doing, for the admin home.

use serde::{Deserialize, Serialize};

/// Sign-ups on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub count: i64,
}

/// Monthly recurring revenue in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Money {
    pub currency: String,
    pub amount_minor: i64,
}

/// Accounts in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

/// Seats and room for one product, over its active instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProductCapacity {
    pub product_slug: String,
    pub product_name: String,
    pub instances: i64,
    pub allocated_seats: i64,
    pub soft_cap: i64,
    pub allocation_cap: i64,
    pub hard_cap: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminOverview {
    /// The last 30 days, oldest first, every day present.
    pub signups: Vec<DayCount>,
    pub accounts_by_status: Vec<StatusCount>,
    /// Subscriptions Stripe calls active or past due (trials not counted).
    pub active_subscriptions: i64,
    pub trialing_subscriptions: i64,
    /// From the local subscription cache: monthly prices, plus yearly ones divided by 12,
    /// times quantity, of active and past-due subscriptions.
    pub mrr: Vec<Money>,
    /// Invoices open or uncollectible (unpaid) created in the last 30 days.
    pub failed_payments_30d: i64,
    pub capacity: Vec<ProductCapacity>,
    /// Orders waiting in `needs_capacity`.
    pub orders_waiting_for_capacity: i64,
    pub dead_jobs: i64,
    pub queued_jobs: i64,
    /// Stripe events received but not processed yet, or failed.
    pub pending_webhook_events: i64,
    pub open_tickets: i64,
}
