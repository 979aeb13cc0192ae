//! Staff's changes to the catalog. Each commits whole (product, prices, entitlements)
//! together with a `billing.sync_catalog` job, which brings Stripe in step afterwards.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel_async::AsyncConnection;
use gatehouse_shared::admin_catalog::{
    AdminEntitlement, AdminEntitlements, AdminPrice, AdminProduct, EntitlementInput, NewProduct,
    PriceInput, ProductPatch,
};
use gatehouse_shared::catalog::{BillingPeriod, ProductKind};
use gatehouse_shared::ids::{PriceId, ProductId};
use gatehouse_shared::plans::PlanTerms;
use uuid::Uuid;

use crate::admin::audit::Audit;
use crate::billing::catalog_sync::SyncCatalog;
use crate::db::catalog::{self as q, Product, ProductUpsert};
use crate::db::plans;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;

fn slug_ok(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    (1..=63).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

type Fields = BTreeMap<String, String>;

fn check_name(fields: &mut Fields, name: &str) {
    if !(1..=120).contains(&name.trim().chars().count()) {
        fields.insert("name".into(), "must be 1 to 120 characters".into());
    }
}

fn check_prices(fields: &mut Fields, prices: &[PriceInput], required: bool) {
    if required && prices.is_empty() {
        fields.insert("prices".into(), "needs at least one price".into());
    }
    let mut periods = HashSet::new();
    for (i, price) in prices.iter().enumerate() {
        if !periods.insert(price.period) {
            fields.insert(format!("prices[{i}].period"), "is given twice".into());
        }
        if !(0..=100_000_000).contains(&price.amount_minor) {
            fields.insert(
                format!("prices[{i}].amount_minor"),
                "must be 0 to 100000000".into(),
            );
        }
        if price.currency.len() != 3 || !price.currency.bytes().all(|b| b.is_ascii_lowercase()) {
            fields.insert(
                format!("prices[{i}].currency"),
                "must be three lower-case letters (eur)".into(),
            );
        }
    }
}

async fn check_entitlements(
    conn: &mut Conn,
    fields: &mut Fields,
    keys: &[String],
) -> AppResult<()> {
    let known: HashSet<String> = q::existing_entitlements(conn, keys)
        .await?
        .into_iter()
        .collect();
    if let Some(unknown) = keys.iter().find(|key| !known.contains(*key)) {
        fields.insert(
            "entitlements".into(),
            format!("'{unknown}' is not an entitlement"),
        );
    }
    Ok(())
}

fn fail_if_any(fields: Fields) -> AppResult<()> {
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation { fields })
    }
}

async fn set_prices(conn: &mut Conn, product: Uuid, prices: &[PriceInput]) -> AppResult<()> {
    for price in prices {
        q::set_active_price(
            conn,
            product,
            price.period.as_str(),
            price.amount_minor,
            &price.currency,
        )
        .await?;
    }
    Ok(())
}

pub async fn create(conn: &mut Conn, input: NewProduct) -> AppResult<AdminProduct> {
    let mut fields = Fields::new();
    if !slug_ok(&input.slug) {
        fields.insert(
            "slug".into(),
            "must be lower-case letters, digits and '-' (1 to 63)".into(),
        );
    }
    if !slug_ok(&input.pricing_page) {
        fields.insert(
            "pricing_page".into(),
            "must be lower-case letters, digits and '-'".into(),
        );
    }
    check_name(&mut fields, &input.name);
    check_prices(&mut fields, &input.prices, true);
    check_entitlements(conn, &mut fields, &input.entitlements).await?;
    let parent = match (&input.kind, input.parent_slug.as_deref()) {
        (ProductKind::Plan, None) => None,
        (ProductKind::Plan, Some(_)) => {
            fields.insert("parent_slug".into(), "a plan has no parent".into());
            None
        }
        (_, None) => {
            fields.insert(
                "parent_slug".into(),
                "an add-on needs the plan it extends".into(),
            );
            None
        }
        (_, Some(slug)) => match q::find_product_by_slug(conn, slug).await? {
            Some(plan) if plan.kind == "plan" && plan.active => Some(plan.id),
            _ => {
                fields.insert("parent_slug".into(), "is not an active plan".into());
                None
            }
        },
    };
    if q::find_product_by_slug(conn, &input.slug).await?.is_some() {
        fields.insert("slug".into(), "is already taken".into());
    }
    fail_if_any(fields)?;
    let id = conn
        .transaction::<_, AppError, _>(async |tx| {
            let id = q::upsert_product(
                tx,
                &ProductUpsert {
                    slug: &input.slug,
                    name: input.name.trim(),
                    description: input.description.trim(),
                    kind: input.kind.as_str(),
                    pricing_page: &input.pricing_page,
                    display_order: input.display_order,
                    parent_product_id: parent,
                    needs_instance: input.needs_instance,
                    active: true,
                },
            )
            .await?;
            set_prices(tx, id, &input.prices).await?;
            let keys: Vec<&str> = input.entitlements.iter().map(String::as_str).collect();
            q::set_entitlements(tx, id, &keys).await?;
            enqueue(tx, &SyncCatalog::default()).await?;
            Ok(id)
        })
        .await?;
    tracing::info!(product.id = %id, slug = %input.slug, "product created by staff");
    get(conn, id).await
}

pub async fn update(conn: &mut Conn, id: Uuid, patch: ProductPatch) -> AppResult<AdminProduct> {
    let mut fields = Fields::new();
    if let Some(name) = &patch.name {
        check_name(&mut fields, name);
    }
    if patch
        .pricing_page
        .as_deref()
        .is_some_and(|page| !slug_ok(page))
    {
        fields.insert(
            "pricing_page".into(),
            "must be lower-case letters, digits and '-'".into(),
        );
    }
    if let Some(prices) = &patch.prices {
        check_prices(&mut fields, prices, false);
    }
    if let Some(keys) = &patch.entitlements {
        check_entitlements(conn, &mut fields, keys).await?;
    }
    fail_if_any(fields)?;
    conn.transaction::<_, AppError, _>(async |tx| {
        let product = q::product_for_update(tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let active = patch.active.unwrap_or(product.active);
        q::upsert_product(
            tx,
            &ProductUpsert {
                slug: &product.slug,
                name: patch
                    .name
                    .as_deref()
                    .map_or(product.name.as_str(), str::trim),
                description: patch
                    .description
                    .as_deref()
                    .map_or(product.description.as_str(), str::trim),
                kind: &product.kind,
                pricing_page: patch
                    .pricing_page
                    .as_deref()
                    .unwrap_or(&product.pricing_page),
                display_order: patch.display_order.unwrap_or(product.display_order),
                parent_product_id: product.parent_product_id,
                needs_instance: patch.needs_instance.unwrap_or(product.needs_instance),
                active,
            },
        )
        .await?;
        if active {
            if let Some(prices) = &patch.prices {
                set_prices(tx, id, prices).await?;
            }
        } else {
            q::retire_prices(tx, id).await?;
        }
        if let Some(keys) = &patch.entitlements {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            q::set_entitlements(tx, id, &keys).await?;
        }
        enqueue(tx, &SyncCatalog::default()).await?;
        Ok(())
    })
    .await?;
    tracing::info!(product.id = %id, "product changed by staff");
    get(conn, id).await
}

/// Every product with its prices and entitlements.
pub async fn list(conn: &mut Conn) -> AppResult<Vec<AdminProduct>> {
    let products = q::all_products(conn).await?;
    describe(conn, products).await
}

/// One product with its prices and entitlements; 404 when there is none.
pub async fn get(conn: &mut Conn, id: Uuid) -> AppResult<AdminProduct> {
    let product = q::find_product(conn, id).await?.ok_or(AppError::NotFound)?;
    describe(conn, vec![product])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

async fn describe(conn: &mut Conn, products: Vec<Product>) -> AppResult<Vec<AdminProduct>> {
    let ids: Vec<Uuid> = products.iter().map(|p| p.id).collect();
    let mut prices: HashMap<Uuid, Vec<AdminPrice>> = HashMap::new();
    for price in q::all_prices(conn, &ids).await? {
        prices
            .entry(price.product_id)
            .or_default()
            .push(AdminPrice {
                id: PriceId(price.id),
                period: BillingPeriod::parse(&price.billing_period).unwrap_or(BillingPeriod::Month),
                amount_minor: price.amount_minor,
                currency: price.currency,
                active: price.active,
                stripe_price_id: price.stripe_price_id,
            });
    }
    let mut keys: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (product, key, _label) in q::entitlements_of(conn, &ids).await? {
        keys.entry(product).or_default().push(key);
    }
    let slugs: HashMap<Uuid, String> = q::all_products(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.slug))
        .collect();
    Ok(products
        .into_iter()
        .map(|p| AdminProduct {
            id: ProductId(p.id),
            kind: ProductKind::parse(&p.kind).unwrap_or(ProductKind::Plan),
            parent_slug: p.parent_product_id.and_then(|id| slugs.get(&id).cloned()),
            entitlements: keys.remove(&p.id).unwrap_or_default(),
            prices: prices.remove(&p.id).unwrap_or_default(),
            slug: p.slug,
            name: p.name,
            description: p.description,
            pricing_page: p.pricing_page,
            display_order: p.display_order,
            needs_instance: p.needs_instance,
            active: p.active,
            stripe_product_id: p.stripe_product_id,
        })
        .collect())
}

/// A plan's terms (all zero when never set); 404 for a product that is not a plan.
pub async fn terms(conn: &mut Conn, plan_id: Uuid) -> AppResult<PlanTerms> {
    let plan = q::find_product(conn, plan_id).await?;
    if plan.is_none_or(|plan| plan.kind != "plan") {
        return Err(AppError::NotFound);
    }
    Ok(terms_view(&plans::terms(conn, plan_id).await?))
}

fn terms_view(terms: &plans::Terms) -> PlanTerms {
    PlanTerms {
        monthly_credits: terms.monthly_credits,
        overage_limit: terms.overage_limit,
        trial_days: terms.trial_days,
        trial_credits: terms.trial_credits,
    }
}

/// Sets a plan's terms (validated), with an audit record of before and after.
pub async fn set_terms(
    conn: &mut Conn,
    audit: &Audit,
    plan_id: Uuid,
    request: PlanTerms,
) -> AppResult<PlanTerms> {
    let mut fields = BTreeMap::new();
    for (name, value) in [
        ("monthly_credits", request.monthly_credits),
        ("overage_limit", request.overage_limit),
        ("trial_credits", request.trial_credits),
    ] {
        if !(0..=1_000_000).contains(&value) {
            fields.insert(name.to_owned(), "must be 0–1,000,000".to_owned());
        }
    }
    if !(0..=90).contains(&request.trial_days) {
        fields.insert("trial_days".to_owned(), "must be 0–90".to_owned());
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    conn.transaction::<_, AppError, _>(async |tx| {
        let plan = q::product_for_update(tx, plan_id).await?;
        if plan.is_none_or(|plan| plan.kind != "plan") {
            return Err(AppError::NotFound);
        }
        let before = terms_view(&plans::terms(tx, plan_id).await?);
        plans::set_terms(
            tx,
            &plans::Terms {
                product_id: plan_id,
                monthly_credits: request.monthly_credits,
                overage_limit: request.overage_limit,
                trial_days: request.trial_days,
                trial_credits: request.trial_credits,
            },
        )
        .await?;
        audit
            .record(
                tx,
                "catalog.plan_terms_changed",
                ("product", &plan_id.to_string()),
                Some(&before),
                Some(&request),
            )
            .await?;
        Ok(request)
    })
    .await
}

/// Every entitlement key with the products granting it.
pub async fn entitlements(conn: &mut Conn) -> AppResult<AdminEntitlements> {
    let mut out: Vec<AdminEntitlement> = Vec::new();
    for (key, label, product) in q::all_entitlements(conn).await? {
        match out.last_mut() {
            Some(last) if last.key == key => last.products.extend(product),
            _ => out.push(AdminEntitlement {
                key,
                label,
                products: product.into_iter().collect(),
            }),
        }
    }
    Ok(AdminEntitlements { entitlements: out })
}

fn check_label(fields: &mut Fields, label: &str) {
    let length = label.trim().chars().count();
    if length == 0 || length > 120 {
        fields.insert("label".into(), "must be 1–120 characters".into());
    }
}

fn entitlement_key_ok(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

async fn one_entitlement(conn: &mut Conn, key: &str) -> AppResult<AdminEntitlement> {
    entitlements(conn)
        .await?
        .entitlements
        .into_iter()
        .find(|e| e.key == key)
        .ok_or(AppError::NotFound)
}

/// Adds an entitlement key (products can grant it from then on).
pub async fn create_entitlement(
    conn: &mut Conn,
    input: &EntitlementInput,
) -> AppResult<AdminEntitlement> {
    let mut fields = Fields::new();
    let key = input.key.as_deref().unwrap_or_default();
    if !entitlement_key_ok(key) {
        fields.insert(
            "key".into(),
            "must be lower-case letters, digits and '_' (1 to 63), starting with a letter or digit"
                .into(),
        );
    }
    check_label(&mut fields, &input.label);
    fail_if_any(fields)?;
    if !q::insert_entitlement(conn, key, input.label.trim()).await? {
        return Err(AppError::validation([(
            "key".to_owned(),
            "is already taken".to_owned(),
        )]));
    }
    one_entitlement(conn, key).await
}

/// Renames an entitlement (its key never changes: tokens carry it).
pub async fn relabel_entitlement(
    conn: &mut Conn,
    key: &str,
    input: &EntitlementInput,
) -> AppResult<AdminEntitlement> {
    let mut fields = Fields::new();
    if input.key.as_deref().is_some_and(|k| k != key) {
        fields.insert("key".into(), "cannot change: tokens carry it".into());
    }
    check_label(&mut fields, &input.label);
    fail_if_any(fields)?;
    if !q::relabel_entitlement(conn, key, input.label.trim()).await? {
        return Err(AppError::NotFound);
    }
    one_entitlement(conn, key).await
}
