//! The fake Stripe over plain HTTP: Stripe's errors and idempotency, the hosted
//! checkout page, and signed webhook deliveries with faults and retries, received by a
//! small actix server standing in for Gatehouse.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use gatehouse_fakes::stripe::{FakeStripe, Faults, Order, RetryPolicy, SECRET_KEY};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const SECRET: &str = "whsec_test_one";

/// What the receiver got: the `Stripe-Signature` header and the raw body.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(String, String)>>>,
    /// Statuses to answer with, in turn; 200 once empty.
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    fn spawn(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/webhooks/stripe", listener.local_addr().unwrap());
        let this = self.clone();
        let server = HttpServer::new(move || {
            let this = this.clone();
            App::new().route(
                "/webhooks/stripe",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let this = this.clone();
                    async move {
                        let signature = req
                            .headers()
                            .get("Stripe-Signature")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        let status = this.script.lock().unwrap().pop_front().unwrap_or(200);
                        this.got
                            .lock()
                            .unwrap()
                            .push((signature, String::from_utf8_lossy(&body).into_owned()));
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        url
    }

    fn events(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| serde_json::from_str(body).unwrap())
            .collect()
    }

    fn types(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn post(base: &str, path: &str, form: &[(&str, &str)], key: Option<&str>) -> (u16, Value) {
    let mut request = http()
        .post(format!("{base}{path}"))
        .bearer_auth(SECRET_KEY)
        .form(form);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A product, a monthly price of 20.00 USD, and an open checkout session for it.
async fn open_session(base: &str) -> Value {
    let (_, product) = post(base, "/v1/products", &[("name", "Pro")], None).await;
    let (_, price) = post(
        base,
        "/v1/prices",
        &[
            ("product", product["id"].as_str().unwrap()),
            ("currency", "usd"),
            ("unit_amount", "2000"),
            ("recurring[interval]", "month"),
        ],
        None,
    )
    .await;
    let (status, session) = post(
        base,
        "/v1/checkout/sessions",
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", price["id"].as_str().unwrap()),
            ("line_items[0][quantity]", "1"),
            ("customer_email", "ada@example.com"),
            (
                "success_url",
                "http://app.test/done?session_id={CHECKOUT_SESSION_ID}",
            ),
            ("cancel_url", "http://app.test/pricing"),
            ("client_reference_id", "acc_1"),
            ("metadata[account]", "acc_1"),
            ("subscription_data[metadata][account]", "acc_1"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{session}");
    session
}

/// [`open_session`], its catalog events delivered and forgotten.
async fn open_session_quietly(fake: &FakeStripe, base: &str, receiver: &Receiver) -> Value {
    let session = open_session(base).await;
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    receiver.got.lock().unwrap().clear();
    session
}

/// A fake that delivers to a fresh receiver, retrying quickly.
fn fake_with_receiver() -> (FakeStripe, String, Receiver) {
    let receiver = Receiver::default();
    let url = receiver.spawn();
    let fake = FakeStripe::default().with_webhook(&url, &[SECRET]);
    fake.set_retry_policy(RetryPolicy::fast());
    let base = fake.spawn();
    (fake, base, receiver)
}

const CHECKOUT_EVENTS: &[&str] = &[
    "customer.created",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "checkout.session.completed",
];

fn hmac_hex(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn stripes_errors_have_stripes_shape_and_statuses() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let response = http()
        .post(format!("{base}/v1/customers"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");

    let (status, body) = post(&base, "/v1/customers", &[("nickname", "x")], None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "parameter_unknown");
    assert_eq!(body["error"]["param"], "nickname");

    let (status, body) = post(&base, "/v1/prices/price_nope", &[("active", "false")], None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "resource_missing");

    let (_, product) = post(&base, "/v1/products", &[("name", "Pro")], None).await;
    let (_, price) = post(
        &base,
        "/v1/prices",
        &[
            ("product", product["id"].as_str().unwrap()),
            ("currency", "usd"),
            ("unit_amount", "500"),
        ],
        None,
    )
    .await;
    let path = format!("/v1/prices/{}", price["id"].as_str().unwrap());
    let (status, body) = post(&base, &path, &[("unit_amount", "100")], None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &Value::from("parameter_unknown")),
        "prices are immutable"
    );
    let (status, body) = post(
        &base,
        &path,
        &[("active", "false"), ("metadata[tier]", "old")],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&body["active"], &body["metadata"]["tier"]),
        (&Value::from(false), &Value::from("old"))
    );

    let (status, body) = post(
        &base,
        "/v1/checkout/sessions",
        &[("mode", "subscription")],
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "parameter_missing");

    let response = http()
        .get(format!("{base}/v1/nothing"))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_post_with_a_seen_idempotency_key_returns_the_first_answer() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let form = [("email", "ada@example.com")];
    let (status, first) = post(&base, "/v1/customers", &form, Some("key-1")).await;
    assert_eq!(status, 200);
    let response = http()
        .post(format!("{base}/v1/customers"))
        .bearer_auth(SECRET_KEY)
        .header("Idempotency-Key", "key-1")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["Idempotent-Replayed"], "true");
    let second: Value = response.json().await.unwrap();
    assert_eq!(first, second);
    let (_, list) = http()
        .get(format!("{base}/v1/customers?email=ada@example.com"))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .map(|r| (0, r))
        .unwrap();
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    // Same key, other parameters: Stripe's idempotency_error.
    let (status, body) = post(
        &base,
        "/v1/customers",
        &[("email", "eve@example.com")],
        Some("key-1"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "idempotency_error");
    // A new key is a new request.
    let (_, third) = post(&base, "/v1/customers", &form, Some("key-2")).await;
    assert_ne!(third["id"], first["id"]);
}

#[tokio::test]
async fn paying_on_the_checkout_page_subscribes_and_delivers_signed_events() {
    let (fake, base, receiver) = fake_with_receiver();
    let session = open_session_quietly(&fake, &base, &receiver).await;
    let id = session["id"].as_str().unwrap();
    let page = http()
        .get(session["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("20.00 USD") && html.contains(">Pay<") && html.contains(">Cancel<"),
        "{html}"
    );

    let cancel = http()
        .post(format!("{base}/checkout/{id}/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 303);
    assert_eq!(cancel.headers()["location"], "http://app.test/pricing");

    let pay = http()
        .post(format!("{base}/checkout/{id}/pay"))
        .form(&[("email", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(pay.status(), 303);
    assert_eq!(
        pay.headers()["location"].to_str().unwrap(),
        format!("http://app.test/done?session_id={id}")
    );
    assert!(fake.settled_within(Duration::from_secs(5)).await);

    assert_eq!(receiver.types(), CHECKOUT_EVENTS);
    let events = receiver.events();
    let completed = events.last().unwrap();
    assert_eq!(completed["data"]["object"]["client_reference_id"], "acc_1");
    assert_eq!(completed["livemode"], false);
    assert_eq!(
        completed["api_version"],
        gatehouse_fakes::stripe::API_VERSION
    );
    let subscription = &events[1]["data"]["object"];
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["metadata"]["account"], "acc_1");
    let item = &subscription["items"]["data"][0];
    assert!(item["current_period_end"].as_i64() > item["current_period_start"].as_i64());
    let paid = &events[4]["data"]["object"];
    assert_eq!(
        (paid["status"].as_str(), paid["amount_paid"].as_i64()),
        (Some("paid"), Some(2000))
    );
    assert_eq!(
        paid["parent"]["subscription_details"]["subscription"],
        subscription["id"]
    );

    // Each delivery verifies: an HMAC computed here, and async-stripe's own check.
    for (header, body) in receiver.got.lock().unwrap().iter() {
        let (t, v1) = header.split_once(',').unwrap();
        let t = t.strip_prefix("t=").unwrap();
        assert_eq!(
            v1,
            format!("v1={}", hmac_hex(SECRET, &format!("{t}.{body}")))
        );
        stripe_webhook::Webhook::construct_event(body, header, SECRET)
            .expect("verifies and parses");
    }

    // The API shows the same state.
    let response = http()
        .get(format!(
            "{base}/v1/subscriptions/{}",
            subscription["id"].as_str().unwrap()
        ))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    let current: Value = response.json().await.unwrap();
    assert_eq!(current["latest_invoice"], paid["id"]);
    // A paid session cannot be paid again.
    let again = http()
        .post(format!("{base}/checkout/{id}/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
}

#[tokio::test]
async fn several_secrets_sign_with_one_v1_each() {
    let receiver = Receiver::default();
    let url = receiver.spawn();
    let fake = FakeStripe::default().with_webhook(&url, &["whsec_old", "whsec_new"]);
    let base = fake.spawn();
    post(&base, "/v1/customers", &[], None).await;
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let (header, body) = receiver.got.lock().unwrap()[0].clone();
    assert_eq!(header.matches("v1=").count(), 2);
    for secret in ["whsec_old", "whsec_new"] {
        stripe_webhook::Webhook::construct_event(&body, &header, secret)
            .expect("either secret verifies");
    }
    assert!(stripe_webhook::Webhook::construct_event(&body, &header, "whsec_other").is_err());
}

#[tokio::test]
async fn duplicated_and_reversed_deliveries() {
    let (fake, base, receiver) = fake_with_receiver();
    fake.set_faults(Faults {
        duplicate: true,
        order: Order::Reverse,
        ..Faults::default()
    });
    let session = open_session_quietly(&fake, &base, &receiver).await;
    fake.complete_checkout(session["id"].as_str().unwrap(), None)
        .unwrap();
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let mut expected: Vec<&str> = CHECKOUT_EVENTS.iter().rev().copied().collect();
    expected.extend(expected.clone());
    assert_eq!(receiver.types(), expected);
    let events = receiver.events();
    assert_eq!(
        events[0]["id"],
        events[CHECKOUT_EVENTS.len()]["id"],
        "the same event twice"
    );
}

#[tokio::test]
async fn shuffled_deliveries_follow_the_seed() {
    async fn order_with(seed: u64) -> Vec<String> {
        let (fake, base, receiver) = fake_with_receiver();
        fake.set_faults(Faults {
            order: Order::Shuffle,
            seed,
            ..Faults::default()
        });
        let session = open_session_quietly(&fake, &base, &receiver).await;
        fake.complete_checkout(session["id"].as_str().unwrap(), None)
            .unwrap();
        assert!(fake.settled_within(Duration::from_secs(5)).await);
        receiver.types()
    }
    let first = order_with(7).await;
    assert_eq!(first, order_with(7).await, "the same seed, the same order");
    let mut sorted = first.clone();
    sorted.sort();
    let mut expected: Vec<String> = CHECKOUT_EVENTS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(sorted, expected);
}

#[tokio::test]
async fn dropped_types_are_never_delivered_and_delays_delay() {
    let (fake, base, receiver) = fake_with_receiver();
    fake.set_faults(Faults {
        drop: vec!["invoice.paid".into(), "customer.created".into()],
        delay_ms: 150,
        ..Faults::default()
    });
    let session = open_session_quietly(&fake, &base, &receiver).await;
    fake.complete_checkout(session["id"].as_str().unwrap(), None)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(receiver.types().is_empty(), "delayed");
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let types = receiver.types();
    assert!(
        !types.contains(&"invoice.paid".to_owned())
            && !types.contains(&"customer.created".to_owned())
    );
    assert_eq!(types.len(), CHECKOUT_EVENTS.len() - 2);
    let dropped: Vec<_> = fake
        .deliveries()
        .into_iter()
        .filter(|d| d.outcome == "dropped")
        .collect();
    assert_eq!(dropped.len(), 2);
}

#[tokio::test]
async fn refused_deliveries_are_retried_until_accepted() {
    let (fake, base, receiver) = fake_with_receiver();
    receiver.script.lock().unwrap().extend([500, 429, 302]);
    post(
        &base,
        "/v1/customers",
        &[("email", "ada@example.com")],
        None,
    )
    .await;
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let attempts: Vec<(u32, Option<u16>, String)> = fake
        .deliveries()
        .into_iter()
        .map(|d| (d.attempt, d.status, d.outcome))
        .collect();
    assert_eq!(
        attempts,
        vec![
            (1, Some(500), "failed".to_owned()),
            (2, Some(429), "failed".to_owned()),
            (3, Some(302), "failed".to_owned()),
            (4, Some(200), "delivered".to_owned()),
        ]
    );
    let got = receiver.got.lock().unwrap().clone();
    assert!(
        got.windows(2).all(|pair| pair[0].1 == pair[1].1),
        "the same body every time"
    );
}

#[tokio::test]
async fn unreachable_endpoints_are_retried_then_given_up() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks/stripe", closed.local_addr().unwrap());
    drop(closed);
    let fake = FakeStripe::default().with_webhook(&url, &[SECRET]);
    fake.set_retry_policy(RetryPolicy {
        attempts: 3,
        first_delay_ms: 10,
        timeout_ms: 500,
    });
    let base = fake.spawn();
    post(&base, "/v1/customers", &[], None).await;
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let deliveries = fake.deliveries();
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries
        .iter()
        .all(|d| d.outcome == "failed" && d.status.is_none() && d.error.is_some()));
}

#[tokio::test]
async fn a_declined_renewal_makes_the_subscription_past_due_until_paid() {
    let (fake, base, receiver) = fake_with_receiver();
    let session = open_session_quietly(&fake, &base, &receiver).await;
    let session = fake
        .complete_checkout(session["id"].as_str().unwrap(), None)
        .unwrap();
    let subscription = session["subscription"].as_str().unwrap().to_owned();
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    receiver.got.lock().unwrap().clear();

    let response = http()
        .post(format!(
            "{base}/_fake/subscriptions/{subscription}/fail_payment"
        ))
        .send()
        .await
        .unwrap();
    let past_due: Value = response.json().await.unwrap();
    assert_eq!(past_due["status"], "past_due");
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    assert_eq!(
        receiver.types(),
        [
            "invoice.created",
            "invoice.finalized",
            "invoice.payment_failed",
            "customer.subscription.updated"
        ]
    );
    let updated = receiver.events().pop().unwrap();
    assert_eq!(updated["data"]["previous_attributes"]["status"], "active");

    receiver.got.lock().unwrap().clear();
    let paid = fake.renew(&subscription).unwrap();
    assert_eq!(paid["status"], "active");
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    assert_eq!(receiver.types(), OPEN_INVOICE_PAID);

    // Cancelled at period end: the next renewal ends it.
    post(
        &base,
        &format!("/v1/subscriptions/{subscription}"),
        &[("cancel_at_period_end", "true")],
        None,
    )
    .await;
    // Each operation's events go out as their own batch, and batches are not ordered
    // against each other (nor are Stripe's): let the cancellation's update land first.
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    receiver.got.lock().unwrap().clear();
    let ended = fake.renew(&subscription).unwrap();
    assert_eq!(ended["status"], "canceled");
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    assert_eq!(
        receiver.types().last().map(String::as_str),
        Some("customer.subscription.deleted")
    );
}

#[tokio::test]
async fn a_short_trial_announces_its_end() {
    let (fake, base, receiver) = fake_with_receiver();
    let (_, product) = post(&base, "/v1/products", &[("name", "Pro")], None).await;
    let (_, price) = post(
        &base,
        "/v1/prices",
        &[
            ("product", product["id"].as_str().unwrap()),
            ("currency", "eur"),
            ("unit_amount", "900"),
            ("recurring[interval]", "month"),
        ],
        None,
    )
    .await;
    let (_, session) = post(
        &base,
        "/v1/checkout/sessions",
        &[
            ("mode", "subscription"),
            ("line_items[0][price]", price["id"].as_str().unwrap()),
            ("success_url", "http://app.test/done"),
            ("subscription_data[trial_period_days]", "2"),
        ],
        None,
    )
    .await;
    fake.complete_checkout(session["id"].as_str().unwrap(), Some("trial@example.com"))
        .unwrap();
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let events = receiver.events();
    let created = events
        .iter()
        .find(|e| e["type"] == "customer.subscription.created")
        .unwrap();
    assert_eq!(created["data"]["object"]["status"], "trialing");
    assert!(receiver
        .types()
        .contains(&"customer.subscription.trial_will_end".to_owned()));
    let invoice = events.iter().find(|e| e["type"] == "invoice.paid").unwrap();
    assert_eq!(invoice["data"]["object"]["amount_paid"], 0);
}

#[tokio::test]
async fn faults_and_the_endpoint_are_set_over_http_too() {
    let receiver = Receiver::default();
    let url = receiver.spawn();
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let endpoint = serde_json::json!({"url": url, "secrets": [SECRET], "retry": {"attempts": 2, "first_delay_ms": 10}});
    let response = http()
        .post(format!("{base}/_fake/webhook"))
        .json(&endpoint)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let faults = serde_json::json!({"duplicate": true});
    http()
        .post(format!("{base}/_fake/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(fake.faults().duplicate);
    post(&base, "/v1/customers", &[], None).await;
    let settled = http()
        .get(format!("{base}/_fake/settled?timeout_ms=5000"))
        .send()
        .await
        .unwrap();
    assert_eq!(settled.status(), 200);
    assert_eq!(receiver.types(), ["customer.created", "customer.created"]);
    let event_id = receiver.events()[0]["id"].as_str().unwrap().to_owned();
    http()
        .post(format!("{base}/_fake/faults"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    http()
        .post(format!("{base}/_fake/events/{event_id}/resend"))
        .send()
        .await
        .unwrap();
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    assert_eq!(receiver.events().len(), 3);
}

/// What paying a past-due subscription's open invoice sends.
const OPEN_INVOICE_PAID: [&str; 3] = [
    "invoice.paid",
    "invoice.payment_succeeded",
    "customer.subscription.updated",
];

/// A paid checkout's subscription, and a portal session of its customer that returns to
/// `http://app.test/billing`.
async fn subscribed_in_portal(
    fake: &FakeStripe,
    base: &str,
    receiver: &Receiver,
) -> (String, Value) {
    let session = open_session_quietly(fake, base, receiver).await;
    let session = fake
        .complete_checkout(session["id"].as_str().unwrap(), None)
        .unwrap();
    let subscription = session["subscription"].as_str().unwrap().to_owned();
    let (status, portal) = post(
        base,
        "/v1/billing_portal/sessions",
        &[
            ("customer", session["customer"].as_str().unwrap()),
            ("return_url", "http://app.test/billing"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{portal}");
    (subscription, portal)
}

#[tokio::test]
async fn the_portal_page_cancels_at_period_end_and_resumes() {
    let (fake, base, receiver) = fake_with_receiver();
    let (subscription, portal) = subscribed_in_portal(&fake, &base, &receiver).await;
    let url = portal["url"].as_str().unwrap();
    let html = http().get(url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Cancel at period end") && html.contains("http://app.test/billing"),
        "{html}"
    );
    // Named as the customer knows it: the product's name, not its id.
    assert!(html.contains("<strong>Pro</strong>"), "{html}");
    let portal_id = portal["id"].as_str().unwrap();
    let cancel = http()
        .post(format!("{base}/portal/{portal_id}/{subscription}/cancel"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 303);
    assert_eq!(
        fake.object(&subscription).unwrap()["cancel_at_period_end"],
        true
    );
    let html = http().get(url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Resume"), "{html}");
    http()
        .post(format!("{base}/portal/{portal_id}/{subscription}/resume"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fake.object(&subscription).unwrap()["cancel_at_period_end"],
        false
    );
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    let updates: Vec<Value> = receiver
        .events()
        .into_iter()
        .filter(|e| e["type"] == "customer.subscription.updated")
        .collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(
        updates[0]["data"]["previous_attributes"]["cancel_at_period_end"],
        false
    );
}

#[tokio::test]
async fn a_new_card_in_the_portal_pays_the_open_invoice_of_a_past_due_subscription() {
    let (fake, base, receiver) = fake_with_receiver();
    let (subscription, portal) = subscribed_in_portal(&fake, &base, &receiver).await;
    let url = portal["url"].as_str().unwrap();
    let portal_id = portal["id"].as_str().unwrap();
    let pay = format!("{base}/portal/{portal_id}/{subscription}/pay");

    // Nothing is owed yet: no such button, and paying is refused.
    let html = http().get(url).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("/pay\""), "{html}");
    let refused = http().post(&pay).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("no open invoice"));

    let past_due = fake.fail_payment(&subscription).unwrap();
    assert_eq!(past_due["status"], "past_due");
    let open = past_due["latest_invoice"].as_str().unwrap().to_owned();
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    receiver.got.lock().unwrap().clear();

    let html = http().get(url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Update card and pay the open invoice") && html.contains("/pay\""),
        "{html}"
    );
    let paid = http().post(&pay).send().await.unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(fake.object(&subscription).unwrap()["status"], "active");
    assert_eq!(fake.object(&open).unwrap()["status"], "paid");
    assert!(fake.settled_within(Duration::from_secs(5)).await);
    assert_eq!(receiver.types(), OPEN_INVOICE_PAID);
    let html = http().get(url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Cancel at period end"), "{html}");
}
