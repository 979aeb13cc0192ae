//! Processing Stripe's events end to end against the fake Stripe: Gatehouse's real
//! client re-reads subscriptions and invoices, so every ordering and any number of
//! deliveries of one checkout's events converge on the same state.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use gatehouse::billing::signature::sign;
use gatehouse::billing::stripe_api::StripeApi;
use gatehouse::jobs::worker::{Worker, WorkerConfig};
use gatehouse::jobs::{JobServices, Registry};
use gatehouse_fakes::stripe::{ApiFaults, FakeStripe, SECRET_KEY};
use secrecy::SecretString;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::harness::TestApp;

const WEBHOOK_SECRET: &str = "whsec_processing";
/// The events a paid checkout is known by.
const MAIN_EVENTS: [&str; 4] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "invoice.paid",
    "invoice.payment_succeeded",
];

struct Stripe {
    fake: FakeStripe,
    base: String,
}

impl Stripe {
    fn start() -> Self {
        let fake = FakeStripe::default();
        let base = fake.spawn();
        Self { fake, base }
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
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

    fn api(&self) -> StripeApi {
        StripeApi::new(
            &SecretString::from(SECRET_KEY.to_owned()),
            &self.base.parse().unwrap(),
        )
        .unwrap()
    }
}

/// A paid checkout of a monthly plan at the fake: `(customer, price, subscription)`.
async fn paid_checkout(stripe: &Stripe) -> (String, String, String) {
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

fn events_of(stripe: &Stripe, types: &[&str]) -> Vec<Value> {
    stripe
        .fake
        .events()
        .into_iter()
        .filter(|e| types.contains(&e["type"].as_str().unwrap()))
        .collect()
}

/// A Gatehouse whose account pays as `customer` and whose Team plan is `price` in
/// Stripe, with a worker that reads from the fake Stripe.
struct Gatehouse {
    app: TestApp,
    account: Uuid,
    stop: CancellationToken,
}

impl Gatehouse {
    async fn start(stripe: &Stripe, customer: &str, price: &str) -> Self {
        let app = TestApp::builder()
            .seeded()
            .stripe_webhook_secrets(&[WEBHOOK_SECRET])
            .spawn()
            .await;
        let (_, account) = app.create_user("ada@example.org", "ada").await;
        let mut conn = app.db.pool().get().await.unwrap();
        diesel::sql_query(
            "UPDATE prices SET stripe_price_id = $1 WHERE billing_period = 'month'
               AND product_id = (SELECT id FROM products WHERE slug = 'team')",
        )
        .bind::<diesel::sql_types::Text, _>(price)
        .execute(&mut conn)
        .await
        .unwrap();
        diesel::sql_query("UPDATE accounts SET stripe_customer_id = $1 WHERE id = $2")
            .bind::<diesel::sql_types::Text, _>(customer)
            .bind::<diesel::sql_types::Uuid, _>(account)
            .execute(&mut conn)
            .await
            .unwrap();
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

    async fn deliver(&self, event: &Value) {
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
    async fn settled(&self) {
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
    async fn state(&self) -> Value {
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
               'unprocessed', (SELECT count(*) FROM stripe_events WHERE status IN ('received', 'failed'))
             ) AS state",
        )
        .bind::<diesel::sql_types::Uuid, _>(self.account)
        .get_result::<Row>(&mut conn)
        .await
        .unwrap()
        .state
    }

    async fn emails(&self, template: &str) -> i64 {
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

fn permutations(items: Vec<Value>) -> Vec<Vec<Value>> {
    if items.len() <= 1 {
        return vec![items];
    }
    let mut all = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.clone();
        let first = rest.remove(i);
        for mut tail in permutations(rest) {
            tail.insert(0, first.clone());
            all.push(tail);
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ordering_of_a_checkouts_events_gives_the_same_state() {
    let stripe = Stripe::start();
    let (customer, price, _) = paid_checkout(&stripe).await;
    let events = events_of(&stripe, &MAIN_EVENTS);
    assert_eq!(events.len(), 4);
    let expected = serde_json::json!({
        "account": "active",
        "subscriptions": [["active", false, [[price, 1, true]]]],
        "payments": [["paid", 2900, "eur"]],
        "unprocessed": 0,
    });
    let orderings = permutations(events);
    assert_eq!(orderings.len(), 24);
    for (n, ordering) in orderings.iter().enumerate() {
        let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
        // One at a time, each processed before the next arrives: the order matters most.
        for event in ordering {
            gatehouse.deliver(event).await;
            gatehouse.settled().await;
        }
        assert_eq!(gatehouse.state().await, expected, "ordering {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_duplicates_lands_once() {
    let stripe = Stripe::start();
    let (customer, price, _) = paid_checkout(&stripe).await;
    let events = events_of(&stripe, &MAIN_EVENTS);
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    let deliveries = (0..10)
        .flat_map(|_| events.iter())
        .map(|e| gatehouse.deliver(e));
    futures_util::future::join_all(deliveries).await;
    gatehouse.settled().await;
    let state = gatehouse.state().await;
    assert_eq!(state["account"], "active");
    assert_eq!(state["payments"].as_array().unwrap().len(), 1);
    assert_eq!(state["unprocessed"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_renewal_then_cancellation_move_the_account_and_mail_once_each() {
    let stripe = Stripe::start();
    let (customer, price, subscription) = paid_checkout(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    for event in events_of(&stripe, &MAIN_EVENTS) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;

    let before = stripe.fake.events().len();
    stripe.fake.fail_payment(&subscription).unwrap();
    let failure: Vec<Value> = stripe.fake.events()[before..].to_vec();
    for event in failure.iter().chain(failure.iter()) {
        gatehouse.deliver(event).await;
    }
    gatehouse.settled().await;
    let state = gatehouse.state().await;
    assert_eq!(state["account"], "past_due");
    assert_eq!(gatehouse.emails("payment_failed").await, 1);

    let cancelled = reqwest::Client::new()
        .delete(format!("{}/v1/subscriptions/{subscription}", stripe.base))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success());
    let deleted = events_of(&stripe, &["customer.subscription.deleted"]);
    gatehouse.deliver(&deleted[0]).await;
    gatehouse.settled().await;
    // A stale `created` delivered again afterwards changes nothing.
    gatehouse
        .deliver(&events_of(&stripe, &["customer.subscription.created"])[0])
        .await;
    gatehouse.settled().await;
    let state = gatehouse.state().await;
    assert_eq!(state["account"], "cancelled");
    assert_eq!(state["subscriptions"][0][0], "canceled");
    assert_eq!(gatehouse.emails("subscription_cancelled").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_stripe_is_down_events_wait_and_are_processed_once_it_answers() {
    let stripe = Stripe::start();
    let (customer, price, _) = paid_checkout(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    stripe.fake.set_api_faults(ApiFaults {
        fail_next: std::iter::repeat_n(503, 6).collect(),
        ..Default::default()
    });
    let created = &events_of(&stripe, &["customer.subscription.created"])[0];
    gatehouse.deliver(created).await;
    // The first attempt (three calls) fails; the event says why.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut conn = gatehouse.app.db.pool().get().await.unwrap();
        let row = gatehouse::db::stripe_events::find(&mut conn, created["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        if row.status == "failed" {
            assert!(row.last_error.unwrap().contains("503"));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gatehouse.settled().await;
    let state = gatehouse.state().await;
    assert_eq!(state["account"], "active");
    assert_eq!(state["unprocessed"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_replay_an_event_and_the_state_stays_the_same() {
    use reqwest::Method;
    let stripe = Stripe::start();
    let (customer, price, _) = paid_checkout(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    for event in events_of(&stripe, &MAIN_EVENTS) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;
    let before = gatehouse.state().await;
    let staff = gatehouse.app.staff_session().await;
    let paid = &events_of(&stripe, &["invoice.paid"])[0];
    let path = format!(
        "/api/v1/admin/webhooks/stripe/events/{}/replay",
        paid["id"].as_str().unwrap()
    );
    let replayed = gatehouse
        .app
        .authed(Method::POST, &path, &staff, None)
        .await;
    assert_eq!(replayed.status(), 202);
    assert_eq!(crate::harness::json(replayed).await["status"], "received");
    gatehouse.settled().await;
    assert_eq!(gatehouse.state().await, before);
    let mut conn = gatehouse.app.db.pool().get().await.unwrap();
    let row = gatehouse::db::stripe_events::find(&mut conn, paid["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "processed");

    // An ignored type cannot be replayed; unknown events are 404.
    let ignored = &events_of(&stripe, &["invoice.finalized"])[0];
    gatehouse.deliver(ignored).await;
    let refused = gatehouse
        .app
        .authed(
            Method::POST,
            &format!(
                "/api/v1/admin/webhooks/stripe/events/{}/replay",
                ignored["id"].as_str().unwrap()
            ),
            &staff,
            None,
        )
        .await;
    crate::harness::assert_envelope(refused, 409, "event_not_processable").await;
    let missing = gatehouse
        .app
        .authed(
            Method::POST,
            "/api/v1/admin/webhooks/stripe/events/evt_nope/replay",
            &staff,
            None,
        )
        .await;
    crate::harness::assert_envelope(missing, 404, "not_found").await;
}
