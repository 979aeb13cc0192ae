//! `/admin/catalog`: the products by kind (plans, add-ons, storage add-ons), each with its
//! prices (active or retired, and whether Stripe has them yet) and entitlements; "Add
//! product", and per product "Edit" (a new amount retires the period's old price),
//! "Terms" for plans (credits, overage, free trial) and "Retire"/"Reactivate" (asked
//! first). Below, the entitlement keys products grant: added, and relabelled (a key never
//! changes, tokens carry it). Every form checks the API's rules before sending and shows
//! the API's own field errors beside the fields; a role that may not change the catalog
//! reads the API's reason. Stripe follows each change by a job.

use gatehouse_shared::admin_catalog::{
    AdminEntitlement, AdminPrice, AdminProduct, EntitlementInput, NewProduct, PriceInput,
    ProductPatch,
};
use gatehouse_shared::catalog::{format_amount, BillingPeriod, ProductKind};
use gatehouse_shared::ids::ProductId;
use gatehouse_shared::plans::PlanTerms;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AdminPage, InputField, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::billing::format::period_name;
use crate::browser::focus_id;
use crate::form::{
    server_errors, Checkbox, FieldErrors, FormError, FormStatus, Select, SubmitButton,
};

/// The largest price the API takes, in minor units.
const MAX_AMOUNT_MINOR: i64 = 100_000_000;

/// The kinds as the add form offers them.
const KINDS: [(&str, &str); 3] = [
    ("plan", "Plan"),
    ("add_on", "Add-on"),
    ("storage_add_on", "Storage add-on"),
];

/// A kind's section heading.
pub fn kind_title(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Plan => "Plans",
        ProductKind::AddOn => "Add-ons",
        ProductKind::StorageAddOn => "Storage add-ons",
    }
}

/// An amount as typed (`29`, `29.5`, `29.00`) in minor units: at most two decimals,
/// 0 to 1,000,000.00.
pub fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, cents) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(cents) || cents.len() > 2 || whole.len() > 9 {
        return None;
    }
    let cents = format!("{cents:0<2}").parse::<i64>().ok()?;
    let minor = whole.parse::<i64>().ok()? * 100 + cents;
    (minor <= MAX_AMOUNT_MINOR).then_some(minor)
}

/// Why a product slug is refused (the API's rule), if it is.
pub fn slug_problem(slug: &str) -> Option<String> {
    let ok = (1..=63).contains(&slug.len())
        && slug
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (!ok).then(|| "Use 1 to 63 lower-case letters, digits and hyphens.".to_owned())
}

/// Why an entitlement key is refused (`^[a-z0-9][a-z0-9_]{0,62}$`), if it is.
pub fn key_problem(key: &str) -> Option<String> {
    let ok = (1..=63).contains(&key.len())
        && key
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (!ok).then(|| {
        "Use 1 to 63 lower-case letters, digits and underscores, starting with a letter or digit."
            .to_owned()
    })
}

/// Why a name or label is refused (1 to 120 characters), if it is.
pub fn text_problem(what: &str, text: &str) -> Option<String> {
    let length = text.trim().chars().count();
    (!(1..=120).contains(&length)).then(|| format!("Enter {what}, at most 120 characters."))
}

/// The prices as typed: an amount per period (empty: none) in one currency. Errors by
/// the form's fields (`month_amount`, `year_amount`, `currency`); `required`: at least
/// one price.
pub fn price_inputs(
    month: &str,
    year: &str,
    currency: &str,
    required: bool,
) -> Result<Vec<PriceInput>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let currency = currency.trim().to_ascii_lowercase();
    let mut prices = Vec::new();
    for (field, period, text) in [
        ("month_amount", BillingPeriod::Month, month),
        ("year_amount", BillingPeriod::Year, year),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        match parse_amount(text) {
            Some(amount_minor) => prices.push(PriceInput {
                period,
                amount_minor,
                currency: currency.clone(),
            }),
            None => {
                errors.insert(
                    field,
                    "Enter an amount such as 29.00 (at most 1000000.00).".into(),
                );
            }
        }
    }
    if required && prices.is_empty() && errors.is_empty() {
        errors.insert("month_amount", "Enter a monthly or a yearly price.".into());
    }
    if !prices.is_empty()
        && (currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()))
    {
        errors.insert(
            "currency",
            "Enter the currency's three letters, such as eur.".into(),
        );
    }
    if errors.is_empty() {
        Ok(prices)
    } else {
        Err(errors)
    }
}

/// The API's name of a price's field (`prices[1].amount_minor`) as the form's field
/// (`year_amount`), by the period of the price sent at that place.
pub fn price_field(name: &str, prices: &[PriceInput]) -> Option<&'static str> {
    let amount_of = |period| match period {
        BillingPeriod::Month => "month_amount",
        BillingPeriod::Year => "year_amount",
    };
    if name == "prices" {
        return Some("month_amount");
    }
    let (index, what) = name.strip_prefix("prices[")?.split_once("].")?;
    let price = prices.get(index.parse::<usize>().ok()?)?;
    match what {
        "currency" => Some("currency"),
        _ => Some(amount_of(price.period)),
    }
}

/// `error` with the fields of its prices named as the form names them.
fn with_price_fields(error: &ApiError, prices: &[PriceInput]) -> ApiError {
    let mut error = error.clone();
    if let ApiError::Api { fields, .. } = &mut error {
        *fields = std::mem::take(fields)
            .into_iter()
            .map(|(name, message)| match price_field(&name, prices) {
                Some(field) => (field.to_owned(), message),
                None => (name, message),
            })
            .collect();
    }
    error
}

/// A plan's terms as typed, checked against the API's ranges. Errors by field.
pub fn check_terms(
    monthly_credits: &str,
    overage_limit: &str,
    trial_days: &str,
    trial_credits: &str,
) -> Result<PlanTerms, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut number = |name: &'static str, text: &str, most: i64, what: &str| {
        let parsed = text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=most).contains(n));
        if parsed.is_none() {
            errors.insert(
                name,
                format!("Enter {what}, a whole number from 0 to {most}."),
            );
        }
        parsed.unwrap_or_default()
    };
    let terms = PlanTerms {
        monthly_credits: number(
            "monthly_credits",
            monthly_credits,
            1_000_000,
            "the monthly credits",
        ),
        overage_limit: number(
            "overage_limit",
            overage_limit,
            1_000_000,
            "the overage limit",
        ),
        trial_days: number("trial_days", trial_days, 90, "the trial's days") as i32,
        trial_credits: number(
            "trial_credits",
            trial_credits,
            1_000_000,
            "the trial credits",
        ),
    };
    if errors.is_empty() {
        Ok(terms)
    } else {
        Err(errors)
    }
}

/// A price in words: `Monthly 29.00 EUR`.
fn price_text(price: &AdminPrice) -> String {
    format!(
        "{} {}",
        period_name(price.period),
        format_amount(price.amount_minor, &price.currency)
    )
}

/// Sets each field's inline error from `found` (by the form's field names).
fn show_errors(
    fields: &[(&'static str, &str)],
    errors: &[RwSignal<Option<String>>],
    found: &FieldErrors,
) {
    for ((field, _), error) in fields.iter().zip(errors) {
        error.set(found.get(field).cloned());
    }
}

/// Moves focus to the first field of `fields` with an error (ids `{prefix}-{field}`);
/// whether there was one.
fn focus_first_error(prefix: &str, fields: &[(&'static str, &str)], found: &FieldErrors) -> bool {
    match fields.iter().find(|(field, _)| found.contains_key(field)) {
        Some((field, _)) => {
            focus_id(&format!("{prefix}-{field}"));
            true
        }
        None => false,
    }
}

#[component]
pub fn CatalogRoute() -> impl IntoView {
    view! {
        <AdminPage title="Catalog">
            <Catalog />
        </AdminPage>
    }
}

/// What a product's open panel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    Edit,
    Terms,
    /// Retiring or reactivating, being confirmed.
    Active,
}

/// The catalog as read.
#[derive(Debug, Clone)]
struct Loaded {
    products: Vec<AdminProduct>,
    entitlements: Vec<AdminEntitlement>,
}

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Page {
    auth: Auth,
    data: RwSignal<Option<Result<Loaded, ApiError>>>,
    open: RwSignal<Option<(ProductId, Panel)>>,
    status: RwSignal<Option<String>>,
}

impl Page {
    fn read(self) {
        self.data.set(None);
        spawn_local(async move {
            let answer = async {
                let products = self
                    .auth
                    .call(|api| async move { api.catalog_products().await })
                    .await?
                    .products;
                let entitlements = self
                    .auth
                    .call(|api| async move { api.catalog_entitlements().await })
                    .await?
                    .entitlements;
                Ok(Loaded {
                    products,
                    entitlements,
                })
            }
            .await;
            _ = self.data.try_set(Some(answer));
        });
    }

    /// Puts `product` in the list, in place of the one with its id or at the end, and
    /// reads the entitlements again (the products granting each may have changed).
    fn keep(self, product: AdminProduct) {
        self.data.update(|data| {
            if let Some(Ok(data)) = data {
                match data
                    .products
                    .iter_mut()
                    .find(|known| known.id == product.id)
                {
                    Some(known) => *known = product,
                    None => data.products.push(product),
                }
            }
        });
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.catalog_entitlements().await })
                .await;
            if let Ok(list) = answer {
                _ = self.data.try_update(|data| {
                    if let Some(Ok(data)) = data {
                        data.entitlements = list.entitlements;
                    }
                });
            }
        });
    }

    /// Puts `entitlement` in the list, in place of the one with its key or in key order.
    fn keep_entitlement(self, entitlement: AdminEntitlement) {
        self.data.update(|data| {
            if let Some(Ok(data)) = data {
                let list = &mut data.entitlements;
                match list.iter_mut().find(|known| known.key == entitlement.key) {
                    Some(known) => *known = entitlement,
                    None => {
                        let at = list.partition_point(|known| known.key < entitlement.key);
                        list.insert(at, entitlement);
                    }
                }
            }
        });
    }

    /// The entitlement keys with their labels.
    fn keys(self) -> Vec<(String, String)> {
        self.data.with_untracked(|data| match data {
            Some(Ok(data)) => data
                .entitlements
                .iter()
                .map(|e| (e.key.clone(), e.label.clone()))
                .collect(),
            _ => Vec::new(),
        })
    }
}

#[component]
fn Catalog() -> impl IntoView {
    let page = Page {
        auth: use_auth(),
        data: RwSignal::new(None),
        open: RwSignal::new(None),
        status: RwSignal::new(None),
    };
    page.read();
    let loaded = Memo::new(move |_| page.data.with(|data| matches!(data, Some(Ok(_)))));

    view! {
        <header class="account__intro">
            <h1>"Catalog"</h1>
            <p class="lead">
                "What Gatehouse sells. Changes reach Stripe shortly after saving; retired products and prices stay with the subscriptions that have them."
            </p>
        </header>
        <FormStatus message=page.status.into() />
        {move || page.data.with(|data| match data {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading the catalog…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <LoadError what="The catalog" error=error.clone() retry=move || page.read() />
            }
            .into_any(),
            Some(Ok(_)) => ().into_any(),
        })}
        {move || loaded.get().then(|| {
            ProductKind::ALL
                .into_iter()
                .map(|kind| view! { <KindSection page kind /> })
                .collect_view()
        })}
        {move || loaded.get().then(|| view! {
            <AddProduct page />
            <Entitlements page />
        })}
    }
}

/// The products of one kind.
#[component]
fn KindSection(page: Page, kind: ProductKind) -> impl IntoView {
    let title_id = format!("kind-{}", kind.as_str());
    let ids = Memo::new(move |_| {
        page.data.with(|data| match data {
            Some(Ok(data)) => data
                .products
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| p.id)
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let labelled_by = title_id.clone();
    view! {
        <section class="card account__card" aria-labelledby=labelled_by>
            <h2 id=title_id class="account__title">{kind_title(kind)}</h2>
            {move || ids.with(Vec::is_empty).then(|| view! {
                <p class="account__text">"None yet."</p>
            })}
            <ul class="admin-list" role="list">
                <For each=move || ids.get() key=|id| *id let:id>
                    <ProductItem page id />
                </For>
            </ul>
        </section>
    }
}

/// One product: its name, flags, slug and Stripe id, entitlements, prices, and actions.
#[component]
fn ProductItem(page: Page, id: ProductId) -> impl IntoView {
    let product = Memo::new(move |_| {
        page.data.with(|data| match data {
            Some(Ok(data)) => data.products.iter().find(|p| p.id == id).cloned(),
            _ => None,
        })
    });
    move || {
        product.get().map(|product| {
            let name = product.name.clone();
            let is_open = move |panel| page.open.get() == Some((id, panel));
            let any_open = move || page.open.with(|open| open.is_some_and(|(of, _)| of == id));
            let open = move |panel, focus: String| {
                move |_| {
                    page.status.set(None);
                    page.open.set(Some((id, panel)));
                    focus_id(&focus);
                }
            };
            let stripe = product
                .stripe_product_id
                .clone()
                .unwrap_or_else(|| "not in Stripe yet".to_owned());
            let entitlements = if product.entitlements.is_empty() {
                "none".to_owned()
            } else {
                product.entitlements.join(", ")
            };
            let is_plan = product.kind == ProductKind::Plan;
            let active = product.active;
            let for_edit = product.clone();
            let for_active = product.clone();
            let hidden_name = move || view! { <span class="visually-hidden">" "{name.clone()}</span> };
            view! {
                <li class="admin-list__item catalog__product" class:catalog__product--retired=!active>
                    <div class="account__head">
                        <h3 id=format!("product-{id}") class="card__title admin-list__title" tabindex="-1">
                            {product.name.clone()}
                        </h3>
                        <span class="instance__flags">
                            <span class="tag" class:tag--warning=!active>
                                {if active { "Active" } else { "Retired" }}
                            </span>
                            {product.needs_instance.then(|| view! { <span class="tag">"Needs an instance"</span> })}
                        </span>
                    </div>
                    <p class="admin-list__meta">
                        <code>{product.slug.clone()}</code>
                        {product.parent_slug.clone().map(|parent| view! { " · for " <code>{parent}</code> })}
                        " · order "{product.display_order}" · Stripe: "{stripe}
                    </p>
                    {(!product.description.is_empty()).then(|| view! {
                        <p class="account__text">{product.description.clone()}</p>
                    })}
                    <p class="admin-list__meta">"Entitlements: "{entitlements}</p>
                    <ul class="catalog__prices" role="list" aria-label=format!("Prices of {}", product.name)>
                        {product.prices.is_empty().then(|| view! { <li>"No prices."</li> })}
                        {product.prices.iter().map(|price| view! {
                            <li class:catalog__price--retired=!price.active>
                                <strong>{price_text(price)}</strong>
                                " "
                                <span class="tag" class:tag--warning=!price.active>
                                    {if price.active { "Active" } else { "Retired" }}
                                </span>
                                " "
                                <code class="admin-table__small">
                                    {price.stripe_price_id.clone().unwrap_or_else(|| "not in Stripe yet".to_owned())}
                                </code>
                            </li>
                        }).collect_view()}
                    </ul>
                    <div class="account__actions" hidden=any_open>
                        <button
                            id=format!("edit-{id}")
                            class="button button--secondary button--small"
                            type="button"
                            on:click=open(Panel::Edit, "edit-name".to_owned())
                        >
                            "Edit"{hidden_name()}
                        </button>
                        {is_plan.then(|| view! {
                            <button
                                id=format!("terms-{id}")
                                class="button button--secondary button--small"
                                type="button"
                                on:click=open(Panel::Terms, format!("terms-title-{id}"))
                            >
                                "Terms"{hidden_name()}
                            </button>
                        })}
                        <button
                            id=format!("active-{id}")
                            class=if active { "button button--danger-outline button--small" } else { "button button--secondary button--small" }
                            type="button"
                            on:click=open(Panel::Active, format!("active-title-{id}"))
                        >
                            {if active { "Retire" } else { "Reactivate" }}{hidden_name()}
                        </button>
                        <a
                            class="button button--secondary button--small"
                            href=format!("/admin/audit?target_type=product&target_id={id}")
                        >
                            "History"<span class="visually-hidden">" of "{product.name.clone()}</span>
                        </a>
                    </div>
                    {move || is_open(Panel::Edit).then(|| view! { <EditProduct page product=for_edit.clone() /> })}
                    {move || is_open(Panel::Terms).then(|| view! { <Terms page id /> })}
                    {move || is_open(Panel::Active).then(|| view! { <ConfirmActive page product=for_active.clone() /> })}
                </li>
            }
        })
    }
}

/// Closes `id`'s panel and gives focus back to the button that opened it.
fn close(page: Page, id: ProductId, button: &str) {
    page.open.set(None);
    focus_id(&format!("{button}-{id}"));
}

/// The entitlement keys as checkboxes (ids `{prefix}-entitlement-{key}`), in a group.
#[component]
fn EntitlementChoices(
    prefix: &'static str,
    keys: Vec<(String, String)>,
    chosen: RwSignal<Vec<String>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{prefix}-entitlements-error");
    let described_by = error_id.clone();
    view! {
        <fieldset
            id=format!("{prefix}-entitlements")
            class="field catalog__choices"
            class:field--invalid=move || error.with(Option::is_some)
            tabindex="-1"
            aria-describedby=described_by
        >
            <legend class="field__label">"Entitlements"<span class="field__optional">" (optional)"</span></legend>
            {keys.is_empty().then(|| view! { <p class="field__hint">"There are no entitlement keys yet; add them below."</p> })}
            {keys
                .into_iter()
                .map(|(key, label)| {
                    let id = format!("{prefix}-entitlement-{key}");
                    let has = key.clone();
                    view! {
                        <div class="check">
                            <input
                                class="check__input"
                                type="checkbox"
                                id=id.clone()
                                prop:checked=move || chosen.with(|keys| keys.contains(&has))
                                on:change=move |event| {
                                    let on = event_target_checked(&event);
                                    chosen.update(|keys| {
                                        keys.retain(|k| *k != key);
                                        if on {
                                            keys.push(key.clone());
                                        }
                                    });
                                }
                            />
                            <label class="check__label" for=id>{label}</label>
                        </div>
                    }
                })
                .collect_view()}
            <p class="field__error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </fieldset>
    }
}

/// The three price fields (ids `{prefix}-month_amount`, …).
#[component]
fn PriceFields(
    prefix: &'static str,
    month: RwSignal<String>,
    year: RwSignal<String>,
    currency: RwSignal<String>,
    errors: [RwSignal<Option<String>>; 3],
    hint: &'static str,
) -> impl IntoView {
    view! {
        <div class="instance__caps">
            <InputField id=format!("{prefix}-month_amount") label="Monthly price" value=month error=errors[0] inputmode="decimal" optional=true hint=hint />
            <InputField id=format!("{prefix}-year_amount") label="Yearly price" value=year error=errors[1] inputmode="decimal" optional=true />
            <InputField id=format!("{prefix}-currency") label="Currency" value=currency error=errors[2] hint="Three letters, such as eur." />
        </div>
    }
}

/// "Edit": name, description, order, instance, entitlements and new prices, `PATCH`ed.
#[component]
fn EditProduct(page: Page, product: AdminProduct) -> impl IntoView {
    let id = product.id;
    const FIELDS: [(&str, &str); 7] = [
        ("name", "Name"),
        ("description", "Description"),
        ("display_order", "Display order"),
        ("entitlements", "Entitlements"),
        ("month_amount", "Monthly price"),
        ("year_amount", "Yearly price"),
        ("currency", "Currency"),
    ];
    let name = RwSignal::new(product.name.clone());
    let description = RwSignal::new(product.description.clone());
    let order = RwSignal::new(product.display_order.to_string());
    let needs_instance = RwSignal::new(product.needs_instance);
    let chosen = RwSignal::new(product.entitlements.clone());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let currency = RwSignal::new(
        product
            .prices
            .iter()
            .find(|p| p.active)
            .map_or_else(|| "eur".to_owned(), |p| p.currency.clone()),
    );
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let mut found = FieldErrors::new();
        if let Some(problem) = text_problem("a name", &name.get_untracked()) {
            found.insert("name", problem);
        }
        let display_order = order.get_untracked().trim().parse::<i32>();
        if display_order.is_err() {
            found.insert(
                "display_order",
                "Enter the display order as a whole number.".into(),
            );
        }
        let prices = price_inputs(
            &month.get_untracked(),
            &year.get_untracked(),
            &currency.get_untracked(),
            false,
        )
        .unwrap_or_else(|more| {
            found.extend(more);
            Vec::new()
        });
        show_errors(&FIELDS, &errors, &found);
        if focus_first_error("edit", &FIELDS, &found) {
            return;
        }
        let body = ProductPatch {
            name: Some(name.get_untracked().trim().to_owned()),
            description: Some(description.get_untracked().trim().to_owned()),
            display_order: display_order.ok(),
            needs_instance: Some(needs_instance.get_untracked()),
            entitlements: Some(chosen.get_untracked()),
            prices: (!prices.is_empty()).then(|| prices.clone()),
            ..ProductPatch::default()
        };
        pending.set(true);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.update_product(id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(changed) => {
                    page.status.set(Some(format!("{} saved.", changed.name)));
                    page.open.set(None);
                    page.keep(changed);
                    focus_id(&format!("product-{id}"));
                }
                Err(failure) => {
                    let (inline, summary) =
                        server_errors(&with_price_fields(&failure, &prices), &FIELDS);
                    show_errors(&FIELDS, &errors, &inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };

    let title_id = format!("edit-title-{id}");
    let labelled_by = title_id.clone();
    view! {
        <form
            class="form billing__panel"
            novalidate
            aria-labelledby=labelled_by
            on:submit=on_submit
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    close(page, id, "edit");
                }
            }
        >
            <h4 id=title_id class="billing__panel-title">"Edit "{product.name.clone()}</h4>
            <FormError message=form_error.into() />
            <InputField id="edit-name" label="Name" value=name error=errors[0] />
            <InputField id="edit-description" label="Description" value=description error=errors[1] optional=true />
            <InputField id="edit-display_order" label="Display order" value=order error=errors[2] input_type="number" inputmode="numeric" hint="Lower numbers come first." />
            <Checkbox name="edit-needs_instance" label="Buying it places the customer on an instance" checked=needs_instance />
            <EntitlementChoices prefix="edit" keys=page.keys() chosen error=errors[3] />
            <PriceFields
                prefix="edit"
                month
                year
                currency
                errors=[errors[4], errors[5], errors[6]]
                hint="A new amount for a period retires its current price; leave empty to keep it."
            />
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Save product" busy_label="Saving…" />
                <button class="button button--secondary" type="button" on:click=move |_| close(page, id, "edit")>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// "Terms" of a plan: read, then edited and `PUT`.
#[component]
fn Terms(page: Page, id: ProductId) -> impl IntoView {
    let terms = RwSignal::new(None::<Result<PlanTerms, ApiError>>);
    let read = move || {
        terms.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.plan_terms(id).await })
                .await;
            _ = terms.try_set(Some(answer));
        });
    };
    read();
    view! {
        <div
            class="billing__panel"
            role="group"
            aria-labelledby=format!("terms-title-{id}")
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    close(page, id, "terms");
                }
            }
        >
            <h4 id=format!("terms-title-{id}") class="billing__panel-title" tabindex="-1">"Terms"</h4>
            {move || terms.with(|terms| match terms {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading the terms…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError what="The terms" error=error.clone() retry=move || read() />
                }
                .into_any(),
                Some(Ok(terms)) => view! { <TermsForm page id terms=*terms /> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn TermsForm(page: Page, id: ProductId, terms: PlanTerms) -> impl IntoView {
    const FIELDS: [(&str, &str); 4] = [
        ("monthly_credits", "Monthly credits"),
        ("overage_limit", "Overage limit"),
        ("trial_days", "Trial days"),
        ("trial_credits", "Trial credits"),
    ];
    let values = [
        terms.monthly_credits,
        terms.overage_limit,
        i64::from(terms.trial_days),
        terms.trial_credits,
    ]
    .map(|value| RwSignal::new(value.to_string()));
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let hints = [
        "Granted each paid month; 0 to 1000000.",
        "How far below zero usage may go; 0 to 1000000.",
        "0: no free trial; at most 90.",
        "Granted when the trial starts; 0 to 1000000.",
    ];

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let [monthly, overage, days, credits] = values.map(|v| v.get_untracked());
        let body = match check_terms(&monthly, &overage, &days, &credits) {
            Ok(body) => body,
            Err(found) => {
                show_errors(&FIELDS, &errors, &found);
                focus_first_error("terms", &FIELDS, &found);
                return;
            }
        };
        show_errors(&FIELDS, &errors, &FieldErrors::new());
        pending.set(true);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.set_plan_terms(id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(set) => {
                    page.status.set(Some(format!(
                        "Terms saved: {} credits a month, overage to {}, a {}-day trial with {} credits.",
                        set.monthly_credits, set.overage_limit, set.trial_days, set.trial_credits
                    )));
                    close(page, id, "terms");
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    show_errors(&FIELDS, &errors, &inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };

    view! {
        <form class="form" novalidate on:submit=on_submit>
            <FormError message=form_error.into() />
            <div class="instance__caps">
                {FIELDS
                    .iter()
                    .zip(errors)
                    .zip(values)
                    .zip(hints)
                    .map(|((((field, label), error), value), hint)| view! {
                        <InputField
                            id=format!("terms-{field}")
                            label=label
                            value=value
                            error=error
                            hint=hint
                            input_type="number"
                            inputmode="numeric"
                        />
                    })
                    .collect_view()}
            </div>
            <p class="field__hint">"New terms apply from each account's next period."</p>
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Save terms" busy_label="Saving…" />
                <button class="button button--secondary" type="button" on:click=move |_| close(page, id, "terms")>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// "Retire"/"Reactivate", confirmed: the question takes focus; Escape keeps things.
#[component]
fn ConfirmActive(page: Page, product: AdminProduct) -> impl IntoView {
    let id = product.id;
    let retire = product.active;
    let name = product.name.clone();
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let question = if retire {
        format!("Retire {name}? It leaves sale and its prices retire; subscriptions that have them keep them.")
    } else {
        format!("Reactivate {name}? It goes on sale again, with new prices added by Edit.")
    };
    let confirm = move |_| {
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        pending.set(true);
        let body = ProductPatch {
            active: Some(!retire),
            ..ProductPatch::default()
        };
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.update_product(id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(changed) => {
                    page.status.set(Some(format!(
                        "{} {}.",
                        changed.name,
                        if retire {
                            "is retired"
                        } else {
                            "is active again"
                        }
                    )));
                    page.open.set(None);
                    page.keep(changed);
                    focus_id(&format!("product-{id}"));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let action = if retire { "Retire" } else { "Reactivate" };
    view! {
        <div
            class="billing__panel"
            role="group"
            aria-labelledby=format!("active-title-{id}")
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    close(page, id, "active");
                }
            }
        >
            <h4 id=format!("active-title-{id}") class="billing__panel-title" tabindex="-1">{question}</h4>
            <FormError message=error.into() />
            <div class="account__actions">
                <button
                    class=if retire { "button button--danger" } else { "button button--primary" }
                    type="button"
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                    on:click=confirm
                >
                    {move || if pending.get() { "Saving…" } else { action }}
                </button>
                <button class="button button--secondary" type="button" on:click=move |_| close(page, id, "active")>
                    "Keep"
                </button>
            </div>
        </div>
    }
}

/// "Add product": slug, name, description, kind, the parent plan of an add-on, instance,
/// entitlements and prices.
#[component]
fn AddProduct(page: Page) -> impl IntoView {
    const FIELDS: [(&str, &str); 9] = [
        ("slug", "Slug"),
        ("name", "Name"),
        ("description", "Description"),
        ("kind", "Kind"),
        ("parent_slug", "Plan"),
        ("entitlements", "Entitlements"),
        ("month_amount", "Monthly price"),
        ("year_amount", "Yearly price"),
        ("currency", "Currency"),
    ];
    let slug = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let kind = RwSignal::new("plan".to_owned());
    let parent = RwSignal::new(String::new());
    let needs_instance = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<String>::new());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let currency = RwSignal::new("eur".to_owned());
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let plans = Memo::new(move |_| {
        page.data.with(|data| match data {
            Some(Ok(data)) => data
                .products
                .iter()
                .filter(|p| p.kind == ProductKind::Plan && p.active)
                .map(|p| (p.slug.clone(), p.name.clone()))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let keys = Memo::new(move |_| page.data.with(|_| page.keys()));
    let is_add_on = move || kind.get() != "plan";
    let parent_error = errors[4];

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let mut found = FieldErrors::new();
        if let Some(problem) = slug_problem(slug.get_untracked().trim()) {
            found.insert("slug", problem);
        }
        if let Some(problem) = text_problem("a name", &name.get_untracked()) {
            found.insert("name", problem);
        }
        let kind = ProductKind::parse(&kind.get_untracked()).unwrap_or(ProductKind::Plan);
        let parent_slug = (kind != ProductKind::Plan).then(|| parent.get_untracked());
        if parent_slug.as_deref().is_some_and(str::is_empty) {
            found.insert("parent_slug", "Choose the plan the add-on extends.".into());
        }
        let prices = price_inputs(
            &month.get_untracked(),
            &year.get_untracked(),
            &currency.get_untracked(),
            true,
        )
        .unwrap_or_else(|more| {
            found.extend(more);
            Vec::new()
        });
        show_errors(&FIELDS, &errors, &found);
        if focus_first_error("new", &FIELDS, &found) {
            return;
        }
        let body = NewProduct {
            slug: slug.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            description: description.get_untracked().trim().to_owned(),
            kind,
            pricing_page: "default".to_owned(),
            display_order: 0,
            parent_slug,
            needs_instance: needs_instance.get_untracked(),
            entitlements: chosen.get_untracked(),
            prices: prices.clone(),
        };
        pending.set(true);
        page.status.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.create_product(&body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(created) => {
                    page.status.set(Some(format!("{} added.", created.name)));
                    let id = created.id;
                    page.keep(created);
                    for text in [slug, name, description, month, year] {
                        text.set(String::new());
                    }
                    chosen.set(Vec::new());
                    focus_id(&format!("product-{id}"));
                }
                Err(failure) => {
                    let (inline, summary) =
                        server_errors(&with_price_fields(&failure, &prices), &FIELDS);
                    show_errors(&FIELDS, &errors, &inline);
                    form_error.set(Some(summary));
                    focus_first_error("new", &FIELDS, &inline);
                }
            }
        });
    };

    view! {
        <section class="card account__card" aria-labelledby="add-product-title">
            <h2 id="add-product-title" class="account__title">"Add product"</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <InputField id="new-slug" label="Slug" value=slug error=errors[0] hint="Lower-case letters, digits and hyphens; it never changes." />
                <InputField id="new-name" label="Name" value=name error=errors[1] />
                <InputField id="new-description" label="Description" value=description error=errors[2] optional=true />
                <Select id="new-kind" name="kind" label="Kind" choices=&KINDS value=kind error=errors[3] />
                {move || is_add_on().then(|| view! {
                    <div class="field" class:field--invalid=move || parent_error.with(Option::is_some)>
                        <label class="field__label" for="new-parent_slug">"Plan"</label>
                        <select
                            class="field__input"
                            id="new-parent_slug"
                            aria-invalid=move || parent_error.with(Option::is_some).then_some("true")
                            aria-describedby="new-parent_slug-hint new-parent_slug-error"
                            on:change=move |event| {
                                parent_error.set(None);
                                parent.set(event_target_value(&event));
                            }
                        >
                            <option value="" prop:selected=move || parent.with(String::is_empty)>"Choose a plan"</option>
                            {plans.get().into_iter().map(|(slug, name)| {
                                let this = slug.clone();
                                view! {
                                    <option value=slug prop:selected=move || parent.with(|p| *p == this)>{name}</option>
                                }
                            }).collect_view()}
                        </select>
                        <p class="field__hint" id="new-parent_slug-hint">"The plan the add-on extends."</p>
                        <p class="field__error" id="new-parent_slug-error" hidden=move || parent_error.with(Option::is_none)>
                            {move || parent_error.get()}
                        </p>
                    </div>
                })}
                <Checkbox name="new-needs_instance" label="Buying it places the customer on an instance" checked=needs_instance />
                {move || view! { <EntitlementChoices prefix="new" keys=keys.get() chosen error=errors[5] /> }}
                <PriceFields
                    prefix="new"
                    month
                    year
                    currency
                    errors=[errors[6], errors[7], errors[8]]
                    hint="Such as 29.00; at least one of the two."
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Add product" busy_label="Adding…" />
                </div>
            </form>
        </section>
    }
}

/// The entitlement keys: a table (stacked on a phone) with relabelling per key, and a form
/// adding a key.
#[component]
fn Entitlements(page: Page) -> impl IntoView {
    let renaming = RwSignal::new(None::<String>);
    let list = Memo::new(move |_| {
        page.data.with(|data| match data {
            Some(Ok(data)) => data.entitlements.clone(),
            _ => Vec::new(),
        })
    });
    view! {
        <section class="card account__card" aria-labelledby="entitlements-title">
            <h2 id="entitlements-title" class="account__title">"Entitlement keys"</h2>
            <p class="account__text">"What products grant and tokens carry. A key never changes; its label may."</p>
            <table class="admin-table admin-table--stack">
                <caption class="visually-hidden">"Entitlement keys"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Label"</th>
                        <th scope="col">"Products"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || list.get() key=|e| (e.key.clone(), e.label.clone(), e.products.clone()) let:entitlement>
                        <EntitlementRow page entitlement renaming />
                    </For>
                </tbody>
            </table>
            <AddEntitlement page />
        </section>
    }
}

#[component]
fn EntitlementRow(
    page: Page,
    entitlement: AdminEntitlement,
    renaming: RwSignal<Option<String>>,
) -> impl IntoView {
    let key = entitlement.key.clone();
    let this = key.clone();
    let open = move || renaming.with(|open| open.as_deref() == Some(this.as_str()));
    let button_id = format!("rename-{key}");
    let products = if entitlement.products.is_empty() {
        "none".to_owned()
    } else {
        entitlement.products.join(", ")
    };
    let label = entitlement.label.clone();
    let start = {
        let key = key.clone();
        move |_| {
            page.status.set(None);
            renaming.set(Some(key.clone()));
            focus_id("rename-label");
        }
    };
    let open_too = open.clone();
    view! {
        <tr>
            <td data-label="Key"><code>{key.clone()}</code></td>
            <td data-label="Label" class="admin-table__wrap">
                <span hidden=open.clone()>{label.clone()}" "</span>
                <button
                    id=button_id
                    class="button button--secondary button--small"
                    type="button"
                    hidden=open.clone()
                    on:click=start
                >
                    "Rename"<span class="visually-hidden">" "{key.clone()}</span>
                </button>
                {move || open_too().then(|| view! { <RenameEntitlement page key=key.clone() label=label.clone() renaming /> })}
            </td>
            <td data-label="Products" class="admin-table__wrap">{products}</td>
        </tr>
    }
}

/// Relabels one key (`PATCH`).
#[component]
fn RenameEntitlement(
    page: Page,
    key: String,
    label: String,
    renaming: RwSignal<Option<String>>,
) -> impl IntoView {
    let value = RwSignal::new(label);
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let button = format!("rename-{key}");
    let cancel = {
        let button = button.clone();
        move || {
            renaming.set(None);
            focus_id(&button);
        }
    };
    let on_submit = {
        let key = key.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            if pending.get_untracked() {
                return;
            }
            form_error.set(None);
            let label = value.get_untracked();
            if let Some(problem) = text_problem("a label", &label) {
                error.set(Some(problem));
                focus_id("rename-label");
                return;
            }
            let body = EntitlementInput {
                key: None,
                label: label.trim().to_owned(),
            };
            let key = key.clone();
            let button = button.clone();
            pending.set(true);
            spawn_local(async move {
                let answer = page
                    .auth
                    .call(|api| async move { api.relabel_entitlement(&key, &body).await })
                    .await;
                if pending.try_set(false).is_some() {
                    return;
                }
                match answer {
                    Ok(renamed) => {
                        page.status.set(Some(format!(
                            "{} is now labelled “{}”.",
                            renamed.key, renamed.label
                        )));
                        renaming.set(None);
                        page.keep_entitlement(renamed);
                        focus_id(&button);
                    }
                    Err(failure) => {
                        let (inline, summary) = server_errors(&failure, &[("label", "Label")]);
                        error.set(inline.get("label").cloned());
                        form_error.set(Some(summary));
                    }
                }
            });
        }
    };
    let cancel_on_escape = cancel.clone();
    view! {
        <form
            class="form"
            novalidate
            aria-label=format!("Rename {key}")
            on:submit=on_submit
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    cancel_on_escape();
                }
            }
        >
            <FormError message=form_error.into() />
            <InputField id="rename-label" label="Label" value error />
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Save label" busy_label="Saving…" />
                <button class="button button--secondary button--small" type="button" on:click=move |_| cancel()>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// Adds a key (`POST`).
#[component]
fn AddEntitlement(page: Page) -> impl IntoView {
    const FIELDS: [(&str, &str); 2] = [("key", "Key"), ("label", "Label")];
    let key = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let mut found = FieldErrors::new();
        if let Some(problem) = key_problem(key.get_untracked().trim()) {
            found.insert("key", problem);
        }
        if let Some(problem) = text_problem("a label", &label.get_untracked()) {
            found.insert("label", problem);
        }
        show_errors(&FIELDS, &errors, &found);
        if focus_first_error("new-entitlement", &FIELDS, &found) {
            return;
        }
        let body = EntitlementInput {
            key: Some(key.get_untracked().trim().to_owned()),
            label: label.get_untracked().trim().to_owned(),
        };
        pending.set(true);
        page.status.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.create_entitlement(&body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(created) => {
                    page.status
                        .set(Some(format!("Entitlement {} added.", created.key)));
                    page.keep_entitlement(created);
                    key.set(String::new());
                    label.set(String::new());
                    focus_id("new-entitlement-key");
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    show_errors(&FIELDS, &errors, &inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };
    view! {
        <form class="form" novalidate aria-labelledby="add-entitlement-title" on:submit=on_submit>
            <h3 id="add-entitlement-title" class="card__title">"Add entitlement key"</h3>
            <FormError message=form_error.into() />
            <div class="instance__caps">
                <InputField id="new-entitlement-key" label="Key" value=key error=errors[0] hint="Such as priority_support; it never changes." />
                <InputField id="new-entitlement-label" label="Label" value=label error=errors[1] hint="What customers read." />
            </div>
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Add key" busy_label="Adding…" />
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_typed_in_units_and_sent_in_cents() {
        assert_eq!(parse_amount("29"), Some(2900));
        assert_eq!(parse_amount(" 29.5 "), Some(2950));
        assert_eq!(parse_amount("0.07"), Some(7));
        assert_eq!(parse_amount("1000000.00"), Some(MAX_AMOUNT_MINOR));
        for bad in ["", "1000000.01", "29.001", "-1", "2,50", ".5", "abc"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_and_keys_follow_the_apis_rules() {
        assert_eq!(slug_problem("extra-seats-2"), None);
        assert!(slug_problem("Extra").is_some());
        assert!(slug_problem("-x").is_some());
        assert!(slug_problem("x_y").is_some());
        assert_eq!(key_problem("priority_support"), None);
        assert!(key_problem("_x").is_some());
        assert!(key_problem("a-b").is_some());
        assert!(key_problem(&"a".repeat(64)).is_some());
        assert!(text_problem("a label", "  ").is_some());
        assert!(text_problem("a label", &"x".repeat(121)).is_some());
        assert_eq!(text_problem("a label", "Priority support"), None);
    }

    #[test]
    fn prices_need_an_amount_and_a_currency() {
        let prices = price_inputs("9.90", "", "EUR", true).unwrap();
        assert_eq!(prices.len(), 1);
        assert_eq!(
            (
                prices[0].period,
                prices[0].amount_minor,
                prices[0].currency.as_str()
            ),
            (BillingPeriod::Month, 990, "eur")
        );
        let errors = price_inputs("", "", "eur", true).unwrap_err();
        assert!(errors.contains_key("month_amount"));
        assert_eq!(price_inputs("", "", "", false), Ok(Vec::new()));
        let errors = price_inputs("x", "10", "euro", false).unwrap_err();
        assert!(errors.contains_key("month_amount"));
        assert!(errors.contains_key("currency"));
    }

    #[test]
    fn server_price_fields_find_their_inputs() {
        let prices = price_inputs("", "99", "eur", true).unwrap();
        assert_eq!(
            price_field("prices[0].amount_minor", &prices),
            Some("year_amount")
        );
        assert_eq!(price_field("prices[0].currency", &prices), Some("currency"));
        assert_eq!(price_field("prices[3].amount_minor", &prices), None);
        assert_eq!(price_field("prices", &prices), Some("month_amount"));
        assert_eq!(price_field("slug", &prices), None);
        let error = ApiError::Api {
            status: 422,
            code: "validation_failed".into(),
            message: "Some fields are invalid.".into(),
            fields: [(
                "prices[0].amount_minor".to_owned(),
                "must be 0 to 100000000".to_owned(),
            )]
            .into(),
        };
        assert!(with_price_fields(&error, &prices)
            .fields()
            .contains_key("year_amount"));
    }

    #[test]
    fn terms_stay_in_their_ranges() {
        let terms = check_terms("1000", "50", "14", "100").unwrap();
        assert_eq!(terms.trial_days, 14);
        assert_eq!(terms.monthly_credits, 1000);
        let errors = check_terms("1000001", "-1", "91", "x").unwrap_err();
        assert_eq!(errors.len(), 4);
        assert!(errors["trial_days"].contains("0 to 90"));
    }
}
