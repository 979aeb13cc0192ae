//! The onboarding app, its own Wasm bundle (`gatehouse-onboarding`, `web/onboarding.html`):
//! the sign-up-and-pay wizard (`/onboarding/…`), one step per page; account recovery
//! (`/recovery/…`, `recovery/`) and the waitlist (`/waitlist`, `waitlist.rs`), which share
//! its pieces (the catalog loader, the emailed code's field and resend button). The
//! server sends this bundle's `index.html` for each of these first path segments. The
//! wizard's answers live in `sessionStorage`, so a reload (or the trip to Stripe and
//! back) keeps them, and they vanish with the tab.
//!
//! It reuses the library's shared pieces (API client, forms, title, the pricing page's
//! price and period components) and nothing of the main app's shell, so the main app's
//! pages never reach this bundle. Links to the main app carry `rel="external"`: they are
//! a full page load into the other bundle, not a client-side route.

mod account;
mod calls;
mod cancelled;
mod email_code;
mod plan;
mod recovery;
mod storage;
mod store;
mod success;
mod summary;
mod waitlist;
mod welcome;
pub mod wizard;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{path, NavigateOptions};

use crate::app::PRODUCT_NAME;
use crate::browser::focus_soon;
use crate::title::Title;

pub use store::{first_name, set_first_name};
use wizard::Step;

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
                    <Route path=path!("/onboarding/storage") view=storage::StorageStep />
                    <Route path=path!("/onboarding/account") view=account::AccountStep />
                    <Route path=path!("/onboarding/success") view=success::SuccessPage />
                    <Route path=path!("/onboarding/cancelled") view=cancelled::CancelledPage />
                    <Route path=path!("/recovery") view=recovery::AskStep />
                    <Route path=path!("/recovery/code") view=recovery::VerifyStep />
                    <Route path=path!("/recovery/restore") view=recovery::RestoreStep />
                    <Route path=path!("/waitlist") view=waitlist::WaitlistPage />
                </Routes>
            </main>
        </Router>
    }
}

/// Where the person is in the wizard: "Step 1 of 4".
#[component]
fn StepIndicator(step: u8) -> impl IntoView {
    view! { <p class="eyebrow">"Step "{step}" of "{STEPS}</p> }
}

/// How many steps the wizard has.
const STEPS: u8 = 4;

/// A page's `h1`, focused when the page opens (so screen readers start at the new step).
#[component]
fn StepHeading(id: &'static str, children: Children) -> impl IntoView {
    let node = NodeRef::<leptos::html::H1>::new();
    focus_soon(node);
    view! {
        <h1 id=id tabindex="-1" node_ref=node style="outline:none">
            {children()}
        </h1>
    }
}

/// Sends the person to the first unanswered step before `step`; `true` when it did (the
/// page should then show nothing).
fn redirect_if_missing(step: Step) -> bool {
    let missing = store::wizard().missing_before(step, first_name().is_some());
    if let Some(missing) = missing {
        let navigate = use_navigate();
        request_animation_frame(move || {
            navigate(
                missing.path(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        });
    }
    missing.is_some()
}

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
