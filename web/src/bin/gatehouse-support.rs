//! The support bundle (`web/support.html`): customers' tickets under `/support`, and the
//! staff desk's accounts and tickets under `/admin`. Its code lives in the
//! `gatehouse_web` library's `support` module.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::support::SupportApp);
}
