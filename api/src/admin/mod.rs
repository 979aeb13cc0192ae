//! What staff do beyond the domain modules' own rules: staff roles and the areas each
//! may use, and the audit log every admin change writes in its transaction.

pub mod accounts;
pub mod audit;
pub mod overview;
pub mod roles;
