//! The onboarding app (`/onboarding/…`), its own Wasm bundle (`gatehouse-onboarding`,
//! `web/onboarding.html`): the sign-up-and-pay wizard, one step per page. The wizard's
//! answers live in `sessionStorage`, so a reload (or the trip to Stripe and back) keeps
//! them, and they vanish with the tab.
//!
//! It reuses the library's shared pieces (API client, forms, title, the pricing page's
//! price and period components) and nothing of the main app's shell, so the main app's
//! pages never reach this bundle. Links to the main app carry `rel="external"`: they are
//! a full page load into the other bundle, not a client-side route.

mod plan;
mod store;
mod welcome;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::app::PRODUCT_NAME;
use crate::title::Title;

pub use store::{first_name, set_first_name};

/// Every onboarding path starts with this (the server sends this bundle's `index.html`
/// for it and everything below it).
pub const BASE: &str = "/onboarding";

#[component]
pub fn OnboardingApp() -> impl IntoView {
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <div class="container site-header__inner">
                    <a class="brand" href="/" rel="external">
                        <span class="brand__mark" aria-hidden="true"></span>
                        <span class="brand__name">{PRODUCT_NAME}</span>
                    </a>
                </div>
            </header>
            <main id="main" class="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/onboarding") view=welcome::WelcomeStep />
                    <Route path=path!("/onboarding/plan") view=plan::PlanStep />
                </Routes>
            </main>
        </Router>
    }
}

/// Where the person is in the wizard: "Step 1 of 2".
#[component]
fn StepIndicator(step: u8) -> impl IntoView {
    view! { <p class="eyebrow">"Step "{step}" of "{STEPS}</p> }
}

/// How many steps the wizard has so far.
const STEPS: u8 = 2;

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <section class="container notice-page" aria-labelledby="not-found-title">
            <p class="eyebrow">"404"</p>
            <h1 id="not-found-title">"Page not found"</h1>
            <p class="lead">"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p>
                <a class="button button--primary" href=BASE>
                    "Start from the beginning"
                </a>
            </p>
        </section>
    }
}
