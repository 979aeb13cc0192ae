//! `/credits`: the active account's credits, read only: the balance, and the ledger's
//! newest entries (when, what, how many, the balance after, why).

use gatehouse_shared::credits::{CreditTransaction, Credits};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::billing::format::format_date;
use crate::guard::RequireSignIn;
use crate::title::Title;

/// A number of credits with thousands separators: `12,345`, `-40`.
pub fn format_credits(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        grouped.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// An entry's amount with its sign: `+100`, `−30` (a real minus sign).
pub fn signed_credits(amount: i64) -> String {
    let magnitude = format_credits(amount).trim_start_matches('-').to_owned();
    match amount {
        0 => magnitude,
        _ if amount > 0 => format!("+{magnitude}"),
        _ => format!("\u{2212}{magnitude}"),
    }
}

/// An entry's kind in words; a kind this page does not know shows as it came.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        "grant" => "Granted",
        "usage" => "Used",
        "adjustment" => "Adjusted",
        "expiry" => "Expired",
        _ => kind,
    }
}

#[component]
pub fn CreditsRoute() -> impl IntoView {
    view! {
        <Title text="Credits" />
        <div class="container account credits">
            <RequireSignIn>
                <CreditsPage />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn CreditsPage() -> impl IntoView {
    let auth = use_auth();
    let account = auth.me().map(|me| me.account_id);
    let answer = RwSignal::new(None::<Result<Credits, ApiError>>);
    let read = move || {
        answer.set(None);
        let Some(account) = account else {
            return;
        };
        spawn_local(async move {
            let read = auth
                .call(|api| async move { api.credits(account).await })
                .await;
            _ = answer.try_set(Some(read));
        });
    };
    read();

    view! {
        <header class="account__intro">
            <h1>"Credits"</h1>
            <p class="lead">"What your account has to spend in the apps that count credits, and where it went."</p>
        </header>
        {move || answer.with(|answer| match answer {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading your credits…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <div class="notice notice--error" role="alert">
                    <h2 class="notice__title">"Your credits could not be loaded"</h2>
                    <p>{error.message()}</p>
                    <button class="button button--primary" type="button" on:click=move |_| read()>
                        "Retry"
                    </button>
                </div>
            }
            .into_any(),
            Some(Ok(credits)) => view! {
                <section class="card account__card dashboard__section" aria-labelledby="balance-title">
                    <h2 id="balance-title" class="account__title">"Balance"</h2>
                    <p class="credits__balance">
                        <strong class="credits__amount">{format_credits(credits.balance)}</strong>
                        " credits"
                    </p>
                </section>
                <section class="card account__card dashboard__section" aria-labelledby="ledger-title">
                    <h2 id="ledger-title" class="account__title">"History"</h2>
                    {ledger(&credits.transactions)}
                </section>
            }
            .into_any(),
        })}
    }
}

fn ledger(entries: &[CreditTransaction]) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="account__text">"No credits have come or gone yet."</p> }
            .into_any();
    }
    let rows = entries
        .iter()
        .map(|entry| {
            view! {
                <li class="dashboard__order credits__entry">
                    <p>
                        <strong>{format_date(&entry.created_at)}</strong>
                        " · "
                        {kind_label(&entry.kind).to_owned()}
                        " "
                        <strong class="credits__change">{signed_credits(entry.amount)}</strong>
                        " · balance after "
                        {format_credits(entry.balance_after)}
                    </p>
                    {(!entry.description.is_empty())
                        .then(|| view! { <p class="card__note">{entry.description.clone()}</p> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="dashboard__list" role="list">{rows}</ul> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_read_with_separators_and_signs() {
        assert_eq!(format_credits(0), "0");
        assert_eq!(format_credits(999), "999");
        assert_eq!(format_credits(1_000), "1,000");
        assert_eq!(format_credits(1_234_567), "1,234,567");
        assert_eq!(format_credits(-40_000), "-40,000");
        assert_eq!(signed_credits(100), "+100");
        assert_eq!(signed_credits(-2_500), "\u{2212}2,500");
        assert_eq!(signed_credits(0), "0");
        assert_eq!(format_credits(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn kinds_read_as_words() {
        assert_eq!(kind_label("grant"), "Granted");
        assert_eq!(kind_label("usage"), "Used");
        assert_eq!(kind_label("adjustment"), "Adjusted");
        assert_eq!(kind_label("expiry"), "Expired");
        assert_eq!(kind_label("bonus"), "bonus");
    }
}
