//! The chosen items and what they cost each period.

use gatehouse_shared::catalog::{format_amount, BillingPeriod};
use leptos::prelude::*;

use super::wizard::Summary;

#[component]
pub fn SummaryView(summary: Summary) -> impl IntoView {
    let per = match summary.period {
        BillingPeriod::Month => "/month",
        BillingPeriod::Year => "/year",
    };
    let currency = summary.currency.clone();
    let lines = summary
        .lines
        .iter()
        .map(|line| {
            let quantity = (line.quantity > 1).then(|| format!(" × {}", line.quantity));
            view! {
                <li style="display:flex;justify-content:space-between;gap:1rem">
                    <span>{line.name.clone()}{quantity}</span>
                    <span style="white-space:nowrap">{format_amount(line.amount_minor, &currency)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section
            class="notice"
            aria-labelledby="summary-title"
            style="justify-items:stretch;margin:0;padding:1.25rem"
        >
            <h2 id="summary-title" class="notice__title">"Your order"</h2>
            <ul style="list-style:none;padding:0;margin:0;display:grid;gap:0.4rem">{lines}</ul>
            <p style="display:flex;justify-content:space-between;gap:1rem">
                <strong>"Total"</strong>
                <strong style="white-space:nowrap">{format_amount(summary.total_minor, &summary.currency)}{per}</strong>
            </p>
        </section>
    }
}
