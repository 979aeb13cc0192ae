//! The worker loop: claim due jobs, run them with a renewed lease, record the outcome.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use super::queue::{self, Failed, JobRow};
use super::{prune::PruneFinishedJobs, JobContext, JobServices, Registry};
use crate::db::Pool;

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once.
    pub concurrency: usize,
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// How long a claim is valid without a heartbeat; renewed every third of it.
    pub lease: Duration,
    /// First retry delay; doubled on every further attempt.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_cap: Duration,
    /// How long running jobs get to finish at shutdown.
    pub shutdown_timeout: Duration,
    /// Whether this worker enqueues the periodic housekeeping jobs.
    pub schedule_housekeeping: bool,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(3600),
            shutdown_timeout: Duration::from_secs(30),
            schedule_housekeeping: true,
        }
    }
}

/// One worker: a loop that claims jobs and runs up to `concurrency` of them at once.
pub struct Worker {
    pool: Pool,
    registry: Registry,
    services: Arc<JobServices>,
    config: WorkerConfig,
    id: Uuid,
}

const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

impl Worker {
    pub fn new(
        pool: Pool,
        registry: Registry,
        services: JobServices,
        config: WorkerConfig,
    ) -> Self {
        Self {
            pool,
            registry,
            services: Arc::new(services),
            config,
            id: Uuid::new_v4(),
        }
    }

    /// Runs until `shutdown` is cancelled, then waits for running jobs to finish (up to
    /// the shutdown timeout; a job still running after that keeps its lease and is
    /// claimed again by another worker once the lease expires).
    pub async fn run(self, shutdown: CancellationToken) {
        let kinds = self.registry.kinds();
        tracing::info!(worker.id = %self.id, ?kinds, concurrency = self.config.concurrency, "worker started");
        let slots = Arc::new(Semaphore::new(self.config.concurrency));
        let mut running: JoinSet<()> = JoinSet::new();
        let leases = Leases::default();
        let mut idle_delay = self.config.poll_interval;
        let mut next_housekeeping = tokio::time::Instant::now();

        while !shutdown.is_cancelled() {
            while running.try_join_next().is_some() {}
            if self.config.schedule_housekeeping && tokio::time::Instant::now() >= next_housekeeping
            {
                self.schedule_housekeeping().await;
                next_housekeeping = tokio::time::Instant::now() + HOUSEKEEPING_EVERY;
            }

            let free = slots.available_permits();
            let mut claimed_all = false;
            if free > 0 {
                match self.claim(&kinds, free).await {
                    Ok((token, jobs)) => {
                        idle_delay = self.config.poll_interval;
                        claimed_all = !jobs.is_empty() && jobs.len() == free;
                        for job in jobs {
                            let permit = slots.clone().acquire_owned().await.expect("never closed");
                            let runner = self.runner();
                            let leases = leases.clone();
                            running.spawn(async move {
                                leases.hold(job.id, token);
                                runner.run_one(job.clone(), token).await;
                                leases.drop_lease(job.id);
                                drop(permit);
                            });
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "claiming jobs failed; backing off");
                        idle_delay = (idle_delay * 2).min(Duration::from_secs(30));
                    }
                }
            }
            if claimed_all {
                continue; // more may be due right now
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(idle_delay) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }

        tracing::info!(worker.id = %self.id, running = running.len(), "worker stopping");
        let drain = async { while running.join_next().await.is_some() {} };
        if tokio::time::timeout(self.config.shutdown_timeout, drain)
            .await
            .is_err()
        {
            // Stop the handlers and give their jobs back without counting the attempt.
            running.abort_all();
            while running.join_next().await.is_some() {}
            self.release(leases.take()).await;
        }
    }

    async fn release(&self, leases: Vec<(i64, Uuid)>) {
        tracing::warn!(worker.id = %self.id, count = leases.len(), "jobs still running at shutdown are given back");
        let Ok(mut conn) = self.pool.get().await else {
            tracing::warn!("cannot reach the database; the leases will expire instead");
            return;
        };
        for (id, token) in leases {
            if let Err(err) = queue::release(&mut conn, id, token).await {
                tracing::warn!(job.id = id, error = %err, "could not release the job; its lease will expire");
            }
        }
    }

    async fn claim(&self, kinds: &[String], free: usize) -> anyhow::Result<(Uuid, Vec<JobRow>)> {
        let mut conn = self.pool.get().await?;
        let buried = queue::bury_expired(&mut conn).await?;
        if buried > 0 {
            tracing::warn!(
                count = buried,
                "jobs whose worker died on their last attempt are now dead"
            );
        }
        Ok(queue::claim(&mut conn, kinds, free as i64, self.config.lease).await?)
    }

    async fn schedule_housekeeping(&self) {
        let result = async {
            let mut conn = self.pool.get().await?;
            super::enqueue(&mut conn, &PruneFinishedJobs::default()).await?;
            super::enqueue(&mut conn, &crate::billing::sweep::SweepBilling::default()).await?;
            super::enqueue(
                &mut conn,
                &crate::accounts::periods::SweepPlanPeriods::default(),
            )
            .await?;
            super::enqueue(
                &mut conn,
                &crate::instances::orders::SweepStuckOrders::default(),
            )
            .await?;
            super::enqueue(&mut conn, &crate::recovery::PurgeExpiredAccounts::default()).await
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not schedule housekeeping");
        }
    }

    fn runner(&self) -> Runner {
        Runner {
            pool: self.pool.clone(),
            registry: self.registry.clone(),
            services: self.services.clone(),
            config: self.config.clone(),
        }
    }
}

struct Runner {
    pool: Pool,
    registry: Registry,
    services: Arc<JobServices>,
    config: WorkerConfig,
}

impl Runner {
    async fn run_one(self, job: JobRow, token: Uuid) {
        let span = tracing::info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
        async move {
            let started = std::time::Instant::now();
            let outcome = self.execute(&job, token).await;
            let elapsed = started.elapsed();
            metrics::histogram!("jobs_duration_seconds", "kind" => job.kind.clone())
                .record(elapsed.as_secs_f64());
            match outcome {
                Outcome::Done => match self.record_done(&job, token).await {
                    Ok(true) => {
                        metrics::counter!("jobs_completed_total", "kind" => job.kind.clone()).increment(1);
                        tracing::info!(elapsed_ms = elapsed.as_millis() as u64, "job done");
                    }
                    Ok(false) => tracing::warn!("job finished after its lease was lost"),
                    Err(err) => tracing::error!(error = %err, "could not record job completion"),
                },
                Outcome::Failed(error) => {
                    let delay = queue::backoff(job.attempts, self.config.backoff_base, self.config.backoff_cap);
                    match self.record_failure(&job, token, &error, delay).await {
                        Ok(Failed::Retrying) => {
                            metrics::counter!("jobs_failed_total", "kind" => job.kind.clone()).increment(1);
                            tracing::warn!(error = %error, retry_in_s = delay.as_secs(), "job failed; will retry");
                        }
                        Ok(Failed::Dead) => {
                            metrics::counter!("jobs_dead_total", "kind" => job.kind.clone()).increment(1);
                            tracing::error!(error = %error, "job failed on its last attempt and is dead");
                        }
                        Ok(Failed::Superseded) => tracing::warn!(error = %error, "job failed; a queued duplicate will run instead"),
                        Ok(Failed::LeaseLost) => tracing::warn!(error = %error, "job failed after its lease was lost"),
                        Err(err) => tracing::error!(error = %err, "could not record job failure"),
                    }
                }
                Outcome::LeaseLost => tracing::warn!("lease lost while running; another worker owns the job now"),
            }
        }
        .instrument(span)
        .await
    }

    async fn execute(&self, job: &JobRow, token: Uuid) -> Outcome {
        let Some(registered) = self.registry.get(&job.kind) else {
            return Outcome::Failed(format!("no handler for job kind {}", job.kind));
        };
        let ctx = JobContext {
            pool: self.pool.clone(),
            services: self.services.clone(),
            job_id: job.id,
            attempt: job.attempts,
        };
        // Its own task, so a panic becomes a failed attempt instead of killing the loop;
        // aborted when this future is dropped (worker shutdown), never left detached.
        let mut handle = AbortOnDrop(tokio::spawn((registered.handler)(ctx, job.payload.clone())));
        let deadline = tokio::time::sleep(registered.timeout);
        tokio::pin!(deadline);
        let mut beat = tokio::time::interval(self.config.lease / 3);
        beat.tick().await;
        let mut renewed = std::time::Instant::now();
        loop {
            tokio::select! {
                joined = &mut handle.0 => return match joined {
                    Ok(Ok(())) => Outcome::Done,
                    Ok(Err(err)) => Outcome::Failed(format!("{err:#}")),
                    Err(join) if join.is_panic() => Outcome::Failed("the job panicked".to_owned()),
                    Err(_) => Outcome::Failed("the job was cancelled".to_owned()),
                },
                _ = &mut deadline => {
                    return Outcome::Failed(format!("timed out after {} s", registered.timeout.as_secs()));
                }
                _ = beat.tick() => {
                    match self.renew(job.id, token).await {
                        Ok(true) => renewed = std::time::Instant::now(),
                        Ok(false) => return Outcome::LeaseLost,
                        // A blip talking to the database: keep going while the lease has
                        // slack; stop before it can expire, or another worker could start
                        // the same job beside this one.
                        Err(err) if renewed.elapsed() < self.config.lease * 2 / 3 => {
                            tracing::warn!(error = %err, "heartbeat failed; retrying");
                        }
                        Err(err) => {
                            tracing::error!(error = %err, "heartbeats failing; abandoning the job before its lease expires");
                            return Outcome::LeaseLost;
                        }
                    }
                }
            }
        }
    }

    async fn renew(&self, id: i64, token: Uuid) -> anyhow::Result<bool> {
        let mut conn = self.pool.get().await?;
        Ok(queue::heartbeat(&mut conn, id, token, self.config.lease).await?)
    }

    async fn record_done(&self, job: &JobRow, token: Uuid) -> anyhow::Result<bool> {
        let mut conn = self.pool.get().await?;
        let erase = self
            .registry
            .get(&job.kind)
            .is_some_and(|registered| registered.erase_payload);
        Ok(if erase {
            queue::complete_and_erase(&mut conn, job.id, token).await?
        } else {
            queue::complete(&mut conn, job.id, token).await?
        })
    }

    async fn record_failure(
        &self,
        job: &JobRow,
        token: Uuid,
        error: &str,
        delay: Duration,
    ) -> anyhow::Result<Failed> {
        let mut conn = self.pool.get().await?;
        Ok(queue::fail(&mut conn, job.id, token, error, delay).await?)
    }
}

/// Aborts the task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Leases of the jobs a worker is running, to give back at shutdown.
#[derive(Clone, Default)]
struct Leases(Arc<std::sync::Mutex<std::collections::HashMap<i64, Uuid>>>);

impl Leases {
    fn hold(&self, id: i64, token: Uuid) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, token);
    }

    fn drop_lease(&self, id: i64) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    fn take(&self) -> Vec<(i64, Uuid)> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
    }
}

enum Outcome {
    Done,
    Failed(String),
    LeaseLost,
}
