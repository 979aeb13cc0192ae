//! Gatehouse's single-page app: client-side rendered Leptos, built by Trunk and served
//! by the API with an `index.html` fallback for deep links.

mod api;
mod app;
mod pricing;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
