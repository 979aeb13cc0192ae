//! What can be done with the subscription: Stripe's Customer Portal (payment methods and
//! invoices), cancelling at the end of the period after a confirmation step, resuming,
//! and changing the plan.

use gatehouse_shared::billing::BillingOverview;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::change_plan::change_plan;
use super::format::date_or;
use super::standing::is_running;
use super::{Billing, Expect, HEADING};
use crate::browser::{focus_id, go_to};
use crate::form::FormError;

/// Sends the browser to Stripe's Customer Portal (also the failed-payment banner's way out).
pub fn open_portal(billing: Billing) {
    if !billing.start("Opening Stripe's billing portal…") {
        return;
    }
    spawn_local(async move {
        match billing
            .auth
            .call(|api| async move { api.portal().await })
            .await
        {
            // Still at work: the browser is on its way to Stripe.
            Ok(portal) => go_to(&portal.url),
            Err(failure) => billing.finish(Some(failure)),
        }
    });
}

/// Cancels at the period's end (`cancel`), or resumes.
fn set_ending(billing: Billing, cancel: bool) {
    let doing = if cancel {
        "Cancelling…"
    } else {
        "Resuming…"
    };
    if !billing.start(doing) {
        return;
    }
    spawn_local(async move {
        let answer = billing
            .auth
            .call(|api| async move { api.cancel_at_period_end(cancel).await })
            .await;
        let failed = answer.err();
        let worked = failed.is_none();
        billing.finish(failed);
        if !worked {
            return;
        }
        billing.confirming_cancel.set(false);
        focus_id(HEADING);
        if cancel {
            billing.watch(
                Expect::Ending(true),
                0,
                "Waiting for Stripe to confirm the cancellation…",
                "Your subscription is cancelled: it ends at the end of the period.".to_owned(),
                "Stripe has not confirmed the cancellation yet. It shows here as soon as it does.",
            );
        } else {
            billing.watch(
                Expect::Ending(false),
                0,
                "Waiting for Stripe to confirm…",
                "Your subscription is resumed: it renews as usual.".to_owned(),
                "Stripe has not confirmed that your subscription is resumed yet. It shows here as soon as it does.",
            );
        }
    });
}

/// Opens a panel under the buttons and puts focus on its title.
fn open(panel: RwSignal<bool>, billing: Billing, title: &str) {
    billing.status.set(None);
    billing.error.set(None);
    panel.set(true);
    focus_id(title);
}

/// Closes a panel and puts focus back on the button that opened it.
pub fn close(panel: RwSignal<bool>, billing: Billing, button: &str) {
    billing.error.set(None);
    panel.set(false);
    focus_id(button);
}

pub fn actions(billing: Billing, overview: &BillingOverview) -> impl IntoView {
    let running = is_running(overview);
    let ending = overview
        .subscription
        .as_ref()
        .is_some_and(|sub| sub.cancel_at_period_end);
    let has_subscription = overview.subscription.is_some();
    let end = date_or(
        overview
            .subscription
            .as_ref()
            .and_then(|sub| sub.current_period_end.as_deref()),
        "the end of the period",
    );
    let current = overview
        .subscription
        .as_ref()
        .and_then(|sub| sub.items.first())
        .and_then(|item| Some((item.product_slug.clone()?, item.period?)));
    let locked = move || billing.busy();
    let panel_open = move || billing.confirming_cancel.get() || billing.changing_plan.get();

    view! {
        <FormError message=billing.error.into() />
        <div class="account__actions" hidden=panel_open>
            {has_subscription.then(|| view! {
                <button class="button button--primary" type="button" disabled=locked on:click=move |_| open_portal(billing)>
                    "Manage payment methods and invoices"
                </button>
            })}
            {running.then(|| view! {
                <button
                    id="change-plan-button"
                    class="button button--secondary"
                    type="button"
                    disabled=locked
                    aria-expanded="false"
                    aria-controls="change-plan"
                    on:click=move |_| open(billing.changing_plan, billing, "change-plan-title")
                >
                    "Change plan…"
                </button>
            })}
            {(running && !ending).then(|| view! {
                <button
                    id="cancel-button"
                    class="button button--danger-outline"
                    type="button"
                    disabled=locked
                    aria-expanded="false"
                    aria-controls="cancel-subscription"
                    on:click=move |_| open(billing.confirming_cancel, billing, "cancel-title")
                >
                    "Cancel subscription…"
                </button>
            })}
            {(running && ending).then(|| view! {
                <button class="button button--secondary" type="button" disabled=locked on:click=move |_| set_ending(billing, false)>
                    "Resume subscription"
                </button>
            })}
        </div>
        {move || {
            if billing.changing_plan.get() {
                return Some(change_plan(billing, current.clone()).into_any());
            }
            if !billing.confirming_cancel.get() {
                return None;
            }
            let keep = move || close(billing.confirming_cancel, billing, "cancel-button");
            Some(view! {
                // The confirmation step: its question takes focus; Escape keeps the plan.
                <div
                    id="cancel-subscription"
                    class="billing__panel"
                    role="group"
                    aria-labelledby="cancel-title"
                    on:keydown=move |event| {
                        if event.key() == "Escape" {
                            keep();
                        }
                    }
                >
                    <h3 id="cancel-title" class="billing__panel-title" tabindex="-1">
                        "Cancel your subscription?"
                    </h3>
                    <p class="account__text">
                        "Your plan keeps working until "{end.clone()}
                        ". After that it ends and you are not charged again. You can resume it any time before then."
                    </p>
                    <div class="account__actions">
                        <button class="button button--danger" type="button" disabled=locked on:click=move |_| set_ending(billing, true)>
                            "Cancel at period end"
                        </button>
                        <button class="button button--secondary" type="button" on:click=move |_| keep()>
                            "Keep my subscription"
                        </button>
                    </div>
                </div>
            }
            .into_any())
        }}
    }
}
