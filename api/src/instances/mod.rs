//! Product instances and seats: who is placed where, never past any cap.
//!
//! - [`placement`]: automatic placement (least loaded, under row locks), staff placement
//!   (may pass the allocation cap, never the hard cap) and release.
//! - [`orders`]: every purchase or change opens an order; its fulfilment job places the
//!   account's members on what it pays for, waits for capacity, and releases what it no
//!   longer pays for after the grace period.
//! - [`manage`]: instances and orders as staff manage them and customers follow them.
//! - [`connectors`]: what a seat change means for the product (nothing, a signed
//!   webhook, or a group membership at an identity provider's admin API), as jobs.
//! - [`alerts`]: what staff are told (an instance crossed its soft cap, a product has no
//!   room), as emails sent by jobs after the transaction commits.

pub mod alerts;
pub mod connectors;
pub mod drain;
pub mod manage;
pub mod orders;
pub mod placement;
