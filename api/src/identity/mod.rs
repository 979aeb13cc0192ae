//! Identity: people, their passwords, sessions and access tokens.

pub mod code_login;
pub mod keys;
pub mod login;
pub mod one_time;
pub mod password;
pub mod passwords;
pub mod profile;
pub mod register;
pub mod sessions;
pub mod throttle;
pub mod verify_email;
