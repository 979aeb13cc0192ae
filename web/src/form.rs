//! Pieces every form uses: a labelled input with its hint and inline error, the form-wide
//! error, and the rules for turning validation fragments into sentences.

use std::collections::BTreeMap;

use leptos::html::Input;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::browser::normalize_email;

/// Inline errors by field name (the API's names: `email`, `username`, …).
pub type FieldErrors = BTreeMap<&'static str, String>;

/// A field's message as a sentence. The shared validators and the API's `fields` speak in
/// fragments that follow the field's name ("must be at least 8 characters"); anything
/// that already reads as a sentence is kept as it is. (The messages are English: an ASCII
/// check spares the app Unicode's case tables.)
pub fn sentence(label: &str, message: &str) -> String {
    let message = message.trim();
    let mut text = if message.starts_with(|c: char| c.is_ascii_lowercase()) {
        format!("{label} {message}")
    } else {
        message.to_owned()
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// Why an email address cannot be sent as it is, as a sentence (the sign-up form's rule).
pub fn email_problem(email: &str) -> Option<String> {
    if email.trim().is_empty() {
        Some("Enter your email address.".into())
    } else if normalize_email(email).is_none() {
        Some("Enter an email address like name@example.com.".into())
    } else {
        None
    }
}

/// Splits a failed submit into inline errors for the fields this form shows (`labels`:
/// API name → label) and a form-wide message for everything else.
pub fn server_errors(error: &ApiError, labels: &[(&'static str, &str)]) -> (FieldErrors, String) {
    let mut inline = FieldErrors::new();
    let mut elsewhere = Vec::new();
    for (name, message) in error.fields() {
        match labels.iter().find(|(field, _)| field == name) {
            Some((field, label)) => {
                inline.insert(field, sentence(label, message));
            }
            None => elsewhere.push(sentence(name, message)),
        }
    }
    let summary = if inline.is_empty() && elsewhere.is_empty() {
        error.message()
    } else if elsewhere.is_empty() {
        "Please correct the highlighted fields.".to_owned()
    } else {
        elsewhere.join(" ")
    };
    (inline, summary)
}

/// One labelled input with an optional hint and its inline error, wired together for
/// assistive technology (`aria-describedby`, `aria-invalid`).
#[component]
pub fn Field(
    /// The input's name (and id, unless `id` is given); the API's field name, so server
    /// errors find it.
    name: &'static str,
    /// The input's id, when two forms on one page send a field of the same name.
    #[prop(optional)]
    id: Option<&'static str>,
    label: &'static str,
    value: RwSignal<String>,
    /// The current inline error, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Runs when focus leaves the input (inline validation).
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
    /// Runs on every keystroke, after the value is stored.
    #[prop(optional, into)]
    on_input: Option<Callback<()>>,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// Marks the label "(optional)"; every other field is required.
    #[prop(optional)]
    optional: bool,
    /// For names and usernames: no auto-capitalisation or spell checking.
    #[prop(optional)]
    verbatim: bool,
    #[prop(optional)] node_ref: NodeRef<Input>,
    /// Which on-screen keyboard phones show, e.g. `numeric` for codes.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = described_by(&hint_id, hint.is_some(), &error_id, move || {
        error.with(Option::is_some)
    });

    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for=id>
                {label}
                {optional.then(|| view! { <span class="field__optional">" (optional)"</span> })}
            </label>
            <input
                class="field__input"
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                autocapitalize=verbatim.then_some("none")
                spellcheck=verbatim.then_some("false")
                aria-required=(!optional).then_some("true")
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                node_ref=node_ref
                prop:value=move || value.get()
                // `try_`: a focused input that is removed with its form (after saving, say)
                // still reports losing focus, when the form's state is gone.
                on:input=move |event| {
                    _ = value.try_set(event_target_value(&event));
                    if let Some(on_input) = on_input {
                        on_input.try_run(());
                    }
                }
                on:blur=move |_| {
                    if let Some(on_blur) = on_blur {
                        on_blur.try_run(());
                    }
                }
            />
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            <p class="field__error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A labelled multi-line text input (a message, say) with an optional hint and its
/// inline error, wired like [`Field`].
#[component]
pub fn TextArea(
    /// The element's id and name; the API's field name, so server errors find it.
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    /// The current inline error, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    /// Visible lines.
    #[prop(default = 6)]
    rows: u32,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described_by = described_by(&hint_id, hint.is_some(), &error_id, move || {
        error.with(Option::is_some)
    });
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for=name>{label}</label>
            <textarea
                class="field__input field__input--text"
                id=name
                name=name
                rows=rows
                aria-required="true"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |event| _ = value.try_set(event_target_value(&event))
            ></textarea>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            <p class="field__error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A labelled `<select>` of fixed `choices` (value, label) with its inline error, wired
/// like [`Field`]: `value` follows the choice; the error is announced through
/// `aria-describedby` while there is one.
#[component]
pub fn Select(
    /// The element's id (its error's id is `<id>-error`).
    id: &'static str,
    name: &'static str,
    label: &'static str,
    choices: &'static [(&'static str, &'static str)],
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{label}</label>
            <select
                class="field__input"
                id=id
                name=name
                aria-describedby=move || error.with(Option::is_some).then(|| described.clone())
                on:change=move |event| value.set(event_target_value(&event))
            >
                {choices
                    .iter()
                    .map(|&(choice, text)| view! {
                        <option value=choice prop:selected=move || value.get() == choice>{text}</option>
                    })
                    .collect_view()}
            </select>
            <p class="field__error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A form's primary submit button: disabled and `aria-busy` while `pending`, and it keeps
/// focus on mousedown so a field's validation on blur cannot move it from under the click.
#[component]
pub fn SubmitButton(
    pending: Signal<bool>,
    label: &'static str,
    busy_label: &'static str,
    /// For actions that cannot be undone easily (deactivating an account, say).
    #[prop(optional)]
    danger: bool,
) -> impl IntoView {
    let class = if danger {
        "button button--danger form__submit"
    } else {
        "button button--primary form__submit"
    };
    view! {
        <button
            class=class
            type="submit"
            on:mousedown=keep_focus
            disabled=move || pending.get()
            aria-busy=move || pending.get().then_some("true")
        >
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// For a form's submit button, on `mousedown`: the click must not move focus first. A
/// field that loses focus may show its inline error, and the layout shift would move the
/// button away from under the pointer before the click lands. Submit checks every field
/// anyway; keyboard use is unaffected.
fn keep_focus(event: leptos::ev::MouseEvent) {
    event.prevent_default();
}

/// A labelled checkbox with an optional hint and its inline error, wired like [`Field`].
#[component]
pub fn Checkbox(
    /// The input's id and name.
    name: &'static str,
    label: &'static str,
    checked: RwSignal<bool>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described_by = described_by(&hint_id, hint.is_some(), &error_id, move || {
        error.with(Option::is_some)
    });
    view! {
        <div class="field field--check" class:field--invalid=move || error.with(Option::is_some)>
            <div class="check">
                <input
                    class="check__input"
                    type="checkbox"
                    id=name
                    name=name
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby=described_by
                    prop:checked=move || checked.get()
                    on:change=move |event| _ = checked.try_set(event_target_checked(&event))
                />
                <label class="check__label" for=name>{label}</label>
            </div>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            <p class="field__error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A form's outcome when it worked ("Saved."), announced politely. The live region is
/// always there, so screen readers notice when a message appears in it.
#[component]
pub fn FormStatus(message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" class="form-status-region">
            {move || message.get().map(|message| view! { <p class="form-status">{message}</p> })}
        </div>
    }
}

/// The form-wide error, announced when it appears.
#[component]
pub fn FormError(message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|message| {
            view! {
                <div class="form-error" role="alert">
                    {message}
                </div>
            }
        })
    }
}

/// A field's `aria-describedby`: its hint (when it has one) and its error message (while
/// one is shown).
pub fn described_by(
    hint_id: &str,
    has_hint: bool,
    error_id: &str,
    has_error: impl Fn() -> bool + Send + Sync + 'static,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    let hint_id = has_hint.then(|| hint_id.to_owned());
    let error_id = error_id.to_owned();
    move || {
        let ids: Vec<&str> = hint_id
            .as_deref()
            .into_iter()
            .chain(has_error().then_some(error_id.as_str()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_become_sentences_and_sentences_stay() {
        assert_eq!(
            sentence("Password", "is too common"),
            "Password is too common."
        );
        assert_eq!(
            sentence("Username", "must be 3 to 32 characters"),
            "Username must be 3 to 32 characters."
        );
        assert_eq!(sentence("Email", "Enter your email."), "Enter your email.");
        assert_eq!(sentence("Email", "Already taken"), "Already taken.");
    }

    #[test]
    fn email_addresses_are_needed_and_must_look_like_one() {
        assert_eq!(email_problem(" ").unwrap(), "Enter your email address.");
        assert_eq!(
            email_problem("ada@example").unwrap(),
            "Enter an email address like name@example.com."
        );
        assert_eq!(email_problem(" Ada@Example.org "), None);
    }

    #[test]
    fn server_fields_go_next_to_their_inputs_and_the_rest_to_the_form() {
        let labels = [("username", "Username"), ("password", "Password")];
        let error = ApiError::Api {
            status: 422,
            code: "validation_failed".into(),
            message: "Some fields are invalid.".into(),
            fields: [("username".to_owned(), "is taken".to_owned())].into(),
        };
        let (inline, summary) = server_errors(&error, &labels);
        assert_eq!(inline["username"], "Username is taken.");
        assert_eq!(summary, "Please correct the highlighted fields.");

        let error = ApiError::Api {
            status: 422,
            code: "validation_failed".into(),
            message: "Some fields are invalid.".into(),
            fields: [("captcha".to_owned(), "is required".to_owned())].into(),
        };
        let (inline, summary) = server_errors(&error, &labels);
        assert!(inline.is_empty());
        assert_eq!(summary, "captcha is required.");

        let (inline, summary) = server_errors(&ApiError::Network, &labels);
        assert!(inline.is_empty());
        assert!(summary.contains("Could not reach Gatehouse"));
    }
}
