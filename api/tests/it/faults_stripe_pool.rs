//! A slow Stripe must not take the database pool with it: customers' billing calls wait
//! on Stripe without holding a pooled connection, so while more of them wait than the
//! pool has connections, everyone else (sign-in, reads, `/health`) is still answered.
//! Afterwards the customers' retries converge on one Stripe customer and one checkout
//! per account, however many clicks there were.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use gatehouse_fakes::stripe::ApiFaults;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{Customer, TestApp};
use crate::stripe_world::{catalog_price, Stripe};

/// Each attempt at Stripe may take this long; the slow Stripe takes three times as long.
const TIMEOUT: Duration = Duration::from_millis(500);
/// The app's pool: its size (the tests' database configuration) and how long a request
/// waits for a connection before its 503.
const POOL: u64 = 8;
const DB_WAIT: Duration = Duration::from_secs(1);
const CUSTOMERS: usize = 4;
/// Each customer clicks "Subscribe" this many times at once.
const CLICKS: usize = 4;

/// Every customer clicks [`CLICKS`] times at once: each answer's status and body.
async fn checkouts(app: &TestApp, customers: &[Customer], price: &str) -> Vec<Vec<(u16, Value)>> {
    join_all(customers.iter().map(|customer| {
        join_all((0..CLICKS).map(|_| {
            app.call(
                Method::POST,
                "/api/v1/billing/checkout",
                &customer.token,
                Some(json!({"price_id": price})),
            )
        }))
    }))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_stripe_leaves_the_pool_to_everyone_else_and_retries_converge() {
    let stripe = Stripe::start();
    let api = stripe.api().with_timeout(TIMEOUT);
    let app = TestApp::builder()
        .seeded()
        .stripe(api.clone())
        .db_wait(DB_WAIT)
        .spawn()
        .await;
    {
        let mut conn = app.db.pool().get().await.unwrap();
        gatehouse::billing::catalog_sync::sync(&mut conn, &api)
            .await
            .unwrap();
    }
    let team = catalog_price(&app, "team").await;
    let customers = app.signed_in_customers("payer", CUSTOMERS).await;
    let (reader, _) = app.sign_in("payer0").await;

    // Stripe answers after every attempt has given up: twice as many clicks as the pool
    // has connections wait on it.
    stripe.fake.set_api_faults(ApiFaults {
        delay_ms: 3 * TIMEOUT.as_millis() as u64,
        ..ApiFaults::default()
    });
    let before = stripe.fake.api_requests();
    let slow = checkouts(&app, &customers, &team);
    let meanwhile = async {
        // Once as many calls wait on Stripe as the pool has connections, the rest of
        // the app still gets them.
        let deadline = Instant::now() + Duration::from_secs(30);
        while stripe.fake.api_requests() < before + POOL {
            assert!(Instant::now() < deadline, "the calls never reached Stripe");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let health = app.get("/health").await;
        let health = (health.status().as_u16(), crate::harness::json(health).await);
        let read = app
            .call(Method::GET, "/api/v1/billing/subscription", &reader, None)
            .await;
        let signed_in = app.sign_in("payer1").await;
        (health, read, signed_in)
    };
    let (slow, (health, read, _)) = tokio::join!(slow, meanwhile);
    assert_eq!(health.0, 200, "/health while Stripe is slow: {}", health.1);
    assert_eq!(read.0, 200, "a read while Stripe is slow: {}", read.1);
    for (status, body) in slow.iter().flatten() {
        assert_eq!(*status, 503, "{body}");
        assert_eq!(body["error"]["code"], "service_unavailable", "{body}");
    }

    // Stripe recovers; the customers click again, each still several times at once.
    stripe.fake.set_api_faults(ApiFaults::default());
    let calm = checkouts(&app, &customers, &team).await;
    let mut sessions = Vec::new();
    for (n, clicks) in calm.iter().enumerate() {
        let ids: HashSet<&str> = clicks
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 200, "payer{n}: {body}");
                body["session_id"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "payer{n}: one checkout, whatever the clicks: {ids:?}"
        );
        sessions.extend(ids.into_iter().map(str::to_owned));
    }
    for session in &sessions {
        stripe.fake.complete_checkout(session, None).unwrap();
    }

    // At Stripe: one customer per account (the one the account recorded), one
    // subscription per customer.
    let events = stripe.fake.events();
    let objects = |kind: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|event| event["type"] == kind)
            .map(|event| event["data"]["object"].clone())
            .collect()
    };
    let created = objects("customer.created");
    let subscribed = objects("customer.subscription.created");
    let mut conn = app.db.pool().get().await.unwrap();
    for (n, customer) in customers.iter().enumerate() {
        let theirs: Vec<&Value> = created
            .iter()
            .filter(|c| c["email"] == customer.email)
            .collect();
        assert_eq!(theirs.len(), 1, "payer{n}: {theirs:?}");
        let recorded = gatehouse::db::billing::account_billing(&mut conn, customer.account)
            .await
            .unwrap()
            .unwrap()
            .stripe_customer_id;
        assert_eq!(recorded.as_deref(), theirs[0]["id"].as_str(), "payer{n}");
        let subscriptions = subscribed
            .iter()
            .filter(|s| s["customer"] == theirs[0]["id"])
            .count();
        assert_eq!(subscriptions, 1, "payer{n}");
    }
}
