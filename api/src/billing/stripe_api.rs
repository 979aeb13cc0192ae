//! Gatehouse's Stripe client: async-stripe over rustls, a timeout on every attempt,
//! bounded retries with backoff on 429, 5xx and lost connections, all within one
//! deadline per call (a customer's click is answered, or refused with a 503, within
//! [`CALL_DEADLINE`], never half a minute later), and on every POST an
//! idempotency key derived from what the request means (so a retry, even from another
//! process, is the same request to Stripe). Reads come back as snapshots, the shape the
//! rest of billing works with.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::invoice::RetrieveInvoice;
use stripe_billing::invoice::{
    CreatePreviewInvoice, CreatePreviewInvoiceSubscriptionDetails,
    CreatePreviewInvoiceSubscriptionDetailsItems,
    CreatePreviewInvoiceSubscriptionDetailsProrationBehavior,
};
use stripe_billing::subscription::RetrieveSubscription;
use stripe_billing::subscription::{
    UpdateSubscription, UpdateSubscriptionItems, UpdateSubscriptionProrationBehavior,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_core::customer::CreateCustomer;
use stripe_product::price::{
    CreatePrice, CreatePriceRecurring, CreatePriceRecurringInterval, UpdatePrice,
};
use stripe_product::product::CreateProduct;
use stripe_shared::CheckoutSessionMode;

use super::subscriptions::{InvoiceSnapshot, ItemSnapshot, SubscriptionSnapshot};

/// Attempts per call (the first and two retries).
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// How long one attempt may take unless [`StripeApi::with_timeout`] says otherwise.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Every attempt of one call and the backoffs between them end within this: a slow
/// Stripe costs a customer at most this long before the 503.
pub const CALL_DEADLINE: Duration = Duration::from_secs(12);
/// No attempt starts with less of the deadline left than this.
const LEAST_ATTEMPT: Duration = Duration::from_millis(500);

/// A catalog price to create at Stripe.
pub struct NewStripePrice<'a> {
    pub price_id: uuid::Uuid,
    pub stripe_product: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    /// `month` or `year`.
    pub period: &'a str,
}

/// Who pays at a checkout.
pub enum Payer<'a> {
    /// An account's existing Stripe customer.
    Customer(&'a str),
    /// Someone without an account yet: Checkout creates the customer for this address.
    NewCustomer { email: &'a str },
}

/// What a checkout is for. `metadata` goes on the session and on the subscription, so
/// processing can tell whose it is (`account_id`, or `onboarding_id` for a sign-up).
pub struct Checkout<'a> {
    pub payer: Payer<'a>,
    /// Stripe prices and quantities.
    pub items: &'a [(&'a str, u64)],
    pub metadata: (&'a str, String),
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

#[derive(Clone)]
pub struct StripeApi {
    client: Client,
    /// Per attempt (and never past [`CALL_DEADLINE`]).
    timeout: Duration,
}

impl std::fmt::Debug for StripeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the secret key.
        f.debug_struct("StripeApi").finish_non_exhaustive()
    }
}

/// Whether trying again may help (also: whether to tell the user "try again later").
/// 409 is Stripe's answer while another request with the same idempotency key is still
/// in flight (a customer's double click): the retry gets the first request's answer.
pub fn transient(err: &StripeError) -> bool {
    match err {
        StripeError::Stripe(_, status) => matches!(*status, 409 | 429) || *status >= 500,
        StripeError::ClientError(_) | StripeError::Timeout => true,
        StripeError::JSONDeserialize(_) | StripeError::ConfigError(_) => false,
    }
}

fn time(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(seconds, 0)
}

impl StripeApi {
    /// `api_base` is Stripe's (`https://api.stripe.com/`) or the fake's.
    pub fn new(secret_key: &SecretString, api_base: &url::Url) -> anyhow::Result<Self> {
        let client = ClientBuilder::new(secret_key.expose_secret())
            .url(api_base.as_str())
            .timeout(ATTEMPT_TIMEOUT)
            .build()?;
        Ok(Self {
            client,
            timeout: ATTEMPT_TIMEOUT,
        })
    }

    /// Gives every attempt `timeout` instead of 10 s (tests of a slow Stripe).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends `request`, again after a backoff when the failure is transient.
    async fn send<R>(&self, request: &R) -> Result<R::Output, StripeError>
    where
        R: StripeRequest,
        R::Output: miniserde::Deserialize,
    {
        self.send_keyed(request, None).await
    }

    /// Sends a POST under `key`: Stripe answers a repeat of the key with the first answer,
    /// so retries (here, or a user's second click) never do the thing twice.
    async fn send_keyed<R>(&self, request: &R, key: Option<&str>) -> Result<R::Output, StripeError>
    where
        R: StripeRequest,
        R::Output: miniserde::Deserialize,
    {
        let key = key
            .map(|key| {
                IdempotencyKey::new(key)
                    .map_err(|err| StripeError::ConfigError(format!("idempotency key: {err:?}")))
            })
            .transpose()?;
        let started = tokio::time::Instant::now();
        let left = || CALL_DEADLINE.saturating_sub(started.elapsed());
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let mut customized = request.customize().timeout(self.timeout.min(left()));
            if let Some(key) = &key {
                customized = customized.request_strategy(RequestStrategy::Idempotent(key.clone()));
            }
            match customized.send(&self.client).await {
                Err(err)
                    if attempt < ATTEMPTS
                        && transient(&err)
                        && left() >= backoff + LEAST_ATTEMPT =>
                {
                    tracing::warn!(error = %err, attempt, "Stripe call failed; trying again");
                    tokio::time::sleep(backoff).await;
                    backoff *= 4;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The subscription as Stripe has it now.
    pub async fn subscription(&self, id: &str) -> Result<SubscriptionSnapshot, StripeError> {
        let sub = self.send(&RetrieveSubscription::new(id)).await?;
        let items: Vec<ItemSnapshot> = sub
            .items
            .data
            .iter()
            .map(|item| ItemSnapshot {
                stripe_item_id: item.id.as_str().to_owned(),
                stripe_price_id: item.price.id.as_str().to_owned(),
                quantity: i32::try_from(item.quantity.unwrap_or(1)).unwrap_or(i32::MAX),
            })
            .collect();
        // Since API 2025-03-31 the period lives on each item; the subscription's is theirs.
        let period_start = sub.items.data.iter().map(|i| i.current_period_start).min();
        let period_end = sub.items.data.iter().map(|i| i.current_period_end).max();
        Ok(SubscriptionSnapshot {
            stripe_subscription_id: sub.id.as_str().to_owned(),
            stripe_customer_id: sub.customer.id().as_str().to_owned(),
            account_hint: sub
                .metadata
                .get("account_id")
                .and_then(|id| id.parse().ok()),
            onboarding_hint: sub
                .metadata
                .get("onboarding_id")
                .and_then(|id| id.parse().ok()),
            status: sub.status.as_str().to_owned(),
            current_period_start: period_start.and_then(time),
            current_period_end: period_end.and_then(time),
            cancel_at_period_end: sub.cancel_at_period_end,
            canceled_at: sub.canceled_at.and_then(time),
            ended_at: sub.ended_at.and_then(time),
            trial_end: sub.trial_end.and_then(time),
            latest_invoice: sub
                .latest_invoice
                .as_ref()
                .and_then(|invoice| invoice.id().as_ref())
                .map(|id| id.as_str().to_owned()),
            items,
        })
    }

    /// The invoice as Stripe has it now.
    pub async fn invoice(&self, id: &str) -> Result<InvoiceSnapshot, StripeError> {
        let invoice = self.send(&RetrieveInvoice::new(id)).await?;
        let subscription = invoice
            .parent
            .as_ref()
            .and_then(|parent| parent.subscription_details.as_ref())
            .map(|details| details.subscription.id().as_str().to_owned());
        Ok(InvoiceSnapshot {
            stripe_invoice_id: invoice
                .id
                .as_ref()
                .map(|id| id.as_str().to_owned())
                .unwrap_or_else(|| id.to_owned()),
            stripe_customer_id: invoice
                .customer
                .as_ref()
                .map(|customer| customer.id().as_str().to_owned())
                .unwrap_or_default(),
            stripe_subscription_id: subscription,
            amount_due_minor: invoice.amount_due,
            amount_paid_minor: invoice.amount_paid,
            currency: invoice.currency.to_string().to_lowercase(),
            status: invoice
                .status
                .as_ref()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_else(|| "draft".to_owned()),
            hosted_invoice_url: invoice.hosted_invoice_url.clone(),
            period_start: time(invoice.period_start),
            period_end: time(invoice.period_end),
            created: time(invoice.created).unwrap_or_else(Utc::now),
        })
    }

    /// The account's customer (created once per account, whatever retries happen).
    pub async fn create_customer(
        &self,
        account_id: uuid::Uuid,
        email: &str,
        name: &str,
    ) -> Result<String, StripeError> {
        let account = account_id.to_string();
        let request = CreateCustomer::new().email(email).name(name).metadata(
            std::collections::HashMap::from([("account_id".to_owned(), account.clone())]),
        );
        let customer = self
            .send_keyed(&request, Some(&format!("gatehouse-customer-{account}")))
            .await?;
        Ok(customer.id.as_str().to_owned())
    }

    /// A hosted checkout for one subscription to `items`; `(session id, url)`.
    pub async fn create_checkout(
        &self,
        checkout: &Checkout<'_>,
        key: &str,
    ) -> Result<(String, String), StripeError> {
        let items: Vec<CreateCheckoutSessionLineItems> = checkout
            .items
            .iter()
            .map(|(price, quantity)| {
                let mut item = CreateCheckoutSessionLineItems::new();
                item.price = Some((*price).to_owned());
                item.quantity = Some(*quantity);
                item
            })
            .collect();
        let (name, value) = &checkout.metadata;
        let metadata = std::collections::HashMap::from([((*name).to_owned(), value.clone())]);
        let mut subscription_data = CreateCheckoutSessionSubscriptionData::new();
        subscription_data.metadata = Some(metadata.clone());
        let mut request = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .line_items(items)
            .success_url(checkout.success_url)
            .cancel_url(checkout.cancel_url)
            .client_reference_id(value.clone())
            .metadata(metadata)
            .subscription_data(subscription_data);
        request = match checkout.payer {
            Payer::Customer(customer) => request.customer(customer),
            Payer::NewCustomer { email } => request.customer_email(email),
        };
        let session = self.send_keyed(&request, Some(key)).await?;
        let url = session
            .url
            .clone()
            .ok_or_else(|| StripeError::ClientError("the checkout session has no URL".into()))?;
        Ok((session.id.as_str().to_owned(), url))
    }

    /// A Customer Portal session's URL.
    pub async fn portal(
        &self,
        customer: &str,
        return_url: &str,
        key: &str,
    ) -> Result<String, StripeError> {
        let request = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url);
        Ok(self.send_keyed(&request, Some(key)).await?.url)
    }

    /// Ends the subscription at the end of its period (`true`) or keeps it (`false`).
    pub async fn set_cancel_at_period_end(
        &self,
        subscription: &str,
        cancel: bool,
        key: &str,
    ) -> Result<(), StripeError> {
        let request = UpdateSubscription::new(subscription).cancel_at_period_end(cancel);
        self.send_keyed(&request, Some(key)).await?;
        Ok(())
    }

    /// Creates the catalog product at Stripe (once per product); its Stripe id.
    pub async fn create_product(
        &self,
        product_id: uuid::Uuid,
        name: &str,
        description: &str,
    ) -> Result<String, StripeError> {
        let mut request = CreateProduct::new(name).metadata(std::collections::HashMap::from([(
            "product_id".to_owned(),
            product_id.to_string(),
        )]));
        if !description.is_empty() {
            request = request.description(description);
        }
        let key = format!("gatehouse-product-{product_id}");
        Ok(self
            .send_keyed(&request, Some(&key))
            .await?
            .id
            .as_str()
            .to_owned())
    }

    /// Creates the catalog price at Stripe (once per price; prices never change there, a
    /// new amount is a new price); its Stripe id.
    pub async fn create_price(&self, price: &NewStripePrice<'_>) -> Result<String, StripeError> {
        let currency: stripe_types::Currency = price
            .currency
            .parse()
            .map_err(|_| StripeError::ConfigError(format!("currency {:?}", price.currency)))?;
        let interval = match price.period {
            "year" => CreatePriceRecurringInterval::Year,
            _ => CreatePriceRecurringInterval::Month,
        };
        let request = CreatePrice::new(currency)
            .product(price.stripe_product)
            .unit_amount(price.amount_minor)
            .recurring(CreatePriceRecurring::new(interval))
            .metadata(std::collections::HashMap::from([(
                "price_id".to_owned(),
                price.price_id.to_string(),
            )]));
        let key = format!("gatehouse-price-{}", price.price_id);
        Ok(self
            .send_keyed(&request, Some(&key))
            .await?
            .id
            .as_str()
            .to_owned())
    }

    /// Archives a price at Stripe (no new checkouts; existing subscriptions keep it).
    pub async fn archive_price(&self, stripe_price: &str) -> Result<(), StripeError> {
        let request = UpdatePrice::new(stripe_price).active(false);
        let key = format!("gatehouse-archive-{stripe_price}");
        self.send_keyed(&request, Some(&key)).await?;
        Ok(())
    }

    /// What moving `item` to `stripe_price` costs now (prorations invoiced at once);
    /// nothing changes at Stripe. `(amount due, currency, [(description, amount)])`.
    pub async fn preview_change(
        &self,
        subscription: &str,
        item: &str,
        stripe_price: &str,
    ) -> Result<(i64, String, Vec<(String, i64)>), StripeError> {
        let mut change = CreatePreviewInvoiceSubscriptionDetailsItems::new();
        change.id = Some(item.to_owned());
        change.price = Some(stripe_price.to_owned());
        let mut details = CreatePreviewInvoiceSubscriptionDetails::new();
        details.items = Some(vec![change]);
        details.proration_behavior =
            Some(CreatePreviewInvoiceSubscriptionDetailsProrationBehavior::AlwaysInvoice);
        let request = CreatePreviewInvoice::new()
            .subscription(subscription)
            .subscription_details(details);
        let preview = self.send(&request).await?;
        let lines = preview
            .lines
            .data
            .iter()
            .map(|line| (line.description.clone().unwrap_or_default(), line.amount))
            .collect();
        Ok((
            preview.amount_due,
            preview.currency.to_string().to_lowercase(),
            lines,
        ))
    }

    /// Moves `item` to `stripe_price`, invoicing the prorations at once.
    pub async fn change_price(
        &self,
        subscription: &str,
        item: &str,
        stripe_price: &str,
        key: &str,
    ) -> Result<(), StripeError> {
        let mut change = UpdateSubscriptionItems::new();
        change.id = Some(item.to_owned());
        change.price = Some(stripe_price.to_owned());
        let request = UpdateSubscription::new(subscription)
            .items(vec![change])
            .proration_behavior(UpdateSubscriptionProrationBehavior::AlwaysInvoice);
        self.send_keyed(&request, Some(key)).await?;
        Ok(())
    }
}
