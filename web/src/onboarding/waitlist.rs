//! `/waitlist`: join the waitlist with an email address, a name and the product of
//! interest (from the public catalog, the wizard's loader; `?product=slug` preselects
//! one). Both answers of `POST /api/v1/waitlist` — `added` and `already_on_list` — are
//! successes, announced in the form's status region.

use gatehouse_shared::catalog::{CatalogProduct, CatalogResponse};
use gatehouse_shared::onboarding::WaitlistRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use super::{calls, StepHeading, BASE};
use crate::browser::{focus_id, normalize_email};
use crate::form::{email_problem, server_errors, Field, FormError, FormStatus, SubmitButton};
use crate::title::Title;

/// The longest name the API keeps.
const NAME_MAX: usize = 100;

/// Every product in the catalog once, in the order its pages list them (plans first).
pub fn products(catalog: &CatalogResponse) -> Vec<&CatalogProduct> {
    let mut seen: Vec<&CatalogProduct> = Vec::new();
    for product in catalog.pages.iter().flat_map(|page| &page.products) {
        if !seen.iter().any(|p| p.slug == product.slug) {
            seen.push(product);
        }
    }
    seen
}

/// Why a name cannot be sent as it is, if it cannot (it is optional).
pub fn name_problem(name: &str) -> Option<String> {
    (name.trim().chars().count() > NAME_MAX).then(|| "Use at most 100 characters.".to_owned())
}

#[component]
pub fn WaitlistPage() -> impl IntoView {
    let wanted = use_query_map().with_untracked(|query| {
        query
            .get("product")
            .map(|slug| slug.trim().to_owned())
            .unwrap_or_default()
    });
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let product = RwSignal::new(wanted);
    let email_error = RwSignal::new(None::<String>);
    let name_error = RwSignal::new(None::<String>);
    let product_error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let (catalog, fetch) = calls::load_catalog();

    let recheck = move || {
        if email_error.with_untracked(Option::is_some) {
            email_error.set(email_problem(&email.get_untracked()));
        }
        name_error.set(name_problem(&name.get_untracked()));
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        status.set(None);
        email_error.set(email_problem(&email.get_untracked()));
        name_error.set(name_problem(&name.get_untracked()));
        if let Some(first) = [("email", email_error), ("name", name_error)]
            .into_iter()
            .find(|(_, error)| error.with_untracked(Option::is_some))
        {
            focus_id(first.0);
            return;
        }
        let chosen = product.get_untracked();
        let body = WaitlistRequest {
            email: normalize_email(&email.get_untracked()).unwrap_or_default(),
            name: name.get_untracked().trim().to_owned(),
            product: (!chosen.is_empty()).then_some(chosen),
        };
        pending.set(true);
        spawn_local(async move {
            let answer = calls::join_waitlist(&body).await;
            _ = pending.try_set(false);
            match answer {
                Ok(joined) => {
                    _ = status.try_set(Some(joined.message));
                }
                Err(error) => {
                    let labels = [("email", "Email"), ("name", "Name"), ("product", "Product")];
                    let (inline, summary) = server_errors(&error, &labels);
                    for (field, signal) in [
                        ("email", email_error),
                        ("name", name_error),
                        ("product", product_error),
                    ] {
                        if let Some(message) = inline.get(field) {
                            _ = signal.try_set(Some(message.clone()));
                        }
                    }
                    _ = form_error.try_set(Some(summary));
                }
            }
        });
    };

    view! {
        <Title text="Join the waitlist" />
        <div class="container auth-page">
            <section class="card auth-card" aria-labelledby="waitlist-title">
                <header class="auth-card__head">
                    <StepHeading id="waitlist-title">"Join the waitlist"</StepHeading>
                    <p class="auth-card__lead">
                        "Leave your address and we’ll email you as soon as there is a place for you."
                    </p>
                </header>
                <form class="form" novalidate on:submit=on_submit>
                    <Field
                        name="email"
                        label="Email"
                        value=email
                        error=email_error
                        on_input=recheck
                        input_type="email"
                        autocomplete="email"
                        verbatim=true
                    />
                    <Field
                        name="name"
                        label="Name"
                        value=name
                        error=name_error
                        on_input=recheck
                        autocomplete="name"
                        optional=true
                    />
                    {move || catalog.with(|answer| match answer {
                        None => view! {
                            <p class="loading" role="status">
                                <span class="spinner" aria-hidden="true"></span>"Loading products…"
                            </p>
                        }.into_any(),
                        Some(Ok(catalog)) => {
                            product_select(catalog, product, product_error).into_any()
                        }
                        Some(Err(error)) => view! {
                            <div class="form-error" role="alert">
                                <p>"Products could not be loaded: "{error.message()}</p>
                                <button class="button button--secondary button--small" type="button" on:click=move |_| fetch()>
                                    "Retry"
                                </button>
                            </div>
                        }.into_any(),
                    })}
                    <FormStatus message=Signal::from(status) />
                    <FormError message=Signal::from(form_error) />
                    <SubmitButton pending=Signal::from(pending) label="Join the waitlist" busy_label="Joining…" />
                </form>
                <p class="auth-card__switch">
                    "Ready now? "<a href=BASE>"Sign up"</a>
                </p>
            </section>
        </div>
    }
}

/// The optional product of interest; a preselected slug the catalog lacks is dropped.
fn product_select(
    catalog: &CatalogResponse,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let offered = products(catalog);
    let current = value.get_untracked();
    if !offered.iter().any(|p| p.slug == current) {
        value.set(String::new());
    }
    let options = offered
        .into_iter()
        .map(|p| {
            let selected = p.slug == current;
            view! { <option value=p.slug.clone() selected=selected>{p.name.clone()}</option> }
        })
        .collect_view();
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for="product">
                "Product you are interested in"
                <span class="field__optional">" (optional)"</span>
            </label>
            <select
                class="field__input"
                id="product"
                name="product"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=move || error.with(Option::is_some).then_some("product-error")
                on:change=move |event| {
                    value.set(event_target_value(&event));
                    error.set(None);
                }
            >
                <option value="" selected=current.is_empty()>"No preference"</option>
                {options}
            </select>
            <p class="field__error" id="product-error" hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_optional_and_bounded() {
        assert_eq!(name_problem(""), None);
        assert_eq!(name_problem(&"a".repeat(100)), None);
        assert!(name_problem(&"a".repeat(101)).is_some());
    }

    fn product(id: u8, slug: &str) -> serde_json::Value {
        serde_json::json!({
            "id": format!("00000000-0000-0000-0000-0000000000{id:02}"),
            "slug": slug, "name": slug, "description": "", "kind": "plan",
            "parent_slug": null, "needs_instance": false, "entitlements": [],
            "prices": [], "yearly_savings_percent": null,
        })
    }

    #[test]
    fn each_product_is_offered_once_in_page_order() {
        let catalog: CatalogResponse = serde_json::from_value(serde_json::json!({"pages": [
            {"slug": "default", "products": [product(1, "starter"), product(2, "team")]},
            {"slug": "business", "products": [product(2, "team"), product(3, "business")]},
        ]}))
        .expect("a catalog");
        let slugs: Vec<&str> = products(&catalog).iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["starter", "team", "business"]);
    }
}
