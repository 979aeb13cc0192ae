//! Types that travel between the Gatehouse API and its clients (the SPA, integrators).
//!
//! serde only by default; `feature = "server"` adds OpenAPI schema derives so the
//! Wasm build never compiles server dependencies.

pub mod admin_accounts;
pub mod admin_catalog;
pub mod admin_ops;
pub mod admin_overview;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod catalog;
pub mod credits;
pub mod error;
pub mod ids;
pub mod instances;
pub mod mfa;
pub mod oauth;
pub mod onboarding;
pub mod plans;
pub mod recovery;
pub mod spa;
pub mod teams;
pub mod tickets;

pub use error::{ErrorBody, ErrorEnvelope};
