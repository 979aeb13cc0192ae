//! Changing plan: choose another plan or period from the catalog, see what the change
//! costs now (Stripe's proration: credit for the unused time, the new plan's price), then
//! confirm. Nothing changes before the confirmation.

use gatehouse_shared::billing::PlanChangePreview;
use gatehouse_shared::catalog::{format_amount, BillingPeriod, CatalogResponse, ProductKind};
use gatehouse_shared::ids::PriceId;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::close;
use super::format::{due_now, price_per_period};
use super::{Billing, Expect, HEADING};
use crate::api::{self, ApiError};
use crate::browser::focus_id;

/// One plan price the subscription can move to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOption {
    pub price_id: PriceId,
    pub slug: String,
    pub name: String,
    pub period: BillingPeriod,
    /// `29.00 EUR / month`.
    pub price: String,
}

/// Every plan price in the catalog, once each (a plan may be on several pricing pages),
/// in the catalog's order.
pub fn plan_options(catalog: &CatalogResponse) -> Vec<PlanOption> {
    let mut options: Vec<PlanOption> = Vec::new();
    let plans = catalog
        .pages
        .iter()
        .flat_map(|page| &page.products)
        .filter(|product| product.kind == ProductKind::Plan);
    for plan in plans {
        for price in &plan.prices {
            if options.iter().any(|option| option.price_id == price.id) {
                continue;
            }
            options.push(PlanOption {
                price_id: price.id,
                slug: plan.slug.clone(),
                name: plan.name.clone(),
                period: price.period,
                price: price_per_period(price.amount_minor, &price.currency, Some(price.period)),
            });
        }
    }
    options
}

/// Asks Stripe what moving to `option` costs now, and shows it.
fn price_change(billing: Billing, option: PlanOption, preview: Preview) {
    if !billing.start("Pricing the change…") {
        return;
    }
    spawn_local(async move {
        let price_id = option.price_id;
        let answer = billing
            .auth
            .call(|api| async move { api.preview_plan_change(price_id).await })
            .await;
        match answer {
            Ok(priced) => {
                billing.finish(None);
                preview.set(Some((option, priced)));
                focus_id("preview-title");
            }
            Err(failure) => billing.finish(Some(failure)),
        }
    });
}

/// Moves the subscription to `option`, then waits for Stripe to confirm.
fn change(billing: Billing, option: PlanOption) {
    if !billing.start("Changing your plan…") {
        return;
    }
    spawn_local(async move {
        let price_id = option.price_id;
        let answer = billing
            .auth
            .call(|api| async move { api.change_plan(price_id).await })
            .await;
        let failed = answer.err();
        let worked = failed.is_none();
        billing.finish(failed);
        if worked {
            billing.changing_plan.set(false);
            focus_id(HEADING);
            billing.watch(
                Expect::Plan(option.slug, option.period),
                // The proration is invoiced at once.
                billing.payment_count() + 1,
                "Waiting for Stripe to confirm the new plan…",
                format!("Your plan is now {} at {}.", option.name, option.price),
                "Stripe has not confirmed the new plan yet. It shows here as soon as it does.",
            );
        }
    });
}

/// The option being priced, and its price: the confirmation step.
type Preview = RwSignal<Option<(PlanOption, PlanChangePreview)>>;

/// The panel: every other plan price as a button; choosing one shows what the change
/// costs now, with the confirmation.
pub fn change_plan(billing: Billing, current: Option<(String, BillingPeriod)>) -> impl IntoView {
    // The same kind of signal the pricing page holds its catalog in.
    let catalog = RwSignal::new(None::<Result<CatalogResponse, ApiError>>);
    let load = move || {
        catalog.set(None);
        spawn_local(async move {
            let answer = api::catalog().await;
            _ = catalog.try_set(Some(answer));
        });
    };
    load();
    let preview: Preview = RwSignal::new(None);
    let locked = move || billing.busy();
    let keep = move || close(billing.changing_plan, billing, "change-plan-button");

    let choices = move || {
        catalog.with(|answer| match answer {
            None => view! {
                <p class="billing__waiting">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading plans…"
                </p>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <div class="form-error" role="alert">
                    {error.message()}" "
                    <button class="button button--secondary button--small" type="button" on:click=move |_| load()>
                        "Retry"
                    </button>
                </div>
            }
            .into_any(),
            Some(Ok(catalog)) => plan_options(catalog)
                .into_iter()
                .filter(|option| {
                    current
                        .as_ref()
                        .is_none_or(|(slug, period)| *slug != option.slug || *period != option.period)
                })
                .map(|option| {
                    let text = format!("{} — {}", option.name, option.price);
                    view! {
                        <li>
                            <button
                                class="button button--secondary billing__option"
                                type="button"
                                disabled=locked
                                on:click=move |_| price_change(billing, option.clone(), preview)
                            >
                                {text}
                            </button>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };

    view! {
        <div
            id="change-plan"
            class="billing__panel"
            role="group"
            aria-labelledby="change-plan-title"
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    keep();
                }
            }
        >
            <h3 id="change-plan-title" class="billing__panel-title" tabindex="-1">
                "Change plan"
            </h3>
            <div class="billing__choose" hidden=move || preview.with(Option::is_some)>
                <p class="account__text">"Move to:"</p>
                <ul class="billing__options">{choices}</ul>
                <div class="account__actions">
                    <button class="button button--secondary" type="button" on:click=move |_| keep()>
                        "Keep my plan"
                    </button>
                </div>
            </div>
            {move || preview.with(|shown| shown.as_ref().map(|(option, priced)| {
                let (total_label, total) = due_now(priced.amount_due_minor, &priced.currency);
                let lines = priced
                    .lines
                    .iter()
                    .map(|line| view! {
                        <tr>
                            <td>{line.description.clone()}</td>
                            <td class="preview__amount">{format_amount(line.amount_minor, &priced.currency)}</td>
                        </tr>
                    })
                    .collect_view();
                let option = option.clone();
                let title = format!("Move to {} at {}?", option.name, option.price);
                view! {
                    <div class="preview">
                        <h4 id="preview-title" class="billing__panel-title" tabindex="-1">
                            {title}
                        </h4>
                        <table class="preview__lines">
                            <caption class="visually-hidden">"What the change costs now"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Item"</th>
                                    <th scope="col" class="preview__amount">"Amount"</th>
                                </tr>
                            </thead>
                            <tbody>{lines}</tbody>
                            <tfoot>
                                <tr>
                                    <th scope="row">{total_label}</th>
                                    <td class="preview__amount">{total}</td>
                                </tr>
                            </tfoot>
                        </table>
                        <p class="account__text">"Unused time on your current plan is credited, and the new plan starts now."</p>
                        <div class="account__actions">
                            <button class="button button--primary" type="button" disabled=locked on:click=move |_| change(billing, option.clone())>
                                "Confirm change"
                            </button>
                            <button
                                class="button button--secondary"
                                type="button"
                                on:click=move |_| {
                                    preview.set(None);
                                    billing.error.set(None);
                                    focus_id("change-plan-title");
                                }
                            >
                                "Choose another plan"
                            </button>
                        </div>
                    </div>
                }
            }))}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_shared::catalog::{CatalogPrice, CatalogProduct, PricingPage};

    use super::*;

    /// An id from a number (through JSON: the web crate has no `uuid` of its own).
    fn id<T: serde::de::DeserializeOwned>(n: u128) -> T {
        serde_json::from_str(&format!("\"00000000-0000-0000-0000-{n:012}\"")).unwrap()
    }

    fn product(
        n: u128,
        slug: &str,
        kind: ProductKind,
        prices: &[(u128, BillingPeriod, i64)],
    ) -> CatalogProduct {
        CatalogProduct {
            id: id(n),
            slug: slug.into(),
            name: slug.to_uppercase(),
            description: String::new(),
            kind,
            parent_slug: None,
            needs_instance: false,
            entitlements: Vec::new(),
            prices: prices
                .iter()
                .map(|(price, period, amount)| CatalogPrice {
                    id: id(*price),
                    period: *period,
                    amount_minor: *amount,
                    currency: "eur".into(),
                })
                .collect(),
            yearly_savings_percent: None,
        }
    }

    #[test]
    fn every_plan_price_is_offered_once_and_add_ons_never() {
        let team = product(
            1,
            "team",
            ProductKind::Plan,
            &[
                (10, BillingPeriod::Month, 2900),
                (11, BillingPeriod::Year, 29000),
            ],
        );
        let extra = product(
            2,
            "support",
            ProductKind::AddOn,
            &[(20, BillingPeriod::Month, 1500)],
        );
        let business = product(
            3,
            "business",
            ProductKind::Plan,
            &[(30, BillingPeriod::Month, 7900)],
        );
        let catalog = CatalogResponse {
            pages: vec![
                PricingPage {
                    slug: "default".into(),
                    products: vec![team.clone(), extra],
                },
                PricingPage {
                    slug: "business".into(),
                    products: vec![business, team],
                },
            ],
        };
        let options = plan_options(&catalog);
        let shown: Vec<(&str, &str)> = options
            .iter()
            .map(|o| (o.slug.as_str(), o.price.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("team", "29.00 EUR / month"),
                ("team", "290.00 EUR / year"),
                ("business", "79.00 EUR / month"),
            ]
        );
    }
}
