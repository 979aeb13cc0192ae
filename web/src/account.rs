//! `/account`: who is signed in, and signing out (here or everywhere).

use gatehouse_shared::auth::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::auth::{display_name, use_auth};
use crate::form::FormError;
use crate::guard::RequireSignIn;

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
    let me = Memo::new(move |_| auth.me());

    view! {
        {move || me.get().map(|me| view! { <Profile me /> })}
        <SignOut />
    }
}

#[component]
fn Profile(me: Me) -> impl IntoView {
    let name = display_name(&me);
    let full_name = format!("{} {}", me.first_name.trim(), me.last_name.trim())
        .trim()
        .to_owned();
    let verified = me.email_verified;
    let email = me.email.clone();

    view! {
        <header class="account__intro">
            <h1>"Your account"</h1>
            <p class="lead">"Signed in as "{name}</p>
        </header>
        {(!verified)
            .then(|| {
                view! {
                    <div class="notice notice--warning account__verify">
                        <h2 class="notice__title">"Confirm your email address"</h2>
                        <p>
                            "We sent a link to "<strong>{email.clone()}</strong>
                            ". Open it to confirm this address is yours."
                        </p>
                    </div>
                }
            })}
        <section class="card account__card" aria-labelledby="profile-title">
            <h2 id="profile-title" class="account__title">"Profile"</h2>
            <dl class="details">
                <div class="details__row">
                    <dt>"Name"</dt>
                    <dd>
                        {if full_name.is_empty() {
                            view! { <span class="details__empty">"Not set"</span> }.into_any()
                        } else {
                            full_name.into_any()
                        }}
                    </dd>
                </div>
                <div class="details__row">
                    <dt>"Email"</dt>
                    <dd class="details__email">
                        <span class="details__value">{me.email}</span>
                        {if verified {
                            view! { <span class="badge">"Verified"</span> }.into_any()
                        } else {
                            view! { <span class="tag tag--warning">"Not verified"</span> }.into_any()
                        }}
                    </dd>
                </div>
                <div class="details__row">
                    <dt>"Username"</dt>
                    <dd class="details__value">{me.username}</dd>
                </div>
            </dl>
        </section>
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
