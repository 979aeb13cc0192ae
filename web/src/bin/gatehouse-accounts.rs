//! The accounts bundle (`web/accounts.html`): the admin area's customer accounts under
//! `/admin/accounts`. Its code lives in the `gatehouse_web` library's `admin::accounts`
//! module.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::admin::accounts::AccountsApp);
}
