//! `/admin/catalog`: the products by kind (plans, add-ons, storage add-ons), each with its
//! prices (active or retired, and whether Stripe has them yet) and entitlements; "Add
//! product", and per product "Edit" (a new amount retires the period's old price),
//! "Terms" for plans (credits, overage, free trial) and "Retire"/"Reactivate" (asked
//! first). Below, the entitlement keys products grant: added, and relabelled (a key never
//! changes, tokens carry it). Every form checks the API's rules before sending and shows
//! the API's own field errors beside the fields; a role that may not change the catalog
//! reads the API's reason. Stripe follows each change by a job. The page is in a bundle
//! of its own with the instances page ([`CatalogApp`], `web/catalog.html`): the admin
//! bundle could not hold them within its budget.

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
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use super::{AdminPage, InputField, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::billing::format::period_name;
use crate::browser::focus_id;
use crate::form::{
    server_errors, Checkbox, FieldErrors, FormError, FormStatus, Select, SubmitButton,
};
use crate::shell::{provide_site, NotFound, Site};

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

/// This bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const BUNDLE: &str = "catalog";

/// The catalog bundle's app: what is sold (`/admin/catalog`) and where it runs
/// (`/admin/instances`, [`super::instances`]), in the admin area's frame; every other
/// path is handed to the bundle that owns it.
#[component]
pub fn CatalogApp() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <Routes fallback=|| view! { <NotFound bundle=BUNDLE /> }>
                    <Route path=path!("/admin/catalog") view=CatalogRoute />
                    <Route path=path!("/admin/instances") view=super::instances::InstancesRoute />
                </Routes>
            </Site>
        </Router>
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

    /// The entitlement keys with their labels (tracked).
    fn keys(self) -> Vec<(String, String)> {
        self.data.with(|data| match data {
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
    let loaded = move || page.data.with(|data| matches!(data, Some(Ok(_))));

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
        {move || loaded().then(|| view! {
            {ProductKind::ALL.map(|kind| kind_section(page, kind))}
            <section class="card account__card" aria-labelledby="add-product-title">
                <h2 id="add-product-title" class="account__title">"Add product"</h2>
                <ProductForm page />
            </section>
            <Entitlements page />
        })}
    }
}

/// The products of one kind, in the order the API lists them.
fn kind_section(page: Page, kind: ProductKind) -> impl IntoView {
    let title_id = format!("kind-{}", kind.as_str());
    let labelled_by = title_id.clone();
    let products = move || {
        page.data.with(|data| match data {
            Some(Ok(data)) => data
                .products
                .iter()
                .filter(|p| p.kind == kind)
                .cloned()
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    };
    view! {
        <section class="card account__card" aria-labelledby=labelled_by>
            <h2 id=title_id class="account__title">{kind_title(kind)}</h2>
            {move || {
                let products = products();
                if products.is_empty() {
                    view! { <p class="account__text">"None yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="admin-list" role="list">
                            {products.into_iter().map(|product| product_item(page, product)).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// One product: its name, flags, slug and Stripe id, entitlements, prices, its actions
/// and the panel open for it.
fn product_item(page: Page, product: AdminProduct) -> impl IntoView {
    let id = product.id;
    let name = product.name.clone();
    let active = product.active;
    let open = move |panel, focus: String| {
        move |_| {
            page.status.set(None);
            page.open.set(Some((id, panel)));
            focus_id(&focus);
        }
    };
    let action = |label: &'static str, button: &str, class: &'static str, on_click| {
        view! {
            <button id=format!("{button}-{id}") class=class type="button" on:click=on_click>
                {label}<span class="visually-hidden">" "{name.clone()}</span>
            </button>
        }
    };
    let secondary = "button button--secondary button--small";
    let buttons = view! {
        {action("Edit", "edit", secondary, open(Panel::Edit, "edit-name".to_owned()))}
        {(product.kind == ProductKind::Plan)
            .then(|| action("Terms", "terms", secondary, open(Panel::Terms, format!("terms-title-{id}"))))}
        {if active {
            action("Retire", "active", "button button--danger-outline button--small", open(Panel::Active, format!("active-title-{id}")))
        } else {
            action("Reactivate", "active", secondary, open(Panel::Active, format!("active-title-{id}")))
        }}
    };
    let entitlements = if product.entitlements.is_empty() {
        "none".to_owned()
    } else {
        product.entitlements.join(", ")
    };
    let prices = if product.prices.is_empty() {
        "none".to_owned()
    } else {
        product
            .prices
            .iter()
            .map(|price| {
                format!(
                    "{}, {}, {}",
                    price_text(price),
                    if price.active { "active" } else { "retired" },
                    price
                        .stripe_price_id
                        .as_deref()
                        .unwrap_or("not in Stripe yet")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let meta = format!(
        "{}{}{} · order {} · Stripe: {}",
        product.slug,
        product
            .parent_slug
            .as_deref()
            .map(|parent| format!(" · for {parent}"))
            .unwrap_or_default(),
        if product.needs_instance {
            " · needs an instance"
        } else {
            ""
        },
        product.display_order,
        product
            .stripe_product_id
            .as_deref()
            .unwrap_or("not in Stripe yet")
    );
    let panel = {
        let product = product.clone();
        move || match page.open.get() {
            Some((of, Panel::Edit)) if of == id => {
                view! { <ProductForm page editing=product.clone() /> }.into_any()
            }
            Some((of, Panel::Terms)) if of == id => view! { <Terms page id /> }.into_any(),
            Some((of, Panel::Active)) if of == id => {
                view! { <ConfirmActive page product=product.clone() /> }.into_any()
            }
            _ => ().into_any(),
        }
    };
    let closed = move || page.open.with(|open| open.is_some_and(|(of, _)| of == id));
    view! {
        <li class=if active { "admin-list__item" } else { "admin-list__item catalog__product--retired" }>
            <div class="account__head">
                <h3 id=format!("product-{id}") class="card__title admin-list__title" tabindex="-1">
                    {product.name.clone()}
                </h3>
                <span class=if active { "tag" } else { "tag tag--warning" }>
                    {if active { "Active" } else { "Retired" }}
                </span>
            </div>
            <p class="admin-list__meta">{meta}</p>
            <p class="account__text" hidden=product.description.is_empty()>{product.description.clone()}</p>
            <p class="admin-list__meta">"Entitlements: "{entitlements}</p>
            <p class="admin-list__meta">"Prices: "{prices}</p>
            <div class="account__actions" hidden=closed>
                {buttons}
                <a
                    class=secondary
                    href=format!("/admin/audit?target_type=product&target_id={id}")
                >
                    "History"<span class="visually-hidden">" of "{product.name.clone()}</span>
                </a>
            </div>
            {panel}
        </li>
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
            tabindex="-1"
            aria-describedby=described_by
        >
            <legend class="field__label">"Entitlements"<span class="field__optional">" (optional)"</span></legend>
            {keys
                .into_iter()
                .map(|(key, label)| {
                    let id = format!("{prefix}-entitlement-{key}");
                    let checked = chosen.with_untracked(|keys| keys.contains(&key));
                    view! {
                        <div class="check">
                            <input
                                class="check__input"
                                type="checkbox"
                                id=id.clone()
                                prop:checked=checked
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

/// A product's form: "Add product" (slug, kind and the plan an add-on extends too), or,
/// given `editing`, "Edit" (name, description, order, instance, entitlements and new
/// prices, `PATCH`ed). Checked here first; the API's field errors land beside the fields.
#[component]
fn ProductForm(page: Page, #[prop(optional)] editing: Option<AdminProduct>) -> impl IntoView {
    const FIELDS: [(&str, &str); 10] = [
        ("slug", "Slug"),
        ("name", "Name"),
        ("description", "Description"),
        ("kind", "Kind"),
        ("parent_slug", "Plan"),
        ("display_order", "Display order"),
        ("entitlements", "Entitlements"),
        ("month_amount", "Monthly price"),
        ("year_amount", "Yearly price"),
        ("currency", "Currency"),
    ];
    let edit_id = editing.as_ref().map(|product| product.id);
    let prefix = if edit_id.is_some() { "edit" } else { "new" };
    let text = |value: Option<String>| RwSignal::new(value.unwrap_or_default());
    let slug = text(None);
    let name = text(editing.as_ref().map(|p| p.name.clone()));
    let description = text(editing.as_ref().map(|p| p.description.clone()));
    let kind = text(Some("plan".to_owned()));
    let parent = text(None);
    let order = text(Some(
        editing.as_ref().map_or(0, |p| p.display_order).to_string(),
    ));
    let needs_instance = RwSignal::new(editing.as_ref().is_some_and(|p| p.needs_instance));
    let chosen = RwSignal::new(
        editing
            .as_ref()
            .map(|p| p.entitlements.clone())
            .unwrap_or_default(),
    );
    let month = text(None);
    let year = text(None);
    let currency = text(Some(
        editing
            .as_ref()
            .and_then(|p| p.prices.iter().find(|price| price.active))
            .map_or_else(|| "eur".to_owned(), |price| price.currency.clone()),
    ));
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let plans = page.data.with_untracked(|data| match data {
        Some(Ok(data)) => data
            .products
            .iter()
            .filter(|p| p.kind == ProductKind::Plan && p.active)
            .map(|p| p.slug.clone())
            .collect(),
        _ => Vec::new(),
    });

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let mut found = FieldErrors::new();
        let kind = ProductKind::parse(&kind.get_untracked()).unwrap_or(ProductKind::Plan);
        let parent_slug =
            (kind != ProductKind::Plan).then(|| parent.get_untracked().trim().to_owned());
        if edit_id.is_none() {
            if let Some(problem) = slug_problem(slug.get_untracked().trim()) {
                found.insert("slug", problem);
            }
            if parent_slug.as_deref().is_some_and(str::is_empty) {
                found.insert(
                    "parent_slug",
                    "Enter the slug of the plan the add-on extends.".into(),
                );
            }
        }
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
            edit_id.is_none(),
        )
        .unwrap_or_else(|more| {
            found.extend(more);
            Vec::new()
        });
        show_errors(&FIELDS, &errors, &found);
        if focus_first_error(prefix, &FIELDS, &found) {
            return;
        }
        let name_sent = name.get_untracked().trim().to_owned();
        let description_sent = description.get_untracked().trim().to_owned();
        let sent = prices.clone();
        let new = NewProduct {
            slug: slug.get_untracked().trim().to_owned(),
            name: name_sent.clone(),
            description: description_sent.clone(),
            kind,
            pricing_page: "default".to_owned(),
            display_order: display_order.clone().unwrap_or_default(),
            parent_slug,
            needs_instance: needs_instance.get_untracked(),
            entitlements: chosen.get_untracked(),
            prices: prices.clone(),
        };
        let patch = ProductPatch {
            name: Some(name_sent),
            description: Some(description_sent),
            display_order: display_order.ok(),
            needs_instance: Some(needs_instance.get_untracked()),
            entitlements: Some(chosen.get_untracked()),
            prices: (!prices.is_empty()).then_some(prices),
            ..ProductPatch::default()
        };
        pending.set(true);
        page.status.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move {
                    match edit_id {
                        Some(id) => api.update_product(id, &patch).await,
                        None => api.create_product(&new).await,
                    }
                })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(product) => {
                    let id = product.id;
                    let done = if edit_id.is_some() { "saved" } else { "added" };
                    page.status.set(Some(format!("{} {done}.", product.name)));
                    page.open.set(None);
                    page.keep(product);
                    if edit_id.is_none() {
                        for value in [slug, name, description, month, year] {
                            value.set(String::new());
                        }
                        chosen.set(Vec::new());
                    }
                    focus_id(&format!("product-{id}"));
                }
                Err(failure) => {
                    let failure = with_price_fields(&failure, &sent);
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    show_errors(&FIELDS, &errors, &inline);
                    form_error.set(Some(summary));
                    focus_first_error(prefix, &FIELDS, &inline);
                }
            }
        });
    };
    let field = move |field: usize, value, hint: Option<&'static str>, optional: bool| {
        let (name, label) = FIELDS[field];
        let id = format!("{prefix}-{name}");
        let error = errors[field];
        match hint {
            Some(hint) => view! { <InputField id label value error optional hint /> }.into_any(),
            None => view! { <InputField id label value error optional /> }.into_any(),
        }
    };

    view! {
        <form
            class="form"
            class:billing__panel=edit_id.is_some()
            novalidate
            aria-label=editing.as_ref().map_or_else(|| "Add product".to_owned(), |p| format!("Edit {}", p.name))
            on:submit=on_submit
            on:keydown=move |event| {
                if let (Some(id), "Escape") = (edit_id, event.key().as_str()) {
                    close(page, id, "edit");
                }
            }
        >
            <FormError message=form_error.into() />
            {edit_id.is_none().then(|| view! {
                {field(0, slug, Some("Lower-case letters, digits and hyphens; it never changes."), false)}
                <Select id="new-kind" name="kind" label="Kind" choices=&KINDS value=kind error=errors[3] />
                <div hidden=move || kind.with(|kind| kind == "plan")>
                    <InputField
                        id="new-parent_slug"
                        label="Plan"
                        hint="For add-ons: the slug of the plan it extends."
                        suggestions=plans
                        value=parent
                        error=errors[4]
                    />
                </div>
            })}
            {field(1, name, None, false)}
            {field(2, description, None, true)}
            {edit_id.map(|_| field(5, order, Some("Lower numbers come first."), false))}
            <Checkbox
                name=if edit_id.is_some() { "edit-needs_instance" } else { "new-needs_instance" }
                label="Buying it places the customer on an instance"
                checked=needs_instance
            />
            {move || view! { <EntitlementChoices prefix keys=page.keys() chosen error=errors[6] /> }}
            <div class="instance__caps">
                {field(7, month, Some("Such as 29.00; a new amount retires the period's price."), true)}
                {field(8, year, None, true)}
                {field(9, currency, Some("Three letters, such as eur."), false)}
            </div>
            <div class="account__actions">
                {if edit_id.is_some() {
                    view! {
                        <SubmitButton pending=pending.into() label="Save product" busy_label="Saving…" />
                        <button
                            class="button button--secondary"
                            type="button"
                            on:click=move |_| {
                                if let Some(id) = edit_id {
                                    close(page, id, "edit");
                                }
                            }
                        >
                            "Cancel"
                        </button>
                    }
                    .into_any()
                } else {
                    view! { <SubmitButton pending=pending.into() label="Add product" busy_label="Adding…" /> }
                        .into_any()
                }}
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

/// The entitlement keys: a table (stacked on a phone) with "Rename" per key, the rename
/// form below it, and a form adding a key.
#[component]
fn Entitlements(page: Page) -> impl IntoView {
    let renaming = RwSignal::new(None::<AdminEntitlement>);
    let rows = move || {
        page.data.with(|data| match data {
            Some(Ok(data)) => data.entitlements.clone(),
            _ => Vec::new(),
        })
    };
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
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|entitlement| {
                        let products = if entitlement.products.is_empty() {
                            "none".to_owned()
                        } else {
                            entitlement.products.join(", ")
                        };
                        let key = entitlement.key.clone();
                        view! {
                            <tr>
                                <td data-label="Key"><code>{key.clone()}</code></td>
                                <td data-label="Label" class="admin-table__wrap">{entitlement.label.clone()}</td>
                                <td data-label="Products" class="admin-table__wrap">{products}</td>
                                <td>
                                    <button
                                        id=format!("rename-{key}")
                                        class="button button--secondary button--small"
                                        type="button"
                                        on:click=move |_| {
                                            page.status.set(None);
                                            renaming.set(Some(entitlement.clone()));
                                            focus_id("entitlement-label");
                                        }
                                    >
                                        "Rename"<span class="visually-hidden">" "{key.clone()}</span>
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || view! { <EntitlementForm page editing=renaming.get() renaming /> }}
        </section>
    }
}

/// Adds a key (`POST`), or, given `editing`, relabels that key (`PATCH`; Escape or
/// "Cancel" leaves it as it was).
#[component]
fn EntitlementForm(
    page: Page,
    editing: Option<AdminEntitlement>,
    renaming: RwSignal<Option<AdminEntitlement>>,
) -> impl IntoView {
    const FIELDS: [(&str, &str); 2] = [("key", "Key"), ("label", "Label")];
    let renamed_key = editing.as_ref().map(|e| e.key.clone());
    let key = RwSignal::new(renamed_key.clone().unwrap_or_default());
    let label = RwSignal::new(editing.map(|e| e.label).unwrap_or_default());
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let renaming_now = renamed_key.is_some();
    let cancel = {
        let renamed_key = renamed_key.clone();
        move || {
            renaming.set(None);
            if let Some(key) = &renamed_key {
                focus_id(&format!("rename-{key}"));
            }
        }
    };
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
        if focus_first_error("entitlement", &FIELDS, &found) {
            return;
        }
        let typed = key.get_untracked().trim().to_owned();
        let body = EntitlementInput {
            key: Some(typed.clone()),
            label: label.get_untracked().trim().to_owned(),
        };
        pending.set(true);
        page.status.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move {
                    if renaming_now {
                        api.relabel_entitlement(&typed, &body).await
                    } else {
                        api.create_entitlement(&body).await
                    }
                })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(saved) => {
                    page.status.set(Some(if renaming_now {
                        format!("{} is now labelled “{}”.", saved.key, saved.label)
                    } else {
                        format!("Entitlement {} added.", saved.key)
                    }));
                    let focus = if renaming_now {
                        format!("rename-{}", saved.key)
                    } else {
                        "entitlement-key".to_owned()
                    };
                    page.keep_entitlement(saved);
                    key.set(String::new());
                    label.set(String::new());
                    renaming.set(None);
                    focus_id(&focus);
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    show_errors(&FIELDS, &errors, &inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };
    let title = match &renamed_key {
        Some(key) => format!("Rename {key}"),
        None => "Add entitlement key".to_owned(),
    };
    let cancel_on_escape = cancel.clone();
    view! {
        <form
            class="form billing__panel"
            novalidate
            aria-labelledby="entitlement-title"
            on:submit=on_submit
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    cancel_on_escape();
                }
            }
        >
            <h3 id="entitlement-title" class="billing__panel-title" tabindex="-1">{title}</h3>
            <FormError message=form_error.into() />
            <div class="instance__caps">
                <div hidden=renaming_now>
                    <InputField id="entitlement-key" label="Key" value=key error=errors[0] hint="Such as priority_support; it never changes." />
                </div>
                <InputField id="entitlement-label" label="Label" value=label error=errors[1] hint="What customers read." />
            </div>
            <div class="account__actions">
                <SubmitButton
                    pending=pending.into()
                    label=if renaming_now { "Save label" } else { "Add key" }
                    busy_label="Saving…"
                />
                <button class="button button--secondary" type="button" hidden=!renaming_now on:click=move |_| cancel()>
                    "Cancel"
                </button>
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
