//! Redis killed in the middle of a stream of sign-ins and authenticated reads, then
//! started again on the same port. Redis holds only the rate-limit buckets, and the code
//! lets a request through when its bucket cannot be read (`identity::throttle`,
//! `http::authn::count_against_account`): so while Redis is gone every request is
//! answered, none is throttled, none carries `RateLimit-*` headers (there was no
//! decision to report), `/health` names Redis; and once it is back the same process
//! counts in it again (its buckets reappear in the new, empty Redis and throttle again).
//! The test runs a `redis-server` of its own so killing it disturbs no other test.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool_redis::redis;
use reqwest::Method;
use serde_json::json;

use crate::harness::{json, TestApp, TEST_PASSWORD};

/// A `redis-server` of this test's own on a free port, without persistence (a restart
/// starts empty); killed when dropped.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self { port, child: None };
        redis.spawn().await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server on the port and waits until it answers `PING`.
    async fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.connection().await.is_none() {
            assert!(Instant::now() < deadline, "redis-server did not answer");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the server (SIGKILL, as when a host dies) and waits until it is gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn connection(&self) -> Option<redis::aio::MultiplexedConnection> {
        let client = redis::Client::open(self.url()).ok()?;
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.ok()?;
        (pong == "PONG").then_some(conn)
    }

    /// The keys matching `pattern`, asked of the server directly.
    async fn keys(&self, pattern: &str) -> Vec<String> {
        let mut conn = self.connection().await.expect("Redis answers");
        redis::cmd("KEYS")
            .arg(pattern)
            .query_async(&mut conn)
            .await
            .unwrap()
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where Redis stood when a request was sent.
const UP: u8 = 0;
const DOWN: u8 = 1;
/// Started again, not yet answering `PING` to the test.
const RESTARTING: u8 = 2;
const BACK: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SignIn,
    Read,
}

#[derive(Debug, Clone, Copy)]
struct Answer {
    kind: Kind,
    /// Redis's phase when the request was sent.
    phase: u8,
    /// ... and when its answer came.
    answered_in: u8,
    status: u16,
    /// Whether `RateLimit-Limit` came back (a decision was made).
    limited_headers: bool,
    /// 200, or 429 with the `rate_limited` envelope.
    expected: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_killed_and_restarted_under_load_fails_open_then_counts_in_redis_again() {
    let mut redis = PrivateRedis::start().await;
    let app = Arc::new(
        TestApp::builder()
            .redis_at(&redis.url())
            .api_rates(gatehouse::config::ApiRates {
                per_minute: 20,
                plans: Default::default(),
            })
            .spawn()
            .await,
    );
    app.create_user("ada@example.org", "ada").await;
    let (_, reader_account) = app.create_user("bob@example.org", "bob").await;
    let (reader, _) = app.sign_in("bob").await;
    let api_bucket = format!("gatehouse:rl:api:{reader_account}");

    // Two tasks sign in as ada (5 attempts at once per account and address), two read
    // bob's orders (20 a minute); each notes what it got and in which phase it asked.
    let phase = Arc::new(AtomicU8::new(UP));
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let tasks: Vec<_> = [Kind::SignIn, Kind::SignIn, Kind::Read, Kind::Read]
        .into_iter()
        .map(|kind| {
            let (app, reader, phase, stop, answers, slowest) = (
                app.clone(),
                reader.clone(),
                phase.clone(),
                stop.clone(),
                answers.clone(),
                slowest.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let asked_in = phase.load(Ordering::SeqCst);
                    let started = Instant::now();
                    let response = match kind {
                        Kind::SignIn => {
                            app.post_json(
                                "/api/v1/auth/login",
                                json!({"login": "ada", "password": TEST_PASSWORD}),
                            )
                            .await
                        }
                        Kind::Read => {
                            app.authed(Method::GET, "/api/v1/orders", &reader, None)
                                .await
                        }
                    };
                    let status = response.status().as_u16();
                    let limited_headers = response.headers().contains_key("ratelimit-limit");
                    let text = response.text().await.unwrap_or_default();
                    let body: serde_json::Value =
                        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
                    {
                        let mut worst = slowest.lock().unwrap();
                        *worst = (*worst).max(started.elapsed());
                    }
                    // Anything but an answer or a clear 429 stops the test (see `poll`).
                    let expected =
                        status == 200 || (status == 429 && body["error"]["code"] == "rate_limited");
                    if !expected {
                        eprintln!("unexpected answer to {kind:?}: {status} {body}");
                    }
                    answers.lock().unwrap().push(Answer {
                        kind,
                        phase: asked_in,
                        answered_in: phase.load(Ordering::SeqCst),
                        status,
                        limited_headers,
                        expected,
                    });
                    // Pacing, so four loops do not starve the two cores.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();

    let seen = |kind: Kind, phase: u8, status: u16| {
        answers
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.kind == kind && a.phase == phase && a.status == status)
            .count()
    };
    // Up: both kinds are throttled through Redis, whose buckets are there to see.
    let unexpected = || answers.lock().unwrap().iter().any(|a| !a.expected);
    poll(
        "sign-ins and reads throttled with Redis up",
        unexpected,
        || seen(Kind::SignIn, UP, 429) > 0 && seen(Kind::Read, UP, 429) > 0,
    )
    .await;
    assert_eq!(redis.keys(&api_bucket).await, vec![api_bucket.clone()]);
    assert!(!redis.keys("gatehouse:rl:signin:*").await.is_empty());

    // Down: every request is answered and let through.
    redis.kill();
    phase.store(DOWN, Ordering::SeqCst);
    poll("answers while Redis is down", unexpected, || {
        seen(Kind::SignIn, DOWN, 200) >= 10 && seen(Kind::Read, DOWN, 200) >= 25
    })
    .await;
    let health = app.get("/health").await;
    assert_eq!(health.status(), 503);
    let health = json(health).await;
    assert_eq!(
        health["error"]["code"], "dependency_unavailable",
        "{health}"
    );
    assert_eq!(
        health["error"]["fields"],
        json!({"redis": "unavailable"}),
        "only Redis is named: {health}"
    );

    // Back on the same port, empty: the same process counts in it again.
    phase.store(RESTARTING, Ordering::SeqCst);
    redis.spawn().await;
    phase.store(BACK, Ordering::SeqCst);
    poll("throttling again once Redis is back", unexpected, || {
        seen(Kind::SignIn, BACK, 429) > 0 && seen(Kind::Read, BACK, 429) > 0
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(redis.keys(&api_bucket).await, vec![api_bucket.clone()]);
    let sign_in_bucket = "gatehouse:rl:signin:acct:ada:127.0.0.1";
    assert_eq!(redis.keys(sign_in_bucket).await, vec![sign_in_bucket]);
    let health = json(app.get("/health").await).await;
    assert_eq!(health["checks"]["redis"], "ok", "{health}");

    let answers = answers.lock().unwrap().clone();
    assert!(answers.iter().all(|a| a.expected));
    // Asked and answered while it was gone (an answer straddling the kill or the
    // restart may or may not have reached Redis).
    let down: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.phase == DOWN && a.answered_in == DOWN)
        .collect();
    assert!(
        down.iter().all(|a| a.status == 200 && !a.limited_headers),
        "while Redis was down nothing was throttled or reported: {down:?}"
    );
    // Reads asked and answered while Redis was up (or back) were all counted there.
    let uncounted: Vec<&Answer> = answers
        .iter()
        .filter(|a| matches!(a.phase, UP | BACK) && a.answered_in == a.phase)
        .filter(|a| a.kind == Kind::Read)
        .filter(|a| !a.limited_headers)
        .collect();
    assert!(uncounted.is_empty(), "{uncounted:?}");
    // Nobody waited anywhere near a hang: the pool's timeout is 2 s.
    let worst = *slowest.lock().unwrap();
    assert!(worst < Duration::from_secs(10), "a request took {worst:?}");
    println!(
        "redis fault: {} answers ({} while down), slowest {worst:?}",
        answers.len(),
        down.len()
    );
}

/// Polls `done` every 20 ms for up to 30 s, failing at once on an unexpected answer.
async fn poll(what: &str, unexpected: impl Fn() -> bool, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            !unexpected(),
            "an answer other than 200 or a 429 envelope (see stderr)"
        );
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
