//! Step 2, `/recovery/code`: the emailed code (the account step's field and resend
//! button), checked by `recovery/code/verify`.

use gatehouse_shared::recovery::RecoveryVerifyRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::{redirect, Refusal, RefusalNotice, RESTORE, START};
use crate::browser::focus_id;
use crate::form::{server_errors, FormError, FormStatus, SubmitButton};
use crate::onboarding::email_code::{
    code_problem, count_down, CodeField, SendCodeButton, RESEND_AFTER,
};
use crate::onboarding::store::recovery as store;
use crate::onboarding::{calls, StepHeading};
use crate::title::Title;

#[component]
pub fn VerifyStep() -> impl IntoView {
    let Some(login) = store::login() else {
        redirect(START);
        return ().into_any();
    };
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let refusal = RwSignal::new(None::<Refusal>);
    let pending = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let wait = RwSignal::new(0_u32);
    spawn_local(count_down(wait, store::resend_wait()));

    let resend = {
        let login = login.clone();
        move || {
            form_error.set(None);
            status.set(None);
            sending.set(true);
            let login = login.clone();
            spawn_local(async move {
                let answer = calls::recovery_code(&login).await;
                _ = sending.try_set(false);
                match answer {
                    Ok(_) => {
                        store::set_sent_now();
                        _ = status.try_set(Some("We sent a new code.".to_owned()));
                        count_down(wait, RESEND_AFTER).await;
                    }
                    // Asking too often: the API's own words ("Try again in 42 s.").
                    Err(error) => {
                        _ = form_error.try_set(Some(error.message()));
                    }
                }
            });
        }
    };

    let navigate = use_navigate();
    let on_submit = {
        let login = login.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            form_error.set(None);
            status.set(None);
            code_error.set(code_problem(&code.get_untracked()));
            if code_error.get_untracked().is_some() {
                focus_id("code");
                return;
            }
            let body = RecoveryVerifyRequest {
                login: login.clone(),
                code: code.get_untracked().trim().to_owned(),
            };
            pending.set(true);
            let navigate = navigate.clone();
            spawn_local(async move {
                let answer = calls::recovery_verify(&body).await;
                _ = pending.try_set(false);
                match answer {
                    Ok(granted) => {
                        store::set_granted(&granted);
                        navigate(RESTORE, Default::default());
                    }
                    Err(error) => {
                        if let Some(refused) = Refusal::of(&error) {
                            _ = refusal.try_set(Some(refused));
                            return;
                        }
                        let (inline, summary) = server_errors(&error, &[("code", "Code")]);
                        match inline.get("code") {
                            Some(message) => {
                                _ = code_error.try_set(Some(message.clone()));
                                focus_id("code");
                            }
                            None => {
                                _ = form_error.try_set(Some(summary));
                            }
                        }
                    }
                }
            });
        }
    };

    let refused = move || refusal.with(Option::is_some);
    view! {
        <Title text="Enter your recovery code" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="recovery-code-title">
                <header class="auth-card__head">
                    <StepHeading id="recovery-code-title">"Check your email"</StepHeading>
                    <p class="auth-card__lead">
                        "If "<strong style="overflow-wrap:anywhere">{login}</strong>" has an account with us, we emailed a 6-digit code to its address. It works once and for 10 minutes."
                    </p>
                </header>
                <RefusalNotice refusal />
                <form class="form" novalidate on:submit=on_submit hidden=refused>
                    <CodeField value=code error=code_error />
                    <FormStatus message=Signal::from(status) />
                    <FormError message=Signal::from(form_error) />
                    <SubmitButton pending=Signal::from(pending) label="Continue" busy_label="Checking…" />
                    <SendCodeButton sent=true wait pending=sending on_click=resend />
                </form>
                <p class="wizard-nav">
                    <a class="button button--secondary" href=START>
                        "Use another email or username"
                    </a>
                </p>
            </section>
        </div>
    }
    .into_any()
}
