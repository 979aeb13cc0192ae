//! Login throughput against the argon2 bound, and `/health` latency while logins
//! saturate the hashing pool. Run through `cargo xtask bench`; prints each figure beside
//! its target from DESIGN.md. Needs PostgreSQL (GATEHOUSE_TEST_DATABASE_URL or the local
//! default).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse::db::identity::{self as q, NewUser};
use gatehouse::identity::password;

mod common;

const PASSWORD: &str = "benchmark passphrase";
/// Distinct users and client addresses, so the sign-in throttle (per address and per
/// account+address) sees ordinary traffic from many people.
const PEOPLE: usize = 1200;
const LOAD_SECONDS: u64 = 15;

/// A client whose connections come from the person's own loopback address.
fn client_for(person: usize) -> reqwest::Client {
    let address = format!("127.0.{}.{}", 1 + person / 250, 1 + person % 250);
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().expect("an address"))
        .build()
        .expect("a client")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()?.get();

    // The bound: how many hashes per second the cores can do.
    password::hash("warm up".into()).await?;
    let samples = 10;
    let started = Instant::now();
    for _ in 0..samples {
        password::hash(PASSWORD.into()).await?;
    }
    let hash_time = started.elapsed() / samples;
    let bound = cores as f64 / hash_time.as_secs_f64();

    common::with_database(|url| async move { run(&url, cores, hash_time, bound).await }).await
}

async fn run(
    database_url: &str,
    cores: usize,
    hash_time: Duration,
    bound: f64,
) -> anyhow::Result<()> {
    let pool = common::pool(database_url)?;
    let hash = password::hash(PASSWORD.into()).await?;
    {
        let mut conn = pool.get().await?;
        for i in 0..PEOPLE {
            let user = q::insert_user(
                &mut conn,
                &NewUser {
                    email: &format!("person{i}@bench.example"),
                    username: &format!("person{i}"),
                    password_hash: Some(&hash),
                    first_name: "",
                    last_name: "",
                },
            )
            .await?;
            q::insert_account_with_owner(&mut conn, "bench", true, user.id).await?;
        }
    }
    let (server, base) = common::serve(common::state(database_url, pool, &[])?, cores)?;

    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    // More clients than cores keep the hashing pool full.
    let clients = cores * 4;
    for worker in 0..clients {
        let (stop, logins, failures, base) =
            (stop.clone(), logins.clone(), failures.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut person = worker;
            while !stop.load(Ordering::Relaxed) {
                // A new connection per sign-in, as from a new visitor.
                let response = client_for(person)
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&serde_json::json!({"login": format!("person{person}"), "password": PASSWORD}))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == 200 => logins.fetch_add(1, Ordering::Relaxed),
                    _ => failures.fetch_add(1, Ordering::Relaxed),
                };
                person = (person + clients) % PEOPLE;
            }
        }));
    }
    let probe = {
        let (stop, base) = (stop.clone(), base.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let ok = client
                    .get(format!("{base}/health"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    latencies.push(started.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            latencies
        })
    };
    // Let the pool fill before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counted_from = logins.load(Ordering::Relaxed);
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(LOAD_SECONDS)).await;
    let counted = logins.load(Ordering::Relaxed) - counted_from;
    let elapsed = window.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    let mut latencies = probe.await?;
    latencies.sort();

    // Enumeration: an unknown user and a wrong password must take the same time.
    let timing = |login: String, password: &'static str, client: reqwest::Client| {
        let base = base.clone();
        async move {
            let started = Instant::now();
            let response = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"login": login, "password": password}))
                .send()
                .await
                .expect("the server answers");
            assert_eq!(response.status(), 401);
            started.elapsed()
        }
    };
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for round in 0..60 {
        // Fresh people and addresses each round, so the throttle stays out of it.
        let person = PEOPLE - 1 - round;
        wrong.push(
            timing(
                format!("person{person}"),
                "not the password",
                client_for(person),
            )
            .await,
        );
        unknown.push(
            timing(
                format!("nobody{round}"),
                "not the password",
                client_for(round),
            )
            .await,
        );
    }
    unknown.sort();
    wrong.sort();
    server.shutdown.cancel();
    server.stopped().await?;

    let rate = counted as f64 / elapsed.as_secs_f64();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    println!("machine: {cores} cores");
    println!(
        "argon2id hash (m=19 MiB, t=2, p=1): {:.1} ms -> bound {bound:.1} logins/s",
        hash_time.as_secs_f64() * 1000.0
    );
    println!(
        "login throughput: {rate:.1} logins/s = {:.0}% of the bound (target >= 90%) [{} failed]",
        100.0 * rate / bound,
        failures.load(Ordering::Relaxed)
    );
    let median = |values: &[Duration]| values[values.len() / 2].as_secs_f64() * 1000.0;
    println!(
        "failed sign-in timing (median of 60, idle): unknown user {:.1} ms, wrong password {:.1} ms (target: indistinguishable)",
        median(&unknown),
        median(&wrong)
    );
    println!(
        "/health under login load: p50 {:.2} ms, p99 {:.2} ms over {} probes (target p99 < 10 ms)",
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.len()
    );
    Ok(())
}
