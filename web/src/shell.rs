//! The page frame the main app and the signed-in home share: skip link, header with the
//! site navigation, the notice banner, footer, and the "not found" page that hands pages
//! of another bundle over to it.

use gatehouse_shared::spa::bundle_of;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::app::PRODUCT_NAME;
use crate::auth::{display_name, provide_auth, use_auth};
use crate::browser::{apply_theme, replace_page};
use crate::notice::{provide_notice, NoticeBanner};
use crate::title::Title;

/// What every page of the bundles with the site frame needs: the session and the notice
/// banner's slot, and the signed-in person's colour scheme on the whole page.
pub fn provide_site() {
    let auth = provide_auth();
    provide_notice();
    let theme = Memo::new(move |_| auth.theme());
    Effect::new(move || apply_theme(theme.get()));
}

/// The frame around the routes (inside the router).
#[component]
pub fn Site(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <ViewAsBanner />
        <SiteHeader />
        <main id="main" class="main" tabindex="-1">
            <NoticeBanner />
            {children()}
        </main>
        <SiteFooter />
    }
}

/// In a tab where staff view the app as a customer ([`crate::view_as`]): whom, that it
/// is read only, and a way to end it. On every page, above the header.
#[component]
fn ViewAsBanner() -> impl IntoView {
    let auth = use_auth();
    let viewing = Memo::new(move |_| {
        auth.viewing_as()
            .then(|| auth.me().map(|me| (display_name(&me), me.email)))
            .flatten()
    });
    move || {
        viewing.get().map(|(name, email)| {
            view! {
                <div class="view-as" role="status">
                    <p class="view-as__text">
                        <strong>"Viewing as "{name}</strong>
                        " ("{email}"). Read only: every change is refused."
                    </p>
                    <button
                        class="button button--secondary view-as__end"
                        type="button"
                        on:click=move |_| auth.end_view_as()
                    >
                        "End viewing"
                    </button>
                </div>
            }
        })
    }
}

#[component]
fn SiteHeader() -> impl IntoView {
    let location = use_location();
    let current = move |page: &'static str| {
        move || {
            let path = location.pathname.get();
            let here = if page == "/" {
                path == "/" || path == "/pricing" || path.starts_with("/pricing/")
            } else {
                path == page
            };
            here.then_some("page")
        }
    };
    let auth = use_auth();
    let signed_out = Memo::new(move |_| auth.signed_in() != Some(true));
    let not_staff = Memo::new(move |_| !auth.me().is_some_and(|me| me.staff));

    view! {
        <header class="site-header">
            <div class="container site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true"></span>
                    <span class="brand__name">{PRODUCT_NAME}</span>
                </a>
                <nav class="site-nav" aria-label="Main">
                    <ul>
                        <li hidden=signed_out>
                            <a href="/dashboard" aria-current=current("/dashboard")>
                                "Dashboard"
                            </a>
                        </li>
                        <li>
                            <a href="/" aria-current=current("/")>
                                "Pricing"
                            </a>
                        </li>
                        <li hidden=signed_out>
                            <a href="/billing" aria-current=current("/billing")>
                                "Billing"
                            </a>
                        </li>
                        <li hidden=signed_out>
                            <a href="/team" aria-current=current("/team")>
                                "Team"
                            </a>
                        </li>
                        <li hidden=signed_out>
                            <a href="/api-keys" aria-current=current("/api-keys")>
                                "API keys"
                            </a>
                        </li>
                        <li hidden=signed_out>
                            <a href="/support" aria-current=current("/support")>
                                "Support"
                            </a>
                        </li>
                        <li hidden=not_staff>
                            <a href="/admin" aria-current=current("/admin")>
                                "Admin"
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

/// Every path the route table of `bundle` does not know. A page of another bundle (the
/// router follows every link on the site) is loaded as a new page, which the server
/// answers with that bundle's app; anything else is not found.
#[component]
pub fn NotFound(bundle: &'static str) -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    if bundle_of(&path) != bundle {
        let mut url = path;
        for (mark, part) in [('?', location.search), ('#', location.hash)] {
            let part = part.get_untracked();
            let part = part.trim_start_matches(mark);
            if !part.is_empty() {
                url.push(mark);
                url.push_str(part);
            }
        }
        replace_page(&url);
        return view! {
            <div class="loading" role="status" aria-live="polite" aria-busy="true">
                <span class="spinner" aria-hidden="true"></span>
                "Loading…"
            </div>
        }
        .into_any();
    }
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
    .into_any()
}
