//! The public pricing page: `/` (the `default` page) and `/pricing/{page}`.

use gatehouse_shared::catalog::{
    format_amount, BillingPeriod, CatalogProduct, CatalogResponse, PricingPage, ProductKind,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiError};
use crate::subscribe::SubscribeButton;
use crate::title::Title;

/// The pricing page shown at `/`.
pub const DEFAULT_PAGE: &str = "default";

/// `/` and `/pricing/:page`: fetches the catalog once and shows the requested page.
#[component]
pub fn PricingRoute() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| {
        params
            .read()
            .get("page")
            .unwrap_or_else(|| DEFAULT_PAGE.to_string())
    });
    // Held in a signal and drawn by one closure: far less code than a resource under
    // `Suspense`, which this page alone used.
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
        <Title text="Pricing" />
        <div class="container pricing">
            <header class="pricing__intro">
                <h1>"Plans and pricing"</h1>
                <p class="lead">
                    "Everything your team needs in one account. Switch plans or cancel whenever you like."
                </p>
                // The onboarding wizard is the other bundle: a full page load, not a route.
                <p>
                    <a class="button button--primary" href="/onboarding" rel="external">
                        "Get started"
                    </a>
                </p>
            </header>
            {move || catalog.with(|answer| match answer {
                None => view! { <Loading /> }.into_any(),
                Some(Ok(catalog)) => {
                    view! { <CatalogView catalog=catalog.clone() slug period /> }.into_any()
                }
                Some(Err(error)) => {
                    view! { <LoadFailed error=error.clone() on_retry=fetch /> }.into_any()
                }
            })}
        </div>
    }
}

/// Picks the requested page out of the catalog, or explains why there is nothing to show.
#[component]
fn CatalogView(
    catalog: CatalogResponse,
    slug: Memo<String>,
    period: RwSignal<BillingPeriod>,
) -> impl IntoView {
    move || {
        let slug = slug.get();
        match catalog.pages.iter().find(|page| page.slug == slug) {
            Some(page) if !page.products.is_empty() => {
                view! { <PageView page=page.clone() period /> }.into_any()
            }
            // The default page with nothing on it (or not published yet) is simply empty.
            Some(_) => view! { <NothingForSale /> }.into_any(),
            None if slug == DEFAULT_PAGE => view! { <NothingForSale /> }.into_any(),
            None => view! { <UnknownPage slug /> }.into_any(),
        }
    }
}

/// One pricing page: the period switch, the plans, then the add-ons.
#[component]
fn PageView(page: PricingPage, period: RwSignal<BillingPeriod>) -> impl IntoView {
    let (plans, add_ons): (Vec<_>, Vec<_>) = page
        .products
        .into_iter()
        .partition(|product| product.kind == ProductKind::Plan);
    let best_saving = plans
        .iter()
        .chain(&add_ons)
        .filter_map(|product| product.yearly_savings_percent)
        .max();
    let plan_name = |slug: &str| {
        plans
            .iter()
            .find(|plan| plan.slug == slug)
            .map_or_else(|| slug.to_string(), |plan| plan.name.clone())
    };
    let add_on_cards = add_ons
        .into_iter()
        .map(|product| {
            let requires = product.parent_slug.as_deref().map(plan_name);
            view! { <AddOnCard product requires period /> }
        })
        .collect_view();
    let has_add_ons = !add_on_cards.is_empty();
    let has_plans = !plans.is_empty();
    let plan_cards = plans
        .into_iter()
        .map(|product| view! { <PlanCard product period /> })
        .collect_view();

    view! {
        <PeriodSwitch period best_saving />
        <section class="plans" aria-labelledby="plans-title">
            <h2 id="plans-title" class="visually-hidden">
                "Plans"
            </h2>
            {if has_plans {
                view! { <div class="plan-grid">{plan_cards}</div> }.into_any()
            } else {
                view! { <NothingForSale /> }.into_any()
            }}
        </section>
        {has_add_ons
            .then(|| {
                view! {
                    <section class="add-ons" aria-labelledby="add-ons-title">
                        <h2 id="add-ons-title">"Add-ons"</h2>
                        <p class="section-lead">"Extras you can add to a plan and remove at any time."</p>
                        <div class="add-on-grid">{add_on_cards}</div>
                    </section>
                }
            })}
    }
}

/// Monthly / Yearly, as a native radio group (arrow keys move between the options).
#[component]
pub fn PeriodSwitch(period: RwSignal<BillingPeriod>, best_saving: Option<u32>) -> impl IntoView {
    let option = move |value: BillingPeriod, label: &'static str| {
        view! {
            <label class="period-switch__option">
                <input
                    type="radio"
                    name="billing-period"
                    value=value.as_str()
                    prop:checked=move || period.get() == value
                    on:change=move |_| period.set(value)
                />
                <span>{label}</span>
            </label>
        }
    };

    view! {
        <div class="period">
            <fieldset class="period-switch">
                <legend class="visually-hidden">"Billing period"</legend>
                {option(BillingPeriod::Month, "Monthly")}
                {option(BillingPeriod::Year, "Yearly")}
            </fieldset>
            {best_saving
                .map(|percent| {
                    view! {
                        <p class="period__hint">"Pay yearly and save up to "{percent}"%"</p>
                    }
                })}
        </div>
    }
}

#[component]
fn PlanCard(product: CatalogProduct, period: RwSignal<BillingPeriod>) -> impl IntoView {
    let title_id = format!("plan-{}", product.slug);
    let labelled_by = title_id.clone();
    let saving = product.yearly_savings_percent;
    let features = product
        .entitlements
        .iter()
        .map(|entitlement| view! { <li>{entitlement.label.clone()}</li> })
        .collect_view();

    view! {
        <article class="card plan-card" aria-labelledby=labelled_by>
            <div class="card__head">
                <h3 id=title_id class="card__title">
                    {product.name.clone()}
                </h3>
                {move || {
                    saving
                        .filter(|_| period.get() == BillingPeriod::Year)
                        .map(|percent| view! { <span class="badge">"Save "{percent}"%"</span> })
                }}
            </div>
            <p class="card__description">{product.description.clone()}</p>
            <Price product=product.clone() period />
            <h4 class="card__subtitle">"Includes"</h4>
            <ul class="features">{features}</ul>
            <SubscribeButton plan=product.name.clone() prices=product.prices.clone() period />
        </article>
    }
}

#[component]
fn AddOnCard(
    product: CatalogProduct,
    requires: Option<String>,
    period: RwSignal<BillingPeriod>,
) -> impl IntoView {
    let title_id = format!("add-on-{}", product.slug);
    let labelled_by = title_id.clone();
    let kind = match product.kind {
        ProductKind::StorageAddOn => "Storage",
        _ => "Add-on",
    };
    let saving = product.yearly_savings_percent;
    // A single entitlement usually just repeats the add-on's name; list only several.
    let features = (product.entitlements.len() > 1).then(|| {
        let items = product
            .entitlements
            .iter()
            .map(|entitlement| view! { <li>{entitlement.label.clone()}</li> })
            .collect_view();
        view! { <ul class="features features--compact">{items}</ul> }
    });

    view! {
        <article class="card add-on-card" aria-labelledby=labelled_by>
            <div class="card__head">
                <h3 id=title_id class="card__title">
                    {product.name.clone()}
                </h3>
                <span class="tag">{kind}</span>
            </div>
            <p class="card__description">{product.description.clone()}</p>
            {requires.map(|plan| view! { <p class="card__note">"Available with the "{plan}" plan"</p> })}
            <Price product=product.clone() period saving />
            {features}
        </article>
    }
}

/// The product's price for the selected period, or a note that it is not sold that way.
/// With `saving`, a "Save N%" badge follows the yearly price.
#[component]
pub fn Price(
    product: CatalogProduct,
    period: RwSignal<BillingPeriod>,
    #[prop(default = None)] saving: Option<u32>,
) -> impl IntoView {
    move || {
        let period = period.get();
        let per = match period {
            BillingPeriod::Month => "/month",
            BillingPeriod::Year => "/year",
        };
        match product.prices.iter().find(|price| price.period == period) {
            Some(price) => view! {
                <p class="price">
                    <span class="price__amount">{format_amount(price.amount_minor, &price.currency)}</span>
                    <span class="price__period">{per}</span>
                    {saving
                        .filter(|_| period == BillingPeriod::Year)
                        .map(|percent| view! { <span class="badge">"Save "{percent}"%"</span> })}
                </p>
            }
            .into_any(),
            None => {
                let other = match period {
                    BillingPeriod::Month => "Billed yearly only",
                    BillingPeriod::Year => "Billed monthly only",
                };
                view! { <p class="price price--missing">{other}</p> }.into_any()
            }
        }
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite" aria-busy="true">
            <span class="spinner" aria-hidden="true"></span>
            "Loading plans…"
        </div>
        <div class="plan-grid skeleton" aria-hidden="true">
            <div class="card skeleton__card"></div>
            <div class="card skeleton__card"></div>
            <div class="card skeleton__card"></div>
        </div>
    }
}

#[component]
pub fn LoadFailed(error: ApiError, on_retry: impl Fn() + 'static) -> impl IntoView {
    view! {
        <div class="notice notice--error" role="alert">
            <h2 class="notice__title">"Plans could not be loaded"</h2>
            <p>{error.message()}</p>
            <button class="button button--primary" type="button" on:click=move |_| on_retry()>
                "Retry"
            </button>
        </div>
    }
}

#[component]
fn NothingForSale() -> impl IntoView {
    view! {
        <div class="notice">
            <h2 class="notice__title">"No plans on sale yet"</h2>
            <p>"Plans will appear here as soon as they are published. Please check back soon."</p>
        </div>
    }
}

#[component]
fn UnknownPage(slug: String) -> impl IntoView {
    view! {
        <Title text="Pricing page not found" />
        <div class="notice">
            <h2 class="notice__title">"No such pricing page"</h2>
            <p>"There is no pricing page called “"{slug}"”. The link may be old or mistyped."</p>
            <a class="button button--secondary" href="/">
                "See all plans"
            </a>
        </div>
    }
}
