//! The subscription card: the banner saying where the account stands, the plan, its
//! period, price and next date, what the account may use, and the actions.

use gatehouse_shared::billing::BillingOverview;
use leptos::prelude::*;

use super::format::{date_or, period_name, price_per_period};
use super::standing::banner;
use super::{actions, Billing, HEADING};

/// The plan's facts as label and value, in the order shown.
pub fn plan_facts(overview: &BillingOverview) -> Vec<(&'static str, String)> {
    let Some(subscription) = &overview.subscription else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    if let Some(item) = subscription.items.first() {
        let mut name = item
            .product_name
            .clone()
            .unwrap_or_else(|| "A plan no longer sold".to_owned());
        if item.quantity > 1 {
            name = format!("{name} × {}", item.quantity);
        }
        facts.push(("Plan", name));
        if let Some(period) = item.period {
            facts.push(("Billing period", period_name(period).to_owned()));
        }
        if let (Some(amount), Some(currency)) = (item.amount_minor, &item.currency) {
            facts.push(("Price", price_per_period(amount, currency, item.period)));
        }
    }
    let end = subscription.current_period_end.as_deref();
    let (label, date) = match subscription.status.as_str() {
        "canceled" | "incomplete_expired" => ("Ended on", end),
        "trialing" => ("Trial ends on", subscription.trial_end.as_deref().or(end)),
        _ if subscription.cancel_at_period_end => ("Ends on", end),
        "active" => ("Renews on", end),
        _ => ("Period ends on", end),
    };
    if date.is_some() {
        facts.push((label, date_or(date, "")));
    }
    facts
}

/// The plan's facts as a description list (here and on the dashboard).
pub fn facts(overview: &BillingOverview) -> impl IntoView {
    let rows = plan_facts(overview)
        .into_iter()
        .map(|(label, value)| {
            view! {
                <div class="details__row">
                    <dt>{label}</dt>
                    <dd class="details__value">{value}</dd>
                </div>
            }
        })
        .collect_view();
    view! { <dl class="details">{rows}</dl> }
}

/// The card, drawn afresh whenever the account's billing changes.
pub fn subscription(billing: Billing, overview: &BillingOverview) -> impl IntoView {
    let shown = banner(overview).map(|shown| {
        let fix = shown.fix_payment.then(|| {
            view! {
                <button
                    class="button button--primary standing__action"
                    type="button"
                    disabled=move || billing.busy()
                    on:click=move |_| actions::open_portal(billing)
                >
                    "Update payment method"
                </button>
            }
        });
        view! {
            <div class=shown.tone.class()>
                <h3 class="standing__title">{shown.title}</h3>
                <p>{shown.text}</p>
                {fix}
            </div>
        }
    });
    let included = if overview.entitlements.is_empty() {
        view! { <p class="details__empty">"Nothing at the moment."</p> }.into_any()
    } else {
        let items = overview
            .entitlements
            .iter()
            .map(|entitlement| view! { <li>{entitlement.label.clone()}</li> })
            .collect_view();
        view! { <ul class="features">{items}</ul> }.into_any()
    };

    view! {
        <section class="card account__card" aria-labelledby=HEADING>
            <h2 id=HEADING class="account__title" tabindex="-1">
                "Subscription"
            </h2>
            {shown}
            {facts(overview)}
            <h3 class="card__subtitle">"Included"</h3>
            {included}
            {actions::actions(billing, overview)}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_shared::billing::{SubscriptionItemView, SubscriptionView};
    use gatehouse_shared::catalog::BillingPeriod;

    use super::*;

    fn team(status: &str, ending: bool) -> BillingOverview {
        BillingOverview {
            account_status: "active".into(),
            grace_ends_at: None,
            subscription: Some(SubscriptionView {
                status: status.into(),
                current_period_end: Some("2027-02-01T00:00:00Z".into()),
                cancel_at_period_end: ending,
                trial_end: None,
                items: vec![SubscriptionItemView {
                    product_slug: Some("team".into()),
                    product_name: Some("Team".into()),
                    period: Some(BillingPeriod::Month),
                    amount_minor: Some(2900),
                    currency: Some("eur".into()),
                    quantity: 1,
                }],
            }),
            entitlements: Vec::new(),
        }
    }

    #[test]
    fn the_plan_shows_name_period_price_and_next_date() {
        assert_eq!(
            plan_facts(&team("active", false)),
            vec![
                ("Plan", "Team".to_owned()),
                ("Billing period", "Monthly".to_owned()),
                ("Price", "29.00 EUR / month".to_owned()),
                ("Renews on", "1 February 2027".to_owned()),
            ]
        );
        let ending = plan_facts(&team("active", true));
        assert_eq!(ending[3], ("Ends on", "1 February 2027".to_owned()));
        let ended = plan_facts(&team("canceled", false));
        assert_eq!(ended[3].0, "Ended on");
    }

    #[test]
    fn nothing_to_show_without_a_subscription() {
        let mut none = team("active", false);
        none.subscription = None;
        assert!(plan_facts(&none).is_empty());
    }
}
