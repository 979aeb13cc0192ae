//! `/forgot-password`: asks for a link to choose a new password. The answer is the same
//! whether or not the address has an account, so the page never tells.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::UnauthorizedApi;
use crate::browser::normalize_email;
use crate::form::{email_problem, Field, FormError, SubmitButton};
use crate::title::Title;

/// What the page says once the request went through, whoever owns the address.
pub const SENT: &str = "If an account uses that address, we sent a link to reset its password.";

#[component]
pub fn ForgotPasswordRoute() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let email_input = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let sent = RwSignal::new(false);

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let address = email.get_untracked();
        form_error.set(None);
        let problem = email_problem(&address);
        let valid = problem.is_none();
        error.set(problem);
        if !valid {
            if let Some(input) = email_input.get_untracked() {
                _ = input.focus();
            }
            return;
        }
        let address = normalize_email(&address).unwrap_or_default();
        pending.set(true);
        spawn_local(async move {
            let answer = UnauthorizedApi.forgot_password(&address).await;
            pending.set(false);
            // Only failures to ask (throttled, offline) are news; the answer itself is not.
            match answer {
                Ok(_) => sent.set(true),
                Err(failure) => form_error.set(Some(failure.message())),
            }
        });
    };
    // Once fixed, the error goes.
    let recheck = move |()| {
        if error.with_untracked(Option::is_some) && email_problem(&email.get_untracked()).is_none()
        {
            error.set(None);
        }
    };

    view! {
        <Title text="Reset your password" />
        <div class="container auth-page">
            {move || sent.get().then(|| view! { <Sent /> })}
            <div hidden=move || sent.get()>
            <section class="card auth-card" aria-labelledby="forgot-title">
                <header class="auth-card__head">
                    <h1 id="forgot-title">"Reset your password"</h1>
                    <p class="auth-card__lead">
                        "Enter the email address of your account and we will send you a link to choose a new password."
                    </p>
                </header>
                <form class="form" novalidate on:submit=on_submit>
                    <FormError message=form_error.into() />
                    <Field
                        name="email"
                        label="Email"
                        value=email
                        error=error
                        on_input=recheck
                        input_type="email"
                        autocomplete="email"
                        verbatim=true
                        node_ref=email_input
                    />
                    <SubmitButton pending=pending.into() label="Send me a link" busy_label="Sending…" />
                </form>
                <p class="auth-card__switch">
                    "Remembered it? "<a href="/sign-in">"Sign in"</a>
                </p>
            </section>
            </div>
        </div>
    }
}

/// After asking: the same news for every address.
#[component]
fn Sent() -> impl IntoView {
    // The form this replaces had focus; hand it to the news.
    let heading = NodeRef::<leptos::html::H1>::new();
    heading.on_load(|heading| _ = heading.focus());
    view! {
        <section class="card auth-card" aria-labelledby="forgot-sent-title">
            <div role="status" class="auth-card__head">
                <h1 id="forgot-sent-title" tabindex="-1" node_ref=heading>
                    "Check your inbox"
                </h1>
                <p class="auth-card__lead">{SENT}</p>
                <p class="auth-card__lead">
                    "The link works once and for 10 minutes. It may take a minute to arrive; check your spam folder too."
                </p>
            </div>
            <p class="auth-card__switch">"Back to "<a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}
