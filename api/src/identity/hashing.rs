//! The hashing threads: password hashes (argon2, about 20 ms of one core each) run here,
//! one at a time per core, on threads of their own that run at a lower CPU priority
//! (nice [`NICENESS`]).
//!
//! Lower priority costs sign-ins nothing while the machine has time to spare (the threads
//! still get every idle cycle), but when a request, PostgreSQL or Redis wakes up, the
//! scheduler hands it the core at once instead of after a hash's time slice: `/health`
//! and every other request keep their latency while sign-ins saturate the cores (see
//! docs/PERFORMANCE.md for the figures).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{oneshot, Semaphore};

/// How much lower than the process the hashing threads run (Linux nice, -20…19).
pub const NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    jobs: Sender<Job>,
    /// One hash per core at a time; waiting for a slot is async (and cancellable).
    slots: Semaphore,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..cores {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("gatehouse-hash-{index}"))
                .spawn(move || work(&receiver))
                .expect("starting a hashing thread");
        }
        Pool {
            jobs: sender,
            slots: Semaphore::new(cores),
        }
    })
}

/// A hashing thread: lowers its own priority, then runs jobs until the process ends.
fn work(receiver: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let job = receiver.lock().expect("never poisoned").recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Raises the calling thread's nice value by [`NICENESS`] (on Linux a nice value is per
/// thread). Where that is not allowed the hashes run at normal priority, which only
/// costs latency under sign-in load.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let me = Some(rustix::thread::gettid());
        let lowered = getpriority_process(me)
            .and_then(|now| setpriority_process(me, (now + NICENESS).min(19)));
        if let Err(err) = lowered {
            tracing::warn!(error = %err, "could not lower the hashing threads' priority");
        }
    }
}

/// Runs CPU-heavy `work` on the hashing threads; its result.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let pool = pool();
    let _slot = pool.slots.acquire().await.expect("never closed");
    let (done, result) = oneshot::channel();
    let job: Job = Box::new(move || {
        // The caller may have gone away meanwhile: nobody to tell then.
        let _ = done.send(catch_unwind(AssertUnwindSafe(work)));
    });
    pool.jobs.send(job).expect("the hashing threads never stop");
    match result.await.expect("a hashing job always answers") {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_their_own_threads_at_a_lower_priority() {
        let process = rustix::process::getpriority_process(None).unwrap();
        let (name, nice) = run(|| {
            let me = Some(rustix::thread::gettid());
            (
                std::thread::current().name().map(str::to_owned),
                rustix::process::getpriority_process(me).unwrap(),
            )
        })
        .await;
        assert!(name.unwrap().starts_with("gatehouse-hash-"));
        assert_eq!(nice, (process + NICENESS).min(19));
    }

    #[tokio::test]
    async fn a_panicking_job_panics_its_caller_and_the_threads_carry_on() {
        let caller = tokio::spawn(run(|| -> u32 { panic!("a bad hash") }));
        assert!(caller.await.unwrap_err().is_panic());
        let cores = std::thread::available_parallelism().unwrap().get();
        // Every thread still answers (more jobs than threads, all at once).
        let answers =
            futures_util::future::join_all((0..cores * 2).map(|n| run(move || n * 2))).await;
        assert_eq!(answers, (0..cores * 2).map(|n| n * 2).collect::<Vec<_>>());
    }
}
