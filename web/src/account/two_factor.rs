//! The two-factor authentication card: set up an authenticator app (QR code or key, then
//! a code to confirm), see the recovery codes once, and turn it off again.

use gatehouse_shared::mfa::{TotpDisableRequest, TotpSetupResponse};
use leptos::html::{Button, Input, H3};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::focus_soon;
use crate::auth::use_auth;
use crate::browser::{copy_text, save_file};
use crate::form::{server_errors, Field, FormError, FormStatus, SubmitButton};

/// The secret as people type it: groups of four.
pub fn group_secret(secret: &str) -> String {
    let characters: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    characters
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The recovery codes as a text file (and what "Copy" puts on the clipboard).
pub fn codes_text(email: &str, codes: &[String]) -> String {
    let mut text = format!(
        "Gatehouse recovery codes for {email}\n\
         Each code signs you in once in place of your authenticator app.\n\n"
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// An authenticator code as the API wants it, or why it is not one.
fn app_code(typed: &str) -> Result<String, String> {
    crate::second_factor::code_value(typed, false)
}

/// Where the card is at.
#[derive(Clone)]
enum Step {
    /// Showing whether it is on, with the button to change that.
    Overview,
    /// A new secret to put into the app, and the code that confirms it.
    SettingUp(TotpSetupResponse),
    /// Just turned on: the recovery codes, shown this once.
    RecoveryCodes(Vec<String>),
    /// Asking for the password (or a code) to turn it off.
    TurningOff,
}

#[component]
pub fn TwoFactor() -> impl IntoView {
    let auth = use_auth();
    let enabled = Memo::new(move |_| auth.me().is_some_and(|me| me.mfa_enabled));
    let step = RwSignal::new(Step::Overview);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let set_up = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        status.set(None);
        error.set(None);
        spawn_local(async move {
            let answer = auth.call(|api| async move { api.totp_setup().await }).await;
            pending.set(false);
            match answer {
                Ok(setup) => step.set(Step::SettingUp(setup)),
                Err(failure) if failure.code() == Some("mfa_already_enabled") => {
                    _ = auth.reload_me().await;
                    status.set(Some("Two-factor authentication is already on.".into()));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let set_up_button = NodeRef::<Button>::new();
    let turn_off_button = NodeRef::<Button>::new();
    let back = move |message: Option<&'static str>| {
        step.set(Step::Overview);
        status.set(message.map(Into::into));
        focus_soon(if enabled.get_untracked() {
            turn_off_button
        } else {
            set_up_button
        });
    };
    let overview = move || matches!(step.get(), Step::Overview);

    view! {
        <section class="card account__card" aria-labelledby="two-factor-title">
            <div class="account__head">
                <h2 id="two-factor-title" class="account__title">"Two-factor authentication"</h2>
                <span class=move || if enabled.get() { "badge" } else { "tag" }>
                    {move || if enabled.get() { "On" } else { "Off" }}
                </span>
            </div>
            <FormStatus message=status.into() />
            <FormError message=error.into() />
            <div class="account__overview" hidden=move || !overview()>
                <p class="account__text">
                    {move || if enabled.get() {
                        "Signing in needs a code from your authenticator app, or one of your recovery codes."
                    } else {
                        "Add a second step to signing in: a code from an authenticator app on your phone, such as 1Password, Google Authenticator or Aegis."
                    }}
                </p>
                <div class="account__actions">
                    <button
                        class="button button--secondary"
                        type="button"
                        hidden=move || !enabled.get()
                        node_ref=turn_off_button
                        on:click=move |_| {
                            status.set(None);
                            step.set(Step::TurningOff);
                        }
                    >
                        "Turn off two-factor authentication"
                    </button>
                    <button
                        class="button button--primary"
                        type="button"
                        hidden=move || enabled.get()
                        node_ref=set_up_button
                        disabled=move || pending.get()
                        aria-busy=move || pending.get().then_some("true")
                        on:click=set_up
                    >
                        {move || if pending.get() { "Starting…" } else { "Set up two-factor authentication" }}
                    </button>
                </div>
            </div>
            {move || match step.get() {
                Step::SettingUp(setup) => Some(view! {
                    <SetUp
                        setup
                        on_confirmed=move |codes| step.set(Step::RecoveryCodes(codes))
                        on_cancel=move |()| back(None)
                    />
                }),
                _ => None,
            }}
            {move || match step.get() {
                Step::RecoveryCodes(codes) => Some(view! {
                    <RecoveryCodes codes on_done=move |()| back(Some("Two-factor authentication is on.")) />
                }),
                _ => None,
            }}
            {move || matches!(step.get(), Step::TurningOff).then(|| view! {
                <TurnOff
                    on_done=move |()| back(Some("Two-factor authentication is off."))
                    on_cancel=move |()| back(None)
                />
            })}
        </section>
    }
}

#[component]
fn SetUp(
    setup: TotpSetupResponse,
    #[prop(into)] on_confirmed: Callback<Vec<String>>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let heading = NodeRef::<H3>::new();
    let input = NodeRef::<Input>::new();
    focus_soon(heading);

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = match app_code(&code.get_untracked()) {
            Ok(typed) => {
                error.set(None);
                typed
            }
            Err(problem) => {
                error.set(Some(problem));
                focus_soon(input);
                return;
            }
        };
        pending.set(true);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.totp_confirm(&typed).await })
                .await;
            pending.set(false);
            match answer {
                Ok(codes) => {
                    on_confirmed.run(codes.recovery_codes);
                    _ = auth.reload_me().await;
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(&failure, &[("code", "Code")]);
                    match inline.remove("code") {
                        Some(_) => {
                            error.set(Some(
                                "That code is not right. Enter the code your app shows now (it changes every 30 seconds)."
                                    .into(),
                            ));
                            code.set(String::new());
                            focus_soon(input);
                        }
                        None => form_error.set(Some(summary)),
                    }
                }
            }
        });
    };
    let clear = move |()| {
        if error.with_untracked(Option::is_some) {
            error.set(None);
        }
    };
    let secret = group_secret(&setup.secret);

    view! {
        <div class="mfa-setup">
            <h3 class="mfa-setup__title" tabindex="-1" node_ref=heading>"Set up your authenticator app"</h3>
            <ol class="mfa-setup__steps">
                <li>
                    <p>"Scan this QR code with your authenticator app."</p>
                    <div class="qr" role="img" aria-label="QR code to add Gatehouse to your authenticator app" inner_html=setup.qr_svg></div>
                </li>
                <li>
                    <p>"Can’t scan it? Enter this key in the app instead:"</p>
                    <p>
                        <code class="mfa-setup__secret" aria-label="Setup key">{secret}</code>
                    </p>
                </li>
                <li>
                    <p>"Enter the 6-digit code the app now shows for Gatehouse."</p>
                    <form class="form" novalidate on:submit=on_submit>
                        <FormError message=form_error.into() />
                        <Field
                            name="code"
                            id="totp-code"
                            label="Code from the app"
                            value=code
                            error=error
                            on_input=clear
                            autocomplete="one-time-code"
                            inputmode="numeric"
                            verbatim=true
                            node_ref=input
                        />
                        <div class="account__actions">
                            <SubmitButton pending=pending.into() label="Turn on" busy_label="Checking…" />
                            <button class="button button--secondary" type="button" on:click=move |_| on_cancel.run(())>
                                "Cancel"
                            </button>
                        </div>
                    </form>
                </li>
            </ol>
        </div>
    }
}

#[component]
fn RecoveryCodes(codes: Vec<String>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let email = auth.me().map(|me| me.email).unwrap_or_default();
    let text = StoredValue::new(codes_text(&email, &codes));
    let copied = RwSignal::new(None::<String>);
    let heading = NodeRef::<H3>::new();
    focus_soon(heading);

    let copy = move |_| {
        copy_text(&text.get_value(), move |worked| {
            copied.set(Some(if worked {
                "Copied. Paste them somewhere safe.".into()
            } else {
                "Your browser did not allow copying. Select the codes and copy them, or download them."
                    .into()
            }));
        });
    };
    let download = move |_| {
        save_file(
            "gatehouse-recovery-codes.txt",
            "text/plain",
            &text.get_value(),
        );
    };

    view! {
        <div class="recovery" role="region" aria-labelledby="recovery-title">
            <div class="notice notice--warning">
                <h3 id="recovery-title" class="notice__title" tabindex="-1" node_ref=heading>
                    "Save your recovery codes now"
                </h3>
                <p>
                    "Two-factor authentication is on. If you lose your phone, each of these codes signs you in once. "
                    <strong>"This is the only time they are shown."</strong>
                    " Keep them somewhere safe, such as a password manager."
                </p>
            </div>
            <ul class="recovery__codes" aria-label="Recovery codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
            <FormStatus message=copied.into() />
            <div class="account__actions">
                <button class="button button--secondary" type="button" on:click=copy>"Copy codes"</button>
                <button class="button button--secondary" type="button" on:click=download>"Download codes"</button>
                <button class="button button--primary" type="button" on:click=move |_| on_done.run(())>
                    "I have saved my codes"
                </button>
            </div>
        </div>
    }
}

#[component]
fn TurnOff(
    #[prop(into)] on_done: Callback<()>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    // People without a password confirm with a code from the app instead.
    let with_password = auth.me().is_some_and(|me| me.has_password);
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let password_input = NodeRef::<Input>::new();
    let code_input = NodeRef::<Input>::new();
    let input = if with_password {
        password_input
    } else {
        code_input
    };
    focus_soon(input);
    let (field, label) = if with_password {
        ("password", "Password")
    } else {
        ("code", "Code from your authenticator app")
    };

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed = value.get_untracked();
        let request = if with_password {
            if typed.is_empty() {
                error.set(Some("Enter your password.".into()));
                focus_soon(input);
                return;
            }
            TotpDisableRequest {
                password: Some(typed),
                code: None,
            }
        } else {
            match app_code(&typed) {
                Ok(code) => TotpDisableRequest {
                    password: None,
                    code: Some(code),
                },
                Err(problem) => {
                    error.set(Some(problem));
                    focus_soon(input);
                    return;
                }
            }
        };
        error.set(None);
        pending.set(true);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.totp_disable(&request).await })
                .await;
            pending.set(false);
            match answer {
                Ok(()) => {
                    _ = auth.reload_me().await;
                    on_done.run(());
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(&failure, &[(field, label)]);
                    match inline.remove(field) {
                        Some(message) => {
                            error.set(Some(message));
                            value.set(String::new());
                            focus_soon(input);
                        }
                        None => form_error.set(Some(summary)),
                    }
                }
            }
        });
    };
    let clear = move |()| {
        if error.with_untracked(Option::is_some) {
            error.set(None);
        }
    };

    view! {
        <form class="form account__form account__form--revealed" novalidate on:submit=on_submit>
            <p class="account__text">
                {if with_password {
                    "To turn it off, confirm it is you with your password."
                } else {
                    "To turn it off, confirm it is you with a code from your authenticator app."
                }}
            </p>
            <FormError message=form_error.into() />
            <div hidden=!with_password>
                <Field
                    name="password"
                    id="mfa-off-password"
                    label="Password"
                    value=value
                    error=Signal::derive(move || error.get().filter(|_| with_password))
                    on_input=clear
                    input_type="password"
                    autocomplete="current-password"
                    node_ref=password_input
                />
            </div>
            <div hidden=with_password>
                <Field
                    name="code"
                    id="mfa-off-code"
                    label="Code from your authenticator app"
                    value=value
                    error=Signal::derive(move || error.get().filter(|_| !with_password))
                    on_input=clear
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    verbatim=true
                    node_ref=code_input
                />
            </div>
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Turn off" busy_label="Turning off…" danger=true />
                <button class="button button--secondary" type="button" on:click=move |_| on_cancel.run(())>
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
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(
            group_secret("JBSWY3DPEHPK3PXPJBSWY3DP"),
            "JBSW Y3DP EHPK 3PXP JBSW Y3DP"
        );
        assert_eq!(group_secret("ABCDEF"), "ABCD EF");
        assert_eq!(group_secret(""), "");
    }

    #[test]
    fn recovery_codes_are_saved_one_a_line() {
        let codes = vec!["abcde-fghij".to_owned(), "klmno-pqrst".to_owned()];
        let text = codes_text("ada@example.org", &codes);
        assert!(text.starts_with("Gatehouse recovery codes for ada@example.org\n"));
        assert!(text.ends_with("\nabcde-fghij\nklmno-pqrst\n"));
    }
}
