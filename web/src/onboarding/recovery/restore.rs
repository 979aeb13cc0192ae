//! Step 3, `/recovery/restore`: what the account had (bought again as it was) and until
//! when it can come back, then "Pay and restore": `recovery/checkout` and off to Stripe
//! (a new Checkout, or the Customer Portal to pay an unpaid invoice). Stripe returns to
//! the main app's `/billing`, which waits for the webhook.

use gatehouse_shared::recovery::{RecoveryGranted, RecoveryItem};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{redirect, Refusal, RefusalNotice, CODE, START};
use crate::billing::format::format_date;
use crate::browser::go_to;
use crate::form::FormError;
use crate::onboarding::store::recovery as store;
use crate::onboarding::{calls, StepHeading};
use crate::title::Title;

/// One item as a line: "Extra storage 100 GB × 2".
pub fn item_line(item: &RecoveryItem) -> String {
    let name = item
        .product_name
        .clone()
        .or_else(|| item.product_slug.clone())
        .unwrap_or_else(|| "A product no longer listed".to_owned());
    if item.quantity > 1 {
        format!("{name} × {}", item.quantity)
    } else {
        name
    }
}

/// What happened to the account, in the person's words.
fn lead(status: &str) -> &'static str {
    match status {
        "cancelled" => "Your subscription ended. Pay for it again and your account comes back as it was, with all its data and members.",
        _ => "A payment did not go through. Pay it and your account comes back as it was, with all its data and members.",
    }
}

#[component]
pub fn RestoreStep() -> impl IntoView {
    let Some(granted) = store::granted() else {
        redirect(START);
        return ().into_any();
    };
    let RecoveryGranted {
        recovery_token,
        account_status,
        items,
        recoverable_until,
    } = granted;
    let pending = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let expired = RwSignal::new(false);
    let refusal = RwSignal::new(None::<Refusal>);

    let pay = move |_| {
        form_error.set(None);
        pending.set(true);
        let token = recovery_token.clone();
        spawn_local(async move {
            match calls::recovery_checkout(&token).await {
                // Stays busy while the browser leaves for Stripe.
                Ok(payment) => go_to(&payment.url),
                Err(error) => {
                    _ = pending.try_set(false);
                    if let Some(refused) = Refusal::of(&error) {
                        store::forget_granted();
                        _ = refusal.try_set(Some(refused));
                    } else if error.fields().contains_key("recovery_token") {
                        store::forget_granted();
                        _ = expired.try_set(true);
                        _ = form_error.try_set(Some(
                            "Your code was verified too long ago. Please ask for a new one."
                                .to_owned(),
                        ));
                    } else {
                        _ = form_error.try_set(Some(error.message()));
                    }
                }
            }
        });
    };

    let lines = if items.is_empty() {
        view! { <p>"We found nothing to buy again; Stripe will show what is due."</p> }.into_any()
    } else {
        let lines = items
            .iter()
            .map(|item| view! { <li>{item_line(item)}</li> })
            .collect_view();
        view! { <ul class="features" aria-labelledby="restore-items-title">{lines}</ul> }.into_any()
    };
    let until = recoverable_until.map(|until| {
        view! {
            <p>
                "You can restore it until "<strong>{format_date(&until)}</strong>
                "; after that its data is deleted."
            </p>
        }
    });
    let blocked = move || refusal.with(Option::is_some) || expired.get();

    view! {
        <Title text="Restore your account" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="restore-title">
                <header class="auth-card__head">
                    <StepHeading id="restore-title">"Restore your account"</StepHeading>
                    <p class="auth-card__lead">{lead(&account_status)}</p>
                </header>
                <section class="notice" aria-labelledby="restore-items-title" style="justify-items:stretch;margin:0;padding:1.25rem">
                    <h2 id="restore-items-title" class="notice__title">"What will be restored"</h2>
                    {lines}
                    {until}
                </section>
                <RefusalNotice refusal />
                <FormError message=Signal::from(form_error) />
                {move || expired.get().then(|| view! {
                    <p><a class="button button--primary" href=CODE>"Get a new code"</a></p>
                })}
                <button
                    class="button button--primary form__submit"
                    type="button"
                    on:click=pay
                    hidden=blocked
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                >
                    {move || if pending.get() { "Opening Stripe…" } else { "Pay and restore" }}
                </button>
                <p class="field__hint" hidden=blocked>
                    "You pay with Stripe. Afterwards, sign in to see your billing."
                </p>
                <p class="wizard-nav">
                    <a class="button button--secondary" href=START>
                        "Start over"
                    </a>
                </p>
            </section>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_as_their_name_and_quantity() {
        let item = |name: Option<&str>, slug: Option<&str>, quantity| RecoveryItem {
            product_slug: slug.map(str::to_owned),
            product_name: name.map(str::to_owned),
            quantity,
        };
        assert_eq!(item_line(&item(Some("Team"), Some("team"), 1)), "Team");
        assert_eq!(
            item_line(&item(Some("Extra storage 100 GB"), None, 2)),
            "Extra storage 100 GB × 2"
        );
        assert_eq!(item_line(&item(None, Some("team"), 1)), "team");
        assert_eq!(
            item_line(&item(None, None, 1)),
            "A product no longer listed"
        );
    }
}
