//! Step 4, `/onboarding/account`: who is signing up (names, username, email checked as
//! typed), the emailed code that proves the address, the summary, and Stripe.

use std::time::Duration;

use gatehouse_shared::onboarding::{
    EmailCodeVerifyRequest, FieldCheck, OnboardingCheckoutRequest, ValidateRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::email_code::{code_problem, count_down, CodeField, SendCodeButton, RESEND_AFTER};
use super::summary::SummaryView;
use super::wizard::{summary, Step, Wizard};
use super::{calls, first_name, redirect_if_missing, store, StepHeading, StepIndicator};
use crate::browser::{go_to, normalize_email, sleep};
use crate::form::{email_problem, sentence, server_errors, Field, FormError, FormStatus};
use crate::pricing::{LoadFailed, Loading};
use crate::title::Title;

/// Why a username cannot be used as typed (the API's rule), if it cannot.
pub fn username_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if name.is_empty() {
        Some("Choose a username.")
    } else if !(3..=32).contains(&name.chars().count()) {
        Some("Use 3 to 32 characters.")
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) || !name.chars().all(allowed) {
        Some("Use letters, digits, _ . and -, starting with a letter or digit.")
    } else {
        None
    }
}

#[component]
pub fn AccountStep() -> impl IntoView {
    if redirect_if_missing(Step::Account) {
        return ().into_any();
    }
    let (catalog, fetch) = calls::load_catalog();
    let state = RwSignal::new(store::wizard());
    let back = if state.with_untracked(|state| state.storage.is_empty()) {
        Step::Plan
    } else {
        Step::Storage
    };

    view! {
        <Title text="Create your account" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="account-title">
                <header class="auth-card__head">
                    <StepIndicator step=4 />
                    <StepHeading id="account-title">"Create your account"</StepHeading>
                    <p class="auth-card__lead">"We’ll email you a code to confirm your address, then you pay with Stripe."</p>
                </header>
                {move || catalog.with(|answer| match answer {
                    None => view! { <Loading /> }.into_any(),
                    Some(Ok(catalog)) => match state.with_untracked(|state| summary(catalog, state)) {
                        Some(summary) => view! { <SummaryView summary /> }.into_any(),
                        None => view! {
                            <div class="notice notice--error" role="alert">
                                <p>"The plan you chose is no longer on sale. "<a href=Step::Plan.path()>"Choose another plan"</a></p>
                            </div>
                        }.into_any(),
                    },
                    Some(Err(error)) => {
                        view! { <LoadFailed error=error.clone() on_retry=fetch /> }.into_any()
                    }
                })}
                <AccountForm state catalog />
                <p class="wizard-nav">
                    <a class="button button--secondary" href=back.path()>
                        "Back"
                    </a>
                </p>
            </section>
        </div>
    }
    .into_any()
}

/// A field's live answer from `onboarding/validate`, as its inline message.
fn check_message(label: &str, check: &FieldCheck) -> Option<String> {
    (!check.ok).then(|| match &check.message {
        Some(message) => sentence(label, message),
        None => "This can’t be used.".to_owned(),
    })
}

#[component]
fn AccountForm(state: RwSignal<Wizard>, catalog: calls::CatalogState) -> impl IntoView {
    let (last, user, mail) = state.with_untracked(|state| {
        (
            state.last_name.clone(),
            state.username.clone(),
            state.email.clone(),
        )
    });
    let last_name = RwSignal::new(last);
    let username = RwSignal::new(user);
    let email = RwSignal::new(mail);
    let last_name_error = RwSignal::new(None::<String>);
    let username_error = RwSignal::new(None::<String>);
    let email_error = RwSignal::new(None::<String>);
    // The address has an account already: sign in instead (or buy for it anyway).
    let has_account = RwSignal::new(None::<String>);
    let checking = RwSignal::new(0_u32);
    let status = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let code_sent = RwSignal::new(false);
    let wait = RwSignal::new(0_u32);
    let pending = RwSignal::new(false);
    let token = RwSignal::new(store::token());

    let keep = move || {
        state.update(|state| {
            state.last_name = last_name.get_untracked().trim().to_owned();
            state.username = username.get_untracked().trim().to_owned();
            state.email = email.get_untracked().trim().to_owned();
        });
        state.with_untracked(store::save_wizard);
    };

    // Live checks, debounced: only the newest answer counts.
    let generation = StoredValue::new(0_u32);
    let check = move |which: &'static str| {
        keep();
        let value = match which {
            "username" => username.get_untracked(),
            _ => email.get_untracked(),
        };
        let local = match which {
            "username" => username_problem(&value).map(str::to_owned),
            _ => email_problem(&value),
        };
        let target = if which == "username" {
            username_error
        } else {
            email_error
        };
        if which == "email" {
            has_account.set(None);
            // A different address must be proved again.
            if token.get_untracked().is_some() {
                store::forget_token();
                token.set(None);
            }
            code_sent.set(false);
        }
        if local.is_some() {
            target.set(local);
            return;
        }
        target.set(None);
        generation.update_value(|n| *n += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            sleep(Duration::from_millis(400)).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            _ = checking.try_update(|n| *n += 1);
            let body = match which {
                "username" => ValidateRequest {
                    username: Some(value.trim().to_owned()),
                    email: None,
                },
                _ => ValidateRequest {
                    username: None,
                    email: normalize_email(&value),
                },
            };
            let answer = calls::validate(&body).await;
            _ = checking.try_update(|n| *n -= 1);
            if generation.try_get_value() != Some(mine) {
                return;
            }
            // A failed check is not the person's mistake: the submit checks again.
            if let Ok(validation) = answer {
                if let Some(check) = validation.username {
                    _ = username_error.try_set(check_message("Username", &check));
                }
                if let Some(check) = validation.email {
                    if check.ok {
                        _ = has_account
                            .try_set(check.message.map(|hint| sentence("This address", &hint)));
                        _ = email_error.try_set(None);
                    } else {
                        _ = email_error.try_set(check_message("This address", &check));
                    }
                }
            }
        });
    };

    let fields_ok = move || {
        let problems = [
            (
                username_error,
                username_problem(&username.get_untracked()).map(str::to_owned),
            ),
            (email_error, email_problem(&email.get_untracked())),
            (
                last_name_error,
                (last_name.get_untracked().chars().count() > 100)
                    .then(|| "Use at most 100 characters.".to_owned()),
            ),
        ];
        let mut ok = true;
        for (signal, problem) in problems {
            if problem.is_some() {
                signal.set(problem);
            }
            ok &= signal.get_untracked().is_none();
        }
        ok
    };

    let send_code = move || {
        form_error.set(None);
        if !fields_ok() {
            form_error.set(Some("Please correct the highlighted fields.".to_owned()));
            return;
        }
        keep();
        let address = normalize_email(&email.get_untracked()).unwrap_or_default();
        pending.set(true);
        spawn_local(async move {
            let answer = calls::email_code(&address).await;
            _ = pending.try_set(false);
            match answer {
                Ok(_) => {
                    _ = code_sent.try_set(true);
                    _ = status.try_set(Some(format!("We sent a 6-digit code to {address}.")));
                    count_down(wait, RESEND_AFTER).await;
                }
                Err(error) => {
                    let (inline, summary) = server_errors(&error, &[("email", "Email")]);
                    if let Some(message) = inline.get("email") {
                        _ = email_error.try_set(Some(message.clone()));
                    }
                    _ = form_error.try_set(Some(summary));
                }
            }
        });
    };

    let verify = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        code_error.set(code_problem(&code.get_untracked()));
        if code_error.get_untracked().is_some() {
            return;
        }
        if !fields_ok() {
            form_error.set(Some("Please correct the highlighted fields.".to_owned()));
            return;
        }
        keep();
        let body = EmailCodeVerifyRequest {
            email: normalize_email(&email.get_untracked()).unwrap_or_default(),
            code: code.get_untracked().trim().to_owned(),
            username: username.get_untracked().trim().to_owned(),
            first_name: first_name().unwrap_or_default(),
            last_name: last_name.get_untracked().trim().to_owned(),
        };
        pending.set(true);
        spawn_local(async move {
            let answer = calls::verify(&body).await;
            _ = pending.try_set(false);
            match answer {
                Ok(proved) => {
                    store::set_token(&proved.onboarding_token);
                    _ = token.try_set(Some(proved.onboarding_token));
                    _ = status.try_set(Some("Your email address is confirmed.".to_owned()));
                }
                Err(error) => {
                    let (inline, summary) = server_errors(
                        &error,
                        &[
                            ("code", "Code"),
                            ("username", "Username"),
                            ("email", "Email"),
                            ("last_name", "Last name"),
                        ],
                    );
                    for (field, signal) in [
                        ("code", code_error),
                        ("username", username_error),
                        ("email", email_error),
                        ("last_name", last_name_error),
                    ] {
                        if let Some(message) = inline.get(field) {
                            _ = signal.try_set(Some(message.clone()));
                        }
                    }
                    _ = form_error.try_set(Some(summary));
                }
            }
        });
    };

    let pay = move |_| {
        form_error.set(None);
        let Some(onboarding_token) = token.get_untracked() else {
            return;
        };
        let Some(Ok(catalog)) = catalog.get_untracked() else {
            form_error.set(Some(
                "The plans are still loading. Please try again.".to_owned(),
            ));
            return;
        };
        let Some(summary) = state.with_untracked(|state| summary(&catalog, state)) else {
            form_error.set(Some("The plan you chose is no longer on sale.".to_owned()));
            return;
        };
        let body = OnboardingCheckoutRequest {
            onboarding_token,
            price_id: summary.lines[0].price_id,
            add_ons: summary.add_ons(),
        };
        pending.set(true);
        spawn_local(async move {
            match calls::checkout(&body).await {
                Ok(started) => go_to(&started.url),
                Err(error) => {
                    _ = pending.try_set(false);
                    if error.fields().contains_key("onboarding_token") {
                        store::forget_token();
                        _ = token.try_set(None);
                        _ = code_sent.try_set(false);
                        _ = form_error.try_set(Some(
                            "Your confirmation expired. Please ask for a new code.".to_owned(),
                        ));
                    } else {
                        _ = form_error.try_set(Some(server_errors(&error, &[]).1));
                    }
                }
            }
        });
    };

    let proved = move || token.get().is_some();
    view! {
        <form class="form" novalidate on:submit=verify>
            <Field
                name="last_name"
                label="Last name"
                value=last_name
                error=last_name_error
                on_input=move || keep()
                autocomplete="family-name"
                optional=true
            />
            <Field
                name="username"
                label="Username"
                value=username
                error=username_error
                on_input=move || check("username")
                autocomplete="username"
                hint="3–32 letters, digits, _ . or -"
                verbatim=true
            />
            <Field
                name="email"
                label="Email"
                value=email
                error=email_error
                on_input=move || check("email")
                input_type="email"
                autocomplete="email"
                verbatim=true
            />
            <div role="status" aria-live="polite" class="form-status-region">
                {move || (checking.get() > 0).then(|| view! { <p class="field__hint">"Checking…"</p> })}
                {move || has_account.get().map(|message| view! {
                    <p class="field__hint" id="email-account">
                        {message}" "<a href="/sign-in" rel="external">"Sign in"</a>
                    </p>
                })}
            </div>
            <FormStatus message=Signal::from(status) />
            <FormError message=Signal::from(form_error) />
            {move || (!proved()).then(|| view! {
                <SendCodeButton sent=code_sent wait pending on_click=send_code />
            })}
            {move || (code_sent.get() && !proved()).then(|| view! {
                <CodeField value=code error=code_error />
                <button
                    class="button button--primary form__submit"
                    type="submit"
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                >
                    {move || if pending.get() { "Verifying…" } else { "Verify" }}
                </button>
            })}
            {move || proved().then(|| view! {
                <button
                    class="button button--primary form__submit"
                    type="button"
                    on:click=pay
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                >
                    {move || if pending.get() { "Opening Stripe…" } else { "Pay with Stripe" }}
                </button>
            })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_api_rule() {
        assert_eq!(username_problem(""), Some("Choose a username."));
        assert!(username_problem("ab").is_some());
        assert!(username_problem("_ada").is_some());
        assert!(username_problem("ada lovelace").is_some());
        assert_eq!(username_problem("ada_1.x-y"), None);
    }
}
