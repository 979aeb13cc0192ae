//! Gatehouse: a self-hostable SaaS user platform.
//!
//! Layers: [`http`] (routes, extractors, error mapping) → domain modules ([`catalog`],
//! [`jobs`], …) → [`db`] (schema, models, query functions taking a connection).
//! See docs/ARCHITECTURE.md.

pub mod accounts;
pub mod admin;
pub mod billing;
pub mod catalog;
pub mod cli;
pub mod config;
/// Pure parsers of untrusted input and their helpers (`gatehouse_input`, fuzzed in `fuzz/`).
pub use gatehouse_input::{constant_time, csv};
pub mod db;
pub mod error;
pub mod http;
pub mod identity;
pub mod instances;
pub mod jobs;
pub mod mail;
pub mod onboarding;
pub mod ratelimit;
pub mod recovery;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod tickets;
