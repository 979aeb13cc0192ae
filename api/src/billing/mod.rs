//! Billing: Stripe's webhooks (the inbox and its processing), the Stripe client, the
//! subscriptions and payments they keep current, and what customers read of them.

pub mod catalog_sync;
pub mod checkout;
pub mod inbox;
pub mod overview;
pub mod process;
/// Stripe's webhook signatures (`gatehouse_input`: pure, fuzzed in `fuzz/`).
pub use gatehouse_input::signature;
pub mod stripe_api;
pub mod subscriptions;
pub mod sweep;
