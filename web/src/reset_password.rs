//! `/reset-password?token=…`: the page the password-reset link opens. It sets a new
//! password once, which signs the user out everywhere; when the link is no good, it
//! offers to send a new one.

use gatehouse_shared::auth::password_length_problem;
use leptos::html::{Input, H1};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::api::UnauthorizedApi;
use crate::auth::use_auth;
use crate::form::{sentence, server_errors, Field, FormError, SubmitButton};
use crate::title::Title;

/// What the API names the field, and its label.
const FIELDS: [(&str, &str); 1] = [("password", "New password")];

/// Why the new password cannot be sent as it is, as a sentence (also the account page's
/// rule for changing the password).
pub fn problem(password: &str) -> Option<String> {
    if password.is_empty() {
        Some("Choose a new password.".into())
    } else {
        password_length_problem(password).map(|problem| sentence("New password", problem))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Choosing,
    Reset,
    /// The link is incomplete, used or expired: why.
    BadLink(String),
}

#[component]
pub fn ResetPasswordRoute() -> impl IntoView {
    let query = use_query_map();
    let auth = use_auth();
    // Read once: the link is single use.
    let token = query.read_untracked().get("token").unwrap_or_default();
    let outcome = RwSignal::new(if token.is_empty() {
        Outcome::BadLink(
            "This link is incomplete. Open it again from the email, or ask for a new one.".into(),
        )
    } else {
        Outcome::Choosing
    });

    let password = RwSignal::new(String::new());
    let password_input = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let focus_password = move || {
        if let Some(input) = password_input.get_untracked() {
            _ = input.focus();
        }
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let new_password = password.get_untracked();
        form_error.set(None);
        let found = problem(&new_password);
        let valid = found.is_none();
        error.set(found);
        if !valid {
            focus_password();
            return;
        }
        pending.set(true);
        let token = token.clone();
        spawn_local(async move {
            let answer = UnauthorizedApi.reset_password(&token, &new_password).await;
            pending.set(false);
            match answer {
                Ok(_) => {
                    outcome.set(Outcome::Reset);
                    // Every session of that user ended; if it was this browser's, notice now.
                    if auth.signed_in() == Some(true) {
                        _ = auth.reload_me().await;
                    }
                }
                Err(failure) if failure.code() == Some("invalid_or_expired_link") => {
                    outcome.set(Outcome::BadLink(failure.message()));
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(&failure, &FIELDS);
                    if let Some(message) = inline.remove("password") {
                        error.set(Some(message));
                        focus_password();
                    }
                    form_error.set(Some(summary));
                }
            }
        });
    };
    // On blur: check what was typed (an untouched empty field waits for submit).
    let check = move |()| {
        let value = password.get_untracked();
        if !value.is_empty() || error.with_untracked(Option::is_some) {
            error.set(problem(&value));
        }
    };
    // While typing: only clear the error once the value is fixed.
    let recheck = move |()| {
        if error.with_untracked(Option::is_some) && problem(&password.get_untracked()).is_none() {
            error.set(None);
        }
    };

    let form = view! {
        <section class="card auth-card" aria-labelledby="reset-title">
            <header class="auth-card__head">
                <h1 id="reset-title">"Choose a new password"</h1>
                <p class="auth-card__lead">
                    "Setting it signs you out on every device; then sign in with the new one."
                </p>
            </header>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <Field
                    name="password"
                    label="New password"
                    value=password
                    error=error
                    on_blur=check
                    on_input=recheck
                    input_type="password"
                    autocomplete="new-password"
                    hint="At least 8 characters. A few unrelated words make a strong one."
                    node_ref=password_input
                />
                <SubmitButton pending=pending.into() label="Set new password" busy_label="Saving…" />
            </form>
        </section>
    };

    view! {
        <Title text="Choose a new password" />
        <div class="container auth-page">
            <div hidden=move || outcome.with(|outcome| *outcome != Outcome::Choosing)>{form}</div>
            {move || match outcome.get() {
                Outcome::Choosing => ().into_any(),
                Outcome::Reset => view! {
                    <section class="notice" role="status" aria-live="polite">
                        <FocusedTitle text="Your password is changed" />
                        <p>"You are signed out everywhere. Sign in with your new password."</p>
                        <a class="button button--primary" href="/sign-in">"Sign in"</a>
                    </section>
                }
                .into_any(),
                Outcome::BadLink(message) => view! {
                    <section class="notice notice--error" role="alert">
                        <FocusedTitle text="This link did not work" />
                        <p>{message}</p>
                        <a class="button button--secondary" href="/forgot-password">
                            "Ask for a new link"
                        </a>
                    </section>
                }
                .into_any(),
            }}
        </div>
    }
}

/// A panel's title, focused when it appears (it replaces the form that had focus).
#[component]
fn FocusedTitle(text: &'static str) -> impl IntoView {
    let heading = NodeRef::<H1>::new();
    heading.on_load(|heading| _ = heading.focus());
    view! {
        <h1 class="notice__title" tabindex="-1" node_ref=heading>
            {text}
        </h1>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_password_follows_the_shared_length_rule() {
        assert_eq!(problem("").unwrap(), "Choose a new password.");
        assert_eq!(
            problem("short").unwrap(),
            "New password must be at least 8 characters."
        );
        assert_eq!(problem("long enough"), None);
    }
}
