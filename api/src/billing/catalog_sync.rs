//! Keeping Stripe's products and prices in step with the catalog. Stripe's prices never
//! change: a new amount is a new catalog price (the old one retired), which becomes a new
//! Stripe price here, and the retired one is archived there. Every call runs outside any
//! transaction and is idempotent (keys derived from our ids), and each id is stored as
//! soon as Stripe answers, so an interrupted sync resumes where it stopped.

use super::stripe_api::{NewStripePrice, StripeApi};
use crate::db::{catalog as q, Conn};

/// What a sync did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub products: usize,
    pub prices: usize,
    pub archived: usize,
}

pub async fn sync(conn: &mut Conn, stripe: &StripeApi) -> anyhow::Result<Synced> {
    let mut synced = Synced::default();
    for product in q::products_to_sync(conn).await? {
        let id = stripe
            .create_product(product.id, &product.name, &product.description)
            .await?;
        q::set_stripe_product_id(conn, product.id, &id).await?;
        synced.products += 1;
    }
    for (price, stripe_product) in q::prices_to_create(conn).await? {
        let id = stripe
            .create_price(&NewStripePrice {
                price_id: price.id,
                stripe_product: &stripe_product,
                amount_minor: price.amount_minor,
                currency: &price.currency,
                period: &price.billing_period,
            })
            .await?;
        q::set_stripe_price_id(conn, price.id, &id).await?;
        synced.prices += 1;
    }
    for price in q::prices_to_archive(conn).await? {
        if let Some(stripe_price) = &price.stripe_price_id {
            stripe.archive_price(stripe_price).await?;
        }
        q::mark_price_archived(conn, price.id).await?;
        synced.archived += 1;
    }
    if synced != Synced::default() {
        tracing::info!(?synced, "catalog synced to Stripe");
    }
    Ok(synced)
}

/// Brings Stripe in step after staff changed the catalog (one queued at a time).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SyncCatalog {}

impl crate::jobs::Job for SyncCatalog {
    const KIND: &'static str = "billing.sync_catalog";

    fn unique_key(&self) -> Option<String> {
        Some("singleton".to_owned())
    }

    async fn run(self, ctx: crate::jobs::JobContext) -> anyhow::Result<()> {
        let Some(stripe) = &ctx.services.stripe else {
            tracing::info!("catalog changed; Stripe is not configured, nothing to sync");
            return Ok(());
        };
        let mut conn = ctx.pool.get().await?;
        sync(&mut conn, stripe).await?;
        Ok(())
    }
}
