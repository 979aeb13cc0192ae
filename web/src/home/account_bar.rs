//! The bar at the top of every signed-in home page: which account the person acts for,
//! with a switcher when they belong to more than one, and a banner when that account
//! needs something done (a trial ending, a failed payment, a suspension, an ended
//! subscription), each with its way out. One read, `GET accounts`, per page.

use gatehouse_shared::ids::AccountId;
use gatehouse_shared::teams::AccountSummary;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;

use crate::auth::use_auth;
use crate::billing::format::format_date;
use crate::browser::reload_page;
use crate::form::FormError;

/// Shown only while someone is signed in.
#[component]
pub fn AccountBar() -> impl IntoView {
    let auth = use_auth();
    let signed_in = Memo::new(move |_| auth.signed_in() == Some(true));
    move || signed_in.get().then(|| view! { <Bar /> })
}

#[component]
fn Bar() -> impl IntoView {
    let auth = use_auth();
    let active = auth.me().map(|me| me.account_id);
    let accounts = RwSignal::new(Vec::<AccountSummary>::new());
    let error = RwSignal::new(None::<String>);
    let switching = RwSignal::new(false);
    // Read again on every page, so an account created or joined on `/team` (or a status
    // changed by billing) shows without a reload. Until it arrives, nothing shows.
    let path = use_location().pathname;
    Effect::new(move || {
        path.track();
        spawn_local(async move {
            match auth.call(|api| async move { api.accounts().await }).await {
                Ok(list) => _ = accounts.try_set(list.accounts),
                Err(failed) => _ = error.try_set(Some(failed.message())),
            }
        });
    });
    let switch = move |index: usize| {
        let Some(account) = accounts.with_untracked(|list| list.get(index).map(|a| a.id)) else {
            return;
        };
        switching.set(true);
        error.set(None);
        spawn_local(async move {
            let switched = auth
                .call(|api| async move { api.switch_account(AccountId(account)).await })
                .await;
            match switched {
                // Everything on the page was read for the other account: start over.
                Ok(()) => reload_page(),
                Err(failed) => {
                    _ = error.try_set(Some(failed.message()));
                    _ = switching.try_set(false);
                }
            }
        });
    };
    let is_active = move |account: &AccountSummary| Some(AccountId(account.id)) == active;

    view! {
        <div class="container account account-bar">
            {move || accounts.with(|list| (list.len() > 1).then(|| {
                let options = list
                    .iter()
                    .enumerate()
                    .map(|(index, account)| {
                        let personal = if account.personal { " (personal)" } else { "" };
                        view! {
                            <option value=index.to_string() selected=is_active(account)>
                                {account.name.clone()}{personal}
                            </option>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="field account-bar__switch">
                        <label class="field__label" for="account-switch">"Account"</label>
                        <select
                            class="field__input"
                            id="account-switch"
                            disabled=move || switching.get()
                            aria-busy=move || switching.get().then_some("true")
                            on:change=move |event| {
                                if let Ok(index) = event_target_value(&event).parse() {
                                    switch(index);
                                }
                            }
                        >
                            {options}
                        </select>
                    </div>
                }
            }))}
            <FormError message=error.into() />
            {move || accounts.with(|list| {
                let account = list.iter().find(|account| is_active(account))?;
                let (urgent, text, href, link) =
                    banner(&account.status, account.trial_ends_at.as_deref())?;
                let role = if urgent { "alert" } else { "status" };
                Some(view! {
                    <div class="notice notice--warning account-bar__banner" role=role>
                        <p>{text}</p>
                        <a class="button button--secondary" href=href>{link}</a>
                    </div>
                })
            })}
        </div>
    }
}

/// What the active account's `status` asks of the person: whether it is urgent (an
/// alert), what to say, and where to put it right. Nothing for an active account.
fn banner(
    status: &str,
    trial_ends_at: Option<&str>,
) -> Option<(bool, String, &'static str, &'static str)> {
    const BILLING: &str = "/billing";
    Some(match status {
        "trial" => (
            false,
            match trial_ends_at {
                Some(ends) => format!("Your free trial ends on {}.", format_date(ends)),
                None => "Your account is on a free trial.".to_owned(),
            },
            BILLING,
            "Choose a plan",
        ),
        "past_due" => (
            true,
            "Your last payment failed. Update your payment method to keep access.".to_owned(),
            BILLING,
            "Update your payment method",
        ),
        "pending_payment" => (
            false,
            "Your account is waiting for its first payment.".to_owned(),
            BILLING,
            "Choose a plan",
        ),
        "suspended" => (
            true,
            "Your account is suspended: its products are paused until the balance is paid."
                .to_owned(),
            BILLING,
            "Pay the balance",
        ),
        "cancelled" => (
            true,
            "Your subscription has ended.".to_owned(),
            "/recovery",
            "Restore your account",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_but_active_has_a_banner_and_a_way_out() {
        let (urgent, text, href, _) = banner("trial", Some("2026-12-14T08:00:00Z")).unwrap();
        assert!(!urgent);
        assert_eq!(text, "Your free trial ends on 14 December 2026.");
        assert_eq!(href, "/billing");
        for status in ["past_due", "suspended", "cancelled"] {
            assert!(banner(status, None).unwrap().0, "{status}");
        }
        assert_eq!(banner("cancelled", None).unwrap().2, "/recovery");
        assert!(banner("pending_payment", None).is_some());
        assert!(banner("active", None).is_none());
    }
}
