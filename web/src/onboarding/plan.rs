//! Step 2, `/onboarding/plan`: the catalog's plans, monthly or yearly.

use gatehouse_shared::catalog::{BillingPeriod, CatalogProduct, CatalogResponse, ProductKind};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{first_name, StepIndicator, BASE};
use crate::api::{self, ApiError};
use crate::pricing::{LoadFailed, Loading, PeriodSwitch, Price, DEFAULT_PAGE};
use crate::title::Title;

/// The plans on the default pricing page, in its order.
pub fn plans(catalog: &CatalogResponse) -> Vec<CatalogProduct> {
    catalog
        .pages
        .iter()
        .find(|page| page.slug == DEFAULT_PAGE)
        .map(|page| {
            page.products
                .iter()
                .filter(|product| product.kind == ProductKind::Plan)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[component]
pub fn PlanStep() -> impl IntoView {
    let greeting = match first_name() {
        Some(name) => format!("{name}, choose your plan"),
        None => "Choose your plan".to_owned(),
    };
    let catalog = RwSignal::new(None::<Result<CatalogResponse, ApiError>>);
    let fetch = move || {
        catalog.set(None);
        spawn_local(async move {
            let answer = api::catalog().await;
            _ = catalog.try_set(Some(answer));
        });
    };
    fetch();
    let period = RwSignal::new(BillingPeriod::Month);

    view! {
        <Title text="Choose your plan" />
        <div class="container pricing">
            <header class="pricing__intro">
                <StepIndicator step=2 />
                <h1>{greeting}</h1>
                <p class="lead">"Switch plans or cancel whenever you like."</p>
            </header>
            {move || catalog.with(|answer| match answer {
                None => view! { <Loading /> }.into_any(),
                Some(Ok(catalog)) => view! { <PlanList plans=plans(catalog) period /> }.into_any(),
                Some(Err(error)) => {
                    view! { <LoadFailed error=error.clone() on_retry=fetch /> }.into_any()
                }
            })}
            <p class="wizard-nav">
                <a class="button button--secondary" href=BASE>
                    "Back"
                </a>
            </p>
        </div>
    }
}

#[component]
fn PlanList(plans: Vec<CatalogProduct>, period: RwSignal<BillingPeriod>) -> impl IntoView {
    if plans.is_empty() {
        return view! {
            <div class="notice">
                <h2 class="notice__title">"No plans on sale yet"</h2>
                <p>"Plans will appear here as soon as they are published. Please check back soon."</p>
            </div>
        }
        .into_any();
    }
    let best_saving = plans
        .iter()
        .filter_map(|product| product.yearly_savings_percent)
        .max();
    let cards = plans
        .into_iter()
        .map(|product| {
            let title_id = format!("plan-{}", product.slug);
            let labelled_by = title_id.clone();
            view! {
                <article class="card plan-card" aria-labelledby=labelled_by>
                    <div class="card__head">
                        <h2 id=title_id class="card__title">
                            {product.name.clone()}
                        </h2>
                    </div>
                    <p class="card__description">{product.description.clone()}</p>
                    <Price product=product.clone() period saving=product.yearly_savings_percent />
                </article>
            }
        })
        .collect_view();
    view! {
        <PeriodSwitch period best_saving />
        <section class="plans" aria-label="Plans">
            <div class="plan-grid">{cards}</div>
        </section>
    }
    .into_any()
}
