//! `/sign-in`: email address or username, and password; or an emailed code, or a
//! provider (OAuth) instead. Then, for people with two-factor authentication on, a code
//! from their app ([`SecondFactor`]).

use std::time::Duration;

use gatehouse_shared::mfa::MfaChallenge;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::auth::{use_auth, SignInStep};
use crate::code_sign_in::CodeSignIn;
use crate::form::{server_errors, Field, FieldErrors, FormError, SubmitButton};
use crate::guard::{with_next, RedirectWhenSignedIn, NEXT};
use crate::oauth::{self, OAuthButtons};
use crate::second_factor::{token_from_fragment, Challenge, SecondFactor};
use crate::title::Title;

impl From<MfaChallenge> for Challenge {
    fn from(challenge: MfaChallenge) -> Self {
        Self {
            token: challenge.mfa_token,
            expires_in: Some(Duration::from_secs(challenge.expires_in)),
        }
    }
}

/// What the API names these fields, and their labels.
const FIELDS: [(&str, &str); 2] = [("login", "Email or username"), ("password", "Password")];

/// What is missing before the form can be sent.
fn problems(login: &str, password: &str) -> FieldErrors {
    let mut problems = FieldErrors::new();
    if login.trim().is_empty() {
        problems.insert("login", "Enter your email address or username.".into());
    }
    if password.is_empty() {
        problems.insert("password", "Enter your password.".into());
    }
    problems
}

#[component]
pub fn SignInRoute() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = move || query.read().get(NEXT);
    let oauth_error = move || oauth::error_message(query.read().get("oauth_error").as_deref());

    // An OAuth sign-in that needs a second factor arrives with `#mfa_token=…`: straight to
    // that step, and the token out of the address bar (and history).
    let location = use_location();
    let from_provider = token_from_fragment(&location.hash.get_untracked());
    let challenge = RwSignal::new(from_provider.clone().map(|token| Challenge {
        token,
        expires_in: None,
    }));
    if from_provider.is_some() {
        let path = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        let here = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        let navigate = use_navigate();
        // After this render: the router is not to change under the page it is drawing.
        request_animation_frame(move || {
            navigate(
                &here,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        });
    }

    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login_input = NodeRef::<Input>::new();
    let password_input = NodeRef::<Input>::new();
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);

    let pending = RwSignal::new(false);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (login_value, password_value) = (login.get_untracked(), password.get_untracked());
        let found = problems(&login_value, &password_value);
        form_error.set(None);
        let first_problem = if found.contains_key("login") {
            Some(login_input)
        } else if found.contains_key("password") {
            Some(password_input)
        } else {
            None
        };
        errors.set(found);
        if let Some(input) = first_problem {
            focus(input);
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let error = match auth.sign_in(login_value.trim(), &password_value).await {
                // Signed in: the redirect takes over; the button stays busy until then.
                Ok(SignInStep::Done) => return,
                Ok(SignInStep::SecondFactor(second)) => {
                    pending.set(false);
                    challenge.set(Some(second.into()));
                    return;
                }
                Err(error) => error,
            };
            pending.set(false);
            let (inline, summary) = server_errors(&error, &FIELDS);
            errors.set(inline);
            form_error.set(Some(summary));
            // Wrong credentials: the password is the likelier mistake; retype it.
            if error.code() == Some("invalid_credentials") {
                password.set(String::new());
                focus(password_input);
            }
        });
    };
    // Errors clear as soon as the field has something in it again.
    let clear = move |field: &'static str| {
        if errors.with_untracked(|errors| errors.contains_key(field)) {
            errors.update(|errors| {
                errors.remove(field);
            });
        }
    };
    let field_error =
        move |field: &'static str| Signal::derive(move || errors.read().get(field).cloned());
    let restart = move |()| {
        challenge.set(None);
        password.set(String::new());
        form_error.set(None);
        request_animation_frame(move || focus(login_input));
    };

    view! {
        <Title text="Sign in" />
        <RedirectWhenSignedIn />
        <div class="container auth-page">
            {move || challenge.get().map(|challenge| view! { <SecondFactor challenge on_restart=restart /> })}
            <section
                class="card auth-card"
                aria-labelledby="sign-in-title"
                hidden=move || challenge.with(Option::is_some)
            >
                <header class="auth-card__head">
                    <h1 id="sign-in-title">"Sign in"</h1>
                    <p class="auth-card__lead">"Welcome back to Gatehouse."</p>
                </header>
                {move || oauth_error().map(|message| view! {
                    <div class="form-error" role="alert">{message}</div>
                })}
                <OAuthButtons next=Signal::derive(next) />
                <form class="form" novalidate on:submit=on_submit>
                    <FormError message=form_error.into() />
                    <Field
                        name="login"
                        label="Email or username"
                        value=login
                        error=field_error("login")
                        on_input=move |()| clear("login")
                        autocomplete="username"
                        verbatim=true
                        node_ref=login_input
                    />
                    <Field
                        name="password"
                        label="Password"
                        value=password
                        error=field_error("password")
                        on_input=move |()| clear("password")
                        input_type="password"
                        autocomplete="current-password"
                        node_ref=password_input
                    />
                    <p class="form__aside">
                        <a href="/forgot-password">"Forgot your password?"</a>
                    </p>
                    <SubmitButton pending=pending.into() label="Sign in" busy_label="Signing in…" />
                </form>
                <CodeSignIn on_second_factor=move |second: MfaChallenge| challenge.set(Some(second.into())) />
                <p class="auth-card__switch">
                    "New to Gatehouse? "
                    <a href=move || with_next("/sign-up", next())>"Create an account"</a>
                </p>
            </section>
        </div>
    }
}

fn focus(input: NodeRef<Input>) {
    if let Some(input) = input.get_untracked() {
        _ = input.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fields_are_needed_before_anything_is_sent() {
        let none = problems(" ", "");
        assert_eq!(none["login"], "Enter your email address or username.");
        assert_eq!(none["password"], "Enter your password.");
        assert!(problems("ada_l", "anything").is_empty());
    }
}
