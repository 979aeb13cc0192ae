//! The signed-in home (`gatehouse-home`, `web/home.html`), its own Wasm bundle: the
//! dashboard (`/dashboard`), billing (`/billing`), the account's API keys
//! (`/api-keys`) and credits (`/credits`), in the same frame as the main app
//! ([`crate::shell`]). Teams (`/team`, and `/invitations/accept` from an invitation
//! email) are a bundle of their own (`gatehouse-team`, `web/team.html`, [`TeamApp`]) built
//! from the same module, so each has room under its budget. Above every page, the account bar ([`account_bar`]): the account
//! switcher for people in several accounts and the active account's status banner (trial
//! ending, payment failed, suspended, cancelled); the dashboard offers a free trial when
//! the account may start one ([`trial`]). Pages of the other bundles are a full page load away (the shell's
//! `NotFound` hands them over), so links need nothing special.

mod account_bar;
pub mod api_keys;
pub mod credits;
pub mod dashboard;
pub mod invitation;
pub mod team;
mod trial;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::billing::BillingRoute;
use crate::shell::{provide_site, NotFound, Site};

/// This bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const BUNDLE: &str = "home";

#[component]
pub fn HomeApp() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <account_bar::AccountBar />
                <Routes fallback=|| view! { <NotFound bundle=BUNDLE /> }>
                    <Route path=path!("/dashboard") view=dashboard::DashboardRoute />
                    <Route path=path!("/billing") view=BillingRoute />
                    <Route path=path!("/api-keys") view=api_keys::ApiKeysRoute />
                    <Route path=path!("/credits") view=credits::CreditsRoute />
                </Routes>
            </Site>
        </Router>
    }
}

/// The team bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const TEAM_BUNDLE: &str = "team";

/// The team bundle (`gatehouse-team`): the accounts a person belongs to, their members
/// and invitations (`/team`), and accepting an invitation (`/invitations/accept`), under
/// the same account bar.
#[component]
pub fn TeamApp() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <account_bar::AccountBar />
                <Routes fallback=|| view! { <NotFound bundle=TEAM_BUNDLE /> }>
                    <Route path=path!("/team") view=team::TeamRoute />
                    <Route path=path!("/invitations/accept") view=invitation::AcceptInvitationRoute />
                </Routes>
            </Site>
        </Router>
    }
}
