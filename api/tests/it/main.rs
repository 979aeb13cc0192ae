//! Integration tests: the real app over HTTP, real PostgreSQL and Redis, a database
//! per test. One test binary keeps link times down.

mod harness;

mod account;
mod admin_access;
mod admin_accounts;
mod admin_catalog;
mod admin_instances;
mod admin_overview;
mod api_keys;
mod api_rates;
mod audit_trail;
mod auth;
mod billing;
mod billing_checkout;
mod catalog;
mod cli;
mod code_login;
mod connectors;
mod credits;
mod docs;
mod errors;
mod faults;
mod health;
mod instances;
mod isolation;
mod jobs;
mod mail;
mod metrics;
mod mfa;
mod oauth;
mod onboarding;
mod openapi;
mod orders;
mod plans;
mod ratelimit;
mod recovery;
mod schema;
mod shutdown;
mod signup;
mod spa;
mod stripe_processing;
mod stripe_world;
mod teams;
mod tickets;
mod webhooks;
