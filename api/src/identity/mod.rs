//! Identity: people, their passwords, sessions and access tokens.

pub mod code_login;
pub mod hashing;
pub mod keys;
pub mod login;
pub mod mfa;
pub mod oauth;
pub mod one_time;
pub mod password;
pub mod passwords;
pub mod profile;
pub mod register;
pub mod sessions;
pub mod sign_in;
pub mod throttle;
pub mod totp;
pub mod verify_email;
