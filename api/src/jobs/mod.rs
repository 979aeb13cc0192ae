//! The durable job queue: side effects run here, after the transaction that asked for
//! them has committed.
//!
//! * [`enqueue`] inserts a job row on the caller's connection, so it commits or rolls
//!   back with the caller's transaction (transactional outbox).
//! * Workers ([`worker::Worker`]) claim due rows with `FOR UPDATE SKIP LOCKED` and hold a
//!   lease (`locked_by`, `locked_until`) they renew while the job runs. A job whose
//!   worker died is claimed again once its lease expires.
//! * A failed job is retried with exponential backoff and jitter; after `max_attempts`
//!   it is `dead`: kept, inspectable and retryable ([`queue::retry_dead`]).
//! * `unique_key` deduplicates and serialises: at most one *queued* job per
//!   `(kind, unique_key)` (enqueueing another returns it), and a queued job waits while
//!   one with its key runs. Work enqueued after a change therefore always runs after it,
//!   and never beside an earlier run for the same key.
//!
//! Delivery is at least once: handlers must be idempotent.

pub mod prune;
pub mod queue;
pub mod worker;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::{Conn, Pool};

/// A kind of background work. The payload is the serialized value of the type.
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// Stable name stored in `jobs.kind`; never rename one that has rows.
    const KIND: &'static str;
    /// Attempts before the job is `dead`.
    const MAX_ATTEMPTS: i32 = 10;
    /// Longest one attempt may take before it counts as failed.
    const TIMEOUT: Duration = Duration::from_secs(300);
    /// Replace the payload with `{}` once done (it holds secrets such as one-time links).
    const ERASE_PAYLOAD_WHEN_DONE: bool = false;

    /// Deduplication key: while a queued job of this kind has the same key, enqueueing
    /// another returns that one; jobs of one key never run at the same time.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// Does the work. Must be idempotent: a job can run again after a crash.
    fn run(self, ctx: JobContext) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// What jobs may use besides the database, built once per worker.
#[derive(Debug, Clone, Default)]
pub struct JobServices {
    pub mailer: crate::mail::Mailer,
    /// `None` until Stripe is configured (events then wait, failing, for it).
    pub stripe: Option<crate::billing::stripe_api::StripeApi>,
    pub billing: crate::billing::subscriptions::BillingSettings,
    /// For calls to products (provisioning connectors); each call sets its own timeout.
    pub http: reqwest::Client,
}

/// What a running job gets.
#[derive(Clone)]
pub struct JobContext {
    pub pool: Pool,
    pub services: Arc<JobServices>,
    pub job_id: i64,
    /// 1 on the first attempt.
    pub attempt: i32,
}

/// The outcome of [`enqueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job row with this id.
    New(i64),
    /// A queued job with the same kind and unique key already existed: this one.
    Duplicate(i64),
}

/// Enqueues `job` to run now, on `conn` (inside the caller's transaction, if any).
pub async fn enqueue<J: Job>(conn: &mut Conn, job: &J) -> anyhow::Result<Enqueued> {
    enqueue_at(conn, job, None).await
}

/// Enqueues `job` to run at `run_at` (now when `None`).
pub async fn enqueue_at<J: Job>(
    conn: &mut Conn,
    job: &J,
    run_at: Option<DateTime<Utc>>,
) -> anyhow::Result<Enqueued> {
    let (id, inserted) = queue::insert(conn, new_job(job, run_at)?).await?;
    Ok(if inserted {
        Enqueued::New(id)
    } else {
        Enqueued::Duplicate(id)
    })
}

/// The row [`enqueue_at`] inserts for `job`, for statements that insert it beside other
/// rows in one round trip.
pub fn new_job<J: Job>(
    job: &J,
    run_at: Option<DateTime<Utc>>,
) -> anyhow::Result<queue::NewJob<'static>> {
    Ok(queue::NewJob {
        kind: J::KIND,
        payload: serde_json::to_value(job)?,
        unique_key: job.unique_key(),
        max_attempts: J::MAX_ATTEMPTS,
        run_at,
    })
}

type Handler = Arc<
    dyn Fn(JobContext, serde_json::Value) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync,
>;

struct Registered {
    handler: Handler,
    timeout: Duration,
    erase_payload: bool,
}

/// Which job kinds a worker runs. A worker only claims kinds it has registered, so
/// during a rolling upgrade an old worker leaves new kinds to new workers.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: HashMap<&'static str, Arc<Registered>>,
}

impl Registry {
    /// Every job kind Gatehouse itself defines.
    pub fn standard() -> Self {
        let mut registry = Self::default();
        registry
            .register::<prune::PruneFinishedJobs>()
            .register::<crate::mail::SendEmail>()
            .register::<crate::billing::process::ProcessStripeSubject>()
            .register::<crate::billing::sweep::SweepBilling>()
            .register::<crate::accounts::periods::SweepPlanPeriods>()
            .register::<crate::billing::catalog_sync::SyncCatalog>()
            .register::<crate::recovery::PurgeExpiredAccounts>()
            .register::<crate::instances::alerts::CapacityAlert>()
            .register::<crate::instances::connectors::ConnectorEvent>()
            .register::<crate::instances::orders::FulfilOrder>()
            .register::<crate::instances::orders::ReleaseLapsedSeats>()
            .register::<crate::instances::orders::SweepStuckOrders>()
            .register::<crate::instances::drain::DrainInstance>();
        registry
    }

    pub fn register<J: Job>(&mut self) -> &mut Self {
        let handler: Handler = Arc::new(|ctx, payload| {
            async move {
                let job: J = serde_json::from_value(payload)
                    .map_err(|err| anyhow::anyhow!("payload does not decode: {err}"))?;
                job.run(ctx).await
            }
            .boxed()
        });
        self.kinds.insert(
            J::KIND,
            Arc::new(Registered {
                handler,
                timeout: J::TIMEOUT,
                erase_payload: J::ERASE_PAYLOAD_WHEN_DONE,
            }),
        );
        self
    }

    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self.kinds.keys().map(|k| (*k).to_owned()).collect();
        kinds.sort();
        kinds
    }

    fn get(&self, kind: &str) -> Option<Arc<Registered>> {
        self.kinds.get(kind).cloned()
    }
}
