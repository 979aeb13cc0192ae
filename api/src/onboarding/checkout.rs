//! `onboarding/checkout`: a Stripe Checkout for the plan and add-ons chosen, built from
//! the catalog alone (the browser names prices by id, never amounts), for the proved
//! address, with the sign-up's id in its metadata for the webhook to find.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use gatehouse_shared::billing::CheckoutStarted;
use gatehouse_shared::onboarding::OnboardingCheckoutRequest;
use uuid::Uuid;

use super::Fields;
use crate::billing::checkout::{stripe_failed, stripe_of, success_url, window};
use crate::billing::stripe_api::{Checkout, Payer, StripeApi};
use crate::db::catalog::{self as catalog, PriceForSale};
use crate::db::onboarding as q;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::identity::sessions::hash_token;

/// Most units of one add-on in a checkout.
pub const MAX_QUANTITY: u32 = 100;

/// The Stripe prices and quantities the request means, checked against the catalog: a
/// plan price, then add-ons of that plan (or general ones) in the same period and
/// currency, each once; storage add-ons by the unit, others one each.
pub async fn line_items(
    conn: &mut Conn,
    request: &OnboardingCheckoutRequest,
) -> AppResult<Vec<(String, u64)>> {
    let mut ids: Vec<Uuid> = vec![request.price_id.0];
    ids.extend(request.add_ons.iter().map(|a| a.price_id.0));
    let known = catalog::prices_for_sale(conn, &ids).await?;
    let find = |id: Uuid| known.iter().find(|p| p.price_id == id);
    let mut fields = Fields::new();
    let plan = find(request.price_id.0).filter(|p| p.kind == "plan");
    let Some(plan) = plan else {
        return Err(AppError::validation([(
            "price_id".to_owned(),
            "is not a plan you can buy".to_owned(),
        )]));
    };
    let mut items = vec![(stripe_id(plan)?, 1)];
    let mut seen = HashSet::new();
    for (n, choice) in request.add_ons.iter().enumerate() {
        let field = format!("add_ons[{n}]");
        let add_on = find(choice.price_id.0).filter(|p| fits(p, plan));
        match add_on {
            None => {
                fields.insert(
                    format!("{field}.price_id"),
                    "is not an add-on of this plan in its billing period".into(),
                );
            }
            Some(_) if !seen.insert(choice.price_id.0) => {
                fields.insert(format!("{field}.price_id"), "is chosen twice".into());
            }
            Some(add_on) => {
                let most = if add_on.kind == "storage_add_on" {
                    MAX_QUANTITY
                } else {
                    1
                };
                if !(1..=most).contains(&choice.quantity) {
                    fields.insert(
                        format!("{field}.quantity"),
                        format!("must be between 1 and {most}"),
                    );
                } else {
                    items.push((stripe_id(add_on)?, u64::from(choice.quantity)));
                }
            }
        }
    }
    if fields.is_empty() {
        Ok(items)
    } else {
        Err(AppError::Validation { fields })
    }
}

fn fits(add_on: &PriceForSale, plan: &PriceForSale) -> bool {
    add_on.kind != "plan"
        && add_on
            .parent_product_id
            .is_none_or(|parent| parent == plan.product_id)
        && add_on.billing_period == plan.billing_period
        && add_on.currency == plan.currency
}

/// A catalog price Stripe does not know yet cannot be sold (the catalog sync runs
/// after every change; until then it is unavailable, not wrong).
fn stripe_id(price: &PriceForSale) -> AppResult<String> {
    price.stripe_price_id.clone().ok_or_else(|| {
        tracing::error!(price.id = %price.price_id, "a catalog price is not at Stripe yet");
        AppError::Unavailable {
            dependency: "stripe",
        }
    })
}

/// Starts the checkout. The sign-up and the prices are read on a connection given back
/// before Stripe is called (a slow Stripe must not hold the pool); the session is
/// recorded on another afterwards (once, however often the same checkout is asked for:
/// the idempotency key gives the same session).
pub async fn start(
    pool: &Pool,
    stripe: Option<&StripeApi>,
    public_url: &url::Url,
    request: &OnboardingCheckoutRequest,
) -> AppResult<CheckoutStarted> {
    let stripe = stripe_of(stripe)?;
    let (onboarding, items) = {
        let mut conn = pool.get().await?;
        let Some(onboarding) =
            q::open_by_token(&mut conn, &hash_token(&request.onboarding_token)).await?
        else {
            return Err(AppError::validation([(
                "onboarding_token".to_owned(),
                "has expired: confirm your email address again".to_owned(),
            )]));
        };
        (onboarding, line_items(&mut conn, request).await?)
    };
    let success = success_url(public_url, "onboarding/success?session_id=")?;
    let cancel = public_url
        .join("onboarding/cancelled")
        .map_err(AppError::internal)?;
    let chosen: Vec<String> = items.iter().map(|(p, n)| format!("{p}x{n}")).collect();
    let key = format!(
        "gatehouse-onboarding-{}-{}-{}",
        onboarding.id,
        URL_SAFE_NO_PAD.encode(&hash_token(&chosen.join(","))[..9]),
        window(10)
    );
    let item_refs: Vec<(&str, u64)> = items.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    let (session_id, url) = stripe
        .create_checkout(
            &Checkout {
                payer: Payer::NewCustomer {
                    email: &onboarding.email,
                },
                items: &item_refs,
                metadata: ("onboarding_id", onboarding.id.to_string()),
                success_url: &success,
                cancel_url: cancel.as_str(),
            },
            &key,
        )
        .await
        .map_err(stripe_failed)?;
    q::add_checkout(&mut *pool.get().await?, &session_id, onboarding.id).await?;
    Ok(CheckoutStarted { session_id, url })
}
