//! Processing Stripe's events end to end against the fake Stripe: Gatehouse's real
//! client re-reads subscriptions and invoices, so every ordering and any number of
//! deliveries of one checkout's events converge on the same state.

use std::time::Duration;

use gatehouse_fakes::stripe::{ApiFaults, SECRET_KEY};
use serde_json::Value;

use crate::stripe_world::{events_of, paid_checkout, Gatehouse, Stripe, MAIN_EVENTS};

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
        // Team's monthly credits, granted once for the paid invoice whichever of the
        // subscription and the invoice arrives first.
        "credits": [["grant", 2000, 2000]],
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_catches_a_lost_cancellation_and_an_expired_grace_period() {
    use diesel_async::RunQueryDsl;
    let stripe = Stripe::start();
    let (customer, price, subscription) = paid_checkout(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    for event in events_of(&stripe, &MAIN_EVENTS) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;
    // Stripe ends the subscription, and the event never arrives.
    let cancelled = reqwest::Client::new()
        .delete(format!("{}/v1/subscriptions/{subscription}", stripe.base))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success());
    let mut conn = gatehouse.app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE subscriptions SET current_period_end = now() - interval '2 hours'")
        .execute(&mut conn)
        .await
        .unwrap();
    gatehouse::jobs::enqueue(
        &mut conn,
        &gatehouse::billing::sweep::SweepBilling::default(),
    )
    .await
    .unwrap();
    gatehouse.settled().await;
    wait_for_job_done(&gatehouse, "billing.sweep").await;
    gatehouse.settled().await;
    assert_eq!(gatehouse.state().await["account"], "cancelled");

    // A past-due account whose grace ran out while nobody wrote is suspended.
    let other = Stripe::start();
    let (customer, price, subscription) = paid_checkout(&other).await;
    let late = Gatehouse::start(&other, &customer, &price).await;
    other.fake.fail_payment(&subscription).unwrap();
    for event in events_of(&other, &["customer.subscription.updated"]) {
        late.deliver(&event).await;
    }
    late.settled().await;
    assert_eq!(late.state().await["account"], "past_due");
    let mut conn = late.app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE accounts SET past_due_since = now() - interval '8 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    gatehouse::jobs::enqueue(
        &mut conn,
        &gatehouse::billing::sweep::SweepBilling::default(),
    )
    .await
    .unwrap();
    wait_for_job_done(&late, "billing.sweep").await;
    assert_eq!(late.state().await["account"], "suspended");
}

async fn wait_for_job_done(gatehouse: &Gatehouse, kind: &str) {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut conn = gatehouse.app.db.pool().get().await.unwrap();
        let done = diesel::sql_query(
            "SELECT count(*) AS count FROM jobs WHERE kind = $1 AND state = 'done'",
        )
        .bind::<diesel::sql_types::Text, _>(kind)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count;
        if done > 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{kind} never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_is_a_trial_and_its_end_is_announced_once() {
    let stripe = Stripe::start();
    let price = crate::stripe_world::fake_price(&stripe).await;
    let customer = stripe
        .post("/v1/customers", &[("email", "ada@example.org")])
        .await;
    let customer = customer["id"].as_str().unwrap().to_owned();
    let session = stripe
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("customer", &customer),
                ("line_items[0][price]", &price),
                ("line_items[0][quantity]", "1"),
                ("subscription_data[trial_period_days]", "3"),
                ("success_url", "http://gatehouse.test/billing"),
                ("cancel_url", "http://gatehouse.test/pricing"),
            ],
        )
        .await;
    stripe
        .fake
        .complete_checkout(session["id"].as_str().unwrap(), None)
        .unwrap();
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    let mut types: Vec<&str> = MAIN_EVENTS.to_vec();
    types.push("customer.subscription.trial_will_end");
    let events = events_of(&stripe, &types);
    assert!(events
        .iter()
        .any(|e| e["type"] == "customer.subscription.trial_will_end"));
    for event in events.iter().chain(events.iter()) {
        gatehouse.deliver(event).await;
    }
    gatehouse.settled().await;
    assert_eq!(gatehouse.state().await["account"], "trial");
    assert_eq!(gatehouse.emails("trial_ending").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_failure_midway_leaves_nothing_half_written_and_the_job_retries() {
    use diesel_async::RunQueryDsl;
    let stripe = Stripe::start();
    let (customer, price, _) = paid_checkout(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, &customer, &price).await;
    let mut conn = gatehouse.app.db.pool().get().await.unwrap();
    // The database refuses the subscription's items, written after the subscription row
    // in the same transaction, for as long as the switch is on.
    for statement in [
        "CREATE TABLE failing (on_off BOOLEAN NOT NULL)",
        "INSERT INTO failing VALUES (true)",
        "CREATE FUNCTION refuse_items() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF EXISTS (SELECT 1 FROM failing) THEN RAISE EXCEPTION 'disk full'; END IF;
           RETURN NEW;
         END $$",
        "CREATE TRIGGER refuse_items BEFORE INSERT ON subscription_items
           FOR EACH ROW EXECUTE FUNCTION refuse_items()",
    ] {
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let decided = |mut state: Value| {
        // Everything but the inbox, which holds the event meanwhile.
        state.as_object_mut().unwrap().remove("unprocessed");
        state
    };
    let before = (decided(gatehouse.state().await), mail_jobs(&mut conn).await);
    let created = &events_of(&stripe, &["customer.subscription.created"])[0];
    gatehouse.deliver(created).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let row = gatehouse::db::stripe_events::find(&mut conn, created["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        if row.status == "failed" {
            assert!(row.last_error.unwrap().contains("disk full"));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never failed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Nothing of the failed attempt is visible: no subscription without its items, the
    // account as it was, no email queued.
    assert_eq!(
        (decided(gatehouse.state().await), mail_jobs(&mut conn).await),
        before
    );
    diesel::sql_query("DELETE FROM failing")
        .execute(&mut conn)
        .await
        .unwrap();
    // The job's next attempt completes the whole change.
    gatehouse.settled().await;
    let state = gatehouse.state().await;
    assert_eq!(state["account"], "active");
    assert_eq!(
        state["subscriptions"],
        serde_json::json!([["active", false, [[price, 1, true]]]])
    );
    assert_eq!(state["unprocessed"], 0);
}

async fn mail_jobs(conn: &mut gatehouse::db::Conn) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    diesel::sql_query("SELECT count(*) AS count FROM jobs WHERE kind = 'mail.send'")
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .count
}
