//! Fakes of the systems Gatehouse cannot reach from a test machine, at the HTTP edge:
//! they speak the real wire formats, so Gatehouse's real clients talk to them.
//!
//! - [`oauth`]: Google's and GitHub's OAuth 2.0 authorization-code flow with PKCE, with a
//!   consent page where you type who you are.
//! - [`products`]: a product's side of provisioning: an admin API that keeps group
//!   members, and a webhook receiver.
//! - [`smtp`]: a mail relay that keeps what it is sent.
//! - [`stripe`]: the part of the Stripe API Gatehouse uses, its hosted pages, and
//!   signed webhook deliveries with switchable faults.

// The fake Stripe builds its objects with large `json!` literals.
#![recursion_limit = "256"]

pub mod oauth;
pub mod products;
pub mod smtp;
pub mod stripe;
