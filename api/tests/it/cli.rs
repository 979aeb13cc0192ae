//! The `gatehouse` binary: configuration errors, migrate → seed → serve, JSON logs and
//! a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

fn gatehouse() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn serve_fails_fast_naming_every_missing_or_malformed_variable() {
    let output = gatehouse()
        .arg("serve")
        .env("GATEHOUSE_ADDR", "not-an-address")
        .env("REDIS_URL", "http://wrong-scheme")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "DATABASE_URL is required",
        "GATEHOUSE_ADDR",
        "REDIS_URL: scheme 'http'",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in {stderr}");
    }
}

#[test]
fn a_malformed_database_url_is_reported_without_its_password() {
    let output = gatehouse()
        .arg("migrate")
        .env("DATABASE_URL", "mysql://root:hunter2@db/x")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn openapi_prints_the_document_without_any_configuration() {
    let output = gatehouse().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["info"]["title"], "Gatehouse API");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_seed_and_serve_then_stop_cleanly_on_sigterm_with_json_logs() {
    let db = TestDb::empty().await;
    for step in ["migrate", "seed"] {
        let output = gatehouse()
            .arg(step)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{step}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Seeding again changes nothing: one demo instance per product that runs on one.
    let again = gatehouse()
        .arg("seed")
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stdout).contains("demo instances added"));
    {
        use diesel_async::{AsyncConnection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let mut conn = diesel_async::AsyncPgConnection::establish(&db.url)
            .await
            .unwrap();
        let instances = diesel::sql_query("SELECT count(*) AS count FROM instances")
            .get_result::<Count>(&mut conn)
            .await
            .unwrap();
        assert_eq!(instances.count, 3, "starter, team and business");
    }
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = gatehouse()
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("GATEHOUSE_ADDR", &addr)
        .env("GATEHOUSE_LOG_FORMAT", "json")
        .env("GATEHOUSE_HTTP_WORKERS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });

    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = client.get(format!("{base}/health")).send().await {
            assert_eq!(response.status(), 200);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let catalog: serde_json::Value = client
        .get(format!("{base}/api/v1/catalog"))
        .header("x-request-id", "cli-test-42")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalog["pages"][0]["products"].as_array().unwrap().len(), 5);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");

    // The in-process worker ran the housekeeping job `serve` schedules at start-up.
    assert!(
        housekeeping_done(&db).await,
        "serve runs the job worker in-process"
    );

    let lines = lines.join().unwrap();
    let request_line = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| {
            entry["message"] == "request finished" && entry["span"]["request_id"] == "cli-test-42"
        })
        .unwrap_or_else(|| {
            panic!(
                "no JSON request log with the request id in:\n{}",
                lines.join("\n")
            )
        });
    assert_eq!(request_line["status"], 200);
    assert!(
        lines.iter().any(|line| line.contains("SIGTERM received")),
        "{lines:?}"
    );
}

async fn housekeeping_done(db: &TestDb) -> bool {
    let mut conn = db.pool().get().await.unwrap();
    let counts = gatehouse::jobs::queue::count_by_state(&mut conn)
        .await
        .unwrap();
    counts.iter().any(|(state, n)| state == "done" && *n >= 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_command_runs_jobs_alone_and_stops_on_sigterm() {
    let db = TestDb::migrated().await;
    let mut child = gatehouse()
        .arg("worker")
        .env("DATABASE_URL", &db.url)
        .env("GATEHOUSE_WORKER_POLL_MS", "50")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !housekeeping_done(&db).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker ran no job"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_can_list_and_retry_dead_jobs() {
    use diesel_async::RunQueryDsl;
    let db = TestDb::migrated().await;
    let mut conn = db.pool().get().await.unwrap();
    diesel::sql_query(
        "INSERT INTO jobs (kind, state, attempts, max_attempts, last_error, finished_at)
         VALUES ('mail.send', 'dead', 3, 3, 'smtp said 550', now())",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let listed = gatehouse()
        .args(["jobs", "dead"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(listed.status.success());
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("mail.send") && text.contains("smtp said 550"),
        "{text}"
    );
    let id = text.split('\t').next().unwrap().trim().to_owned();

    let retried = gatehouse()
        .args(["jobs", "retry", &id])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        retried.status.success(),
        "{}",
        String::from_utf8_lossy(&retried.stderr)
    );
    let again = gatehouse()
        .args(["jobs", "retry", &id])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a queued job is not dead any more");
    let row = gatehouse::jobs::queue::find(&mut conn, id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("queued", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_grant_and_revoke_staff_from_the_command_line() {
    let db = TestDb::migrated().await;
    let mut conn = db.pool().get().await.unwrap();
    let user = gatehouse::db::identity::insert_user(
        &mut conn,
        &gatehouse::db::identity::NewUser {
            email: "ada@example.org",
            username: "ada",
            password_hash: None,
            first_name: "",
            last_name: "",
        },
    )
    .await
    .unwrap();
    let staff = |args: &[&str]| {
        gatehouse()
            .args(["users", "staff"])
            .args(args)
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let granted = staff(&["Ada@Example.org"]);
    assert!(
        granted.status.success(),
        "{}",
        String::from_utf8_lossy(&granted.stderr)
    );
    let granted_now = gatehouse::db::identity::find_user(&mut conn, user.id)
        .await
        .unwrap()
        .unwrap();
    assert!(granted_now.is_staff);
    assert_eq!(granted_now.staff_role.as_deref(), Some("admin"));
    assert!(staff(&["ada", "--role", "support"]).status.success());
    let support = gatehouse::db::identity::find_user(&mut conn, user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(support.staff_role.as_deref(), Some("support"));
    assert!(!staff(&["ada", "--role", "owner"]).status.success());
    assert!(staff(&["ada", "--revoke"]).status.success());
    let revoked_now = gatehouse::db::identity::find_user(&mut conn, user.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!revoked_now.is_staff);
    assert_eq!(revoked_now.staff_role, None);
    let unknown = staff(&["nobody@example.org"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no user"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_rotate_signing_keys_from_the_command_line() {
    let db = TestDb::migrated().await;
    let rotate = || {
        gatehouse()
            .args(["keys", "rotate"])
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let first = rotate();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = rotate();
    assert!(second.status.success());
    let mut conn = db.pool().get().await.unwrap();
    let keys = gatehouse::db::identity::signing_keys(
        &mut conn,
        chrono::Utc::now() - chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].retired_at.is_none(), "the newest key signs");
    assert!(keys[1].retired_at.is_some(), "the older one is retired");
    let printed = String::from_utf8_lossy(&second.stdout);
    assert!(printed.contains(&keys[0].kid), "{printed}");
}
