//! Billing: Stripe's webhooks (the inbox), and — as they land — the Stripe client,
//! subscriptions and payments.

pub mod inbox;
pub mod overview;
pub mod signature;
pub mod subscriptions;
