//! Signing in without a password, on `/sign-in`: an email address, then the 6-digit code
//! Gatehouse emailed to it. The answer to the first step is the same for every address.

use gatehouse_shared::mfa::MfaChallenge;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::{use_auth, SignInStep};
use crate::browser::normalize_email;
use crate::form::{email_problem, Field, FormError, SubmitButton};

/// How many digits the emailed code has.
const CODE_LENGTH: usize = 6;

/// The code as the API wants it (spaces people paste along dropped), or why it is not one.
fn code_value(typed: &str) -> Result<String, String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        Err("Enter the code from the email.".into())
    } else if code.len() != CODE_LENGTH || !code.bytes().all(|b| b.is_ascii_digit()) {
        Err(format!(
            "The code is the {CODE_LENGTH} digits in the email."
        ))
    } else {
        Ok(code)
    }
}

/// Focuses `input` once the browser has drawn the latest changes (an input that was hidden
/// a moment ago can only take focus once it shows).
fn focus_soon(input: NodeRef<Input>) {
    request_animation_frame(move || {
        if let Some(input) = input.get_untracked() {
            _ = input.focus();
        }
    });
}

/// A toggle that opens the two small forms. Signing in moves the page on like the password
/// form does (the sign-in page redirects whoever is signed in); when a second factor is
/// needed, `on_second_factor` takes over.
#[component]
pub fn CodeSignIn(#[prop(into)] on_second_factor: Callback<MfaChallenge>) -> impl IntoView {
    let auth = use_auth();
    let open = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let email_input = NodeRef::<Input>::new();
    let code_input = NodeRef::<Input>::new();
    let email_error = RwSignal::new(None::<String>);
    let code_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // The address the code went to, once asked for.
    let sent_to = RwSignal::new(None::<String>);

    let toggle = move |_| {
        let opening = !open.get_untracked();
        open.set(opening);
        if opening {
            focus_soon(if sent_to.with_untracked(Option::is_some) {
                code_input
            } else {
                email_input
            });
        }
    };

    let on_request = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = email.get_untracked();
        form_error.set(None);
        let problem = email_problem(&typed);
        let valid = problem.is_none();
        email_error.set(problem);
        if !valid {
            focus_soon(email_input);
            return;
        }
        let address = normalize_email(&typed).unwrap_or_default();
        pending.set(true);
        spawn_local(async move {
            let answer = crate::api::UnauthorizedApi.request_code(&address).await;
            pending.set(false);
            match answer {
                Ok(_) => {
                    code.set(String::new());
                    code_error.set(None);
                    sent_to.set(Some(address));
                    focus_soon(code_input);
                }
                Err(failure) => form_error.set(Some(failure.message())),
            }
        });
    };

    let on_verify = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(address) = sent_to.get_untracked() else {
            return;
        };
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = match code_value(&code.get_untracked()) {
            Ok(typed) => {
                code_error.set(None);
                typed
            }
            Err(problem) => {
                code_error.set(Some(problem));
                focus_soon(code_input);
                return;
            }
        };
        pending.set(true);
        spawn_local(async move {
            let failure = match auth.sign_in_with_code(&address, &typed).await {
                // Signed in: the redirect takes over; the button stays busy until then.
                Ok(SignInStep::Done) => return,
                Ok(SignInStep::SecondFactor(challenge)) => {
                    pending.set(false);
                    on_second_factor.run(challenge);
                    return;
                }
                Err(failure) => failure,
            };
            pending.set(false);
            if failure.code() == Some("invalid_credentials") {
                form_error.set(Some(
                    "That code did not work. It may be mistyped, used already or expired (codes last 10 minutes)."
                        .into(),
                ));
                code.set(String::new());
                focus_soon(code_input);
            } else {
                form_error.set(Some(failure.message()));
            }
        });
    };

    let start_over = move |_| {
        sent_to.set(None);
        form_error.set(None);
        code_error.set(None);
        focus_soon(email_input);
    };
    let clear = move |error: RwSignal<Option<String>>| {
        move |()| {
            if error.with_untracked(Option::is_some) {
                error.set(None);
            }
        }
    };
    let asking = move || sent_to.with(Option::is_none);

    view! {
        <div class="code-sign-in">
            <button
                class="button button--secondary code-sign-in__toggle"
                type="button"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="code-sign-in"
                on:click=toggle
            >
                "Email me a sign-in code"
            </button>
            <div id="code-sign-in" hidden=move || !open.get()>
                <section class="code-sign-in__panel" aria-labelledby="code-sign-in-title">
                    <h2 id="code-sign-in-title" class="code-sign-in__title">
                        "Sign in with an emailed code"
                    </h2>
                    <p class="code-sign-in__status" role="status" aria-live="polite">
                        {move || match sent_to.get() {
                            None => "No password needed: we email you a 6-digit code.".to_owned(),
                            Some(address) => format!(
                                "If an account uses {address}, we sent a 6-digit code to it. It works once and for 10 minutes.",
                            ),
                        }}
                    </p>
                    <FormError message=form_error.into() />
                    <div hidden=move || !asking()>
                        <form class="form" novalidate on:submit=on_request>
                            <Field
                                name="email"
                                label="Email"
                                value=email
                                error=email_error
                                on_input=clear(email_error)
                                input_type="email"
                                autocomplete="email"
                                verbatim=true
                                node_ref=email_input
                            />
                            <SubmitButton pending=pending.into() label="Send me a code" busy_label="Sending…" />
                        </form>
                    </div>
                    <div hidden=asking>
                        <form class="form" novalidate on:submit=on_verify>
                            <Field
                                name="code"
                                label="Sign-in code"
                                value=code
                                error=code_error
                                on_input=clear(code_error)
                                autocomplete="one-time-code"
                                inputmode="numeric"
                                hint="The 6 digits from the email."
                                verbatim=true
                                node_ref=code_input
                            />
                            <SubmitButton pending=pending.into() label="Sign in with code" busy_label="Signing in…" />
                            <button
                                class="button button--secondary"
                                type="button"
                                on:click=start_over
                            >
                                "Use another address"
                            </button>
                        </form>
                    </div>
                </section>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_pasted_spaces_do_not_matter() {
        assert_eq!(code_value(" 123 456 ").unwrap(), "123456");
        assert_eq!(
            code_value("").unwrap_err(),
            "Enter the code from the email."
        );
        for wrong in ["12345", "1234567", "12345a"] {
            assert_eq!(
                code_value(wrong).unwrap_err(),
                "The code is the 6 digits in the email.",
                "{wrong}"
            );
        }
    }
}
