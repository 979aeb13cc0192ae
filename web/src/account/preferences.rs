//! The preferences card: the colour scheme of the web app, and product-update emails.

use gatehouse_shared::auth::{Theme, UpdateMeRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::use_auth;
use crate::form::{Checkbox, FormError, FormStatus, SubmitButton};

/// The choices, in the order shown: value, label.
const THEMES: [(Theme, &str, &str); 3] = [
    (Theme::System, "system", "Match this device"),
    (Theme::Light, "light", "Light"),
    (Theme::Dark, "dark", "Dark"),
];

#[component]
pub fn Preferences() -> impl IntoView {
    let auth = use_auth();
    let saved = Memo::new(move |_| auth.me().map(|me| me.preferences).unwrap_or_default());
    let theme = RwSignal::new(Theme::System);
    let product_updates = RwSignal::new(false);
    // The form shows what is saved, also when a fresh copy of the account arrives.
    Effect::new(move || {
        let saved = saved.get();
        theme.set(saved.theme);
        product_updates.set(saved.product_updates);
    });
    let pending = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let request = UpdateMeRequest {
            preferences: Some(gatehouse_shared::auth::Preferences {
                theme: theme.get_untracked(),
                product_updates: product_updates.get_untracked(),
            }),
            ..UpdateMeRequest::default()
        };
        pending.set(true);
        status.set(None);
        form_error.set(None);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.update_me(&request).await })
                .await;
            pending.set(false);
            match answer {
                Ok(me) => {
                    auth.set_me(me);
                    status.set(Some("Your preferences are saved.".into()));
                }
                Err(failure) => form_error.set(Some(failure.message())),
            }
        });
    };

    view! {
        <section class="card account__card" aria-labelledby="preferences-title">
            <h2 id="preferences-title" class="account__title">"Preferences"</h2>
            <FormStatus message=status.into() />
            <form class="form account__form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <fieldset class="choices">
                    <legend class="field__label">"Theme"</legend>
                    <div class="choices__options">
                        {THEMES
                            .into_iter()
                            .map(|(value, id, label)| {
                                let id = format!("theme-{id}");
                                view! {
                                    <div class="check">
                                        <input
                                            class="check__input"
                                            type="radio"
                                            name="theme"
                                            id=id.clone()
                                            prop:checked=move || theme.get() == value
                                            on:change=move |_| theme.set(value)
                                        />
                                        <label class="check__label" for=id>{label}</label>
                                    </div>
                                }
                            })
                            .collect_view()}
                    </div>
                </fieldset>
                <Checkbox
                    name="product_updates"
                    label="Email me about product updates"
                    checked=product_updates
                    hint="Occasional news about Gatehouse. Emails about your account and payments come either way."
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Save preferences" busy_label="Saving…" />
                </div>
            </form>
        </section>
    }
}
