//! Accounts (tenants): what their status allows, and how it changes.

pub mod api_keys;
pub mod credits;
pub mod status;
pub mod teams;
