//! A Gatehouse wired to the fake Stripe, for billing tests: its API talks to the fake,
//! and a worker processes Stripe's events by reading back from it.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use gatehouse::billing::signature::sign;
use gatehouse::billing::stripe_api::StripeApi;
use gatehouse::jobs::worker::{Worker, WorkerConfig};
use gatehouse::jobs::{JobServices, Registry};
use gatehouse_fakes::stripe::{FakeStripe, SECRET_KEY};
use secrecy::SecretString;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::harness::TestApp;

pub const WEBHOOK_SECRET: &str = "whsec_processing";
/// The events a paid checkout is known by.
pub const MAIN_EVENTS: [&str; 4] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "invoice.paid",
    "invoice.payment_succeeded",
];

pub struct Stripe {
    pub fake: FakeStripe,
    pub base: String,
}

impl Stripe {
    pub fn start() -> Self {
        let fake = FakeStripe::default();
        let base = fake.spawn();
        Self { fake, base }
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(SECRET_KEY)
            .form(form)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub fn api(&self) -> StripeApi {
        StripeApi::new(
            &SecretString::from(SECRET_KEY.to_owned()),
            &self.base.parse().unwrap(),
        )
        .unwrap()
    }
}

/// A paid checkout of a monthly plan at the fake: `(customer, price, subscription)`.
pub async fn paid_checkout(stripe: &Stripe) -> (String, String, String) {
    let product = stripe.post("/v1/products", &[("name", "Team")]).await;
    let price = stripe
        .post(
            "/v1/prices",
            &[
                ("product", product["id"].as_str().unwrap()),
                ("unit_amount", "2900"),
                ("currency", "eur"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    let customer = stripe
        .post("/v1/customers", &[("email", "ada@example.org")])
        .await;
    let session = stripe
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("customer", customer["id"].as_str().unwrap()),
                ("line_items[0][price]", price["id"].as_str().unwrap()),
                ("line_items[0][quantity]", "1"),
                (
                    "success_url",
                    "http://gatehouse.test/billing?session_id={CHECKOUT_SESSION_ID}",
                ),
                ("cancel_url", "http://gatehouse.test/pricing"),
            ],
        )
        .await;
    stripe
        .fake
        .complete_checkout(session["id"].as_str().unwrap(), None)
        .unwrap();
    let subscription = stripe
        .fake
        .events()
        .into_iter()
        .find(|e| e["type"] == "customer.subscription.created")
        .unwrap()["data"]["object"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (
        customer["id"].as_str().unwrap().to_owned(),
        price["id"].as_str().unwrap().to_owned(),
        subscription,
    )
}

pub fn events_of(stripe: &Stripe, types: &[&str]) -> Vec<Value> {
    stripe
        .fake
        .events()
        .into_iter()
        .filter(|e| types.contains(&e["type"].as_str().unwrap()))
        .collect()
}

/// A Gatehouse whose account pays as `customer` and whose Team plan is `price` in
/// Stripe, with a worker that reads from the fake Stripe.
pub struct Gatehouse {
    pub app: TestApp,
    pub account: Uuid,
    stop: CancellationToken,
}

impl Gatehouse {
    /// With `price` empty, the seeded catalog is synced to the fake instead.
    pub async fn start(stripe: &Stripe, customer: &str, price: &str) -> Self {
        let app = TestApp::builder()
            .seeded()
            .stripe_webhook_secrets(&[WEBHOOK_SECRET])
            .stripe(stripe.api())
            .spawn()
            .await;
        let (_, account) = app.create_user("ada@example.org", "ada").await;
        let mut conn = app.db.pool().get().await.unwrap();
        if price.is_empty() {
            // The whole catalog, as `gatehouse seed` makes it with Stripe configured.
            gatehouse::billing::catalog_sync::sync(&mut conn, &stripe.api())
                .await
                .unwrap();
        } else {
            diesel::sql_query(
                "UPDATE prices SET stripe_price_id = $1 WHERE billing_period = 'month'
                   AND product_id = (SELECT id FROM products WHERE slug = 'team')",
            )
            .bind::<diesel::sql_types::Text, _>(price)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        if !customer.is_empty() {
            diesel::sql_query("UPDATE accounts SET stripe_customer_id = $1 WHERE id = $2")
                .bind::<diesel::sql_types::Text, _>(customer)
                .bind::<diesel::sql_types::Uuid, _>(account)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let stop = CancellationToken::new();
        let worker = Worker::new(
            app.db.pool(),
            Registry::standard(),
            JobServices {
                stripe: Some(stripe.api()),
                ..JobServices::default()
            },
            WorkerConfig {
                poll_interval: Duration::from_millis(20),
                backoff_base: Duration::from_millis(20),
                backoff_cap: Duration::from_millis(100),
                schedule_housekeeping: false,
                ..WorkerConfig::default()
            },
        );
        tokio::spawn(worker.run(stop.clone()));
        Self { app, account, stop }
    }

    pub async fn deliver(&self, event: &Value) {
        let body = serde_json::to_vec(event).unwrap();
        let signature = sign(WEBHOOK_SECRET, chrono::Utc::now().timestamp(), &body);
        let response = self
            .app
            .client
            .post(self.app.url("/api/v1/webhooks/stripe"))
            .header("stripe-signature", signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// Waits until no processing or mail job is queued or running.
    pub async fn settled(&self) {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut conn = self.app.db.pool().get().await.unwrap();
            let busy = diesel::sql_query(
                "SELECT count(*) AS count FROM jobs
                  WHERE kind IN ('billing.stripe_subject', 'mail.send')
                    AND state IN ('queued', 'running')",
            )
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .count;
            if busy == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "processing did not settle"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the events decide, in a comparable form.
    pub async fn state(&self) -> Value {
        let mut conn = self.app.db.pool().get().await.unwrap();
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            state: Value,
        }
        diesel::sql_query(
            "SELECT jsonb_build_object(
               'account', (SELECT status FROM accounts WHERE id = $1),
               'subscriptions', (SELECT jsonb_agg(jsonb_build_array(s.status, s.cancel_at_period_end,
                    (SELECT jsonb_agg(jsonb_build_array(i.stripe_price_id, i.quantity, i.price_id IS NOT NULL))
                       FROM subscription_items i WHERE i.subscription_id = s.id)))
                  FROM subscriptions s WHERE s.account_id = $1),
               'payments', (SELECT jsonb_agg(jsonb_build_array(status, amount_paid_minor, currency) ORDER BY created)
                  FROM payments WHERE account_id = $1),
               'unprocessed', (SELECT count(*) FROM stripe_events WHERE status IN ('received', 'failed')),
               'credits', (SELECT jsonb_agg(jsonb_build_array(kind, amount, balance_after) ORDER BY id)
                  FROM credit_transactions WHERE account_id = $1)
             ) AS state",
        )
        .bind::<diesel::sql_types::Uuid, _>(self.account)
        .get_result::<Row>(&mut conn)
        .await
        .unwrap()
        .state
    }

    pub async fn emails(&self, template: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let mut conn = self.app.db.pool().get().await.unwrap();
        diesel::sql_query(
            // Sent mail (the outbox records it; the job's payload is erased once sent).
            "SELECT count(*) AS count FROM emails WHERE template = $1",
        )
        .bind::<diesel::sql_types::Text, _>(template)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
    }
}

impl Drop for Gatehouse {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The plan, product and price of a Team-like plan created at the fake; its price id.
pub async fn fake_price(stripe: &Stripe) -> String {
    let product = stripe.post("/v1/products", &[("name", "Team")]).await;
    let price = stripe
        .post(
            "/v1/prices",
            &[
                ("product", product["id"].as_str().unwrap()),
                ("unit_amount", "2900"),
                ("currency", "eur"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    price["id"].as_str().unwrap().to_owned()
}

pub async fn catalog_price(app: &TestApp, slug: &str) -> String {
    let catalog = crate::harness::json(app.get("/api/v1/catalog").await).await;
    catalog["pages"][0]["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == slug)
        .unwrap()["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "month")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
