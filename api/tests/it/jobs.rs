//! The durable job queue against real PostgreSQL, with real concurrency.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use diesel_async::{AsyncConnection, RunQueryDsl};
use gatehouse::db::Pool;
use gatehouse::jobs::queue::{self, Failed};
use gatehouse::jobs::worker::{Worker, WorkerConfig};
use gatehouse::jobs::{enqueue, Enqueued, Job, JobContext, JobServices, Registry};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::harness::TestDb;

fn kinds(of: &[&str]) -> Vec<String> {
    of.iter().map(|k| (*k).to_owned()).collect()
}

/// Records every run; flags a job that starts while it is already running.
#[derive(Default)]
struct Ledger {
    running: HashSet<u32>,
    runs: HashMap<u32, u32>,
    overlaps: Vec<u32>,
}

static LEDGER: Mutex<Option<Ledger>> = Mutex::new(None);

#[derive(Serialize, Deserialize)]
struct Tracked {
    n: u32,
}

impl Job for Tracked {
    const KIND: &'static str = "test.tracked";

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        {
            let mut ledger = LEDGER.lock().unwrap();
            let ledger = ledger.get_or_insert_with(Ledger::default);
            if !ledger.running.insert(self.n) {
                ledger.overlaps.push(self.n);
            }
            *ledger.runs.entry(self.n).or_default() += 1;
        }
        // Give other workers the chance to pick the same job if the claim allowed it.
        tokio::time::sleep(Duration::from_millis(2)).await;
        LEDGER
            .lock()
            .unwrap()
            .as_mut()
            .unwrap()
            .running
            .remove(&self.n);
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct AlwaysFails;

impl Job for AlwaysFails {
    const KIND: &'static str = "test.always_fails";
    const MAX_ATTEMPTS: i32 = 2;

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        anyhow::bail!("the remote said no")
    }
}

#[derive(Serialize, Deserialize)]
struct Panics;

impl Job for Panics {
    const KIND: &'static str = "test.panics";

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        panic!("bug in a job")
    }
}

/// Outlives a short lease many times over, counting its runs.
static SLOW_RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[derive(Serialize, Deserialize)]
struct Slow;

impl Job for Slow {
    const KIND: &'static str = "test.slow";

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        SLOW_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Hangs;

impl Job for Hangs {
    const KIND: &'static str = "test.hangs";
    const MAX_ATTEMPTS: i32 = 1;
    const TIMEOUT: Duration = Duration::from_millis(200);

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        std::future::pending::<()>().await;
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Keyed {
    key: String,
}

impl Job for Keyed {
    const KIND: &'static str = "test.keyed";

    fn unique_key(&self) -> Option<String> {
        Some(self.key.clone())
    }

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        Ok(())
    }
}

pub(crate) fn fast_config() -> WorkerConfig {
    WorkerConfig {
        concurrency: 4,
        poll_interval: Duration::from_millis(10),
        lease: Duration::from_secs(30),
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(50),
        shutdown_timeout: Duration::from_secs(10),
        schedule_housekeeping: false,
    }
}

pub(crate) async fn state_of(pool: &Pool, id: i64) -> queue::JobRow {
    let mut conn = pool.get().await.unwrap();
    queue::find(&mut conn, id).await.unwrap()
}

async fn enqueue_new<J: Job>(conn: &mut gatehouse::db::Conn, job: &J) -> i64 {
    match enqueue(conn, job).await.unwrap() {
        Enqueued::New(id) => id,
        Enqueued::Duplicate(_) => panic!("expected a new job"),
    }
}

/// A worker running in the background until [`RunningWorker::stop`].
pub(crate) struct RunningWorker {
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<()>,
}

impl RunningWorker {
    pub(crate) fn start(pool: &Pool, registry: Registry, config: WorkerConfig) -> Self {
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(
            Worker::new(pool.clone(), registry, JobServices::default(), config)
                .run(shutdown.clone()),
        );
        Self { shutdown, handle }
    }

    pub(crate) async fn stop(self) {
        self.shutdown.cancel();
        self.handle.await.unwrap();
    }
}

/// Waits (without a wall-clock assertion) until `check` holds, for at most `limit`.
pub(crate) async fn eventually<F: std::future::Future<Output = bool>>(
    limit: Duration,
    mut check: impl FnMut() -> F,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached in {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_in_a_rolled_back_transaction_does_not_exist() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let result: Result<(), anyhow::Error> = conn
        .transaction(async |tx| {
            enqueue(tx, &Tracked { n: 1 }).await?;
            anyhow::bail!("the state change failed")
        })
        .await;
    assert!(result.is_err());
    let (_, claimed) = queue::claim(
        &mut conn,
        &kinds(&[Tracked::KIND]),
        10,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(claimed.is_empty());

    conn.transaction(async |tx| enqueue(tx, &Tracked { n: 2 }).await.map(|_| ()))
        .await
        .unwrap();
    let (_, claimed) = queue::claim(
        &mut conn,
        &kinds(&[Tracked::KIND]),
        10,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1, "a committed enqueue is visible");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_key_deduplicates_queued_jobs_and_serialises_runs_per_key() {
    let db = TestDb::migrated().await;
    let mut conn = db.pool().get().await.unwrap();
    let job = Keyed {
        key: "account-7".into(),
    };
    let first = enqueue_new(&mut conn, &job).await;
    assert_eq!(
        enqueue(&mut conn, &job).await.unwrap(),
        Enqueued::Duplicate(first)
    );
    enqueue_new(
        &mut conn,
        &Keyed {
            key: "account-8".into(),
        },
    )
    .await;

    let keyed = kinds(&[Keyed::KIND]);
    let (token, claimed) = queue::claim(&mut conn, &keyed, 10, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    // New work for a running key queues behind it and does not run beside it.
    let second = enqueue_new(&mut conn, &job).await;
    assert_eq!(
        enqueue(&mut conn, &job).await.unwrap(),
        Enqueued::Duplicate(second)
    );
    let (_, beside) = queue::claim(&mut conn, &keyed, 10, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(beside.is_empty(), "same key must not run twice at once");
    assert!(queue::complete(&mut conn, first, token).await.unwrap());
    let (_, after) = queue::claim(&mut conn, &keyed, 10, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(after.iter().map(|j| j.id).collect::<Vec<_>>(), [second]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueueing_work_that_waits_out_a_backoff_makes_it_due_now() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let job = Keyed { key: "k".into() };
    let id = enqueue_new(&mut conn, &job).await;
    let keyed = kinds(&[Keyed::KIND]);
    let (token, _) = queue::claim(&mut conn, &keyed, 1, Duration::from_secs(30))
        .await
        .unwrap();
    queue::fail(&mut conn, id, token, "later", Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(
        enqueue(&mut conn, &job).await.unwrap(),
        Enqueued::Duplicate(id)
    );
    let (_, due) = queue::claim(&mut conn, &keyed, 1, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "fresh work does not wait out an old backoff");
    assert_eq!(due[0].attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_job_is_not_retried_while_a_queued_copy_exists() {
    let db = TestDb::migrated().await;
    let mut conn = db.pool().get().await.unwrap();
    let job = Keyed { key: "dup".into() };
    let id = enqueue_new(&mut conn, &job).await;
    diesel::sql_query("UPDATE jobs SET state = 'dead', finished_at = now()")
        .execute(&mut conn)
        .await
        .unwrap();
    enqueue_new(&mut conn, &job).await;
    assert!(!queue::retry_dead(&mut conn, id).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_with_a_queued_duplicate_is_superseded_instead_of_retried() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let job = Keyed { key: "acct".into() };
    let running = enqueue_new(&mut conn, &job).await;
    let (token, _) = queue::claim(
        &mut conn,
        &kinds(&[Keyed::KIND]),
        1,
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    let queued = enqueue_new(&mut conn, &job).await;
    let outcome = queue::fail(&mut conn, running, token, "boom", Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(outcome, Failed::Superseded);
    let closed = state_of(&pool, running).await;
    assert_eq!(closed.state, "done");
    assert!(closed.last_error.unwrap().contains("superseded"));
    assert_eq!(
        state_of(&pool, queued).await.state,
        "queued",
        "the newer copy still runs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_job_is_skipped_by_every_other_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut a = pool.get().await.unwrap();
    let mut b = pool.get().await.unwrap();
    let id = enqueue_new(&mut a, &Tracked { n: 1 }).await;
    // Worker A holds the row lock of its claim open while worker B claims.
    a.transaction(async |a| {
        let (_, mine) =
            queue::claim(a, &kinds(&[Tracked::KIND]), 1, Duration::from_secs(30)).await?;
        assert_eq!(mine.len(), 1);
        let (_, theirs) =
            queue::claim(&mut b, &kinds(&[Tracked::KIND]), 1, Duration::from_secs(30)).await?;
        assert!(theirs.is_empty(), "a locked row is skipped, not waited for");
        diesel::QueryResult::Ok(())
    })
    .await
    .unwrap();
    // After A's claim commits, the lease keeps B away too.
    let (_, theirs) = queue::claim(&mut b, &kinds(&[Tracked::KIND]), 1, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(theirs.is_empty());
    assert_eq!(state_of(&pool, id).await.state, "running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_workers_never_run_one_job_twice_at_the_same_time() {
    let db = TestDb::migrated().await;
    let setup = db.pool();
    let total = 200u32;
    {
        let mut conn = setup.get().await.unwrap();
        for n in 0..total {
            enqueue(&mut conn, &Tracked { n }).await.unwrap();
        }
    }
    *LEDGER.lock().unwrap() = Some(Ledger::default());
    let mut registry = Registry::default();
    registry.register::<Tracked>();
    // Each worker has its own pool: separate connections racing for rows.
    let workers: Vec<RunningWorker> = (0..4)
        .map(|_| RunningWorker::start(&db.pool(), registry.clone(), fast_config()))
        .collect();
    eventually(Duration::from_secs(120), || async {
        let mut conn = setup.get().await.unwrap();
        let counts = queue::count_by_state(&mut conn).await.unwrap();
        counts
            .iter()
            .any(|(s, n)| s == "done" && *n == i64::from(total))
    })
    .await;
    for worker in workers {
        worker.stop().await;
    }
    let ledger = LEDGER.lock().unwrap().take().unwrap();
    assert!(
        ledger.overlaps.is_empty(),
        "overlapping runs: {:?}",
        ledger.overlaps
    );
    assert_eq!(ledger.runs.len(), total as usize);
    assert!(
        ledger.runs.values().all(|&runs| runs == 1),
        "every job ran exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_retried_with_backoff_then_dead_and_can_be_retried_by_staff() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let id = enqueue_new(&mut conn, &AlwaysFails).await;
    let job_kinds = kinds(&[AlwaysFails::KIND]);

    let (token, claimed) = queue::claim(&mut conn, &job_kinds, 1, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(claimed[0].attempts, 1);
    let outcome = queue::fail(
        &mut conn,
        id,
        token,
        "the remote said no",
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Failed::Retrying);
    let row = state_of(&pool, id).await;
    assert_eq!(row.state, "queued");
    assert!(
        row.run_at > chrono::Utc::now() + chrono::Duration::minutes(59),
        "backoff delays the retry"
    );
    assert_eq!(row.last_error.as_deref(), Some("the remote said no"));
    let (_, none) = queue::claim(&mut conn, &job_kinds, 1, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(none.is_empty(), "not due before its backoff");

    // Let the real worker take the remaining attempt.
    diesel::sql_query("UPDATE jobs SET run_at = now()")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut registry = Registry::default();
    registry.register::<AlwaysFails>();
    let worker = RunningWorker::start(&pool, registry, fast_config());
    eventually(Duration::from_secs(30), || async {
        state_of(&pool, id).await.state == "dead"
    })
    .await;
    worker.stop().await;
    let dead = state_of(&pool, id).await;
    assert_eq!(dead.attempts, 2);
    assert!(dead.finished_at.is_some());
    assert!(dead.last_error.unwrap().contains("the remote said no"));

    assert!(queue::retry_dead(&mut conn, id).await.unwrap());
    let requeued = state_of(&pool, id).await;
    assert_eq!((requeued.state.as_str(), requeued.attempts), ("queued", 0));
    assert!(
        !queue::retry_dead(&mut conn, id).await.unwrap(),
        "only dead jobs are retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_died_is_claimed_again_once_its_lease_expires() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let id = enqueue_new(&mut conn, &Tracked { n: 9_001 }).await;
    // A worker claims with a short lease and then "dies" (never reports back).
    let (dead_token, _) = queue::claim(
        &mut conn,
        &kinds(&[Tracked::KIND]),
        1,
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    let (_, early) = queue::claim(
        &mut conn,
        &kinds(&[Tracked::KIND]),
        1,
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert!(early.is_empty(), "the lease still holds");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (new_token, again) = queue::claim(
        &mut conn,
        &kinds(&[Tracked::KIND]),
        1,
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    // The dead worker's late report is refused; the new owner's counts.
    assert!(!queue::complete(&mut conn, id, dead_token).await.unwrap());
    assert!(queue::complete(&mut conn, id, new_token).await.unwrap());
    assert_eq!(state_of(&pool, id).await.state, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_dies_with_its_worker_on_the_last_attempt_is_buried() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let id = enqueue_new(&mut conn, &AlwaysFails).await;
    diesel::sql_query("UPDATE jobs SET attempts = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    queue::claim(
        &mut conn,
        &kinds(&[AlwaysFails::KIND]),
        1,
        Duration::from_millis(100),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(queue::bury_expired(&mut conn).await.unwrap(), 1);
    let row = state_of(&pool, id).await;
    assert_eq!(row.state, "dead");
    assert!(row.last_error.unwrap().contains("lease expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_job_is_a_failed_attempt_and_the_worker_keeps_going() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let panicking = enqueue_new(&mut conn, &Panics).await;
    let fine = enqueue_new(&mut conn, &Keyed { key: "k".into() }).await;
    let mut registry = Registry::default();
    registry.register::<Panics>().register::<Keyed>();
    let config = WorkerConfig {
        backoff_base: Duration::from_secs(3600),
        ..fast_config()
    };
    let worker = RunningWorker::start(&pool, registry, config);
    eventually(Duration::from_secs(30), || async {
        state_of(&pool, fine).await.state == "done"
            && state_of(&pool, panicking).await.attempts == 1
            && state_of(&pool, panicking).await.state == "queued"
    })
    .await;
    worker.stop().await;
    assert_eq!(
        state_of(&pool, panicking).await.last_error.as_deref(),
        Some("the job panicked")
    );
}

/// Blocks until released, to hold a job mid-run.
static RELEASE: tokio::sync::Notify = tokio::sync::Notify::const_new();
static STARTED: tokio::sync::Notify = tokio::sync::Notify::const_new();

#[derive(Serialize, Deserialize)]
struct Blocking;

impl Job for Blocking {
    const KIND: &'static str = "test.blocking";

    async fn run(self, _ctx: JobContext) -> anyhow::Result<()> {
        STARTED.notify_one();
        RELEASE.notified().await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_lets_its_running_job_finish() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let id = enqueue_new(&mut conn, &Blocking).await;
    let mut registry = Registry::default();
    registry.register::<Blocking>();
    let worker = RunningWorker::start(&pool, registry, fast_config());
    STARTED.notified().await;
    worker.shutdown.cancel();
    assert!(!worker.handle.is_finished());
    RELEASE.notify_one();
    worker.stop().await;
    assert_eq!(state_of(&pool, id).await.state, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_long_job_from_being_claimed_by_another_worker() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let id = enqueue_new(&mut pool.get().await.unwrap(), &Slow).await;
    let mut registry = Registry::default();
    registry.register::<Slow>();
    // A lease of 300 ms, renewed every 100 ms, on a job that runs 1.5 s.
    let config = WorkerConfig {
        lease: Duration::from_millis(300),
        ..fast_config()
    };
    let workers = [
        RunningWorker::start(&db.pool(), registry.clone(), config.clone()),
        RunningWorker::start(&db.pool(), registry, config),
    ];
    eventually(Duration::from_secs(30), || async {
        state_of(&pool, id).await.state == "done"
    })
    .await;
    for worker in workers {
        worker.stop().await;
    }
    assert_eq!(
        std::sync::atomic::AtomicU32::load(&SLOW_RUNS, std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(state_of(&pool, id).await.attempts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_over_its_timeout_is_a_failed_attempt() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let id = enqueue_new(&mut pool.get().await.unwrap(), &Hangs).await;
    let mut registry = Registry::default();
    registry.register::<Hangs>();
    let worker = RunningWorker::start(&pool, registry, fast_config());
    eventually(Duration::from_secs(30), || async {
        state_of(&pool, id).await.state == "dead"
    })
    .await;
    worker.stop().await;
    let row = state_of(&pool, id).await;
    assert!(row.last_error.unwrap().contains("timed out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_still_running_when_shutdown_times_out_is_given_back_uncounted() {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let id = enqueue_new(&mut pool.get().await.unwrap(), &Hangs).await;
    let mut registry = Registry::default();
    registry.register::<Hangs>();
    let config = WorkerConfig {
        shutdown_timeout: Duration::from_millis(50),
        ..fast_config()
    };
    let worker = RunningWorker::start(&pool, registry, config);
    eventually(Duration::from_secs(30), || async {
        state_of(&pool, id).await.state == "running"
    })
    .await;
    worker.stop().await;
    let row = state_of(&pool, id).await;
    assert_eq!((row.state.as_str(), row.attempts), ("queued", 0));
    assert!(row.locked_by.is_none());
}
