//! Sign up and pay in one flow (the onboarding wizard), and the waitlist.
//!
//! Nothing is created before payment except the proof of the address: a verified
//! emailed code makes an `onboardings` row and a bearer token for checkout. Checkout is
//! built from the catalog only (the browser sends ids), carries the sign-up's id in its
//! metadata, and the paid subscription's processing (billing) creates the user and the
//! account from that row in the same transaction that stores the subscription. The
//! success page polls until then.

pub mod availability;
pub mod checkout;
pub mod email_proof;
pub mod provision;
pub mod status;
pub mod waitlist;

use std::collections::BTreeMap;

type Fields = BTreeMap<String, String>;

/// How long a proved address may start checkouts.
pub const PROOF_LIFETIME: chrono::Duration = chrono::Duration::hours(1);
