//! The emailed six-digit code, as the account step and account recovery ask for it: the
//! rule, the labelled field, and the send button that counts down before a resend.

use std::time::Duration;

use leptos::prelude::*;

use crate::browser::sleep;
use crate::form::Field;

/// Seconds before another code may be asked for (the API sends at most one a minute).
pub const RESEND_AFTER: u32 = 60;

/// Whether `code` is six digits.
pub fn code_ok(code: &str) -> bool {
    let code = code.trim();
    code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())
}

/// Why `code` cannot be sent as it is, as a sentence.
pub fn code_problem(code: &str) -> Option<String> {
    (!code_ok(code)).then(|| "Enter the 6-digit code from the email.".to_owned())
}

/// Counts `wait` down from `from` (seconds; [`RESEND_AFTER`] right after a send) to 0, a
/// second at a time; stops when the page that owns it is gone.
pub async fn count_down(wait: RwSignal<u32>, from: u32) {
    _ = wait.try_set(from);
    while wait.try_get_untracked().is_some_and(|n| n > 0) {
        sleep(Duration::from_secs(1)).await;
        _ = wait.try_update(|n| *n = n.saturating_sub(1));
    }
}

/// The code's input: numeric keyboard, filled in from the email by browsers that can. Its
/// error goes once six digits are typed.
#[component]
pub fn CodeField(value: RwSignal<String>, error: RwSignal<Option<String>>) -> impl IntoView {
    let recheck = move || {
        if code_ok(&value.get_untracked()) {
            error.set(None);
        }
    };
    view! {
        <Field
            name="code"
            label="6-digit code"
            value=value
            error=error
            on_input=recheck
            autocomplete="one-time-code"
            inputmode="numeric"
        />
    }
}

/// "Send code", then "Resend code in 42 s" (disabled) until another may be asked for.
#[component]
pub fn SendCodeButton(
    /// Whether a code went out already (the label says "Resend").
    #[prop(into)]
    sent: Signal<bool>,
    /// Seconds left before a resend.
    #[prop(into)]
    wait: Signal<u32>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] on_click: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            class="button button--secondary"
            type="button"
            on:click=move |_| on_click.run(())
            disabled=move || { pending.get() || wait.get() > 0 }
        >
            {move || match (sent.get(), wait.get()) {
                (false, _) => "Send code".to_owned(),
                (true, 0) => "Resend code".to_owned(),
                (true, n) => format!("Resend code in {n} s"),
            }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        assert!(code_ok(" 123456 "));
        assert!(!code_ok("12345"));
        assert!(!code_ok("12345a"));
        assert_eq!(code_problem("123456"), None);
        assert!(code_problem("").is_some());
    }
}
