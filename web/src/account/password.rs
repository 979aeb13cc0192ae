//! The password card: change it (current and new), or, for people who sign in only
//! through a provider and have none, get an email with a link to set one.

use gatehouse_shared::auth::ChangePasswordRequest;
use gatehouse_shared::oauth::provider_label;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::focus_soon;
use crate::api::UnauthorizedApi;
use crate::auth::use_auth;
use crate::form::{server_errors, Field, FieldErrors, FormError, FormStatus, SubmitButton};
use crate::reset_password::problem as new_password_problem;

/// What the API names the fields, and their labels.
const FIELDS: [(&str, &str); 2] = [
    ("current_password", "Current password"),
    ("new_password", "New password"),
];

/// What is wrong with the form before anything is sent.
fn problems(current: &str, new: &str) -> FieldErrors {
    let mut found = FieldErrors::new();
    if current.is_empty() {
        found.insert("current_password", "Enter your current password.".into());
    }
    if let Some(problem) = new_password_problem(new) {
        found.insert("new_password", problem);
    }
    found
}

/// How a person without a password signs in, in words ("Google and GitHub").
fn providers_in_words(providers: &[String]) -> String {
    let labels: Vec<&str> = providers.iter().map(|p| provider_label(p)).collect();
    match labels.as_slice() {
        [] => "a sign-in provider".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[component]
pub fn Password() -> impl IntoView {
    let auth = use_auth();
    let has_password = Memo::new(move |_| auth.me().is_some_and(|me| me.has_password));
    view! {
        <section class="card account__card" aria-labelledby="password-title">
            <h2 id="password-title" class="account__title">"Password"</h2>
            <div hidden=move || !has_password.get()>
                <ChangePassword />
            </div>
            <div hidden=move || has_password.get()>
                <SetPasswordByEmail />
            </div>
        </section>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let auth = use_auth();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let inputs = [NodeRef::<Input>::new(), NodeRef::<Input>::new()];
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let focus_first = move |found: &FieldErrors| {
        if let Some(index) = FIELDS
            .iter()
            .position(|(field, _)| found.contains_key(field))
        {
            focus_soon(inputs[index]);
        }
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        status.set(None);
        let request = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        let found = problems(&request.current_password, &request.new_password);
        focus_first(&found);
        let valid = found.is_empty();
        errors.set(found);
        if !valid {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.change_password(&request).await })
                .await;
            pending.set(false);
            match answer {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    status.set(Some(
                        "Your password is changed. Your other devices and browsers were signed out."
                            .into(),
                    ));
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    if inline.contains_key("current_password") {
                        current.set(String::new());
                    }
                    focus_first(&inline);
                    errors.set(inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };
    // The new password's rule, when leaving the field (an untouched empty one waits).
    let check_new = move |()| {
        let value = new.get_untracked();
        if value.is_empty() && !errors.with_untracked(|e| e.contains_key("new_password")) {
            return;
        }
        errors.update(|errors| match new_password_problem(&value) {
            Some(problem) => {
                errors.insert("new_password", problem);
            }
            None => {
                errors.remove("new_password");
            }
        });
    };
    let recheck_new = move |()| {
        if errors.with_untracked(|e| e.contains_key("new_password"))
            && new_password_problem(&new.get_untracked()).is_none()
        {
            errors.update(|errors| {
                errors.remove("new_password");
            });
        }
    };
    let clear_current = move |()| {
        if errors.with_untracked(|e| e.contains_key("current_password")) {
            errors.update(|errors| {
                errors.remove("current_password");
            });
        }
    };
    let field_error =
        move |field: &'static str| Signal::derive(move || errors.read().get(field).cloned());

    view! {
        <p class="account__text">"Changing it signs you out on your other devices; you stay signed in here."</p>
        <FormStatus message=status.into() />
        <form class="form account__form" novalidate on:submit=on_submit>
            <FormError message=form_error.into() />
            <Field
                name="current_password"
                label="Current password"
                value=current
                error=field_error("current_password")
                on_input=clear_current
                input_type="password"
                autocomplete="current-password"
                node_ref=inputs[0]
            />
            <Field
                name="new_password"
                label="New password"
                value=new
                error=field_error("new_password")
                on_blur=check_new
                on_input=recheck_new
                input_type="password"
                autocomplete="new-password"
                hint="At least 8 characters. A few unrelated words make a strong one."
                node_ref=inputs[1]
            />
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Change password" busy_label="Changing…" />
            </div>
        </form>
    }
}

/// For people without a password: the forgot-password email sets one.
#[component]
fn SetPasswordByEmail() -> impl IntoView {
    let auth = use_auth();
    let me = Memo::new(move |_| auth.me());
    let email = move || me.with(|me| me.as_ref().map(|me| me.email.clone()).unwrap_or_default());
    let providers = move || {
        me.with(|me| providers_in_words(me.as_ref().map_or(&[][..], |me| &me.linked_providers)))
    };
    let pending = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let send = move |_| {
        if pending.get_untracked() {
            return;
        }
        let address = email();
        pending.set(true);
        error.set(None);
        status.set(None);
        spawn_local(async move {
            let answer = UnauthorizedApi.forgot_password(&address).await;
            pending.set(false);
            match answer {
                Ok(_) => status.set(Some(format!(
                    "We sent a link to {address}. Open it within 10 minutes to choose your password."
                ))),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };

    view! {
        <p class="account__text">
            "You sign in with "{providers}" and have no Gatehouse password. "
            "To set one, we email a link to "<strong>{email}</strong>"."
        </p>
        <FormStatus message=status.into() />
        <FormError message=error.into() />
        <div class="account__actions">
            <button
                class="button button--primary"
                type="button"
                disabled=move || pending.get()
                aria-busy=move || pending.get().then_some("true")
                on:click=send
            >
                {move || if pending.get() { "Sending…" } else { "Email me a link to set a password" }}
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_passwords_are_checked_before_sending() {
        let found = problems("", "short");
        assert_eq!(found["current_password"], "Enter your current password.");
        assert_eq!(
            found["new_password"],
            "New password must be at least 8 characters."
        );
        assert_eq!(problems("", "")["new_password"], "Choose a new password.");
        assert!(problems("old one", "a new long one").is_empty());
    }

    #[test]
    fn providers_read_as_a_list() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(providers_in_words(&names(&[])), "a sign-in provider");
        assert_eq!(providers_in_words(&names(&["github"])), "GitHub");
        assert_eq!(
            providers_in_words(&names(&["google", "github"])),
            "Google and GitHub"
        );
    }
}
