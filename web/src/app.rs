//! The application shell: document metadata, landmarks, and the route table.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::account::AccountRoute;
use crate::auth::{display_name, provide_auth, use_auth};
use crate::billing::BillingRoute;
use crate::browser::apply_theme;
use crate::forgot_password::ForgotPasswordRoute;
use crate::notice::{provide_notice, NoticeBanner};
use crate::pricing::PricingRoute;
use crate::reset_password::ResetPasswordRoute;
use crate::sign_in::SignInRoute;
use crate::sign_up::SignUpRoute;
use crate::title::Title;
use crate::verify_email::VerifyEmailRoute;

/// The product's name, used in the header and in every document title.
pub const PRODUCT_NAME: &str = "Gatehouse";

#[component]
pub fn App() -> impl IntoView {
    let auth = provide_auth();
    provide_notice();
    // The signed-in person's colour scheme, on the whole page.
    let theme = Memo::new(move |_| auth.theme());
    Effect::new(move || apply_theme(theme.get()));

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader />
            <main id="main" class="main" tabindex="-1">
                <NoticeBanner />
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=PricingRoute />
                    <Route path=path!("/pricing/:page?") view=PricingRoute />
                    <Route path=path!("/sign-up") view=SignUpRoute />
                    <Route path=path!("/sign-in") view=SignInRoute />
                    <Route path=path!("/account") view=AccountRoute />
                    <Route path=path!("/billing") view=BillingRoute />
                    <Route path=path!("/verify-email") view=VerifyEmailRoute />
                    <Route path=path!("/forgot-password") view=ForgotPasswordRoute />
                    <Route path=path!("/reset-password") view=ResetPasswordRoute />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}

#[component]
fn SiteHeader() -> impl IntoView {
    let location = use_location();
    let on_pricing = move || {
        let path = location.pathname.get();
        (path == "/" || path == "/pricing" || path.starts_with("/pricing/")).then_some("page")
    };
    let auth = use_auth();
    let signed_in = Memo::new(move |_| auth.signed_in() == Some(true));
    let on_billing = move || (location.pathname.get() == "/billing").then_some("page");

    view! {
        <header class="site-header">
            <div class="container site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true"></span>
                    <span class="brand__name">{PRODUCT_NAME}</span>
                </a>
                <nav class="site-nav" aria-label="Main">
                    <ul>
                        <li>
                            <a href="/" aria-current=on_pricing>
                                "Pricing"
                            </a>
                        </li>
                        <li hidden=move || !signed_in.get()>
                            <a href="/billing" aria-current=on_billing>
                                "Billing"
                            </a>
                        </li>
                        <li>
                            <AccountLink />
                        </li>
                    </ul>
                </nav>
            </div>
        </header>
    }
}

/// "Sign in" for visitors; the person's name, linking to their account, once signed in.
/// Nothing while the session is being restored, so the header does not flicker.
#[component]
fn AccountLink() -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let on = move |page: &'static str| move || (location.pathname.get() == page).then_some("page");
    let name = Memo::new(move |_| auth.me().as_ref().map(display_name));
    let restoring = Memo::new(move |_| auth.signed_in().is_none());

    move || match name.get() {
        Some(name) => view! {
            <a class="site-nav__account" href="/account" aria-current=on("/account")>
                <span class="visually-hidden">"Your account: "</span>
                <span class="site-nav__name">{name}</span>
            </a>
        }
        .into_any(),
        None if restoring.get() => {
            view! { <span class="site-nav__placeholder" aria-hidden="true"></span> }.into_any()
        }
        None => view! {
            <a href="/sign-in" aria-current=on("/sign-in")>
                "Sign in"
            </a>
        }
        .into_any(),
    }
}

#[component]
fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container site-footer__inner">
                <p>{PRODUCT_NAME}" — the self-hostable user platform."</p>
                <nav aria-label="Developers">
                    <a href="/api/docs" rel="external">
                        "API documentation"
                    </a>
                </nav>
            </div>
        </footer>
    }
}

/// Shown for every path the route table does not know.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <section class="container notice-page" aria-labelledby="not-found-title">
            <p class="eyebrow">"404"</p>
            <h1 id="not-found-title">"Page not found"</h1>
            <p class="lead">"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p>
                <a class="button button--primary" href="/">
                    "See plans and pricing"
                </a>
            </p>
        </section>
    }
}
