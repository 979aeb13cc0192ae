//! Product instances and seats: who is placed where, never past any cap.
//!
//! - [`placement`]: automatic placement (least loaded, under row locks), staff placement
//!   (may pass the allocation cap, never the hard cap) and release.
//! - [`alerts`]: what staff are told (an instance crossed its soft cap, a product has no
//!   room), as emails sent by jobs after the transaction commits.

pub mod alerts;
pub mod placement;
