//! Housekeeping: finished jobs are kept for a week for inspection, then deleted.
//! Dead jobs are never pruned: staff decide what happens to them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Job, JobContext};

/// How long `done` jobs are kept.
pub const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Serialize, Deserialize)]
pub struct PruneFinishedJobs {
    /// Keep jobs finished less than this many seconds ago.
    pub keep_secs: u64,
}

impl Default for PruneFinishedJobs {
    fn default() -> Self {
        Self {
            keep_secs: KEEP_FINISHED.as_secs(),
        }
    }
}

impl Job for PruneFinishedJobs {
    const KIND: &'static str = "jobs.prune_finished";
    const MAX_ATTEMPTS: i32 = 3;

    fn unique_key(&self) -> Option<String> {
        Some("singleton".to_owned())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        let deleted =
            super::queue::delete_finished_before(&mut conn, Duration::from_secs(self.keep_secs))
                .await?;
        tracing::info!(deleted, "pruned finished jobs");
        Ok(())
    }
}
