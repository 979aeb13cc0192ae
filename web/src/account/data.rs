//! Your data: a copy of everything Gatehouse holds about you, and deactivating the account.

use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::focus_soon;
use crate::auth::use_auth;
use crate::browser::save_file;
use crate::form::{server_errors, Checkbox, Field, FormError, FormStatus, SubmitButton};
use crate::notice::use_notice;

/// The file name of the personal data download.
const EXPORT_FILE: &str = "gatehouse-data.json";

/// What the home page says after the account is deactivated.
const DEACTIVATED: &str =
    "Your account is deactivated and you are signed out everywhere. Thank you for using Gatehouse.";

#[component]
pub fn YourData() -> impl IntoView {
    let auth = use_auth();
    let pending = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let download = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        status.set(None);
        error.set(None);
        spawn_local(async move {
            let answer = auth.call(|api| async move { api.export().await }).await;
            pending.set(false);
            match answer {
                Ok(json) => {
                    save_file(EXPORT_FILE, "application/json", &json);
                    status.set(Some(format!("Your data is saved as {EXPORT_FILE}.")));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };

    view! {
        <section class="card account__card" aria-labelledby="data-title">
            <h2 id="data-title" class="account__title">"Your data"</h2>
            <p class="account__text">
                "Download a copy of everything Gatehouse holds about you: your profile, accounts, sessions and the emails we sent you, as a JSON file."
            </p>
            <FormStatus message=status.into() />
            <FormError message=error.into() />
            <div class="account__actions">
                <button
                    class="button button--secondary"
                    type="button"
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                    on:click=download
                >
                    {move || if pending.get() { "Preparing your data…" } else { "Download my data" }}
                </button>
            </div>
        </section>
    }
}

#[component]
pub fn Deactivate() -> impl IntoView {
    let auth = use_auth();
    let has_password = Memo::new(move |_| auth.me().is_some_and(|me| me.has_password));
    let open = RwSignal::new(false);
    let toggle = NodeRef::<Button>::new();

    view! {
        <section class="card account__card account__card--danger" aria-labelledby="deactivate-title">
            <h2 id="deactivate-title" class="account__title">"Deactivate account"</h2>
            <p class="account__text">
                "Deactivating signs you out everywhere, and nobody can sign in to this account any more. Download your data first if you want to keep it."
            </p>
            <p class="account__text" hidden=move || has_password.get()>
                "Deactivating needs your password: set one first (see Password above)."
            </p>
            <div class="account__actions" hidden=move || !has_password.get() || open.get()>
                <button
                    class="button button--danger-outline"
                    type="button"
                    node_ref=toggle
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    aria-controls="deactivate-form"
                    on:click=move |_| open.set(true)
                >
                    "Deactivate account…"
                </button>
            </div>
            {move || open.get().then(|| view! {
                <DeactivateForm on_cancel=move |()| {
                    open.set(false);
                    focus_soon(toggle);
                } />
            })}
        </section>
    }
}

#[component]
fn DeactivateForm(#[prop(into)] on_cancel: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let notice = use_notice();
    let navigate = use_navigate();
    let password = RwSignal::new(String::new());
    let confirmed = RwSignal::new(false);
    let password_error = RwSignal::new(None::<String>);
    let confirm_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let input = NodeRef::<Input>::new();
    focus_soon(input);

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = password.get_untracked();
        password_error.set(typed.is_empty().then(|| "Enter your password.".into()));
        confirm_error.set(
            (!confirmed.get_untracked())
                .then(|| "Tick the box to confirm you want to deactivate your account.".into()),
        );
        if typed.is_empty() {
            focus_soon(input);
            return;
        }
        if !confirmed.get_untracked() {
            request_animation_frame(|| {
                if let Some(checkbox) = document().get_element_by_id("deactivate-confirm") {
                    let checkbox: leptos::web_sys::HtmlElement =
                        wasm_bindgen::JsCast::unchecked_into(checkbox);
                    _ = checkbox.focus();
                }
            });
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.deactivate(&typed).await })
                .await;
            match answer {
                Ok(_) => {
                    // Every session ended: home, with a word about it, then signed out here.
                    notice.show_on("/", DEACTIVATED);
                    navigate(
                        "/",
                        NavigateOptions {
                            replace: true,
                            ..NavigateOptions::default()
                        },
                    );
                    auth.forget();
                }
                Err(failure) => {
                    pending.set(false);
                    let (mut inline, summary) =
                        server_errors(&failure, &[("password", "Your password")]);
                    if let Some(message) = inline.remove("password") {
                        password.set(String::new());
                        password_error.set(Some(message));
                        focus_soon(input);
                    }
                    form_error.set(Some(summary));
                }
            }
        });
    };

    view! {
        <form id="deactivate-form" class="form account__form account__form--revealed" novalidate on:submit=on_submit>
            <FormError message=form_error.into() />
            <Field
                name="password"
                id="deactivate-password"
                label="Your password"
                value=password
                error=password_error
                on_input=move |()| password_error.set(None)
                input_type="password"
                autocomplete="current-password"
                node_ref=input
            />
            <Checkbox
                name="deactivate-confirm"
                label="I understand: my account will be deactivated and I will be signed out everywhere."
                checked=confirmed
                error=confirm_error
            />
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Deactivate my account" busy_label="Deactivating…" danger=true />
                <button class="button button--secondary" type="button" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
