//! Gatehouse's single-page app: client-side rendered Leptos, built by Trunk and served
//! by the API with an `index.html` fallback for deep links.

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
