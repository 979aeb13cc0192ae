//! A fake Stripe: the subset of the Stripe API Gatehouse calls, in Stripe's wire format
//! (form-encoded requests, JSON objects shaped like `fixtures3.json`, Stripe's errors
//! and idempotency), the hosted pages a customer uses (Checkout, the Customer Portal,
//! invoices), and signed webhook deliveries with switchable faults.
//!
//! Routes:
//! - `/v1/…`: customers, products, prices, checkout sessions, billing portal sessions,
//!   subscriptions, invoices, events (see `api::route`). `Authorization: Bearer
//!   <secret key>` required.
//! - `GET /checkout/{id}` (Pay / Cancel), `GET /portal/{id}`, `GET /invoice/{id}`: pages.
//! - `/_fake/…`: test controls (no key): complete a checkout, renew or decline a
//!   subscription's renewal, set the webhook endpoint and faults, API faults, list
//!   deliveries, wait until deliveries settle. See `control`.

mod api;
mod checkout;
mod control;
mod customers;
mod error;
mod events;
mod form;
mod invoices;
mod pages;
mod period;
mod portal;
mod prices;
mod products;
mod store;
mod subscriptions;
mod webhooks;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpServer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::ApiError;
pub use store::API_VERSION;
pub use webhooks::{signature_header, Delivery, Endpoint, Faults, Order, RetryPolicy};

use store::Store;
use webhooks::Webhooks;

/// The secret key the fake accepts unless told otherwise.
pub const SECRET_KEY: &str = "sk_test_fake_gatehouse";
/// The webhook signing secret the binary uses unless told otherwise.
pub const WEBHOOK_SECRET: &str = "whsec_fake_gatehouse";

/// Faults of the API itself, for testing Gatehouse's Stripe client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiFaults {
    /// Answer the next requests with these statuses (500, 429, …) before doing
    /// anything, one per request.
    pub fail_next: VecDeque<u16>,
    /// Carry out the next `n` requests but answer 500, as if the answer were lost on
    /// the way (a retry with the same idempotency key gets the saved answer).
    pub lose_responses: u32,
    /// Wait this long before answering every request.
    pub delay_ms: u64,
}

/// The fault for one request.
pub(crate) struct RequestFault {
    pub fail_before: Option<StatusCode>,
    pub lose_response: bool,
}

struct Inner {
    store: Mutex<Store>,
    secret_key: String,
    webhooks: Arc<Webhooks>,
    api_faults: Mutex<ApiFaults>,
    /// API requests received so far (counted on arrival, before any fault).
    api_requests: AtomicU64,
}

/// The fake's shared state; clone freely.
#[derive(Clone)]
pub struct FakeStripe {
    inner: Arc<Inner>,
}

impl Default for FakeStripe {
    fn default() -> Self {
        Self::new(SECRET_KEY)
    }
}

impl FakeStripe {
    /// A fake that accepts `secret_key` (`sk_test_…`).
    pub fn new(secret_key: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: Mutex::new(Store::default()),
                secret_key: secret_key.to_owned(),
                webhooks: Arc::new(Webhooks::default()),
                api_faults: Mutex::new(ApiFaults::default()),
                api_requests: AtomicU64::new(0),
            }),
        }
    }

    pub fn secret_key(&self) -> &str {
        &self.inner.secret_key
    }

    /// Starts serving on `listener`.
    pub fn serve(&self, listener: std::net::TcpListener) -> std::io::Result<Server> {
        let base = format!("http://{}", listener.local_addr()?);
        {
            let mut store = self.inner.store.lock().expect("not poisoned");
            if store.base.is_empty() {
                store.base = base;
            }
        }
        let this = self.clone();
        Ok(HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(this.clone()))
                .app_data(web::PayloadConfig::new(1 << 20))
                .configure(control::routes)
                .configure(pages::routes)
                .default_service(web::to(api::handle))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run())
    }

    /// Spawns a server on a free local port; returns its base URL (`http://127.0.0.1:…`).
    pub fn spawn(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let server = self.serve(listener).expect("the fake Stripe server starts");
        tokio::spawn(server);
        base
    }

    /// The environment that points Gatehouse at this fake served at `base`.
    pub fn gatehouse_env(&self, base: &str) -> Vec<(String, String)> {
        let secrets = self.webhook_endpoint().secrets.join(",");
        vec![
            ("GATEHOUSE_STRIPE_API_BASE".to_owned(), base.to_owned()),
            (
                "GATEHOUSE_STRIPE_SECRET_KEY".to_owned(),
                self.secret_key().to_owned(),
            ),
            ("GATEHOUSE_STRIPE_WEBHOOK_SECRETS".to_owned(), secrets),
        ]
    }

    /// Runs `op` on the store, then sends the events it emitted.
    pub(crate) fn run<T>(&self, op: impl FnOnce(&mut Store) -> T) -> T {
        let (result, events) = {
            let mut store = self.inner.store.lock().expect("not poisoned");
            let result = op(&mut store);
            (result, std::mem::take(&mut store.outbox))
        };
        self.inner.webhooks.dispatch(events);
        result
    }

    pub(crate) async fn take_api_fault(&self) -> RequestFault {
        self.inner.api_requests.fetch_add(1, Ordering::SeqCst);
        let (fault, delay) = {
            let mut faults = self.inner.api_faults.lock().expect("not poisoned");
            let fail_before = faults.fail_next.pop_front().map(|status| {
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            });
            let lose_response = fail_before.is_none() && faults.lose_responses > 0;
            if lose_response {
                faults.lose_responses -= 1;
            }
            (
                RequestFault {
                    fail_before,
                    lose_response,
                },
                faults.delay_ms,
            )
        };
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        fault
    }

    // ---- webhooks ----

    /// Sends events to `url`, signed with each of `secrets`.
    pub fn with_webhook(self, url: &str, secrets: &[&str]) -> Self {
        self.set_webhook_endpoint(Endpoint {
            url: Some(url.to_owned()),
            secrets: secrets.iter().map(|s| (*s).to_owned()).collect(),
            retry: self.webhook_endpoint().retry,
        });
        self
    }

    pub fn webhook_endpoint(&self) -> Endpoint {
        self.inner.webhooks.endpoint()
    }

    pub fn set_webhook_endpoint(&self, endpoint: Endpoint) {
        self.inner.webhooks.set_endpoint(endpoint);
    }

    pub fn set_retry_policy(&self, retry: RetryPolicy) {
        let mut endpoint = self.webhook_endpoint();
        endpoint.retry = retry;
        self.set_webhook_endpoint(endpoint);
    }

    pub fn faults(&self) -> Faults {
        self.inner.webhooks.faults()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.inner.webhooks.set_faults(faults);
    }

    pub fn set_api_faults(&self, faults: ApiFaults) {
        *self.inner.api_faults.lock().expect("not poisoned") = faults;
    }

    /// The API faults still to come.
    pub fn api_faults(&self) -> ApiFaults {
        self.inner.api_faults.lock().expect("not poisoned").clone()
    }

    /// How many API requests have arrived so far (answered or not yet: a slow answer
    /// counts from its arrival).
    pub fn api_requests(&self) -> u64 {
        self.inner.api_requests.load(Ordering::SeqCst)
    }

    /// Every delivery attempt so far, in the order they happened.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner.webhooks.deliveries()
    }

    /// Waits until no delivery or retry is under way.
    pub async fn settled(&self) {
        self.inner.webhooks.settled().await;
    }

    /// Like [`settled`](Self::settled), but gives up after `timeout`; whether it settled.
    pub async fn settled_within(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.settled()).await.is_ok()
    }

    /// Delivers event `id` again (as Stripe's "Resend" does).
    pub fn resend(&self, id: &str) -> Result<Value, ApiError> {
        let event = self.run(|store| store.find("event", id, "id"))?;
        self.inner.webhooks.dispatch(vec![event.clone()]);
        Ok(event)
    }

    // ---- what happens outside the API ----

    /// Any object by id, as the API would show it.
    pub fn object(&self, id: &str) -> Option<Value> {
        self.run(|store| store.get(id).cloned())
    }

    /// Every event emitted so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.run(|store| {
            let mut events: Vec<Value> = store.all("event", |_| true).cloned().collect();
            events.reverse();
            events
        })
    }

    /// The customer pays checkout session `id` with the test card.
    pub fn complete_checkout(&self, id: &str, email: Option<&str>) -> Result<Value, ApiError> {
        self.run(|store| checkout::complete(store, id, email))
    }

    /// The current period of subscription `id` ends and the renewal is charged.
    pub fn renew(&self, id: &str) -> Result<Value, ApiError> {
        self.run(|store| subscriptions::cycle(store, id, false))
    }

    /// The renewal of subscription `id` is declined (or, when it is already past due,
    /// the retry is): `invoice.payment_failed`, status `past_due`.
    pub fn fail_payment(&self, id: &str) -> Result<Value, ApiError> {
        self.run(|store| subscriptions::cycle(store, id, true))
    }

    /// Sends `customer.subscription.trial_will_end` for a trialing subscription now.
    pub fn trial_will_end(&self, id: &str) -> Result<Value, ApiError> {
        self.run(|store| subscriptions::remind_trial_end(store, id))
    }
}
