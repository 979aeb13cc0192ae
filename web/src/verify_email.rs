//! `/verify-email?token=…`: the page the confirmation link opens. It confirms the address
//! once, and when the link is no good, offers to send a new one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::api::{ApiError, UnauthorizedApi};
use crate::auth::use_auth;
use crate::title::Title;

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Checking,
    Verified,
    Failed(String),
}

#[component]
pub fn VerifyEmailRoute() -> impl IntoView {
    let query = use_query_map();
    let auth = use_auth();
    let outcome = RwSignal::new(Outcome::Checking);
    // Read once: the link is single use, so the check must not repeat on re-render.
    let token = query.read_untracked().get("token").unwrap_or_default();
    if token.is_empty() {
        outcome.set(Outcome::Failed(
            "This link is incomplete. Open it again from the email, or ask for a new one.".into(),
        ));
    } else {
        spawn_local(async move {
            match UnauthorizedApi.verify_email(&token).await {
                Ok(_) => {
                    outcome.set(Outcome::Verified);
                    if auth.signed_in() == Some(true) {
                        _ = auth.reload_me().await;
                    }
                }
                Err(error) => outcome.set(Outcome::Failed(error.message())),
            }
        });
    }

    view! {
        <Title text="Confirm your email address" />
        <div class="container auth-page">
            {move || match outcome.get() {
                Outcome::Checking => view! {
                    <section class="notice" role="status" aria-live="polite" aria-busy="true">
                        <h1 class="notice__title">"Confirming your email address…"</h1>
                    </section>
                }
                .into_any(),
                Outcome::Verified => view! {
                    <section class="notice" role="status" aria-live="polite">
                        <h1 class="notice__title">"Your email address is confirmed"</h1>
                        <p>"Thank you. You can close this page or go on to your account."</p>
                        <a class="button button--primary" href="/account">"Go to your account"</a>
                    </section>
                }
                .into_any(),
                Outcome::Failed(message) => view! {
                    <section class="notice notice--error" role="alert">
                        <h1 class="notice__title">"This link did not work"</h1>
                        <p>{message}</p>
                        <ResendForm />
                    </section>
                }
                .into_any(),
            }}
        </div>
    }
}

/// Asks for a new link; the answer is the same whatever the address.
#[component]
fn ResendForm() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<(), ApiError>>);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let address = email.get_untracked();
        if pending.get_untracked() || address.trim().is_empty() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let sent = UnauthorizedApi.resend_verification(address.trim()).await;
            result.set(Some(sent.map(|_| ())));
            pending.set(false);
        });
    };

    view! {
        <form class="form" novalidate on:submit=on_submit>
            <div class="field">
                <label class="field__label" for="resend-email">"Your email address"</label>
                <input
                    id="resend-email"
                    class="field__input"
                    type="email"
                    name="email"
                    autocomplete="email"
                    required
                    prop:value=move || email.get()
                    on:input=move |event| email.set(event_target_value(&event))
                />
            </div>
            <button
                class="button button--secondary"
                type="submit"
                disabled=move || pending.get()
                aria-busy=move || pending.get().then_some("true")
            >
                {move || if pending.get() { "Sending…" } else { "Send a new link" }}
            </button>
            <p role="status" aria-live="polite">
                {move || match result.get() {
                    Some(Ok(())) => {
                        "If that address is waiting to be confirmed, a new link is on its way."
                            .to_owned()
                    }
                    Some(Err(error)) => error.message(),
                    None => String::new(),
                }}
            </p>
        </form>
    }
}
