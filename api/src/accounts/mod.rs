//! Accounts (tenants): what their status allows, and how it changes.

pub mod status;
