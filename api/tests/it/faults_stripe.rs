//! Stripe answering slowly (past the client's timeout), with 500s and 429s, and losing
//! answers, while four customers check out, pay and change their subscriptions and the
//! job worker processes a burst of duplicated, shuffled webhook events. The same story
//! runs twice, on a calm Stripe and on a stormy one: customers get a clear 503 (never a
//! 500, never a hang), the jobs retry and end done (none dead), and afterwards every
//! account is exactly where the calm run left it: statuses, subscriptions, entitlements,
//! seats, payments and credits, and nothing was created or charged twice at Stripe.

use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use futures_util::future::join_all;
use gatehouse::jobs::worker::{Worker, WorkerConfig};
use gatehouse::jobs::{JobServices, Registry};
use gatehouse_fakes::stripe::{ApiFaults, Endpoint, Faults, Order, RetryPolicy};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::harness::{Customer, TestApp};
use crate::stripe_world::{catalog_price, Stripe, WEBHOOK_SECRET};

/// Each attempt at Stripe may take this long; a slow Stripe takes three times as long.
const TIMEOUT: Duration = Duration::from_millis(200);
const CUSTOMERS: usize = 4;

/// A seeded Gatehouse whose catalog is at the fake Stripe, with a worker, an instance
/// per product that needs one, and four customers with personal accounts.
struct World {
    stripe: Stripe,
    app: TestApp,
    /// Customers' client: a connection per request, so no request meets a keep-alive
    /// connection the server is just closing after a quiet spell.
    client: reqwest::Client,
    customers: Vec<Customer>,
    stop: CancellationToken,
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl World {
    async fn start() -> Self {
        let stripe = Stripe::start();
        let api = stripe.api().with_timeout(TIMEOUT);
        let app = TestApp::builder()
            .seeded()
            .stripe_webhook_secrets(&[WEBHOOK_SECRET])
            .stripe(api.clone())
            .spawn()
            .await;
        let mut conn = app.db.pool().get().await.unwrap();
        gatehouse::billing::catalog_sync::sync(&mut conn, &api)
            .await
            .unwrap();
        for (product, slug) in products_needing_an_instance(&mut conn).await {
            gatehouse::db::instances::insert_instance(
                &mut conn,
                &gatehouse::db::instances::NewInstance {
                    product_id: product,
                    name: &slug,
                    base_url: &format!("https://{slug}.example.org"),
                    active: true,
                    auto_allocate: true,
                    soft_cap: 50,
                    allocation_cap: 50,
                    hard_cap: 50,
                },
            )
            .await
            .unwrap();
        }
        stripe.fake.set_webhook_endpoint(Endpoint {
            url: Some(app.url("/api/v1/webhooks/stripe")),
            secrets: vec![WEBHOOK_SECRET.to_owned()],
            retry: RetryPolicy::fast(),
        });
        let customers = app.signed_in_customers("customer", CUSTOMERS).await;
        let stop = CancellationToken::new();
        let worker = Worker::new(
            app.db.pool(),
            Registry::standard(),
            JobServices {
                stripe: Some(api),
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
        Self {
            stripe,
            app,
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            customers,
            stop,
        }
    }

    fn faults(&self, faults: ApiFaults) {
        self.stripe.fake.set_api_faults(faults);
    }

    /// `method path` as customer `n`: the status and body; fails on a 500 or any answer
    /// other than `ok` or a 503 `service_unavailable`, and on a hang.
    async fn ask(&self, n: usize, path: &str, body: Option<Value>, ok: u16) -> (u16, Value) {
        let started = Instant::now();
        let mut request = self
            .client
            .post(self.app.url(path))
            .bearer_auth(&self.customers[n].token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let took = started.elapsed();
        let status = response.status().as_u16();
        let body = crate::harness::json(response).await;
        assert!(
            status == ok || (status == 503 && body["error"]["code"] == "service_unavailable"),
            "customer{n} {path}: {status} {body}"
        );
        // Three attempts and two backoffs at most: far from a hang.
        assert!(took < Duration::from_secs(10), "{path} took {took:?}");
        (status, body)
    }

    /// Asks until Stripe takes it (the customer clicks again after a 503); the answer and
    /// how many 503s came first.
    async fn insist(&self, n: usize, path: &str, body: Option<Value>, ok: u16) -> (Value, usize) {
        for refused in 0..10 {
            let (status, answer) = self.ask(n, path, body.clone(), ok).await;
            if status == ok {
                return (answer, refused);
            }
        }
        panic!("customer{n} {path}: Stripe never took it");
    }

    /// Waits until every delivery and every job that is due has finished.
    async fn settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(
                self.stripe
                    .fake
                    .settled_within(Duration::from_secs(30))
                    .await,
                "webhook deliveries did not settle"
            );
            // Jobs scheduled far ahead (seat releases) are not due.
            let busy = self
                .count(
                    "SELECT count(*) AS count FROM jobs WHERE state IN ('queued', 'running')
                       AND run_at < now() + interval '1 minute'",
                )
                .await;
            if busy == 0 && self.stripe.fake.settled_within(Duration::ZERO).await {
                return;
            }
            assert!(Instant::now() < deadline, "jobs did not settle");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let mut conn = self.app.db.pool().get().await.unwrap();
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .count
    }

    /// Everything the story decides, per customer, free of ids and times.
    async fn state(&self) -> Value {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            state: Value,
        }
        let mut accounts = Vec::new();
        for customer in &self.customers {
            let mut conn = self.app.db.pool().get().await.unwrap();
            let mut state = diesel::sql_query(
                "SELECT jsonb_build_object(
                   'account', (SELECT status FROM accounts WHERE id = $1),
                   'subscriptions', (SELECT jsonb_agg(jsonb_build_array(s.status, s.cancel_at_period_end,
                        (SELECT jsonb_agg(jsonb_build_array(p.slug, i.quantity) ORDER BY p.slug)
                           FROM subscription_items i JOIN prices pr ON pr.id = i.price_id
                           JOIN products p ON p.id = pr.product_id WHERE i.subscription_id = s.id))
                        ORDER BY s.status)
                      FROM subscriptions s WHERE s.account_id = $1),
                   'payments', (SELECT jsonb_agg(jsonb_build_array(status, amount_due_minor, amount_paid_minor, currency)
                        ORDER BY amount_due_minor, status)
                      FROM payments WHERE account_id = $1),
                   'credits', (SELECT jsonb_agg(jsonb_build_array(kind, amount, balance_after) ORDER BY id)
                      FROM credit_transactions WHERE account_id = $1),
                   'emails', (SELECT jsonb_agg(template ORDER BY template) FROM emails WHERE to_address = $2),
                   'orders', (SELECT jsonb_agg(state ORDER BY state) FROM orders WHERE account_id = $1)
                 ) AS state",
            )
            .bind::<diesel::sql_types::Uuid, _>(customer.account)
            .bind::<diesel::sql_types::Text, _>(&customer.email)
            .get_result::<Row>(&mut conn)
            .await
            .unwrap()
            .state;
            let seats: Vec<String> =
                gatehouse::db::instances::live_seats_of_user(&mut conn, customer.user)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|instance| instance.name)
                    .collect();
            state["seats"] = json!(seats);
            // What the customer sees: their entitlements.
            let (status, overview) = self
                .app
                .call(
                    Method::GET,
                    "/api/v1/billing/subscription",
                    &customer.token,
                    None,
                )
                .await;
            assert_eq!(status, 200, "{overview}");
            state["entitlements"] = overview["entitlements"].clone();
            // At Stripe: one customer per account, and what was charged.
            let customers = self.events("customer.created", |o| o["email"] == customer.email);
            let charged: Vec<i64> = self
                .events("invoice.paid", |o| o["customer_email"] == customer.email)
                .iter()
                .map(|invoice| invoice["amount_paid"].as_i64().unwrap())
                .collect();
            state["stripe"] = json!({"customers": customers.len(), "charged": charged});
            accounts.push(state);
        }
        json!({
            "accounts": accounts,
            "unprocessed": self.count(
                "SELECT count(*) AS count FROM stripe_events WHERE status IN ('received', 'failed')"
            ).await,
            "dead_jobs": self.count("SELECT count(*) AS count FROM jobs WHERE state = 'dead'").await,
        })
    }

    /// The objects of the fake's events of `kind` that `pick` chooses, oldest first.
    fn events(&self, kind: &str, pick: impl Fn(&Value) -> bool) -> Vec<Value> {
        self.stripe
            .fake
            .events()
            .into_iter()
            .filter(|event| event["type"] == kind)
            .map(|event| event["data"]["object"].clone())
            .filter(|object| pick(object))
            .collect()
    }
}

async fn products_needing_an_instance(conn: &mut gatehouse::db::Conn) -> Vec<(Uuid, String)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        slug: String,
    }
    diesel::sql_query("SELECT id, slug FROM products WHERE needs_instance ORDER BY slug")
        .load::<Row>(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.id, row.slug))
        .collect()
}

/// `n` faults alternating 500 and 429.
fn errors(n: usize) -> std::collections::VecDeque<u16> {
    (0..n).map(|i| if i % 2 == 0 { 500 } else { 429 }).collect()
}

fn slow() -> ApiFaults {
    ApiFaults {
        delay_ms: 3 * TIMEOUT.as_millis() as u64,
        ..ApiFaults::default()
    }
}

/// What one run observed besides the final state.
#[derive(Debug, Default)]
struct Seen {
    /// 503s customers got.
    refused: usize,
    /// Processing jobs that needed more than one attempt.
    retried_jobs: i64,
}

/// The story: four checkouts, payments, two plan changes and a cancellation, with
/// Stripe calm or stormy throughout.
async fn story(stormy: bool) -> (Value, Seen) {
    let world = World::start().await;
    let app = &world.app;
    let team = catalog_price(app, "team").await;
    let business = catalog_price(app, "business").await;
    let mut seen = Seen::default();
    let all = 0..CUSTOMERS;

    // Checkouts. A slow Stripe: every customer gets a 503 after three timed-out attempts.
    if stormy {
        world.faults(slow());
        let answers = join_all(all.clone().map(|n| {
            world.ask(
                n,
                "/api/v1/billing/checkout",
                Some(json!({"price_id": team})),
                200,
            )
        }))
        .await;
        assert!(answers.iter().all(|(status, _)| *status == 503));
        seen.refused += answers.len();
        // Then errors, and answers lost after the work was done.
        world.faults(ApiFaults {
            fail_next: errors(10),
            lose_responses: 2,
            ..ApiFaults::default()
        });
    }
    let started = join_all(all.clone().map(|n| {
        world.insist(
            n,
            "/api/v1/billing/checkout",
            Some(json!({"price_id": team})),
            200,
        )
    }))
    .await;
    seen.refused += started.iter().map(|(_, refused)| refused).sum::<usize>();

    // The customers pay: a burst of events, each delivered twice and shuffled, processed
    // while Stripe is slow, then while it fails.
    if stormy {
        world.stripe.fake.set_faults(Faults {
            duplicate: true,
            order: Order::Shuffle,
            seed: 9,
            ..Faults::default()
        });
        world.faults(slow());
    }
    for (session, _) in &started {
        world
            .stripe
            .fake
            .complete_checkout(session["session_id"].as_str().unwrap(), None)
            .unwrap();
    }
    if stormy {
        // Once a processing attempt has failed on the slow Stripe, it fails outright.
        let deadline = Instant::now() + Duration::from_secs(30);
        while world
            .count("SELECT count(*) AS count FROM stripe_events WHERE status = 'failed'")
            .await
            == 0
        {
            assert!(Instant::now() < deadline, "no processing attempt failed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        world.faults(ApiFaults {
            fail_next: errors(18),
            ..ApiFaults::default()
        });
    }
    world.settled().await;

    // Changes: a preview and a cancellation while Stripe is slow (503), then two plan
    // changes and the cancellation while it fails.
    if stormy {
        world.faults(slow());
        let preview = json!({"price_id": business, "preview": true});
        let (previews, cancel) = tokio::join!(
            join_all((0..2).map(|n| world.ask(
                n,
                "/api/v1/billing/subscription/change",
                Some(preview.clone()),
                200
            ))),
            world.ask(2, "/api/v1/billing/subscription/cancel", None, 202),
        );
        assert!(previews.iter().all(|(status, _)| *status == 503));
        assert_eq!(cancel.0, 503);
        seen.refused += previews.len() + 1;
        world.faults(ApiFaults {
            fail_next: errors(8),
            ..ApiFaults::default()
        });
    }
    let change = json!({"price_id": business});
    let (changes, cancel) = tokio::join!(
        join_all((0..2).map(|n| world.insist(
            n,
            "/api/v1/billing/subscription/change",
            Some(change.clone()),
            202
        ))),
        world.insist(2, "/api/v1/billing/subscription/cancel", None, 202),
    );
    seen.refused += changes.iter().map(|(_, refused)| refused).sum::<usize>() + cancel.1;
    world.settled().await;
    // Whatever a slow attempt did late has been delivered and processed too.
    world.settled().await;

    seen.retried_jobs = world
        .count(
            "SELECT count(*) AS count FROM jobs
              WHERE kind = 'billing.stripe_subject' AND state = 'done' AND attempts > 1",
        )
        .await;
    (world.state().await, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stormy_stripe_under_load_ends_where_a_calm_one_does_with_nothing_twice() {
    let started = Instant::now();
    let (calm, calm_seen) = story(false).await;
    let calm_took = started.elapsed();
    assert_eq!(calm_seen.refused, 0);
    // The calm story itself: two on Business, one ending at the period's end, one on
    // Team; each paid once, seated, and nothing left over.
    let accounts = calm["accounts"].as_array().unwrap();
    for (n, account) in accounts.iter().enumerate() {
        assert_eq!(account["account"], "active", "customer{n}: {account}");
        assert_eq!(account["stripe"]["customers"], 1, "customer{n}: {account}");
        assert!(
            !account["seats"].as_array().unwrap().is_empty(),
            "{account}"
        );
        assert!(
            !account["entitlements"].as_array().unwrap().is_empty(),
            "{account}"
        );
    }
    assert_eq!(accounts[0]["subscriptions"][0][2][0][0], "business");
    assert_eq!(accounts[2]["subscriptions"][0][1], true);
    assert_eq!(accounts[3]["subscriptions"][0][2][0][0], "team");
    assert_eq!(
        (calm["unprocessed"].clone(), calm["dead_jobs"].clone()),
        (json!(0), json!(0))
    );

    let started = Instant::now();
    let (stormy, stormy_seen) = story(true).await;
    println!(
        "stripe fault: calm run {calm_took:?}, stormy run {:?}, {stormy_seen:?}",
        started.elapsed()
    );
    for (n, (stormy, calm)) in stormy["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .zip(accounts)
        .enumerate()
    {
        assert_eq!(stormy, calm, "customer{n}: stormy, then calm");
    }
    assert_eq!(stormy, calm);
    assert!(stormy_seen.refused >= CUSTOMERS + 3, "{stormy_seen:?}");
    assert!(stormy_seen.retried_jobs > 0, "{stormy_seen:?}");
}
