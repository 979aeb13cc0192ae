//! Billing: Stripe's webhooks (the inbox and its processing), the Stripe client, the
//! subscriptions and payments they keep current, and what customers read of them.

pub mod catalog_sync;
pub mod checkout;
pub mod inbox;
pub mod overview;
pub mod process;
pub mod signature;
pub mod stripe_api;
pub mod subscriptions;
pub mod sweep;
