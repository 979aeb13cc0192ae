//! Accounts (tenants): what their status allows, and how it changes; their members, keys,
//! credits, free trials and periods paid by bank transfer.

pub mod api_keys;
pub mod bank_transfers;
pub mod credits;
pub mod periods;
pub mod status;
pub mod teams;
pub mod trials;
