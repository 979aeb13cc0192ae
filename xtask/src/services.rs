//! PostgreSQL and Redis: use the local services when they answer, otherwise start them.

use crate::util::{step, Cmd};

const PSQL: &[&str] = &[
    "-h",
    "127.0.0.1",
    "-U",
    "postgres",
    "-v",
    "ON_ERROR_STOP=1",
    "-qtA",
];

fn postgres_answers() -> bool {
    Cmd::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432"])
        .succeeds()
}

pub fn ensure_postgres() -> Result<(), String> {
    if postgres_answers() {
        return Ok(());
    }
    step("starting PostgreSQL");
    let versions = std::fs::read_dir("/etc/postgresql")
        .map_err(|_| {
            "PostgreSQL is not running and not installed (apt-get install postgresql)".to_owned()
        })?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    let version = versions
        .iter()
        .max()
        .ok_or("no PostgreSQL cluster in /etc/postgresql")?;
    Cmd::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version, "main", "start"])
        .run()?;
    for _ in 0..50 {
        if postgres_answers() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Err("PostgreSQL did not come up on 127.0.0.1:5432".into())
}

fn redis_answers() -> bool {
    Cmd::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", "6379", "ping"])
        .stdout_text()
        .is_some_and(|answer| answer == "PONG")
}

/// True when Redis answers (started if needed); Gatehouse itself runs without it.
pub fn ensure_redis() -> bool {
    if redis_answers() {
        return true;
    }
    step("starting Redis");
    let started = Cmd::new("redis-server")
        .args([
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .run();
    if let Err(err) = started {
        eprintln!("warning: {err}");
        return false;
    }
    for _ in 0..50 {
        if redis_answers() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

fn psql(sql: &str) -> Result<String, String> {
    Cmd::new("psql")
        .args(PSQL)
        .args(["-d", "postgres", "-c", sql])
        .output()
        .map(|out| String::from_utf8_lossy(&out).trim().to_owned())
}

/// Creates the database named in `url` unless it exists.
pub fn create_database_if_missing(url: &str) -> Result<(), String> {
    let name = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .filter(|name| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .ok_or("cannot tell the database name in DATABASE_URL (expected …/name)")?;
    let exists = psql(&format!(
        "SELECT 1 FROM pg_database WHERE datname = '{name}'"
    ))?;
    if exists != "1" {
        step(&format!("creating database {name}"));
        psql(&format!("CREATE DATABASE {name}"))?;
    }
    Ok(())
}

/// Drops and recreates `name`; returns its URL.
pub fn fresh_database(name: &str) -> Result<String, String> {
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    psql(&format!("CREATE DATABASE {name}"))?;
    Ok(format!("postgres://postgres@127.0.0.1:5432/{name}"))
}

/// Removes databases left by earlier test runs (each test makes its own), and templates
/// of older migration sets. Databases someone is connected to belong to a run still
/// going on this machine (another checkout's tests or browser tests): they are left.
pub fn drop_test_databases() -> Result<(), String> {
    // Templates only when no other run is going (it may clone from one at any moment).
    let names = psql(
        "SELECT datname FROM pg_database d
          WHERE (datname LIKE 'gatehouse\\_test\\_%'
                 OR (datname LIKE 'gatehouse\\_tpl\\_%' AND NOT EXISTS (
                       SELECT 1 FROM pg_stat_activity a WHERE a.datname LIKE 'gatehouse\\_test\\_%')))
            AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    )?;
    let mut left = 0;
    for name in names.lines().filter(|n| !n.is_empty()) {
        // Without FORCE: a run that connected meanwhile keeps its database.
        if psql(&format!("DROP DATABASE IF EXISTS {name}")).is_err() {
            left += 1;
        }
    }
    if left > 0 {
        println!("left {left} test databases in use by another run");
    }
    Ok(())
}
