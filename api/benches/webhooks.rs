//! Webhook ingestion (verify the signature, keep the event in the inbox) in events/s,
//! against the raw PostgreSQL insert rate of the same rows measured in the same run at
//! the same concurrency. Target (DESIGN.md): within 2x, i.e. at least 50 % of raw.

#![recursion_limit = "256"]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::sql_types::Text;
use gatehouse::billing::signature::sign;

mod common;

const SECRET: &str = "whsec_bench";
const CONCURRENCY: usize = 32;
const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);

/// A subscription event of realistic size (about 1.5 KB).
fn event(id: &str) -> serde_json::Value {
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
                "id": "sub_1PgcBenchmark", "object": "subscription",
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

/// Runs `work` on CONCURRENCY tasks for the warm-up and the measured window; returns
/// completed operations per second in the window, and the failures.
async fn rate<F, Fut>(work: F) -> (f64, u64)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let work = Arc::new(work);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|task| {
            let (work, stop, done, failed) =
                (work.clone(), stop.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if work(task).await {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(WARM_UP).await;
    let from = done.load(Ordering::Relaxed);
    let window = Instant::now();
    tokio::time::sleep(MEASURE).await;
    let counted = done.load(Ordering::Relaxed) - from;
    let elapsed = window.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a bench task");
    }
    (
        counted as f64 / elapsed.as_secs_f64(),
        failed.load(Ordering::Relaxed),
    )
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
    let (raw, raw_failed) = rate(move |_| {
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

    let (server, base) = common::serve(common::state(pool, &[SECRET])?, cores)?;
    let client = reqwest::Client::new();
    let event_ids = Arc::new(std::sync::Mutex::new(ids()));
    let url = format!("{base}/api/v1/webhooks/stripe");
    let (ingested, ingest_failed) = rate(move |_| {
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
        MEASURE.as_secs()
    );
    println!("raw PostgreSQL insert of the same rows: {raw:.0} rows/s [{raw_failed} failed]");
    println!(
        "webhook ingestion (HTTP + signature + inbox insert): {ingested:.0} events/s = {:.0}% of raw (target >= 50%) [{ingest_failed} failed]",
        100.0 * ingested / raw
    );
    Ok(())
}
