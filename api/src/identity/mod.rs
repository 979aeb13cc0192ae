//! Identity: people, their passwords, sessions and access tokens.

pub mod keys;
pub mod login;
pub mod password;
pub mod sessions;
