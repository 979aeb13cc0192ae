//! Step 3, `/onboarding/storage`: how many units of each storage add-on the chosen plan
//! offers (0–100 each). Plans without storage skip it.

use gatehouse_shared::catalog::{CatalogResponse, ProductKind};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::wizard::{extras, Step, Wizard, MAX_STORAGE};
use super::{calls, redirect_if_missing, store, StepHeading, StepIndicator};
use crate::pricing::{LoadFailed, Loading, Price};
use crate::title::Title;

/// Units as typed: a whole number from 0 to 100, else why not.
pub fn units_problem(text: &str) -> Result<u32, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    match text.parse::<u32>() {
        Ok(units) if units <= MAX_STORAGE => Ok(units),
        _ => Err("Enter a whole number from 0 to 100."),
    }
}

#[component]
pub fn StorageStep() -> impl IntoView {
    if redirect_if_missing(Step::Storage) {
        return ().into_any();
    }
    let (catalog, fetch) = calls::load_catalog();
    let state = RwSignal::new(store::wizard());
    let navigate = use_navigate();
    // Nothing to choose: on to the account.
    Effect::new(move |_| {
        if let Some(Ok(catalog)) = catalog.get() {
            let empty = state.with_untracked(|state| {
                extras(
                    &catalog,
                    state.plan.as_deref().unwrap_or_default(),
                    ProductKind::StorageAddOn,
                    state.period(),
                )
                .is_empty()
            });
            if empty {
                store::update_wizard(|state| state.storage_done = true);
                navigate(Step::Account.path(), Default::default());
            }
        }
    });
    let errors = RwSignal::new(0_usize);
    let navigate = use_navigate();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if errors.get_untracked() > 0 {
            return;
        }
        state.update(|state| state.storage_done = true);
        state.with_untracked(store::save_wizard);
        navigate(Step::Account.path(), Default::default());
    };

    view! {
        <Title text="Add storage" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="storage-title">
                <header class="auth-card__head">
                    <StepIndicator step=3 />
                    <StepHeading id="storage-title">"Add storage"</StepHeading>
                    <p class="auth-card__lead">"Extra storage is sold by the unit. Leave 0 for none."</p>
                </header>
                <form class="form" novalidate on:submit=on_submit>
                    {move || catalog.with(|answer| match answer {
                        None => view! { <Loading /> }.into_any(),
                        Some(Ok(catalog)) => {
                            view! { <StorageFields catalog=catalog.clone() state errors /> }.into_any()
                        }
                        Some(Err(error)) => {
                            view! { <LoadFailed error=error.clone() on_retry=fetch /> }.into_any()
                        }
                    })}
                    <p class="wizard-nav">
                        <a class="button button--secondary" href=Step::Plan.path()>
                            "Back"
                        </a>
                        <button class="button button--primary" type="submit">
                            "Continue"
                        </button>
                    </p>
                </form>
            </section>
        </div>
    }
    .into_any()
}

#[component]
fn StorageFields(
    catalog: CatalogResponse,
    state: RwSignal<Wizard>,
    errors: RwSignal<usize>,
) -> impl IntoView {
    let (plan, period) = state.with_untracked(|state| (state.plan.clone(), state.period()));
    let products = extras(
        &catalog,
        plan.as_deref().unwrap_or_default(),
        ProductKind::StorageAddOn,
        period,
    );
    products
        .into_iter()
        .map(|product| {
            let id = format!("units-{}", product.slug);
            let error_id = format!("{id}-error");
            let slug = product.slug.clone();
            let text = RwSignal::new(state.with_untracked(|state| state.units(&slug)).to_string());
            let error = RwSignal::new(None::<&'static str>);
            view! {
                <div class="field" class:field--invalid=move || error.get().is_some()>
                    <label class="field__label" for=id.clone()>
                        {product.name.clone()}" (units)"
                    </label>
                    <Price product=product.clone() period=RwSignal::new(period) />
                    <input
                        class="field__input"
                        id=id
                        name="units"
                        type="number"
                        inputmode="numeric"
                        min="0"
                        max="100"
                        step="1"
                        aria-invalid=move || error.get().map(|_| "true")
                        aria-describedby=error_id.clone()
                        prop:value=move || text.get()
                        on:input=move |event| {
                            let value = event_target_value(&event);
                            let was_wrong = error.get_untracked().is_some();
                            match units_problem(&value) {
                                Ok(units) => {
                                    state.update(|state| state.set_units(&slug, units));
                                    state.with_untracked(store::save_wizard);
                                    error.set(None);
                                    if was_wrong {
                                        errors.update(|n| *n -= 1);
                                    }
                                }
                                Err(problem) => {
                                    error.set(Some(problem));
                                    if !was_wrong {
                                        errors.update(|n| *n += 1);
                                    }
                                }
                            }
                            text.set(value);
                        }
                    />
                    <p class="field__error" id=error_id hidden=move || error.get().is_none()>
                        {move || error.get()}
                    </p>
                </div>
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_whole_numbers_up_to_a_hundred() {
        assert_eq!(units_problem(""), Ok(0));
        assert_eq!(units_problem(" 2 "), Ok(2));
        assert_eq!(units_problem("100"), Ok(100));
        assert!(units_problem("101").is_err());
        assert!(units_problem("-1").is_err());
        assert!(units_problem("1.5").is_err());
    }
}
