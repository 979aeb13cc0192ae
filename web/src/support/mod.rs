//! The support bundle (`gatehouse-support`, `web/support.html`): support tickets from
//! both sides. Customers' tickets live under `/support` ([`tickets`]); staff's under
//! `/admin/tickets` ([`staff_tickets`]) belong to the admin area (its navigation and
//! [`crate::admin::AdminPage`] frame) but to this bundle, which keeps the admin bundle
//! within its size budget ([`gatehouse_shared::spa::BUNDLES`] gives a bundle paths by two
//! segments). Both sides show a ticket's thread the same way ([`thread`]).

pub mod staff_tickets;
pub mod thread;
pub mod tickets;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::shell::{provide_site, NotFound, Site};

/// This bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const BUNDLE: &str = "support";

#[component]
pub fn SupportApp() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <Routes fallback=|| view! { <NotFound bundle=BUNDLE /> }>
                    <Route path=path!("/support") view=tickets::MyTicketsRoute />
                    <Route path=path!("/support/tickets/new") view=tickets::NewTicketRoute />
                    <Route path=path!("/support/tickets/:id") view=tickets::TicketRoute />
                    <Route path=path!("/admin/tickets") view=staff_tickets::StaffTicketsRoute />
                    <Route path=path!("/admin/tickets/:id") view=staff_tickets::StaffTicketRoute />
                </Routes>
            </Site>
        </Router>
    }
}
