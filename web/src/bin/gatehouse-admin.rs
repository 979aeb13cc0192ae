//! The admin area's bundle (`web/admin.html`): staff pages under `/admin`. Its code lives
//! in the `gatehouse_web` library's `admin` module.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::admin::AdminApp);
}
