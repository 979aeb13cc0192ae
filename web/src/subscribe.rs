//! "Subscribe" on a plan's card. Signed in, it starts Stripe Checkout for the price shown
//! and sends the browser there (the billing page confirms the payment on the way back);
//! signed out, it goes to sign-up first and back to this pricing page after.

use gatehouse_shared::catalog::{BillingPeriod, CatalogPrice};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};

use crate::auth::use_auth;
use crate::browser::go_to;
use crate::form::FormError;
use crate::guard::with_next;

#[component]
pub fn SubscribeButton(
    /// The plan's name, for the button's accessible name ("Subscribe to Team").
    plan: String,
    prices: Vec<CatalogPrice>,
    /// The period on show: the button buys the plan's price for it.
    period: RwSignal<BillingPeriod>,
) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let pathname = use_location().pathname;
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let sold = |wanted: BillingPeriod| prices.iter().any(|price| price.period == wanted);
    let (monthly, yearly) = (sold(BillingPeriod::Month), sold(BillingPeriod::Year));

    let subscribe = move |_| {
        let wanted = period.get_untracked();
        let Some(price_id) = prices
            .iter()
            .find(|price| price.period == wanted)
            .map(|price| price.id)
        else {
            return;
        };
        if pending.get_untracked() {
            return;
        }
        match auth.signed_in() {
            Some(true) => {
                pending.set(true);
                error.set(None);
                spawn_local(async move {
                    match auth
                        .call(|api| async move { api.checkout(price_id).await })
                        .await
                    {
                        // Still pending: the browser is on its way to Stripe.
                        Ok(checkout) => go_to(&checkout.url),
                        Err(failure) => {
                            pending.set(false);
                            error.set(Some(if failure.code() == Some("already_subscribed") {
                                "You already have a subscription: change your plan on the billing page.".to_owned()
                            } else {
                                failure.message()
                            }));
                        }
                    }
                });
            }
            Some(false) => {
                let back = pathname.get_untracked();
                navigate(&with_next("/sign-up", Some(back)), Default::default());
            }
            // Still finding out whether someone is signed in: the button is disabled.
            None => {}
        }
    };

    view! {
        <div class="card__action subscribe">
            <FormError message=error.into() />
            <button
                class="button button--primary"
                type="button"
                disabled=move || {
                    let sold = if period.get() == BillingPeriod::Month { monthly } else { yearly };
                    pending.get() || !sold || auth.signed_in().is_none()
                }
                on:click=subscribe
            >
                {move || if pending.get() { "Opening checkout…" } else { "Subscribe" }}
                <span class="visually-hidden">" to "{plan}</span>
            </button>
        </div>
    }
}
