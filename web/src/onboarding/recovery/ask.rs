//! Step 1, `/recovery`: the email address or username of the account to recover.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::{login_problem, CODE, RESTORE};
use crate::browser::focus_id;
use crate::form::{server_errors, Field, FormError, SubmitButton};
use crate::onboarding::store::recovery as store;
use crate::onboarding::{calls, StepHeading, BASE};
use crate::title::Title;

#[component]
pub fn AskStep() -> impl IntoView {
    let login = RwSignal::new(store::login().unwrap_or_default());
    let login_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // Back from Stripe without paying (or a reload): the verified answer may still work.
    let kept = store::granted().is_some();
    let navigate = use_navigate();
    let recheck = move || {
        if login_error.with_untracked(Option::is_some) {
            login_error.set(login_problem(&login.get_untracked()));
        }
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        let value = login.get_untracked().trim().to_owned();
        login_error.set(login_problem(&value));
        if login_error.get_untracked().is_some() {
            focus_id("login");
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = calls::recovery_code(&value).await;
            _ = pending.try_set(false);
            match answer {
                Ok(_) => {
                    store::clear();
                    store::set_login(&value);
                    store::set_sent_now();
                    navigate(CODE, Default::default());
                }
                Err(error) => {
                    let (inline, summary) =
                        server_errors(&error, &[("login", "Email or username")]);
                    if let Some(message) = inline.get("login") {
                        _ = login_error.try_set(Some(message.clone()));
                    }
                    _ = form_error.try_set(Some(summary));
                }
            }
        });
    };

    view! {
        <Title text="Recover your account" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="recovery-title">
                <header class="auth-card__head">
                    <StepHeading id="recovery-title">"Recover your account"</StepHeading>
                    <p class="auth-card__lead">
                        "Lost access after a cancellation or a failed payment? We’ll email you a code, then you can pay to restore your account with all its data."
                    </p>
                </header>
                {kept.then(|| view! {
                    <div class="notice" style="margin:0;padding:1.25rem">
                        <p>"You verified your code a moment ago. "
                            <a href=RESTORE>"Continue restoring your account"</a>
                        </p>
                    </div>
                })}
                <form class="form" novalidate on:submit=on_submit>
                    <Field
                        name="login"
                        label="Email or username"
                        value=login
                        error=login_error
                        on_input=recheck
                        autocomplete="username"
                        verbatim=true
                    />
                    <FormError message=Signal::from(form_error) />
                    <SubmitButton pending=Signal::from(pending) label="Send code" busy_label="Sending…" />
                </form>
                <p class="auth-card__switch">
                    "Your account is working? "<a href="/sign-in" rel="external">"Sign in"</a>
                    " · New here? "<a href=BASE>"Sign up"</a>
                </p>
            </section>
        </div>
    }
}
