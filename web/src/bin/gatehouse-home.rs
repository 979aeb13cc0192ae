//! The signed-in home's bundle (`web/home.html`): the dashboard, billing and API keys. Its code
//! lives in the `gatehouse_web` library's `home` module.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::home::HomeApp);
}
