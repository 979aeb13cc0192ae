//! The main app's bundle (`web/index.html`): pricing, sign-up and sign-in, the account
//! settings. Its code lives in the `gatehouse_web` library's `app` module, like every
//! other bundle's.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::app::App);
}
