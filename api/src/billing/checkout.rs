//! What customers start from Gatehouse and finish at Stripe: checkout for a plan, the
//! Customer Portal, cancelling at period end and resuming. Each call carries an
//! idempotency key derived from what it means, so a retry or a second click never does
//! the thing twice; the local state changes only when Stripe's webhook says so.
//!
//! These functions take the pool, not a connection: they read what they need on a
//! connection that goes back to the pool before Stripe is called, and take one again
//! only to record Stripe's answer. A slow Stripe then keeps its callers waiting, never
//! the pool (and with it every other request).

use chrono::Utc;
use gatehouse_shared::billing::{PlanChangePreview, PreviewLine};
use uuid::Uuid;

use super::stripe_api::{transient, Checkout, Payer, StripeApi};
use crate::db::{billing as q, catalog, Pool};
use crate::error::{AppError, AppResult};

pub(crate) fn stripe_failed(err: stripe::StripeError) -> AppError {
    if transient(&err) {
        tracing::warn!(error = %err, "Stripe is unavailable");
        AppError::Unavailable {
            dependency: "stripe",
        }
    } else {
        AppError::internal(anyhow::anyhow!("Stripe refused: {err}"))
    }
}

pub(crate) fn stripe_of(stripe: Option<&StripeApi>) -> AppResult<&StripeApi> {
    stripe.ok_or_else(|| {
        tracing::error!("billing was asked for but GATEHOUSE_STRIPE_SECRET_KEY is not set");
        AppError::Unavailable {
            dependency: "stripe",
        }
    })
}

/// `ten-minute window` part of idempotency keys: a repeat inside it is the same request.
pub(crate) fn window(minutes: i64) -> i64 {
    Utc::now().timestamp() / (minutes * 60)
}

/// Where Stripe sends the customer after paying: `page` of the SPA with Stripe's
/// `{CHECKOUT_SESSION_ID}` placeholder appended (which Stripe fills in).
pub(crate) fn success_url(public_url: &url::Url, page: &str) -> AppResult<String> {
    let base = public_url.join(page).map_err(AppError::internal)?;
    Ok(format!("{base}{{CHECKOUT_SESSION_ID}}"))
}

/// Who is buying.
pub struct Buyer<'a> {
    pub account_id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
}

/// The Stripe price of `price_id` when the catalog sells it as a plan, else a 422: only
/// what the catalog offers, however the request was made.
async fn plan_price(conn: &mut crate::db::Conn, price_id: Uuid) -> AppResult<String> {
    catalog::purchasable_plan_price(conn, price_id)
        .await?
        .ok_or_else(|| {
            AppError::validation([(
                "price_id".to_owned(),
                "is not a plan you can buy".to_owned(),
            )])
        })
}

/// The account's running subscription (active, trialing or past due), else a 409 saying
/// `message`.
async fn running_subscription(
    conn: &mut crate::db::Conn,
    account_id: Uuid,
    message: &str,
) -> AppResult<q::SubscriptionRow> {
    q::subscriptions_of(conn, account_id)
        .await?
        .into_iter()
        .find(|row| matches!(row.status.as_str(), "active" | "trialing" | "past_due"))
        .ok_or_else(|| AppError::Conflict {
            code: "no_subscription",
            message: message.to_owned(),
        })
}

/// Starts a checkout for `price_id`; `(session id, url)`.
pub async fn start(
    pool: &Pool,
    stripe: Option<&StripeApi>,
    public_url: &url::Url,
    buyer: &Buyer<'_>,
    price_id: Uuid,
) -> AppResult<(String, String)> {
    // Without Stripe nothing can be bought; say so before judging the price.
    let stripe = stripe_of(stripe)?;
    let (stripe_price, customer) = {
        let mut conn = pool.get().await?;
        let stripe_price = plan_price(&mut conn, price_id).await?;
        let live = q::subscription_statuses(&mut conn, buyer.account_id)
            .await?
            .iter()
            .any(|status| {
                matches!(
                    status.as_str(),
                    "active" | "trialing" | "past_due" | "unpaid"
                )
            });
        if live {
            return Err(AppError::Conflict {
                code: "already_subscribed",
                message: "This account already has a subscription; change its plan instead."
                    .to_owned(),
            });
        }
        let account = q::account_billing(&mut conn, buyer.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        (stripe_price, account.stripe_customer_id)
    };
    let customer = match customer {
        Some(customer) => customer,
        None => {
            // Concurrent first checkouts of an account share the idempotency key, so
            // Stripe makes one customer; the first to claim it records it, the others
            // read it back.
            let created = stripe
                .create_customer(buyer.account_id, buyer.email, buyer.name)
                .await
                .map_err(stripe_failed)?;
            let mut conn = pool.get().await?;
            q::claim_customer(&mut conn, buyer.account_id, &created)
                .await?
                .unwrap_or(created)
        }
    };
    let success = success_url(public_url, "billing?checkout=")?;
    let cancel = public_url.join("pricing").map_err(AppError::internal)?;
    let key = format!(
        "gatehouse-checkout-{}-{price_id}-{}",
        buyer.account_id,
        window(10)
    );
    stripe
        .create_checkout(
            &Checkout {
                payer: Payer::Customer(&customer),
                items: &[(&stripe_price, 1)],
                metadata: ("account_id", buyer.account_id.to_string()),
                success_url: &success,
                cancel_url: cancel.as_str(),
            },
            &key,
        )
        .await
        .map_err(stripe_failed)
}

/// The Customer Portal for the account.
pub async fn portal(
    pool: &Pool,
    stripe: Option<&StripeApi>,
    public_url: &url::Url,
    account_id: Uuid,
) -> AppResult<String> {
    let account = q::account_billing(&mut *pool.get().await?, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(customer) = account.stripe_customer_id else {
        return Err(AppError::Conflict {
            code: "no_billing_account",
            message: "This account has not subscribed yet.".to_owned(),
        });
    };
    let back = public_url.join("billing").map_err(AppError::internal)?;
    let key = format!("gatehouse-portal-{account_id}-{}", window(1));
    stripe_of(stripe)?
        .portal(&customer, back.as_str(), &key)
        .await
        .map_err(stripe_failed)
}

/// Asks Stripe to end the live subscription at its period's end (`cancel`) or not.
pub async fn set_cancel_at_period_end(
    pool: &Pool,
    stripe: Option<&StripeApi>,
    account_id: Uuid,
    cancel: bool,
) -> AppResult<()> {
    let subscription = running_subscription(
        &mut *pool.get().await?,
        account_id,
        "This account has no running subscription.",
    )
    .await?;
    let key = format!(
        "gatehouse-cancel-{}-{cancel}-{}",
        subscription.stripe_subscription_id,
        window(1)
    );
    stripe_of(stripe)?
        .set_cancel_at_period_end(&subscription.stripe_subscription_id, cancel, &key)
        .await
        .map_err(stripe_failed)
}

/// What changing plan means: a preview, or the change requested at Stripe.
pub enum PlanChange {
    Preview(PlanChangePreview),
    Requested,
}

/// Moves the live subscription to another plan's price (prorations invoiced at once), or
/// only prices that (`preview`).
pub async fn change_plan(
    pool: &Pool,
    stripe: Option<&StripeApi>,
    account_id: Uuid,
    price_id: Uuid,
    preview: bool,
) -> AppResult<PlanChange> {
    let (stripe_price, subscription, item, current_price) = {
        let mut conn = pool.get().await?;
        let stripe_price = plan_price(&mut conn, price_id).await?;
        let subscription = running_subscription(
            &mut conn,
            account_id,
            "This account has no running subscription; start one through checkout.",
        )
        .await?;
        let (item, current_price) = q::items_of(&mut conn, subscription.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("subscription without items")))?;
        (stripe_price, subscription, item, current_price)
    };
    if current_price == stripe_price {
        return Err(AppError::validation([(
            "price_id".to_owned(),
            "is the plan you already have".to_owned(),
        )]));
    }
    let stripe = stripe_of(stripe)?;
    let sub = &subscription.stripe_subscription_id;
    if preview {
        let (amount_due_minor, currency, lines) = stripe
            .preview_change(sub, &item, &stripe_price)
            .await
            .map_err(stripe_failed)?;
        return Ok(PlanChange::Preview(PlanChangePreview {
            amount_due_minor,
            currency,
            lines: lines
                .into_iter()
                .map(|(description, amount_minor)| PreviewLine {
                    description,
                    amount_minor,
                })
                .collect(),
        }));
    }
    let key = format!("gatehouse-change-{sub}-{stripe_price}-{}", window(10));
    stripe
        .change_price(sub, &item, &stripe_price, &key)
        .await
        .map_err(stripe_failed)?;
    Ok(PlanChange::Requested)
}
