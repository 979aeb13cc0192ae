//! Catalog rows and the queries over them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{entitlements, prices, product_entitlements, products};
use super::Conn;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg))]
pub struct Product {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub pricing_page: String,
    pub display_order: i32,
    pub parent_product_id: Option<Uuid>,
    pub needs_instance: bool,
    pub active: bool,
    pub stripe_product_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations)]
#[diesel(table_name = prices, belongs_to(Product), check_for_backend(diesel::pg::Pg))]
pub struct Price {
    pub id: Uuid,
    pub product_id: Uuid,
    pub billing_period: String,
    pub amount_minor: i64,
    pub currency: String,
    pub active: bool,
    pub stripe_price_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A product to create or update, keyed by slug.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = products)]
pub struct ProductUpsert<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub kind: &'a str,
    pub pricing_page: &'a str,
    pub display_order: i32,
    pub parent_product_id: Option<Uuid>,
    pub needs_instance: bool,
    pub active: bool,
}

/// Active products ordered for display: by page, then display order, then name.
pub async fn active_products(conn: &mut Conn) -> QueryResult<Vec<Product>> {
    products::table
        .filter(products::active.eq(true))
        .order((
            products::pricing_page.asc(),
            products::display_order.asc(),
            products::name.asc(),
        ))
        .select(Product::as_select())
        .load(conn)
        .await
}

/// Active prices of the given products.
pub async fn active_prices(conn: &mut Conn, product_ids: &[Uuid]) -> QueryResult<Vec<Price>> {
    prices::table
        .filter(prices::active.eq(true))
        .filter(prices::product_id.eq_any(product_ids))
        .order((prices::product_id, prices::billing_period))
        .select(Price::as_select())
        .load(conn)
        .await
}

/// `(product_id, key, label)` of what the given products grant, by label.
pub async fn entitlements_of(
    conn: &mut Conn,
    product_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, String, String)>> {
    product_entitlements::table
        .inner_join(entitlements::table)
        .filter(product_entitlements::product_id.eq_any(product_ids))
        .order((product_entitlements::product_id, entitlements::label))
        .select((
            product_entitlements::product_id,
            entitlements::key,
            entitlements::label,
        ))
        .load(conn)
        .await
}

/// Creates the entitlement or renames it.
pub async fn upsert_entitlement(conn: &mut Conn, key: &str, label: &str) -> QueryResult<()> {
    diesel::insert_into(entitlements::table)
        .values((entitlements::key.eq(key), entitlements::label.eq(label)))
        .on_conflict(entitlements::key)
        .do_update()
        .set((
            entitlements::label.eq(label),
            entitlements::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A product's name, by id.
pub async fn product_name(conn: &mut Conn, id: Uuid) -> QueryResult<Option<String>> {
    products::table
        .find(id)
        .select(products::name)
        .first(conn)
        .await
        .optional()
}

pub async fn find_product_by_slug(conn: &mut Conn, slug: &str) -> QueryResult<Option<Product>> {
    products::table
        .filter(products::slug.eq(slug))
        .select(Product::as_select())
        .first(conn)
        .await
        .optional()
}

/// Inserts the product, or updates the one with the same slug; returns its id.
pub async fn upsert_product(conn: &mut Conn, product: &ProductUpsert<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(products::table)
        .values(product)
        .on_conflict(products::slug)
        .do_update()
        .set((product, products::updated_at.eq(diesel::dsl::now)))
        .returning(products::id)
        .get_result(conn)
        .await
}

/// Makes `amount_minor`/`currency` the one active price of the product for `period`.
/// An unchanged price is kept; a changed one is deactivated and a new row inserted
/// (prices are immutable, as in Stripe).
pub async fn set_active_price(
    conn: &mut Conn,
    product_id: Uuid,
    period: &str,
    amount_minor: i64,
    currency: &str,
) -> QueryResult<Uuid> {
    let current: Option<Price> = prices::table
        .filter(prices::product_id.eq(product_id))
        .filter(prices::billing_period.eq(period))
        .filter(prices::active.eq(true))
        .select(Price::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?;
    if let Some(price) = current {
        if price.amount_minor == amount_minor && price.currency == currency {
            return Ok(price.id);
        }
        diesel::update(prices::table.find(price.id))
            .set((
                prices::active.eq(false),
                prices::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
    }
    diesel::insert_into(prices::table)
        .values((
            prices::product_id.eq(product_id),
            prices::billing_period.eq(period),
            prices::amount_minor.eq(amount_minor),
            prices::currency.eq(currency),
        ))
        .returning(prices::id)
        .get_result(conn)
        .await
}

/// Replaces the entitlement keys a product grants.
pub async fn set_entitlements(conn: &mut Conn, product_id: Uuid, keys: &[&str]) -> QueryResult<()> {
    diesel::delete(
        product_entitlements::table.filter(product_entitlements::product_id.eq(product_id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = keys
        .iter()
        .map(|key| {
            (
                product_entitlements::product_id.eq(product_id),
                product_entitlements::entitlement_key.eq(*key),
            )
        })
        .collect();
    diesel::insert_into(product_entitlements::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// `(key, label)` of these entitlement keys, by label.
pub async fn entitlement_labels(
    conn: &mut Conn,
    keys: &[String],
) -> QueryResult<Vec<(String, String)>> {
    entitlements::table
        .filter(entitlements::key.eq_any(keys))
        .order(entitlements::label)
        .select((entitlements::key, entitlements::label))
        .load(conn)
        .await
}

/// The Stripe price of `price_id` when it can be bought on its own: an active price of an
/// active plan, known to Stripe.
pub async fn purchasable_plan_price(
    conn: &mut Conn,
    price_id: Uuid,
) -> QueryResult<Option<String>> {
    prices::table
        .inner_join(products::table)
        .filter(prices::id.eq(price_id))
        .filter(prices::active.eq(true))
        .filter(products::active.eq(true))
        .filter(products::kind.eq("plan"))
        .select(prices::stripe_price_id)
        .first::<Option<String>>(conn)
        .await
        .optional()
        .map(Option::flatten)
}

/// Active products Stripe does not know yet.
pub async fn products_to_sync(conn: &mut Conn) -> QueryResult<Vec<Product>> {
    products::table
        .filter(products::active.eq(true))
        .filter(products::stripe_product_id.is_null())
        .select(Product::as_select())
        .load(conn)
        .await
}

/// Prices to create at Stripe (active, unknown there) with their product's Stripe id.
pub async fn prices_to_create(conn: &mut Conn) -> QueryResult<Vec<(Price, String)>> {
    prices::table
        .inner_join(products::table)
        .filter(prices::active.eq(true))
        .filter(prices::stripe_price_id.is_null())
        .filter(products::stripe_product_id.is_not_null())
        .select((
            Price::as_select(),
            products::stripe_product_id.assume_not_null(),
        ))
        .load(conn)
        .await
}

/// Prices retired here but still open for checkouts at Stripe.
pub async fn prices_to_archive(conn: &mut Conn) -> QueryResult<Vec<Price>> {
    prices::table
        .filter(prices::active.eq(false))
        .filter(prices::stripe_price_id.is_not_null())
        .filter(prices::stripe_archived.eq(false))
        .select(Price::as_select())
        .load(conn)
        .await
}

pub async fn set_stripe_product_id(conn: &mut Conn, id: Uuid, stripe_id: &str) -> QueryResult<()> {
    diesel::update(products::table.find(id))
        .set(products::stripe_product_id.eq(stripe_id))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_stripe_price_id(conn: &mut Conn, id: Uuid, stripe_id: &str) -> QueryResult<()> {
    diesel::update(prices::table.find(id))
        .set(prices::stripe_price_id.eq(stripe_id))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_price_archived(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::update(prices::table.find(id))
        .set(prices::stripe_archived.eq(true))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every product, active or not, for staff.
pub async fn all_products(conn: &mut Conn) -> QueryResult<Vec<Product>> {
    products::table
        .order((
            products::pricing_page,
            products::display_order,
            products::name,
        ))
        .select(Product::as_select())
        .load(conn)
        .await
}

/// Every price of these products, newest first.
pub async fn all_prices(conn: &mut Conn, product_ids: &[Uuid]) -> QueryResult<Vec<Price>> {
    prices::table
        .filter(prices::product_id.eq_any(product_ids))
        .order(prices::created_at.desc())
        .select(Price::as_select())
        .load(conn)
        .await
}

pub async fn product_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Product>> {
    products::table
        .find(id)
        .select(Product::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The keys among `keys` that exist.
pub async fn existing_entitlements(conn: &mut Conn, keys: &[String]) -> QueryResult<Vec<String>> {
    entitlements::table
        .filter(entitlements::key.eq_any(keys))
        .select(entitlements::key)
        .load(conn)
        .await
}

/// Retires every active price of the product.
pub async fn retire_prices(conn: &mut Conn, product_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        prices::table
            .filter(prices::product_id.eq(product_id))
            .filter(prices::active.eq(true)),
    )
    .set((
        prices::active.eq(false),
        prices::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
}

pub async fn find_product(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Product>> {
    products::table
        .find(id)
        .select(Product::as_select())
        .first(conn)
        .await
        .optional()
}

/// A price as a checkout needs it: its product's kind and parent, and its Stripe id.
#[derive(Debug, Clone, Queryable)]
pub struct PriceForSale {
    pub price_id: Uuid,
    pub product_id: Uuid,
    pub kind: String,
    pub parent_product_id: Option<Uuid>,
    pub billing_period: String,
    pub currency: String,
    pub stripe_price_id: Option<String>,
}

/// Those of `price_ids` that are active prices of active products.
pub async fn prices_for_sale(
    conn: &mut Conn,
    price_ids: &[Uuid],
) -> QueryResult<Vec<PriceForSale>> {
    prices::table
        .inner_join(products::table)
        .filter(prices::id.eq_any(price_ids))
        .filter(prices::active.eq(true))
        .filter(products::active.eq(true))
        .select((
            prices::id,
            products::id,
            products::kind,
            products::parent_product_id,
            prices::billing_period,
            prices::currency,
            prices::stripe_price_id,
        ))
        .load(conn)
        .await
}

/// Every entitlement key with its label and the slugs of the products granting it.
pub async fn all_entitlements(
    conn: &mut Conn,
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    entitlements::table
        .left_join(
            product_entitlements::table
                .on(product_entitlements::entitlement_key.eq(entitlements::key)),
        )
        .left_join(products::table.on(products::id.eq(product_entitlements::product_id)))
        .order((entitlements::key, products::slug))
        .select((
            entitlements::key,
            entitlements::label,
            products::slug.nullable(),
        ))
        .load(conn)
        .await
}

/// Creates an entitlement key; `false` when it exists.
pub async fn insert_entitlement(conn: &mut Conn, key: &str, label: &str) -> QueryResult<bool> {
    diesel::insert_into(entitlements::table)
        .values((entitlements::key.eq(key), entitlements::label.eq(label)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Renames an entitlement; `false` when there is no such key.
pub async fn relabel_entitlement(conn: &mut Conn, key: &str, label: &str) -> QueryResult<bool> {
    diesel::update(entitlements::table.find(key))
        .set((
            entitlements::label.eq(label),
            entitlements::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1)
}
