//! An authenticated JSON read (`GET /api/v1/me` with an access token, through every
//! middleware, the token check and the user's row) against the lower of two bounds
//! measured in the same run at the same concurrency: a bare actix-web handler answering
//! the same JSON from memory, and PostgreSQL's primary-key select rate (`pgbench -S`).
//! Target (DESIGN.md): at least half of the lower bound. Also measured, for comparison:
//! the same app with one PostgreSQL pool shared by all its HTTP workers.

use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use gatehouse::db::identity::{self as q, NewUser};
use gatehouse::identity::password;

mod common;

/// Connections kept busy by each measurement (pgbench clients, HTTP tasks).
const CONCURRENCY: usize = 16;
const PASSWORD: &str = "benchmark passphrase";

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()?.get();
    common::with_database(|url| async move { run(&url, cores).await }).await
}

async fn run(database_url: &str, cores: usize) -> anyhow::Result<()> {
    let pool = common::pool(database_url)?;
    {
        let hash = password::hash(PASSWORD.into()).await?;
        let mut conn = pool.get().await?;
        let user = q::insert_user(
            &mut conn,
            &NewUser {
                email: "reader@bench.example",
                username: "reader",
                password_hash: Some(&hash),
                first_name: "Ada",
                last_name: "Lovelace",
            },
        )
        .await?;
        q::insert_account_with_owner(&mut conn, "bench", true, user.id).await?;
    }
    let state = common::state(database_url, pool, &[])?;
    // The same app with one pool shared by all its workers, as before each had its own.
    let mut shared_pool = state.clone();
    shared_pool.worker_pools = None;
    let (server, base) = common::serve(state, cores)?;
    let (shared_server, shared_base) = common::serve(shared_pool, cores)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "reader", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no access token: {login}"))?
        .to_owned();
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;

    // Bound 1: a bare actix-web JSON handler with the same body, the same worker count.
    let body = serde_json::to_vec(&me)?;
    let bare = HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/me",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(cores)
    .bind("127.0.0.1:0")?;
    let bare_url = format!("http://{}/me", bare.addrs()[0]);
    let bare = bare.run();
    let bare_handle = bare.handle();
    tokio::spawn(bare);

    let get = |url: String, token: Option<String>| {
        let client = client.clone();
        move |_| {
            let mut request = client.get(&url);
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let request = request.send();
            async move {
                match request.await {
                    Ok(response) if response.status().is_success() => {
                        response.bytes().await.is_ok()
                    }
                    _ => false,
                }
            }
        }
    };
    let (bare_rate, bare_failed) = common::rate(CONCURRENCY, get(bare_url, None)).await;
    bare_handle.stop(true).await;

    // Bound 2: PostgreSQL's primary-key selects (pgbench -S) at the same concurrency.
    let pgbench = pgbench_select_rate(database_url)?;

    // Gatehouse: GET /api/v1/me with the access token.
    let (shared_rate, shared_failed) = common::rate(
        CONCURRENCY,
        get(format!("{shared_base}/api/v1/me"), Some(token.clone())),
    )
    .await;
    shared_server.shutdown.cancel();
    shared_server.stopped().await?;
    let (me_rate, me_failed) =
        common::rate(CONCURRENCY, get(format!("{base}/api/v1/me"), Some(token))).await;
    server.shutdown.cancel();
    server.stopped().await?;

    let bound = bare_rate.min(pgbench);
    println!("authenticated JSON read (GET /api/v1/me), {CONCURRENCY} concurrent, {cores} cores:");
    println!("  bare actix-web JSON handler: {bare_rate:.0} req/s ({bare_failed} failed)");
    println!("  PostgreSQL pgbench -S:       {pgbench:.0} tps");
    println!("  GET /api/v1/me:              {me_rate:.0} req/s ({me_failed} failed)");
    println!("    (one pool for all workers: {shared_rate:.0} req/s ({shared_failed} failed))");
    println!(
        "  ratio to the lower bound: {:.0} % (target ≥ 50 %)",
        100.0 * me_rate / bound
    );
    Ok(())
}

/// `pgbench -S` (select only, by primary key) on its own tables in `database_url`'s
/// database, for [`common::MEASURE`] at [`CONCURRENCY`] clients; transactions per second.
fn pgbench_select_rate(database_url: &str) -> anyhow::Result<f64> {
    let init = std::process::Command::new("pgbench")
        .args(["-i", "-q", "-s", "1", database_url])
        .output()?;
    anyhow::ensure!(init.status.success(), "pgbench -i: {init:?}");
    let seconds = common::MEASURE
        .max(Duration::from_secs(1))
        .as_secs()
        .to_string();
    let clients = CONCURRENCY.to_string();
    let run = std::process::Command::new("pgbench")
        .args([
            "-S",
            "-n",
            "-c",
            &clients,
            "-j",
            "2",
            "-T",
            &seconds,
            database_url,
        ])
        .output()?;
    anyhow::ensure!(run.status.success(), "pgbench -S: {run:?}");
    let text = String::from_utf8_lossy(&run.stdout);
    text.lines()
        .find_map(|line| {
            line.strip_prefix("tps = ")
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|tps| tps.parse().ok())
        })
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench's output: {text}"))
}
