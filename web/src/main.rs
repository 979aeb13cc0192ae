//! The main app's bundle (`web/index.html`): pricing, sign-up and sign-in, account,
//! billing. Client-side rendered Leptos, built by Trunk and served by the API with an
//! `index.html` fallback for deep links.
//!
//! This binary declares the modules itself instead of linking the `gatehouse_web`
//! library (`lib.rs` declares the same files): compiled as one crate, the main bundle's
//! Wasm stays what it was before the split. Linking the library instead, LLVM inlined
//! differently and the bundle grew by 4.3 KB gzipped, over its budget (measured, see
//! docs/PERFORMANCE.md).
//! Keep this list and `lib.rs`'s in step (the library adds the other bundles' modules).

mod account;
mod api;
mod app;
mod auth;
mod billing;
mod browser;
mod code_sign_in;
mod forgot_password;
mod form;
mod guard;
mod notice;
mod oauth;
mod pricing;
mod reset_password;
mod second_factor;
mod sign_in;
mod sign_up;
mod subscribe;
mod title;
mod verify_email;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
