//! The catalog domain: what can be bought, as the public catalog shows it.

pub mod admin;
pub mod seed;

use std::collections::HashMap;

use gatehouse_shared::catalog::{
    yearly_savings_percent, BillingPeriod, CatalogPrice, CatalogProduct, CatalogResponse,
    Entitlement, PricingPage, ProductKind,
};
use gatehouse_shared::ids::{PriceId, ProductId};
use uuid::Uuid;

use crate::db::{self, Conn};
use crate::error::AppResult;

/// Every active product with its active prices and entitlements, grouped per pricing
/// page. Rows the database constraints should have excluded (unknown kind or period)
/// are logged and skipped rather than failing the whole catalog.
pub async fn public_catalog(conn: &mut Conn) -> AppResult<CatalogResponse> {
    let products = db::catalog::active_products(conn).await?;
    let ids: Vec<Uuid> = products.iter().map(|p| p.id).collect();
    let prices = db::catalog::active_prices(conn, &ids).await?;
    let entitlements = db::catalog::entitlements_of(conn, &ids).await?;

    let slugs: HashMap<Uuid, &str> = products.iter().map(|p| (p.id, p.slug.as_str())).collect();
    let mut prices_by_product: HashMap<Uuid, Vec<CatalogPrice>> = HashMap::new();
    for price in prices {
        let Some(period) = BillingPeriod::parse(&price.billing_period) else {
            tracing::warn!(price.id = %price.id, period = %price.billing_period, "unknown billing period");
            continue;
        };
        prices_by_product
            .entry(price.product_id)
            .or_default()
            .push(CatalogPrice {
                id: PriceId(price.id),
                period,
                amount_minor: price.amount_minor,
                currency: price.currency,
            });
    }
    let mut keys_by_product: HashMap<Uuid, Vec<Entitlement>> = HashMap::new();
    for (product_id, key, label) in entitlements {
        keys_by_product
            .entry(product_id)
            .or_default()
            .push(Entitlement { key, label });
    }

    let mut pages: Vec<PricingPage> = Vec::new();
    for product in &products {
        let Some(kind) = ProductKind::parse(&product.kind) else {
            tracing::warn!(product.id = %product.id, kind = %product.kind, "unknown product kind");
            continue;
        };
        let mut prices = prices_by_product.remove(&product.id).unwrap_or_default();
        prices.sort_by_key(|price| price.period);
        let amount = |period| {
            prices
                .iter()
                .find(|price| price.period == period)
                .map(|price| price.amount_minor)
        };
        let savings = match (amount(BillingPeriod::Month), amount(BillingPeriod::Year)) {
            (Some(month), Some(year)) => yearly_savings_percent(month, year),
            _ => None,
        };
        let entry = CatalogProduct {
            id: ProductId(product.id),
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            kind,
            parent_slug: product
                .parent_product_id
                .and_then(|id| slugs.get(&id).map(|slug| (*slug).to_owned())),
            needs_instance: product.needs_instance,
            entitlements: keys_by_product.remove(&product.id).unwrap_or_default(),
            prices,
            yearly_savings_percent: savings,
        };
        match pages.last_mut() {
            Some(page) if page.slug == product.pricing_page => page.products.push(entry),
            _ => pages.push(PricingPage {
                slug: product.pricing_page.clone(),
                products: vec![entry],
            }),
        }
    }
    // Plans first, then add-ons; the query already ordered by display order within.
    for page in &mut pages {
        page.products
            .sort_by_key(|product| product.kind != ProductKind::Plan);
    }
    Ok(CatalogResponse { pages })
}
