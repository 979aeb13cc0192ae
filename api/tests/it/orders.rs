//! Orders: a subscription change opens one (a repeat of the same view does not), its
//! fulfilment seats the account's members on what runs on an instance, waits for
//! capacity and resumes when room appears, releases lapsed seats after the grace period
//! (never below zero), and the sweep fails orders stuck running.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, RunQueryDsl};
use gatehouse::billing::subscriptions::{
    apply_subscription, BillingSettings, SubscriptionSnapshot,
};
use gatehouse::db::instances::{self as iq, Instance, NewInstance};
use gatehouse::db::orders as oq;
use gatehouse::error::AppError;
use gatehouse::instances::orders;
use uuid::Uuid;

use crate::harness::TestApp;

const GRACE: Duration = Duration::from_secs(7 * 86_400);

fn settings() -> BillingSettings {
    BillingSettings::new(GRACE, &"http://gatehouse.test/".parse().unwrap())
}

fn snapshot(account: Uuid, status: &str) -> SubscriptionSnapshot {
    crate::billing::snapshot(Some(account), status)
}

/// A seeded app (Team runs on an instance) whose Team monthly price is known to Stripe,
/// and a customer with a personal account.
async fn setup() -> (TestApp, Uuid, Uuid, Uuid) {
    let app = crate::billing::app_with_priced_catalog().await;
    let mut conn = app.db.pool().get().await.unwrap();
    let team = gatehouse::db::catalog::find_product_by_slug(&mut conn, "team")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (user, account) = app.create_user("ada@example.org", "ada").await;
    (app, user, account, team)
}

async fn instance(app: &TestApp, product: Uuid, name: &str, cap: i32) -> Instance {
    let mut conn = app.db.pool().get().await.unwrap();
    iq::insert_instance(
        &mut conn,
        &NewInstance {
            product_id: product,
            name,
            base_url: &format!("https://{name}.example.org"),
            active: true,
            auto_allocate: true,
            soft_cap: cap,
            allocation_cap: cap,
            hard_cap: cap,
        },
    )
    .await
    .unwrap()
}

async fn apply(app: &TestApp, snapshot: &SubscriptionSnapshot) {
    let mut conn = app.db.pool().get().await.unwrap();
    apply_subscription(&mut conn, &settings(), snapshot, Utc::now())
        .await
        .unwrap();
}

/// The account's orders, newest first.
async fn orders_of(app: &TestApp, account: Uuid) -> Vec<oq::Order> {
    let mut conn = app.db.pool().get().await.unwrap();
    oq::of_account(&mut conn, account, 50).await.unwrap()
}

async fn fulfil(app: &TestApp, order: Uuid) -> Option<String> {
    orders::fulfil(&app.db.pool(), order, GRACE).await.unwrap()
}

async fn seats(app: &TestApp, user: Uuid) -> Vec<String> {
    let mut conn = app.db.pool().get().await.unwrap();
    iq::live_seats_of_user(&mut conn, user)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect()
}

fn log_text(order: &oq::Order) -> String {
    order
        .log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

async fn job_run_at(app: &TestApp, kind: &str) -> Option<DateTime<Utc>> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        run_at: DateTime<Utc>,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "SELECT run_at FROM jobs WHERE kind = $1 AND state = 'queued' ORDER BY id DESC LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(kind)
    .get_result::<Row>(&mut conn)
    .await
    .ok()
    .map(|row| row.run_at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_opens_an_order_whose_fulfilment_seats_the_member() {
    let (app, user, account, team) = setup().await;
    let east = instance(&app, team, "team-east", 10).await;

    apply(&app, &snapshot(account, "active")).await;
    let opened = orders_of(&app, account).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].state, "queued");
    assert!(job_run_at(&app, "instances.fulfil_order").await.is_some());
    // The same view again (a duplicate webhook) opens nothing new.
    apply(&app, &snapshot(account, "active")).await;
    assert_eq!(orders_of(&app, account).await.len(), 1);

    assert_eq!(
        fulfil(&app, opened[0].id).await.as_deref(),
        Some("complete")
    );
    assert_eq!(seats(&app, user).await, ["team-east"]);
    let done = &orders_of(&app, account).await[0];
    assert_eq!((done.state.as_str(), done.attempts), ("complete", 1));
    assert!(done.finished_at.is_some());
    let log = log_text(done);
    assert!(
        log.contains("ada placed on team-east (1 of 10 seats)."),
        "{log}"
    );
    // Running it again changes nothing: the order is finished.
    assert_eq!(fulfil(&app, opened[0].id).await, None);
    let mut conn = app.db.pool().get().await.unwrap();
    assert_eq!(
        iq::instance(&mut conn, east.id)
            .await
            .unwrap()
            .unwrap()
            .allocated_seats,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_without_room_waits_for_capacity_and_resumes_when_it_appears() {
    let (app, user, account, team) = setup().await;
    let full = instance(&app, team, "team-full", 0).await;
    apply(&app, &snapshot(account, "active")).await;
    let order = orders_of(&app, account).await[0].id;
    assert_eq!(fulfil(&app, order).await.as_deref(), Some("needs_capacity"));
    assert!(seats(&app, user).await.is_empty());
    assert!(log_text(&orders_of(&app, account).await[0]).contains("waiting for capacity"));
    assert!(job_run_at(&app, "instances.capacity_alert").await.is_some());

    // Room appears: waiting orders go back in the queue and are placed.
    instance(&app, team, "team-new", 5).await;
    let mut conn = app.db.pool().get().await.unwrap();
    let resumed = conn
        .transaction::<_, AppError, _>(async |tx| orders::resume_waiting(tx).await)
        .await
        .unwrap();
    assert_eq!(resumed, 1);
    assert_eq!(orders_of(&app, account).await[0].state, "queued");
    assert_eq!(fulfil(&app, order).await.as_deref(), Some("complete"));
    assert_eq!(seats(&app, user).await, ["team-new"]);
    assert_eq!(
        iq::instance(&mut conn, full.id)
            .await
            .unwrap()
            .unwrap()
            .allocated_seats,
        0
    );
    assert_eq!(orders_of(&app, account).await[0].attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_subscription_releases_the_seat_after_the_grace_period_only() {
    let (app, user, account, team) = setup().await;
    let east = instance(&app, team, "team-east", 10).await;
    apply(&app, &snapshot(account, "active")).await;
    fulfil(&app, orders_of(&app, account).await[0].id).await;
    assert_eq!(seats(&app, user).await, ["team-east"]);

    apply(&app, &snapshot(account, "canceled")).await;
    let change = &orders_of(&app, account).await[0];
    assert_eq!(change.state, "queued");
    assert_eq!(fulfil(&app, change.id).await.as_deref(), Some("complete"));
    // Still seated: the release waits out the grace period.
    assert_eq!(seats(&app, user).await, ["team-east"]);
    let release_at = job_run_at(&app, "instances.release_lapsed_seats")
        .await
        .unwrap();
    let expected = Utc::now() + chrono::Duration::from_std(GRACE).unwrap();
    assert!(
        (release_at - expected).num_minutes().abs() < 5,
        "{release_at}"
    );
    assert!(log_text(&orders_of(&app, account).await[0]).contains("no longer paid for"));

    // When it runs: released, once; the count never goes below zero.
    let mut conn = app.db.pool().get().await.unwrap();
    assert_eq!(orders::release_lapsed(&mut conn, account).await.unwrap(), 1);
    assert_eq!(orders::release_lapsed(&mut conn, account).await.unwrap(), 0);
    assert!(seats(&app, user).await.is_empty());
    assert_eq!(
        iq::instance(&mut conn, east.id)
            .await
            .unwrap()
            .unwrap()
            .allocated_seats,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_again_within_the_grace_period_keeps_the_seat() {
    let (app, user, account, team) = setup().await;
    instance(&app, team, "team-east", 10).await;
    apply(&app, &snapshot(account, "active")).await;
    fulfil(&app, orders_of(&app, account).await[0].id).await;
    apply(&app, &snapshot(account, "past_due")).await;
    apply(&app, &snapshot(account, "unpaid")).await;
    fulfil(&app, orders_of(&app, account).await[0].id).await;
    apply(&app, &snapshot(account, "active")).await;
    fulfil(&app, orders_of(&app, account).await[0].id).await;
    // The release job runs when its time comes and finds the product paid for again.
    let mut conn = app.db.pool().get().await.unwrap();
    assert_eq!(orders::release_lapsed(&mut conn, account).await.unwrap(), 0);
    assert_eq!(seats(&app, user).await, ["team-east"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_stuck_running_for_over_an_hour_are_failed_by_the_sweep() {
    let (app, _, account, team) = setup().await;
    instance(&app, team, "team-east", 10).await;
    apply(&app, &snapshot(account, "active")).await;
    let order = orders_of(&app, account).await[0].id;
    let mut conn = app.db.pool().get().await.unwrap();
    // An attempt that died after starting.
    conn.transaction::<_, AppError, _>(async |tx| {
        oq::advance(
            tx,
            order,
            "running",
            "Fulfilment started (attempt 1).",
            true,
        )
        .await?;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(orders::sweep_stuck(&mut conn, Utc::now()).await.unwrap(), 0);
    let later = Utc::now() + chrono::Duration::minutes(61);
    assert_eq!(orders::sweep_stuck(&mut conn, later).await.unwrap(), 1);
    let failed = &orders_of(&app, account).await[0];
    assert_eq!(failed.state, "failed");
    assert!(log_text(failed).contains("Stuck running for over an hour"));
    assert_eq!(orders::sweep_stuck(&mut conn, later).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_the_catalog_does_not_know_grants_nothing_and_places_no_one() {
    let (app, user, account, team) = setup().await;
    instance(&app, team, "team-east", 10).await;
    let mut unknown = snapshot(account, "active");
    unknown.items[0].stripe_price_id = "price_not_in_the_catalog".into();
    apply(&app, &unknown).await;
    let order = orders_of(&app, account).await[0].id;
    assert_eq!(fulfil(&app, order).await.as_deref(), Some("complete"));
    assert!(seats(&app, user).await.is_empty());
    let (token, _) = app.sign_in("ada").await;
    let claims = app.state.keys.verify(&token).await.unwrap();
    assert!(claims.ent.is_empty() && claims.seats.is_empty());
    // The item is kept as Stripe described it.
    let mut conn = app.db.pool().get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let items = diesel::sql_query(
        "SELECT count(*) AS count FROM subscription_items WHERE price_id IS NULL",
    )
    .get_result::<Count>(&mut conn)
    .await
    .unwrap();
    assert_eq!(items.count, 1);
}
