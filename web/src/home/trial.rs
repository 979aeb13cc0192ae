//! The dashboard's free-trial card: when the active account may start a trial
//! (`GET accounts/{id}/trial`), the first plan offering one, and the button that starts it.
//! An offer that cannot be read shows nothing: the rest of the dashboard is what matters.

use gatehouse_shared::plans::TrialPlan;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::use_auth;
use crate::browser::reload_page;
use crate::form::FormError;
use crate::home::credits::format_credits;

#[component]
pub fn TrialCard() -> impl IntoView {
    let auth = use_auth();
    let account = auth.me().map(|me| me.account_id);
    let offer = RwSignal::new(None::<TrialPlan>);
    if let Some(account) = account {
        spawn_local(async move {
            let read = auth
                .call(|api| async move { api.trial(account).await })
                .await;
            if let Ok(read) = read {
                if read.eligible {
                    _ = offer.try_set(read.plans.into_iter().next());
                }
            }
        });
    }
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let start = move |slug: String| {
        let Some(account) = account else {
            return;
        };
        sending.set(true);
        error.set(None);
        spawn_local(async move {
            let started = auth
                .call(|api| async move { api.start_trial(account, &slug).await })
                .await;
            match started {
                // The access token carries the account's status: the reload's refresh
                // brings one with the trial, for the banner and every page.
                Ok(_) => reload_page(),
                Err(failed) => {
                    _ = error.try_set(Some(failed.message()));
                    _ = sending.try_set(false);
                }
            }
        });
    };

    move || {
        offer.get().map(|plan| {
            let credits = (plan.credits > 0).then(|| {
                format!(" It comes with {} credits.", format_credits(plan.credits))
            });
            let slug = plan.slug;
            view! {
                <section class="card account__card dashboard__section" aria-labelledby="trial-title">
                    <h2 id="trial-title" class="account__title">
                        "Try "{plan.name}" free for "{plan.days}{if plan.days == 1 { " day" } else { " days" }}
                    </h2>
                    <p class="account__text">
                        "Nothing to pay during the trial; choose a plan before it ends to keep going."{credits}
                    </p>
                    <FormError message=error.into() />
                    <div class="account__actions">
                        <button
                            class="button button--primary"
                            type="button"
                            disabled=move || sending.get()
                            aria-busy=move || sending.get().then_some("true")
                            on:click=move |_| start(slug.clone())
                        >
                            {move || if sending.get() { "Starting your trial…" } else { "Start free trial" }}
                        </button>
                    </div>
                </section>
            }
        })
    }
}
