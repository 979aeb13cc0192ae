//! The main app's bundle (`web/index.html`): pricing, sign-up and sign-in, account,
//! billing. Everything lives in the `gatehouse_web` library.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::app::App);
}
