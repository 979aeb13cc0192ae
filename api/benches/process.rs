//! The `gatehouse serve` process as an operator runs it (the release binary, its own
//! process): time from start to the first healthy answer, and its resident memory at
//! rest, under a read load, under a sign-in load (argon2 takes 19 MiB per hash in
//! flight) and at rest again afterwards. Target (DESIGN.md): under 64 MiB at rest.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

const PASSWORD: &str = "benchmark passphrase";
const READERS: usize = 32;
const SIGN_INS: usize = 8;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    common::with_database(|url| async move { run(&url).await }).await
}

/// Resident memory of `pid` in KiB (`VmRSS` in /proc).
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS for {pid}"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Stops the server when the benchmark ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

async fn run(database_url: &str) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    let started = Instant::now();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("GATEHOUSE_ADDR", format!("127.0.0.1:{port}"))
            .env("GATEHOUSE_WEB_DIR", "/nonexistent")
            .env("GATEHOUSE_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    loop {
        if let Ok(response) = client.get(format!("{base}/health")).send().await {
            if response.status().is_success() {
                break;
            }
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "no healthy answer in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let cold_start = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let at_rest = rss_kib(pid)?;

    // One person to read as.
    client
        .post(format!("{base}/api/v1/auth/register"))
        .json(
            &serde_json::json!({"email": "reader@bench.example", "username": "reader",
            "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace"}),
        )
        .send()
        .await?
        .error_for_status()?;
    let login = |client: reqwest::Client, base: String| async move {
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"login": "reader", "password": PASSWORD}))
            .send()
            .await
    };
    let tokens: serde_json::Value = login(client.clone(), base.clone()).await?.json().await?;
    let token = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let reads = {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        peak_while(pid, READERS, move |_| {
            let request = client
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(&token)
                .send();
            async move { matches!(request.await, Ok(r) if r.status().is_success()) }
        })
        .await?
    };
    // Sign-ins from many loopback addresses, so the throttle (five per account and
    // address) never stops the hashing this measures.
    let clients: Vec<reqwest::Client> = (0..250u8)
        .map(|host| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::from([127, 0, 2, host + 1]))
                .build()
        })
        .collect::<Result<_, _>>()?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sign_ins = {
        let base = base.clone();
        peak_while(pid, SIGN_INS, move |_| {
            let client = clients[next.fetch_add(1, Ordering::Relaxed) % clients.len()].clone();
            let attempt = login(client, base.clone());
            async move { matches!(attempt.await, Ok(r) if r.status().is_success()) }
        })
        .await?
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid)?;
    drop(server);

    println!("the gatehouse serve process (release build):");
    println!(
        "  start to first healthy answer: {} ms",
        cold_start.as_millis()
    );
    println!(
        "  resident memory at rest: {:.1} MiB (target < 64 MiB)",
        mib(at_rest)
    );
    println!(
        "  under {READERS} concurrent reads: peak {:.1} MiB ({:.0} req/s)",
        mib(reads.0),
        reads.1
    );
    println!(
        "  under {SIGN_INS} concurrent sign-ins: peak {:.1} MiB ({:.0} sign-ins/s)",
        mib(sign_ins.0),
        sign_ins.1
    );
    println!("  at rest afterwards: {:.1} MiB", mib(after));
    Ok(())
}

/// Runs `work` on `concurrency` tasks for [`common::MEASURE`] while sampling the resident
/// memory of `pid` every 50 ms: the peak in KiB, and the completed operations per second.
async fn peak_while<F, Fut>(pid: u32, concurrency: usize, work: F) -> anyhow::Result<(u64, f64)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(rss_kib(pid)?));
    let sampler = {
        let (sampling, peak) = (sampling.clone(), peak.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                if let Ok(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let (rate, _) = common::rate(concurrency, work).await;
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    Ok((peak.load(Ordering::Relaxed), rate))
}
