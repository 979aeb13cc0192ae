//! What staff do beyond the domain modules' own rules: the audit log every admin change
//! writes in its transaction.

pub mod audit;
