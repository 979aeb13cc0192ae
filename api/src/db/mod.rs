//! PostgreSQL access: the pool, embedded migrations, the diesel schema and query
//! functions. Query functions take a connection so callers compose them inside one
//! transaction.

pub mod accounts;
pub mod admin_accounts;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod catalog;
pub mod credits;
pub mod identity;
pub mod instances;
pub mod mfa;
pub mod oauth;
pub mod onboarding;
pub mod orders;
pub mod overview;
pub mod plans;
pub mod retention;
pub mod schema;
pub mod stripe_events;
pub mod teams;
pub mod tickets;
pub mod tokens;

use std::time::Duration;

use anyhow::Context;
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use secrecy::ExposeSecret;

use crate::config::DatabaseConfig;

pub type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;
/// A pooled connection; derefs to [`AsyncPgConnection`].
pub type PooledConn = Object<AsyncPgConnection>;
/// What query functions take.
pub type Conn = AsyncPgConnection;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Builds the connection pool. Connections are opened lazily; waiting for one, opening
/// one and recycling one are all bounded by the configured timeout.
pub fn build_pool(config: &DatabaseConfig) -> anyhow::Result<Pool> {
    // A connection the server closed is dropped at checkout (diesel-async checks it); no
    // test query per checkout, which cost a round trip on every request (`reads` bench:
    // GET me 5,915 → 8,415 req/s). A connection that dies while pooled fails its first
    // query, answered 503 by `error::connection_lost`.
    let mut manager_config = diesel_async::pooled_connection::ManagerConfig::default();
    manager_config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        config.url.expose_secret(),
        manager_config,
    );
    Pool::builder(manager)
        .max_size(config.pool_size)
        .wait_timeout(Some(config.timeout))
        .create_timeout(Some(config.timeout))
        .recycle_timeout(Some(config.timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// The pool of one of `workers` HTTP workers: `config`'s connections shared out among
/// them, at least one each. tokio-postgres drives each connection from a task on the
/// runtime that opened it. With a pool per worker (each a runtime on its own thread), a
/// request and its connection's driver run on one thread instead of waking each other
/// across threads on every query.
pub fn build_worker_pool(config: &DatabaseConfig, workers: usize) -> anyhow::Result<Pool> {
    build_pool(&DatabaseConfig {
        pool_size: config.pool_size.div_ceil(workers.max(1)),
        ..config.clone()
    })
}

/// Applies pending migrations; returns the versions applied.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let connection = tokio::time::timeout(
        Duration::from_secs(30),
        AsyncPgConnection::establish(database_url),
    )
    .await
    .context("timed out connecting to PostgreSQL")?
    .context("connecting to PostgreSQL")?;
    // The harness blocks; keep it off the async worker threads.
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(connection);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect())
            .map_err(|err| anyhow::anyhow!("running migrations: {err}"))
    })
    .await
    .context("migration task panicked")?
}
