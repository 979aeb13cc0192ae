//! Step 2, `/onboarding/plan`: the catalog's plans, monthly or yearly.

use gatehouse_shared::catalog::{BillingPeriod, CatalogProduct, CatalogResponse, ProductKind};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::wizard::{after_plan, extras, Step, Wizard};
use super::{calls, first_name, redirect_if_missing, store, StepHeading, StepIndicator, BASE};
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
    if redirect_if_missing(Step::Plan) {
        return ().into_any();
    }
    let greeting = match first_name() {
        Some(name) => format!("{name}, choose your plan"),
        None => "Choose your plan".to_owned(),
    };
    let (catalog, fetch) = calls::load_catalog();
    let state = RwSignal::new(store::wizard());
    let period = RwSignal::new(state.with_untracked(Wizard::period));
    Effect::new(move |_| {
        let yearly = period.get() == BillingPeriod::Year;
        state.update(|state| state.yearly = yearly);
    });
    Effect::new(move |_| state.with(store::save_wizard));
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let on_continue = move |_| {
        let chosen = state.with_untracked(|state| state.plan.clone());
        let Some(Ok(catalog)) = catalog.get_untracked() else {
            return;
        };
        let known = chosen.is_some_and(|slug| plans(&catalog).iter().any(|p| p.slug == slug));
        if !known {
            error.set(Some("Choose a plan to continue.".to_owned()));
            return;
        }
        let next = state.with_untracked(|state| after_plan(&catalog, state));
        state.update(|state| {
            // Ticked add-ons that the plan or period does not sell are dropped.
            let plan = state.plan.clone().unwrap_or_default();
            let sold = extras(&catalog, &plan, ProductKind::AddOn, state.period());
            state
                .add_ons
                .retain(|slug| sold.iter().any(|p| &p.slug == slug));
            if next == Step::Account {
                state.storage.clear();
                state.storage_done = true;
            }
        });
        navigate(next.path(), Default::default());
    };

    view! {
        <Title text="Choose your plan" />
        <div class="container pricing">
            <header class="pricing__intro">
                <StepIndicator step=2 />
                <StepHeading id="plan-title">{greeting}</StepHeading>
                <p class="lead">"Switch plans or cancel whenever you like."</p>
            </header>
            {move || catalog.with(|answer| match answer {
                None => view! { <Loading /> }.into_any(),
                Some(Ok(catalog)) => {
                    view! { <PlanList catalog=catalog.clone() period state error /> }.into_any()
                }
                Some(Err(error)) => {
                    view! { <LoadFailed error=error.clone() on_retry=fetch /> }.into_any()
                }
            })}
            <div role="alert" class="form-status-region">
                {move || error.get().map(|message| view! { <p class="form-error">{message}</p> })}
            </div>
            <p class="wizard-nav">
                <a class="button button--secondary" href=BASE>
                    "Back"
                </a>
                <button
                    class="button button--primary"
                    type="button"
                    on:click=on_continue
                    disabled=move || !matches!(catalog.get(), Some(Ok(_)))
                >
                    "Continue"
                </button>
            </p>
        </div>
    }
    .into_any()
}

#[component]
fn PlanList(
    catalog: CatalogResponse,
    period: RwSignal<BillingPeriod>,
    state: RwSignal<Wizard>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let plans = plans(&catalog);
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
            let radio_id = format!("choose-{}", product.slug);
            let slug = product.slug.clone();
            let chosen = {
                let slug = slug.clone();
                move || state.with(|state| state.plan.as_deref() == Some(slug.as_str()))
            };
            let chosen_class = chosen.clone();
            let chosen_class2 = chosen.clone();
            view! {
                <article
                    class="card plan-card"
                    style:border-color=move || chosen_class().then_some("var(--accent)")
                    style:outline=move || {
                        chosen_class2().then_some("2px solid var(--accent)")
                    }
                    aria-labelledby=labelled_by
                >
                    <div class="card__head">
                        <h2 id=title_id class="card__title">
                            {product.name.clone()}
                        </h2>
                    </div>
                    <p class="card__description">{product.description.clone()}</p>
                    <Price product=product.clone() period saving=product.yearly_savings_percent />
                    <div class="check">
                        <input
                            class="check__input"
                            type="radio"
                            name="plan"
                            id=radio_id.clone()
                            prop:checked=chosen
                            on:change=move |_| {
                                state.update(|state| state.choose_plan(&slug));
                                error.set(None);
                            }
                        />
                        <label class="check__label" for=radio_id>
                            "Choose "{product.name.clone()}
                        </label>
                    </div>
                </article>
            }
        })
        .collect_view();
    let add_ons = move || {
        let (plan, period) = state.with(|state| (state.plan.clone(), state.period()));
        let plan = plan?;
        let add_ons = extras(&catalog, &plan, ProductKind::AddOn, period);
        if add_ons.is_empty() {
            return None;
        }
        let items = add_ons
            .into_iter()
            .map(|product| {
                let id = format!("add-on-{}", product.slug);
                let slug = product.slug.clone();
                let ticked = {
                    let slug = slug.clone();
                    move || state.with(|state| state.add_ons.contains(&slug))
                };
                view! {
                    <div class="card add-on-card">
                        <div class="check">
                            <input
                                class="check__input"
                                type="checkbox"
                                id=id.clone()
                                prop:checked=ticked
                                on:change=move |event| {
                                    let on = event_target_checked(&event);
                                    state.update(|state| {
                                        state.add_ons.retain(|s| s != &slug);
                                        if on {
                                            state.add_ons.push(slug.clone());
                                        }
                                    });
                                }
                            />
                            <label class="check__label" for=id>
                                {product.name.clone()}
                            </label>
                        </div>
                        <p class="card__description">{product.description.clone()}</p>
                        <Price product=product.clone() period=RwSignal::new(period) />
                    </div>
                }
            })
            .collect_view();
        Some(view! {
            <section class="plans" aria-labelledby="add-ons-title" style="margin-top:2rem">
                <h2 id="add-ons-title" style="margin-bottom:1rem">"Add-ons"</h2>
                <div class="plan-grid">{items}</div>
            </section>
        })
    };
    view! {
        <PeriodSwitch period best_saving />
        <section class="plans" aria-label="Plans">
            <div class="plan-grid" role="radiogroup" aria-label="Plan">{cards}</div>
        </section>
        {add_ons}
    }
    .into_any()
}
