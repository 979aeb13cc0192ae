//! The second step of signing in, for people with two-factor authentication on: a code
//! from their authenticator app, or one of their recovery codes.
//!
//! The step starts from a challenge: the answer of a password or emailed-code sign-in, or
//! the `#mfa_token=…` an OAuth provider's callback sends the browser back to `/sign-in`
//! with. The API closes a challenge after five wrong codes or when it expires, and then
//! answers like for a wrong code; the page counts and times that itself, to say so.

use std::time::Duration;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::use_auth;
use crate::form::{Field, FormError, SubmitButton};

/// How many wrong codes the API accepts before it closes a challenge.
const TRIES: u32 = 5;

/// A second factor to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub token: String,
    /// How long the API keeps the challenge open, when it said.
    pub expires_in: Option<Duration>,
}

/// The challenge in the fragment of the address an OAuth callback sent the browser to
/// (`#mfa_token=…`), if there is one.
pub fn token_from_fragment(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("mfa_token="))
        .map(percent_decode)
        .filter(|token| !token.is_empty())
}

/// Decodes `%XX` escapes (anything malformed is kept as it is).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| value.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// What the person typed, as the API wants it, or why it cannot be one: six digits from the
/// app (spaces dropped), or a recovery code like `abcde-fghij` (any case, dash optional).
pub fn code_value(typed: &str, recovery: bool) -> Result<String, String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        // Codes are ASCII; anything else is refused below either way.
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if recovery {
        let code = if code.len() == 10 && code.is_ascii() && !code.contains('-') {
            format!("{}-{}", &code[..5], &code[5..])
        } else {
            code
        };
        let (left, right) = code.split_once('-').unwrap_or_default();
        if code.is_empty() {
            Err("Enter one of your recovery codes.".into())
        } else if left.len() != 5
            || right.len() != 5
            || !format!("{left}{right}")
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        {
            Err("Recovery codes look like abcde-fghij.".into())
        } else {
            Ok(code)
        }
    } else if code.is_empty() {
        Err("Enter the code from your authenticator app.".into())
    } else if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        Err("The code is the 6 digits your authenticator app shows.".into())
    } else {
        Ok(code)
    }
}

/// The card asking for the second factor. Once it is right, the sign-in page moves on as
/// after any sign-in; `on_restart` goes back to the first step.
#[component]
pub fn SecondFactor(challenge: Challenge, #[prop(into)] on_restart: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let code = RwSignal::new(String::new());
    let recovery = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let wrong = RwSignal::new(0_u32);
    let expired = RwSignal::new(false);
    // Closed by the API: only signing in again helps.
    let closed = RwSignal::new(false);
    let app_input = NodeRef::<Input>::new();
    let recovery_input = NodeRef::<Input>::new();
    let restart_button = NodeRef::<leptos::html::Button>::new();
    let focus = move || {
        request_animation_frame(move || {
            let input = if recovery.get_untracked() {
                recovery_input
            } else {
                app_input
            };
            if let Some(input) = input.get_untracked() {
                _ = input.focus();
            }
        });
    };
    focus();
    if let Some(lifetime) = challenge.expires_in {
        set_timeout(move || expired.set(true), lifetime);
    }
    let token = StoredValue::new(challenge.token);

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() || closed.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = match code_value(&code.get_untracked(), recovery.get_untracked()) {
            Ok(typed) => {
                error.set(None);
                typed
            }
            Err(problem) => {
                error.set(Some(problem));
                focus();
                return;
            }
        };
        pending.set(true);
        spawn_local(async move {
            let token = token.get_value();
            // Signed in: the redirect takes over; the button stays busy until then.
            let Err(failure) = auth.complete_sign_in(&token, &typed).await else {
                return;
            };
            pending.set(false);
            if failure.code() != Some("invalid_credentials") {
                form_error.set(Some(failure.message()));
                return;
            }
            wrong.update(|wrong| *wrong += 1);
            if wrong.get_untracked() >= TRIES || expired.get_untracked() {
                closed.set(true);
                request_animation_frame(move || {
                    if let Some(button) = restart_button.get_untracked() {
                        _ = button.focus();
                    }
                });
                form_error.set(Some(
                    "This sign-in has expired or had too many wrong codes. Please sign in again."
                        .into(),
                ));
            } else {
                code.set(String::new());
                form_error.set(Some(if recovery.get_untracked() {
                    "That recovery code did not work. It may be mistyped or used already.".into()
                } else {
                    "That code did not work. Check your authenticator app and enter the code it shows now.".into()
                }));
                focus();
            }
        });
    };
    let toggle = move |_| {
        recovery.update(|recovery| *recovery = !*recovery);
        code.set(String::new());
        error.set(None);
        form_error.set(None);
        focus();
    };
    let clear = move |()| {
        if error.with_untracked(Option::is_some) {
            error.set(None);
        }
    };

    view! {
        <section class="card auth-card" aria-labelledby="second-factor-title">
            <header class="auth-card__head">
                <h1 id="second-factor-title">"Two-factor authentication"</h1>
                <p class="auth-card__lead">
                    {move || if recovery.get() {
                        "Enter one of the recovery codes you saved when you turned on two-factor authentication."
                    } else {
                        "Open your authenticator app and enter the 6-digit code it shows for Gatehouse."
                    }}
                </p>
            </header>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <div hidden=move || !recovery.get() || closed.get()>
                    <Field
                        name="code"
                        id="mfa-recovery-code"
                        label="Recovery code"
                        value=code
                        error=Signal::derive(move || error.get().filter(|_| recovery.get()))
                        on_input=clear
                        autocomplete="off"
                        hint="Like abcde-fghij. Each code works once."
                        verbatim=true
                        node_ref=recovery_input
                    />
                </div>
                <div hidden=move || recovery.get() || closed.get()>
                    <Field
                        name="code"
                        id="mfa-code"
                        label="Authentication code"
                        value=code
                        error=Signal::derive(move || error.get().filter(|_| !recovery.get()))
                        on_input=clear
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        hint="The code changes every 30 seconds."
                        verbatim=true
                        node_ref=app_input
                    />
                </div>
                <div hidden=move || closed.get()>
                    <SubmitButton pending=pending.into() label="Verify" busy_label="Checking…" />
                </div>
                <div class="second-factor__actions">
                    <button
                        class="button button--secondary"
                        type="button"
                        hidden=move || closed.get()
                        on:click=toggle
                    >
                        {move || if recovery.get() {
                            "Use your authenticator app instead"
                        } else {
                            "Use a recovery code instead"
                        }}
                    </button>
                    <button
                        class=move || if closed.get() { "button button--primary" } else { "button button--secondary" }
                        type="button"
                        node_ref=restart_button
                        on:click=move |_| on_restart.run(())
                    >
                        "Sign in again"
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oauth_callback_hands_over_its_challenge_in_the_fragment() {
        assert_eq!(
            token_from_fragment("#mfa_token=abc.DEF_-1").as_deref(),
            Some("abc.DEF_-1")
        );
        assert_eq!(
            token_from_fragment("mfa_token=a%2Bb%3D").as_deref(),
            Some("a+b=")
        );
        assert_eq!(
            token_from_fragment("#x=1&mfa_token=t").as_deref(),
            Some("t")
        );
        assert_eq!(token_from_fragment("#mfa_token="), None);
        assert_eq!(token_from_fragment(""), None);
        assert_eq!(token_from_fragment("#section-2"), None);
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn app_codes_are_six_digits() {
        assert_eq!(code_value(" 123 456 ", false).unwrap(), "123456");
        assert_eq!(
            code_value("", false).unwrap_err(),
            "Enter the code from your authenticator app."
        );
        assert!(code_value("12345", false).is_err());
        assert!(code_value("abcde-fghij", false).is_err());
    }

    #[test]
    fn recovery_codes_are_two_groups_of_five() {
        assert_eq!(code_value("ABCDE-fghij", true).unwrap(), "abcde-fghij");
        assert_eq!(code_value("abcde fghij", true).unwrap(), "abcde-fghij");
        assert_eq!(code_value("a1c2e3g4i5", true).unwrap(), "a1c2e-3g4i5");
        assert_eq!(
            code_value(" ", true).unwrap_err(),
            "Enter one of your recovery codes."
        );
        for wrong in ["abcd-fghij", "abcde-fghi!", "123456"] {
            assert_eq!(
                code_value(wrong, true).unwrap_err(),
                "Recovery codes look like abcde-fghij.",
                "{wrong}"
            );
        }
    }
}
