//! `/account`: who is signed in, and everything they can change about their account, one
//! card per subject: profile (names), two-factor authentication, password, preferences,
//! their data, signing out, and deactivating the account.

mod data;
mod password;
mod preferences;
mod profile;
mod two_factor;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::{display_name, use_auth};
use crate::browser::focus_soon;
use crate::form::FormError;
use crate::guard::RequireSignIn;
use crate::title::Title;

#[component]
pub fn AccountRoute() -> impl IntoView {
    view! {
        <Title text="Your account" />
        <div class="container account">
            <RequireSignIn>
                <AccountPage />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    // Shown at once from the session; read again quietly in case it changed elsewhere
    // (an email confirmed in another tab, say).
    spawn_local(async move {
        _ = auth.reload_me().await;
    });
    let name = Memo::new(move |_| auth.me().as_ref().map(display_name).unwrap_or_default());
    let unverified_email =
        Memo::new(move |_| auth.me().filter(|me| !me.email_verified).map(|me| me.email));
    // Staff who must turn two-factor authentication on before using the admin area.
    let must_enable_mfa = Memo::new(move |_| {
        auth.me()
            .is_some_and(|me| me.mfa_required && !me.mfa_enabled)
    });

    view! {
        <header class="account__intro">
            <h1>"Your account"</h1>
            <p class="lead">"Signed in as "{name}</p>
        </header>
        {move || must_enable_mfa.get().then(|| view! {
            <div class="notice notice--warning" role="status">
                <h2 class="notice__title">"Turn on two-factor authentication"</h2>
                <p>
                    "As a member of staff, you need two-factor authentication before you can use the admin area. "
                    <a href="#two-factor-title">"Set it up below"</a>"."
                </p>
            </div>
        })}
        {move || unverified_email.get().map(|email| view! {
            <div class="notice notice--warning account__verify">
                <h2 class="notice__title">"Confirm your email address"</h2>
                <p>
                    "We sent a link to "<strong>{email}</strong>
                    ". Open it to confirm this address is yours."
                </p>
            </div>
        })}
        <profile::Profile />
        <section class="card account__card" aria-labelledby="billing-link-title">
            <h2 id="billing-link-title" class="account__title">"Billing"</h2>
            <p class="account__text">"Your plan, what it includes, your payments and payment methods."</p>
            <div class="account__actions">
                <a class="button button--secondary" href="/billing">"Go to billing"</a>
            </div>
        </section>
        <two_factor::TwoFactor />
        <password::Password />
        <preferences::Preferences />
        <data::YourData />
        <SignOut />
        <data::Deactivate />
    }
}

#[component]
fn SignOut() -> impl IntoView {
    let auth = use_auth();
    // Which button is at work: `Some(everywhere)`.
    let busy = RwSignal::new(None::<bool>);
    let error = RwSignal::new(None::<String>);
    let sign_out = move |everywhere: bool| {
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(everywhere));
        error.set(None);
        spawn_local(async move {
            // Signed out: the page goes to sign-in; the button stays busy until then.
            if let Err(failed) = auth.sign_out(everywhere).await {
                busy.set(None);
                error.set(Some(format!(
                    "You are still signed in. {}",
                    failed.message()
                )));
            }
        });
    };
    let pending = move || busy.get().is_some();
    let busy = move |everywhere: bool| (busy.get() == Some(everywhere)).then_some("true");

    view! {
        <section class="card account__card" aria-labelledby="sign-out-title">
            <h2 id="sign-out-title" class="account__title">"Sign out"</h2>
            <p class="account__text">
                "Signing out everywhere also ends your sessions on other devices and browsers."
            </p>
            <FormError message=error.into() />
            <div class="account__actions">
                <button
                    class="button button--primary"
                    type="button"
                    disabled=pending
                    aria-busy=move || busy(false)
                    on:click=move |_| sign_out(false)
                >
                    "Sign out"
                </button>
                <button
                    class="button button--secondary"
                    type="button"
                    disabled=pending
                    aria-busy=move || busy(true)
                    on:click=move |_| sign_out(true)
                >
                    "Sign out everywhere"
                </button>
            </div>
        </section>
    }
}
