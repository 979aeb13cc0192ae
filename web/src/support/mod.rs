//! The support bundle (`gatehouse-support`, `web/support.html`): support tickets from
//! both sides, and the staff desk for customers' accounts. Customers' tickets live under
//! `/support`; staff's pages under `/admin/accounts` and `/admin/tickets` belong to the
//! admin area (its navigation and [`crate::admin::AdminPage`] frame) but to this bundle,
//! which keeps the admin bundle within its size budget
//! ([`gatehouse_shared::spa::BUNDLES`] gives a bundle paths by two segments).

use leptos::prelude::*;
use leptos_router::components::{Router, Routes};

use crate::shell::{provide_site, NotFound, Site};

/// This bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const BUNDLE: &str = "support";

// The route table is empty until the first page lands (a unit route list).
#[allow(clippy::unused_unit)]
#[component]
pub fn SupportApp() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <Routes fallback=|| view! { <NotFound bundle=BUNDLE /> }>
                    {()}
                </Routes>
            </Site>
        </Router>
    }
}
