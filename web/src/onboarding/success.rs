//! `/onboarding/success?session_id=…`: Stripe sends people here after paying. The
//! redirect proves nothing: the page polls until the webhook has made the account.

use std::time::Duration;

use gatehouse_shared::onboarding::{OnboardingState, OnboardingStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use super::{calls, store, StepHeading, BASE};
use crate::api::ApiError;
use crate::browser::sleep;
use crate::title::Title;

/// How often, and how many times, the page asks (about two minutes in all).
const POLL_EVERY: Duration = Duration::from_millis(1500);
const POLLS: u32 = 80;

#[derive(Clone)]
enum Phase {
    Waiting,
    Ready(OnboardingStatus),
    TimedOut,
    Failed(ApiError),
}

#[component]
pub fn SuccessPage() -> impl IntoView {
    let session_id = use_query_map().with_untracked(|query| query.get("session_id"));
    let phase = RwSignal::new(Phase::Waiting);
    let poll = move || {
        let Some(session_id) = session_id.clone() else {
            phase.set(Phase::Failed(ApiError::UnexpectedResponse { status: 400 }));
            return;
        };
        phase.set(Phase::Waiting);
        spawn_local(async move {
            let mut failures = 0;
            for _ in 0..POLLS {
                match calls::status(&session_id).await {
                    Ok(status) if status.state == OnboardingState::Provisioned => {
                        store::clear();
                        _ = phase.try_set(Phase::Ready(status));
                        return;
                    }
                    Ok(_) => failures = 0,
                    Err(error) if matches!(error, ApiError::Network) && failures < 3 => {
                        failures += 1;
                    }
                    Err(error) => {
                        _ = phase.try_set(Phase::Failed(error));
                        return;
                    }
                }
                if phase.try_get_untracked().is_none() {
                    return;
                }
                sleep(POLL_EVERY).await;
            }
            _ = phase.try_set(Phase::TimedOut);
        });
    };
    poll();
    let retry = poll.clone();

    view! {
        <Title text="Your account" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="success-title">
                <div role="status" aria-live="polite" style="display:grid;gap:1rem">
                    {move || match phase.get() {
                        Phase::Waiting => view! {
                            <StepHeading id="success-title">"Confirming your payment…"</StepHeading>
                            <p class="loading"><span class="spinner" aria-hidden="true"></span>
                                "This usually takes a few seconds. Please keep this page open."</p>
                        }.into_any(),
                        Phase::Ready(status) => view! { <Ready status /> }.into_any(),
                        Phase::TimedOut => {
                            let retry = retry.clone();
                            view! {
                                <StepHeading id="success-title">"Still confirming your payment"</StepHeading>
                                <p>"Stripe has not confirmed the payment yet. If you paid, your account will be ready shortly and we will email you."</p>
                                <button class="button button--primary" type="button" on:click=move |_| retry()>"Check again"</button>
                            }.into_any()
                        }
                        Phase::Failed(error) => {
                            let message = if matches!(error, ApiError::Api { status: 404, .. } | ApiError::UnexpectedResponse { status: 400 }) {
                                "We could not find this payment. If you were charged, contact support.".to_owned()
                            } else {
                                error.message()
                            };
                            view! {
                                <StepHeading id="success-title">"We could not confirm your payment"</StepHeading>
                                <p class="form-error" role="alert">{message}</p>
                                <p><a class="button button--secondary" href=BASE>"Start again"</a></p>
                            }.into_any()
                        }
                    }}
                </div>
            </section>
        </div>
    }
}

#[component]
fn Ready(status: OnboardingStatus) -> impl IntoView {
    let products = status
        .products
        .iter()
        .map(|product| {
            let quantity = (product.quantity > 1).then(|| format!(" × {}", product.quantity));
            view! { <li>{product.name.clone()}{quantity}</li> }
        })
        .collect_view();
    let email = status.email.clone();
    let next = if status.new_user {
        let resent = RwSignal::new(None::<String>);
        let busy = RwSignal::new(false);
        let resend = move |_| {
            let email = email.clone();
            busy.set(true);
            spawn_local(async move {
                let message = match calls::resend_password(&email).await {
                    Ok(_) => "We sent the link again.".to_owned(),
                    Err(error) => error.message(),
                };
                _ = busy.try_set(false);
                _ = resent.try_set(Some(message));
            });
        };
        view! {
            <p>"We emailed you a link to set your password."</p>
            <button class="button button--secondary" type="button" on:click=resend disabled=move || busy.get()>
                "Resend"
            </button>
            <p role="status" aria-live="polite">{move || resent.get()}</p>
        }
        .into_any()
    } else {
        view! {
            <p>"Your purchase was added to your existing account."</p>
            <p><a class="button button--primary" href="/sign-in" rel="external">"Sign in"</a></p>
        }
        .into_any()
    };
    view! {
        <StepHeading id="success-title">"Your account is ready"</StepHeading>
        <ul class="features">{products}</ul>
        {next}
    }
}
