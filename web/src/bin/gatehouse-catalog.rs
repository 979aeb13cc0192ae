//! The catalog bundle (`web/catalog.html`): the admin area's `/admin/catalog`, in the
//! admin area's frame and navigation. Its code lives in the `gatehouse_web` library's
//! `admin::catalog` module.

fn main() {
    leptos::mount::mount_to_body(gatehouse_web::admin::catalog::CatalogApp);
}
