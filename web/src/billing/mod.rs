//! `/billing`: the account's plan and standing, what it may use, its payments, and the
//! ways to change them: Stripe's Customer Portal, cancelling at the end of the period (and
//! resuming), and moving to another plan after seeing what that costs now.
//!
//! Every change is made at Stripe and reaches Gatehouse by webhook, never by redirect. So
//! after asking for one, or on coming back from checkout (`/billing?checkout={session}`),
//! the page reads the account's billing again every second for a while, until the change
//! shows, and says so when it does not.
//!
//! Size matters here (the whole app has a 300 KiB budget): the page keeps its state in a
//! few signals of types the app uses anyway, and draws each part from one closure.

mod actions;
mod change_plan;
// Public: the dashboard shows the plan's facts, account recovery (onboarding bundle)
// its dates, and the staff's account page (support bundle) its payments, the same way.
pub mod format;
pub mod overview;
pub mod payments;
mod standing;

use std::time::Duration;

use gatehouse_shared::billing::{BillingOverview, Payments};
use gatehouse_shared::catalog::BillingPeriod;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::browser::{focus_id, sleep};
use crate::form::FormStatus;
use crate::guard::RequireSignIn;
use crate::title::Title;

/// How often, and how many times, the page asks again while it waits for Stripe.
const POLL_EVERY: Duration = Duration::from_secs(1);
const POLLS: u32 = 30;

/// The subscription card's heading: focus goes there once a change shows.
const HEADING: &str = "subscription-title";

#[component]
pub fn BillingRoute() -> impl IntoView {
    view! {
        <Title text="Billing" />
        <div class="container account billing">
            <RequireSignIn>
                <BillingPage />
            </RequireSignIn>
        </div>
    }
}

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
pub struct Billing {
    auth: Auth,
    /// The account's billing as last read; `None` until the first answer.
    overview: RwSignal<Option<Result<BillingOverview, ApiError>>>,
    payments: RwSignal<Option<Result<Payments, ApiError>>>,
    /// What is at work, in words: a request, or waiting for Stripe to confirm a change.
    /// Every action waits meanwhile.
    working: RwSignal<Option<String>>,
    /// How the latest action ended, when it worked.
    status: RwSignal<Option<String>>,
    /// Why the latest action failed.
    error: RwSignal<Option<String>>,
    /// The confirmation step before cancelling is open.
    confirming_cancel: RwSignal<bool>,
    /// The plan change panel is open.
    changing_plan: RwSignal<bool>,
}

/// What a change looks like once Stripe has confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A running subscription (after checkout).
    Running,
    /// Set to end at the period's end (`true`), or renewing again (`false`).
    Ending(bool),
    /// On this plan and period.
    Plan(String, BillingPeriod),
}

impl Expect {
    pub fn met(&self, overview: &BillingOverview) -> bool {
        let subscription = overview.subscription.as_ref();
        match self {
            Self::Running => standing::is_running(overview),
            Self::Ending(ending) => {
                subscription.is_some_and(|sub| sub.cancel_at_period_end == *ending)
            }
            Self::Plan(slug, period) => {
                subscription
                    .and_then(|sub| sub.items.first())
                    .is_some_and(|item| {
                        item.product_slug.as_deref() == Some(slug) && item.period == Some(*period)
                    })
            }
        }
    }
}

impl Billing {
    /// Whether something is at work (so actions wait).
    pub fn busy(self) -> bool {
        self.working.with(Option::is_some)
    }

    /// Starts an action that says `doing` meanwhile; `false` when another is at work.
    pub fn start(self, doing: &str) -> bool {
        if self.working.with_untracked(Option::is_some) {
            return false;
        }
        self.working.set(Some(doing.to_owned()));
        self.status.set(None);
        self.error.set(None);
        true
    }

    /// Ends the action at work; a failure shows where the page shows errors.
    pub fn finish(self, failure: Option<ApiError>) {
        self.working.set(None);
        self.error.set(failure.map(|failure| failure.message()));
    }

    /// Reads the account's billing and its payments afresh.
    fn load(self) {
        self.overview.set(None);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.billing().await })
                .await;
            _ = self.overview.try_set(Some(answer));
        });
        self.load_payments();
    }

    fn load_payments(self) {
        spawn_local(self.read_payments(0));
    }

    /// How many payments the page shows.
    pub fn payment_count(self) -> usize {
        self.payments.with_untracked(|answer| {
            answer
                .as_ref()
                .and_then(|answer| answer.as_ref().ok())
                .map_or(0, |answer| answer.payments.len())
        })
    }

    /// Reads the payments, again every second while there are fewer than `at_least`: the
    /// invoice of a checkout or a plan change comes by a webhook of its own, maybe a
    /// moment after the change itself.
    async fn read_payments(self, at_least: usize) {
        for attempt in 0..POLLS {
            if attempt > 0 {
                sleep(POLL_EVERY).await;
            }
            let answer = self
                .auth
                .call(|api| async move { api.payments().await })
                .await;
            let enough = answer
                .as_ref()
                .map_or(true, |answer| answer.payments.len() >= at_least);
            if self.payments.try_set(Some(answer)).is_some() || enough {
                return; // the page is gone, or the payments are there
            }
        }
    }

    /// Reads the account's billing every second until `expect` shows (then says `done`
    /// and reads the payments again, until there are `payments` of them), or says `late`
    /// after a while. Meanwhile the page says `waiting`.
    pub fn watch(
        self,
        expect: Expect,
        payments: usize,
        waiting: &str,
        done: String,
        late: &'static str,
    ) {
        self.working.set(Some(waiting.to_owned()));
        spawn_local(async move {
            for attempt in 0..POLLS {
                if attempt > 0 {
                    sleep(POLL_EVERY).await;
                }
                if self.working.is_disposed() {
                    return; // the page is gone
                }
                let answer = self
                    .auth
                    .call(|api| async move { api.billing().await })
                    .await;
                let met = answer.as_ref().is_ok_and(|overview| expect.met(overview));
                // Drawn again only when it changed; a failed read never hides what the
                // page already shows.
                let keep = self.overview.with_untracked(|shown| {
                    shown.as_ref() == Some(&answer)
                        || (answer.is_err() && matches!(shown, Some(Ok(_))))
                });
                if !keep {
                    _ = self.overview.try_set(Some(answer));
                }
                if met {
                    _ = self.working.try_set(None);
                    _ = self.status.try_set(Some(done));
                    focus_id(HEADING);
                    self.read_payments(payments).await;
                    return;
                }
            }
            _ = self.working.try_set(None);
            _ = self.status.try_set(Some(late.to_owned()));
        });
    }
}

#[component]
fn BillingPage() -> impl IntoView {
    let billing = Billing {
        auth: use_auth(),
        overview: RwSignal::new(None),
        payments: RwSignal::new(None),
        working: RwSignal::new(None),
        status: RwSignal::new(None),
        error: RwSignal::new(None),
        confirming_cancel: RwSignal::new(false),
        changing_plan: RwSignal::new(false),
    };
    let from_checkout = use_query_map().with_untracked(|query| query.get("checkout").is_some());
    if from_checkout {
        billing.load_payments();
        billing.watch(
            Expect::Running,
            1,
            "Confirming your payment…",
            "Your payment is confirmed: welcome aboard!".to_owned(),
            "Stripe has not confirmed your payment yet. If you paid, your plan shows here within a few minutes: reload this page to check.",
        );
    } else {
        billing.load();
    }

    view! {
        <header class="account__intro">
            <h1>"Billing"</h1>
            <p class="lead">"Your plan, what it includes, and what you paid."</p>
        </header>
        <div role="status" aria-live="polite" class="form-status-region">
            {move || billing.working.get().map(|doing| view! {
                <p class="billing__waiting">
                    <span class="spinner" aria-hidden="true"></span>
                    {doing}
                </p>
            })}
        </div>
        <FormStatus message=billing.status.into() />
        {move || billing.overview.with(|answer| match answer {
            None => view! {
                <div class="loading" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading your billing…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <div class="notice notice--error" role="alert">
                    <h2 class="notice__title">"Billing could not be loaded"</h2>
                    <p>{error.message()}</p>
                    <button class="button button--primary" type="button" on:click=move |_| billing.load()>
                        "Retry"
                    </button>
                </div>
            }
            .into_any(),
            Some(Ok(overview)) if !standing::has_standing(overview) => view! {
                <section class="card account__card" aria-labelledby="no-subscription-title" hidden=move || billing.busy()>
                    <h2 id="no-subscription-title" class="account__title">"No subscription yet"</h2>
                    <p class="account__text">
                        "Choose a plan to get started. You can change it or cancel whenever you like."
                    </p>
                    <div class="account__actions">
                        <a class="button button--primary" href="/">"See plans and pricing"</a>
                    </div>
                </section>
            }
            .into_any(),
            Some(Ok(overview)) => view! {
                {overview::subscription(billing, overview)}
                {payments::payments(billing)}
            }
            .into_any(),
        })}
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_shared::billing::{SubscriptionItemView, SubscriptionView};

    use super::*;

    fn on_plan(slug: &str, period: BillingPeriod, ending: bool) -> BillingOverview {
        BillingOverview {
            account_status: "active".into(),
            grace_ends_at: None,
            subscription: Some(SubscriptionView {
                status: "active".into(),
                current_period_end: None,
                cancel_at_period_end: ending,
                trial_end: None,
                items: vec![SubscriptionItemView {
                    product_slug: Some(slug.into()),
                    product_name: None,
                    period: Some(period),
                    amount_minor: None,
                    currency: None,
                    quantity: 1,
                }],
            }),
            entitlements: Vec::new(),
        }
    }

    #[test]
    fn the_page_waits_until_stripe_shows_the_change() {
        let team = on_plan("team", BillingPeriod::Month, false);
        assert!(Expect::Running.met(&team));
        assert!(Expect::Ending(false).met(&team));
        assert!(!Expect::Ending(true).met(&team));
        assert!(Expect::Ending(true).met(&on_plan("team", BillingPeriod::Month, true)));
        assert!(Expect::Plan("team".into(), BillingPeriod::Month).met(&team));
        assert!(!Expect::Plan("team".into(), BillingPeriod::Year).met(&team));
        assert!(!Expect::Plan("business".into(), BillingPeriod::Month).met(&team));

        let mut never = team;
        never.subscription = None;
        assert!(!Expect::Running.met(&never));
        assert!(!Expect::Ending(false).met(&never));
    }
}
