//! Webhook ingestion (verify the signature, keep the event in the inbox) in events/s,
//! against the raw PostgreSQL insert rate of the same rows measured in the same run at
//! the same concurrency. Target (DESIGN.md): within 2x, i.e. at least 50 % of raw.
//!
//! "The same rows": what the inbox writes per event, the event and its processing job (the
//! transactional outbox), inserted by the same single statement straight from the
//! benchmark, without HTTP, signature or parsing. The single-row insert of the event
//! alone is printed too, for context.

#![recursion_limit = "256"]

use std::sync::Arc;

use diesel::sql_types::Text;
use gatehouse::billing::signature::sign;

mod common;

const SECRET: &str = "whsec_bench";
const CONCURRENCY: usize = 32;

/// A subscription event of realistic size (about 1.5 KB), about a subscription of its
/// own: a burst of events from many customers. (Events about one subscription share one
/// processing job, which each delivery touches under its row lock: a burst about a single
/// subscription queues on that row, see docs/PERFORMANCE.md.)
fn event(id: &str) -> serde_json::Value {
    let subscription = format!("sub_{id}");
    serde_json::json!({
        "id": id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": chrono::Utc::now().timestamp(),
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": "req_bench", "idempotency_key": "bench"},
        "type": "customer.subscription.updated",
        "data": {
            "object": {
                "id": subscription, "object": "subscription",
                "application": null, "application_fee_percent": null,
                "automatic_tax": {"enabled": false, "liability": null},
                "billing_cycle_anchor": 1_721_949_000, "cancel_at": null,
                "cancel_at_period_end": false, "canceled_at": null,
                "collection_method": "charge_automatically", "created": 1_721_949_000,
                "currency": "eur", "customer": "cus_QXg1Benchmark",
                "default_payment_method": "pm_1PgcBenchmark", "description": null,
                "discounts": [], "ended_at": null,
                "items": {"object": "list", "has_more": false, "url": "/v1/subscription_items?subscription=sub_1PgcBenchmark",
                    "data": [{"id": "si_QXg1Benchmark", "object": "subscription_item", "created": 1_721_949_000,
                        "current_period_start": 1_721_949_000, "current_period_end": 1_724_627_400,
                        "metadata": {}, "quantity": 1, "subscription": "sub_1PgcBenchmark",
                        "price": {"id": "price_1PgafmBenchmark", "object": "price", "active": true,
                            "billing_scheme": "per_unit", "created": 1_721_948_530, "currency": "eur",
                            "livemode": false, "lookup_key": null, "metadata": {}, "nickname": null,
                            "product": "prod_QXg1Benchmark", "recurring": {"interval": "month", "interval_count": 1,
                            "usage_type": "licensed"}, "tax_behavior": "unspecified", "type": "recurring",
                            "unit_amount": 2900, "unit_amount_decimal": "2900"}}]},
                "latest_invoice": "in_1PgcBenchmark", "livemode": false,
                "metadata": {"account_id": "7f0c6a4e-6c1b-4a8e-9a57-2d1f5e0b9c11"},
                "start_date": 1_721_949_000, "status": "active", "trial_end": null, "trial_start": null,
            },
            "previous_attributes": {"cancel_at_period_end": true},
        },
    })
}

fn ids() -> impl FnMut() -> String {
    let mut next = 0u64;
    let run = uuid::Uuid::new_v4().simple().to_string();
    move || {
        next += 1;
        format!("evt_{}_{next}", &run[..12])
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()?.get();
    common::with_database(|url| async move { run(&url, cores).await }).await
}

async fn run(database_url: &str, cores: usize) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let pool = common::pool(database_url)?;
    {
        let mut conn = pool.get().await?;
        diesel::sql_query(
            "CREATE TABLE bench_raw_events (id TEXT PRIMARY KEY, payload JSONB NOT NULL,
                received_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .execute(&mut conn)
        .await?;
    }

    // The bound: the same rows inserted straight into PostgreSQL, one statement each,
    // through the same pool, by the same number of concurrent tasks.
    let raw_ids = Arc::new(std::sync::Mutex::new(ids()));
    let raw_pool = pool.clone();
    let (raw, raw_failed) = common::rate(CONCURRENCY, move |_| {
        let id = (raw_ids.lock().expect("not poisoned"))();
        let pool = raw_pool.clone();
        async move {
            let Ok(mut conn) = pool.get().await else {
                return false;
            };
            // The JSON travels as text and PostgreSQL parses it, as in the inbox.
            let payload = serde_json::to_string(&event(&id)).expect("JSON");
            diesel::sql_query("INSERT INTO bench_raw_events (id, payload) VALUES ($1, $2::jsonb)")
                .bind::<Text, _>(&id)
                .bind::<Text, _>(payload)
                .execute(&mut conn)
                .await
                .is_ok()
        }
    })
    .await;

    // The bound: the rows the inbox keeps per event (event + processing job), by the same
    // statement, straight into PostgreSQL.
    let pair_ids = Arc::new(std::sync::Mutex::new(ids()));
    let pair_pool = pool.clone();
    let (pair, pair_failed) = common::rate(CONCURRENCY, move |_| {
        let id = (pair_ids.lock().expect("not poisoned"))();
        let pool = pair_pool.clone();
        async move {
            let Ok(mut conn) = pool.get().await else {
                return false;
            };
            let payload = serde_json::to_string(&event(&id)).expect("JSON");
            let subject = format!("sub_{id}");
            let job = gatehouse::jobs::new_job(
                &gatehouse::billing::process::ProcessStripeSubject {
                    subject: subject.clone(),
                },
                None,
            )
            .expect("a job");
            gatehouse::db::stripe_events::insert_with_job(
                &mut conn,
                gatehouse::db::stripe_events::NewStripeEvent {
                    id: &id,
                    kind: "customer.subscription.updated",
                    livemode: false,
                    api_version: Some("2025-03-31.basil"),
                    created: chrono::Utc::now(),
                    object_id: Some(&subject),
                    subject_id: Some(&subject),
                    status: "received",
                    payload_json: &payload,
                },
                Some(job),
            )
            .await
            .is_ok()
        }
    })
    .await;

    let (server, base) = common::serve(common::state(database_url, pool, &[SECRET])?, cores)?;
    let client = reqwest::Client::new();
    let event_ids = Arc::new(std::sync::Mutex::new(ids()));
    let url = format!("{base}/api/v1/webhooks/stripe");
    let (ingested, ingest_failed) = common::rate(CONCURRENCY, move |_| {
        let id = (event_ids.lock().expect("not poisoned"))();
        let body = serde_json::to_vec(&event(&id)).expect("JSON");
        let signature = sign(SECRET, chrono::Utc::now().timestamp(), &body);
        let request = client
            .post(&url)
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(body);
        async move { request.send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    server.shutdown.cancel();
    server.stopped().await?;

    println!(
        "machine: {cores} cores, {CONCURRENCY} concurrent senders, {} s measured",
        common::MEASURE.as_secs()
    );
    println!("raw PostgreSQL insert of the event row alone: {raw:.0} rows/s [{raw_failed} failed]");
    println!(
        "raw PostgreSQL insert of the rows the inbox keeps (event + job, one statement): {pair:.0} events/s [{pair_failed} failed]"
    );
    println!(
        "webhook ingestion (HTTP + signature + inbox insert): {ingested:.0} events/s = {:.0}% of raw (target >= 50%) [{ingest_failed} failed]; {:.0}% of the event row alone",
        100.0 * ingested / pair,
        100.0 * ingested / raw
    );
    Ok(())
}
