//! Faults in what Gatehouse depends on, while it is under load. PostgreSQL is stopped in
//! the middle of a stream of writes and started again: while it is gone every request
//! gets a clear 503 (never a 500, never a hang past the pool's timeout) and `/health`
//! names it; once it is back the same process serves again without a restart; and every
//! write that was acknowledged is there exactly once (nothing acknowledged is lost,
//! nothing is half-written). The test runs its own PostgreSQL cluster (initdb in a
//! temporary directory) so stopping it disturbs no other test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::harness::{TestApp, TestDb};

/// A PostgreSQL cluster of this test's own, stopped and removed when dropped.
struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> Self {
        let bin = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
            .expect("pg_config (PostgreSQL's server package) is installed");
        let data = std::env::temp_dir().join(format!(
            "gatehouse-faults-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&data).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { bin, data, port };
        // PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
        if is_root() {
            run(Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&cluster.data));
        }
        run(cluster
            .command("initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&cluster.data));
        cluster.pg_ctl("start");
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// `pg_ctl start` (waiting until it accepts connections) or `pg_ctl stop` (fast:
    /// open connections are cut, as when a database server goes away).
    fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.display()
        );
        let mut command = self.command("pg_ctl");
        command.args([action, "-w", "-D"]).arg(&self.data);
        match action {
            "start" => command
                .args(["-o", &options, "-l"])
                .arg(self.data.join("log")),
            _ => command.args(["-m", "fast"]),
        };
        run(&mut command);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["stop", "-m", "immediate", "-D"])
            .arg(&self.data)
            .output();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn run(command: &mut Command) {
    let output = command.output().expect("the PostgreSQL tool starts");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn data_dir_exists(path: &Path) -> bool {
    path.join("PG_VERSION").exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_started_under_load_answers_503_then_converges_losing_nothing() {
    let postgres = PrivatePostgres::start();
    assert!(data_dir_exists(&postgres.data));
    gatehouse::db::run_migrations(&postgres.url())
        .await
        .unwrap();
    let app = Arc::new(
        TestApp::builder()
            .on_database(TestDb {
                url: postgres.url(),
            })
            .spawn()
            .await,
    );
    app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;

    // Four writers create team accounts with names of their own, and note each answer.
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::<(String, u16)>::new()));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (app, token, stop, answers, slowest) = (
                app.clone(),
                token.clone(),
                stop.clone(),
                answers.clone(),
                slowest.clone(),
            );
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let name = format!("Team {writer}-{n}");
                    let started = Instant::now();
                    let (status, body) = app
                        .call(
                            Method::POST,
                            "/api/v1/accounts",
                            &token,
                            Some(json!({"name": name})),
                        )
                        .await;
                    let took = started.elapsed();
                    {
                        let mut worst = slowest.lock().unwrap();
                        *worst = (*worst).max(took);
                    }
                    assert!(status == 201 || status == 503, "{name}: {status} {body}");
                    if status == 503 {
                        assert_eq!(body["error"]["code"], "service_unavailable");
                    }
                    answers.lock().unwrap().push((name, status));
                    if status == 503 {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            })
        })
        .collect();

    let count = |status: u16| {
        let answers = answers.lock().unwrap();
        answers.iter().filter(|(_, s)| *s == status).count()
    };
    // Writes succeed, then PostgreSQL goes away in the middle of them.
    while count(201) < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    postgres.pg_ctl("stop");
    let down_since = answers.lock().unwrap().len();
    while count(503) < 8 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = app.get("/health").await;
    assert_eq!(health.status(), 503);
    let health: serde_json::Value = health.json().await.unwrap();
    assert!(
        health["error"]["fields"]["postgres"].is_string(),
        "{health}"
    );

    // Back again: the same process serves again by itself.
    postgres.pg_ctl("start");
    let back = Instant::now();
    loop {
        let served = answers.lock().unwrap()[down_since..]
            .iter()
            .filter(|(_, status)| *status == 201)
            .count();
        if served >= 20 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(60),
            "no successful writes within 60 s of PostgreSQL's return"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(app.get("/health").await.status(), 200);

    // Every acknowledged write is stored exactly once; nothing else is.
    let (status, listed) = app
        .call(Method::GET, "/api/v1/accounts", &token, None)
        .await;
    assert_eq!(status, 200, "{listed}");
    let stored: Vec<String> = listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|account| account["personal"] == false)
        .map(|account| account["name"].as_str().unwrap().to_owned())
        .collect();
    let answers = answers.lock().unwrap();
    for (name, _) in answers.iter().filter(|(_, status)| *status == 201) {
        assert_eq!(
            stored.iter().filter(|s| *s == name).count(),
            1,
            "{name} was acknowledged"
        );
    }
    // A write cut off with its connection may have committed before the answer was lost;
    // nothing that was never asked for exists.
    for name in &stored {
        assert!(answers.iter().any(|(asked, _)| asked == name), "{name}");
    }
    // No request waited much longer than the pool's timeout (10 s) for an answer.
    let worst = *slowest.lock().unwrap();
    assert!(worst < Duration::from_secs(20), "a request took {worst:?}");
}
