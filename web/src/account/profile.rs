//! The profile card: name, email address and username; the name can change here.

use gatehouse_shared::auth::{UpdateMeRequest, NAME_MAX};
use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::focus_soon;
use crate::auth::use_auth;
use crate::form::{
    sentence, server_errors, Field, FieldErrors, FormError, FormStatus, SubmitButton,
};

/// What the API names the fields, and their labels.
const FIELDS: [(&str, &str); 2] = [("first_name", "First name"), ("last_name", "Last name")];

/// Why a name cannot be saved as it is, as a sentence (names are optional).
pub fn name_problem(label: &str, value: &str) -> Option<String> {
    (value.trim().chars().count() > NAME_MAX)
        .then(|| sentence(label, &format!("must be at most {NAME_MAX} characters")))
}

#[component]
pub fn Profile() -> impl IntoView {
    let auth = use_auth();
    let me = Memo::new(move |_| auth.me());
    let full_name = move || {
        me.with(|me| {
            me.as_ref()
                .map(|me| {
                    format!("{} {}", me.first_name.trim(), me.last_name.trim())
                        .trim()
                        .to_owned()
                })
                .unwrap_or_default()
        })
    };
    let email = move || me.with(|me| me.as_ref().map(|me| me.email.clone()));
    let username = move || me.with(|me| me.as_ref().map(|me| me.username.clone()));
    let verified = move || me.with(|me| me.as_ref().is_some_and(|me| me.email_verified));

    let editing = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let edit_button = NodeRef::<Button>::new();
    let done = move |saved: bool| {
        editing.set(false);
        if saved {
            status.set(Some("Your name is saved.".into()));
        }
        focus_soon(edit_button);
    };

    view! {
        <section class="card account__card" aria-labelledby="profile-title">
            <div class="account__head">
                <h2 id="profile-title" class="account__title">"Profile"</h2>
                <button
                    class="button button--secondary button--small"
                    type="button"
                    node_ref=edit_button
                    aria-expanded=move || if editing.get() { "true" } else { "false" }
                    aria-controls="name-form"
                    hidden=move || editing.get()
                    on:click=move |_| {
                        status.set(None);
                        editing.set(true);
                    }
                >
                    "Change name"
                </button>
            </div>
            <FormStatus message=status.into() />
            <dl class="details">
                <div class="details__row">
                    <dt>"Name"</dt>
                    <dd>
                        <span class=move || {
                            if full_name().is_empty() { "details__empty" } else { "details__value" }
                        }>
                            {move || {
                                let name = full_name();
                                if name.is_empty() { "Not set".to_owned() } else { name }
                            }}
                        </span>
                    </dd>
                </div>
                <div class="details__row">
                    <dt>"Email"</dt>
                    <dd class="details__email">
                        <span class="details__value">{email}</span>
                        <span class=move || if verified() { "badge" } else { "tag tag--warning" }>
                            {move || if verified() { "Verified" } else { "Not verified" }}
                        </span>
                    </dd>
                </div>
                <div class="details__row">
                    <dt>"Username"</dt>
                    <dd class="details__value">{username}</dd>
                </div>
            </dl>
            {move || editing.get().then(|| view! { <NameForm on_done=done /> })}
        </section>
    }
}

/// First and last name, filled in with the current ones.
#[component]
fn NameForm(#[prop(into)] on_done: Callback<bool>) -> impl IntoView {
    let auth = use_auth();
    let current = auth.me();
    let first_name = RwSignal::new(
        current
            .as_ref()
            .map(|me| me.first_name.clone())
            .unwrap_or_default(),
    );
    let last_name = RwSignal::new(current.map(|me| me.last_name).unwrap_or_default());
    let inputs = [NodeRef::<Input>::new(), NodeRef::<Input>::new()];
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    focus_soon(inputs[0]);

    let value = move |field: &str| {
        if field == "first_name" {
            first_name.get_untracked()
        } else {
            last_name.get_untracked()
        }
    };
    let problems = move || {
        let mut found = FieldErrors::new();
        for (field, label) in FIELDS {
            if let Some(problem) = name_problem(label, &value(field)) {
                found.insert(field, problem);
            }
        }
        found
    };
    let focus_first = move |found: &FieldErrors| {
        if let Some(index) = FIELDS
            .iter()
            .position(|(field, _)| found.contains_key(field))
        {
            focus_soon(inputs[index]);
        }
    };
    let check = move |field: &'static str, label: &'static str| {
        move |()| {
            errors.update(|errors| match name_problem(label, &value(field)) {
                Some(problem) => {
                    errors.insert(field, problem);
                }
                None => {
                    errors.remove(field);
                }
            });
        }
    };

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let found = problems();
        focus_first(&found);
        let valid = found.is_empty();
        errors.set(found);
        if !valid {
            return;
        }
        let request = UpdateMeRequest {
            first_name: Some(first_name.get_untracked().trim().to_owned()),
            last_name: Some(last_name.get_untracked().trim().to_owned()),
            preferences: None,
        };
        pending.set(true);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.update_me(&request).await })
                .await;
            pending.set(false);
            match answer {
                Ok(me) => {
                    auth.set_me(me);
                    on_done.run(true);
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    focus_first(&inline);
                    errors.set(inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };
    let field_error =
        move |field: &'static str| Signal::derive(move || errors.read().get(field).cloned());

    view! {
        <form id="name-form" class="form account__form account__form--revealed" novalidate on:submit=on_submit>
            <FormError message=form_error.into() />
            <div class="form__row">
                <Field
                    name="first_name"
                    label="First name"
                    value=first_name
                    error=field_error("first_name")
                    on_blur=check("first_name", "First name")
                    autocomplete="given-name"
                    optional=true
                    node_ref=inputs[0]
                />
                <Field
                    name="last_name"
                    label="Last name"
                    value=last_name
                    error=field_error("last_name")
                    on_blur=check("last_name", "Last name")
                    autocomplete="family-name"
                    optional=true
                    node_ref=inputs[1]
                />
            </div>
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Save name" busy_label="Saving…" />
                <button class="button button--secondary" type="button" on:click=move |_| on_done.run(false)>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_optional_but_not_endless() {
        assert_eq!(name_problem("First name", ""), None);
        assert_eq!(name_problem("First name", "Ada"), None);
        assert_eq!(
            name_problem("Last name", &"x".repeat(NAME_MAX + 1)).unwrap(),
            "Last name must be at most 100 characters."
        );
    }
}
