//! What every benchmark needs: a throwaway database, the app state with production
//! settings, and the real server on a free port.

#![allow(dead_code)] // each benchmark uses its own subset

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use gatehouse::config::{AuthConfig, DatabaseConfig};
use gatehouse::db::Pool;
use gatehouse::http::HttpSettings;
use gatehouse::server::RunningServer;
use gatehouse::state::{AppState, StateSettings};
use secrecy::SecretString;

fn admin_url() -> String {
    std::env::var("GATEHOUSE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Runs `bench` against a freshly migrated database that is dropped afterwards.
pub async fn with_database<F, Fut>(bench: F) -> anyhow::Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let name = format!("gatehouse_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = AsyncPgConnection::establish(&admin_url()).await?;
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let mut url = url::Url::parse(&admin_url())?;
    url.set_path(&format!("/{name}"));
    gatehouse::db::run_migrations(url.as_str()).await?;
    let result = bench(url.to_string()).await;
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    result
}

/// The production pool settings, on `database_url`.
fn database(database_url: &str) -> DatabaseConfig {
    DatabaseConfig {
        url: SecretString::from(database_url.to_owned()),
        pool_size: 16,
        timeout: Duration::from_secs(10),
    }
}

pub fn pool(database_url: &str) -> anyhow::Result<Pool> {
    gatehouse::db::build_pool(&database(database_url))
}

/// Production settings on `database_url` (a pool of `pool`'s, and one per HTTP worker);
/// `webhook_secrets` for the Stripe endpoint.
pub fn state(database_url: &str, pool: Pool, webhook_secrets: &[&str]) -> anyhow::Result<AppState> {
    let state = AppState::new(
        pool,
        None,
        StateSettings {
            metrics_token: None,
            auth: AuthConfig {
                issuer: "http://bench".into(),
                audience: "gatehouse".into(),
                access_ttl: Duration::from_secs(900),
                refresh_ttl: Duration::from_secs(86_400),
                reuse_window: Duration::from_secs(10),
                totp_issuer: "Gatehouse".into(),
                staff_mfa_required: true,
                api_rates: gatehouse::config::ApiRates::default(),
            },
            public_url: "http://bench/".parse()?,
            oauth: Default::default(),
            trusted_proxies: Vec::new(),
            stripe_webhook_secrets: webhook_secrets
                .iter()
                .map(|secret| SecretString::from(secret.to_string()))
                .collect(),
            billing_grace: Duration::from_secs(7 * 86_400),
            billing_retention: Duration::from_secs(90 * 86_400),
            stripe: None,
        },
    );
    Ok(state.with_worker_pools(database(database_url)))
}

/// The real server with `workers` HTTP workers; its base URL.
pub fn serve(state: AppState, workers: usize) -> anyhow::Result<(RunningServer, String)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let server = gatehouse::server::start(
        state,
        HttpSettings {
            max_body_bytes: 65_536,
            web_dir: "/nonexistent".into(),
            extra_routes: None,
        },
        listener,
        Some(workers),
        Duration::from_secs(5),
    )?;
    let base = format!("http://{}", server.addr);
    Ok((server, base))
}

/// How long each measurement warms up, and how long it is measured.
pub const WARM_UP: Duration = Duration::from_secs(2);
pub const MEASURE: Duration = Duration::from_secs(10);

/// Runs `work` on `concurrency` tasks for the warm-up and the measured window; returns
/// completed operations per second in the window, and the failures.
pub async fn rate<F, Fut>(concurrency: usize, work: F) -> (f64, u64)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let work = Arc::new(work);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let (work, stop, done, failed) =
                (work.clone(), stop.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                while !AtomicBool::load(&stop, Ordering::Relaxed) {
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
    let from = AtomicU64::load(&done, Ordering::Relaxed);
    let window = Instant::now();
    tokio::time::sleep(MEASURE).await;
    let counted = AtomicU64::load(&done, Ordering::Relaxed) - from;
    let elapsed = window.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a bench task");
    }
    (
        counted as f64 / elapsed.as_secs_f64(),
        AtomicU64::load(&failed, Ordering::Relaxed),
    )
}
