//! The team bundle (`web/team.html`): accounts, members and invitations. Its code lives in
//! the `gatehouse_web` library's `home` module, beside the signed-in home it shares the
//! account bar with.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::home::TeamApp);
}
