//! The SQL of the job queue. Every function takes a connection so it composes with the
//! caller's transaction.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{
    Array, BigInt, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::RunQueryDsl;
use rand::Rng;
use uuid::Uuid;

use crate::db::schema::jobs;
use crate::db::Conn;

/// A job row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub unique_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<Uuid>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub unique_key: Option<String>,
    pub max_attempts: i32,
    pub run_at: Option<DateTime<Utc>>,
}

/// What an insert into `jobs` does when a queued job with the same kind and unique key
/// exists: keep that one, due no later than the new one would have been. For statements
/// that insert a job beside other rows (see `db::stripe_events::insert_with_job`).
pub const ON_QUEUED_DUPLICATE: &str =
    "ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state = 'queued'
         DO UPDATE SET run_at = LEAST(jobs.run_at, EXCLUDED.run_at), updated_at = now()";

/// Inserts a job. When a queued job with the same kind and unique key exists, nothing is
/// inserted and that job is returned instead, made due no later than the new one would
/// have been (so fresh work never waits out another attempt's backoff).
pub async fn insert(conn: &mut Conn, job: NewJob<'_>) -> QueryResult<(i64, bool)> {
    #[derive(QueryableByName)]
    struct Inserted {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        inserted: bool,
    }
    let row: Inserted = diesel::sql_query(format!(
        "INSERT INTO jobs (kind, payload, unique_key, max_attempts, run_at)
         VALUES ($1, $2, $3, $4, COALESCE($5, now()))
         {ON_QUEUED_DUPLICATE}
         RETURNING id, (xmax = 0) AS inserted"
    ))
    .bind::<Text, _>(job.kind)
    .bind::<Jsonb, _>(job.payload)
    .bind::<Nullable<Text>, _>(job.unique_key)
    .bind::<Integer, _>(job.max_attempts)
    .bind::<Nullable<Timestamptz>, _>(job.run_at)
    .get_result(conn)
    .await?;
    Ok((row.id, row.inserted))
}

/// Claims up to `limit` due jobs of the given kinds under a fresh lease token.
///
/// Due means queued with `run_at` in the past (and, for a keyed job, no job with the same
/// key running: jobs of one key run one after another), or running under a lease that
/// expired (its worker died) with attempts left. Rows another worker is claiming right
/// now are skipped, not waited for.
pub async fn claim(
    conn: &mut Conn,
    kinds: &[String],
    limit: i64,
    lease: Duration,
) -> QueryResult<(Uuid, Vec<JobRow>)> {
    let token = Uuid::new_v4();
    let rows = diesel::sql_query(
        "WITH queued AS (
             SELECT id, run_at FROM jobs q
              WHERE q.state = 'queued' AND q.run_at <= now() AND q.kind = ANY($1)
                AND (q.unique_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM jobs r
                       WHERE r.state = 'running' AND r.kind = q.kind
                         AND r.unique_key = q.unique_key))
              ORDER BY q.run_at, q.id
              LIMIT $2
              FOR UPDATE SKIP LOCKED
         ), expired AS (
             SELECT id, run_at FROM jobs e
              WHERE e.state = 'running' AND e.locked_until < now()
                AND e.attempts < e.max_attempts AND e.kind = ANY($1)
              ORDER BY e.locked_until
              LIMIT $2
              FOR UPDATE SKIP LOCKED
         ), due AS (
             SELECT id, run_at FROM queued
             UNION ALL
             SELECT id, run_at FROM expired
             ORDER BY run_at
             LIMIT $2
         )
         UPDATE jobs
            SET state = 'running', attempts = jobs.attempts + 1, locked_by = $3,
                locked_until = now() + make_interval(secs => $4), updated_at = now()
           FROM due
          WHERE jobs.id = due.id
      RETURNING jobs.*",
    )
    .bind::<Array<Text>, _>(kinds)
    .bind::<BigInt, _>(limit)
    .bind::<SqlUuid, _>(token)
    .bind::<Double, _>(lease.as_secs_f64())
    .load::<JobRow>(conn)
    .await?;
    Ok((token, rows))
}

/// Jobs whose worker died on their last allowed attempt become dead.
pub async fn bury_expired(conn: &mut Conn) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE jobs
            SET state = 'dead', locked_by = NULL, locked_until = NULL, finished_at = now(),
                updated_at = now(),
                last_error = 'the worker stopped while running the job (lease expired)'
          WHERE state = 'running' AND locked_until < now() AND attempts >= max_attempts",
    )
    .execute(conn)
    .await
}

/// Extends the lease; `false` when the lease was lost (another worker reclaimed it).
pub async fn heartbeat(
    conn: &mut Conn,
    id: i64,
    token: Uuid,
    lease: Duration,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE jobs SET locked_until = now() + make_interval(secs => $3), updated_at = now()
          WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind::<BigInt, _>(id)
    .bind::<SqlUuid, _>(token)
    .bind::<Double, _>(lease.as_secs_f64())
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Marks the job done; `false` when the lease was lost meanwhile.
pub async fn complete(conn: &mut Conn, id: i64, token: Uuid) -> QueryResult<bool> {
    close_as_done(conn, id, token, None).await
}

/// Marks the job done and erases its payload.
pub async fn complete_and_erase(conn: &mut Conn, id: i64, token: Uuid) -> QueryResult<bool> {
    let done = close_as_done(conn, id, token, None).await?;
    if done {
        diesel::update(jobs::table.find(id))
            .set(jobs::payload.eq(serde_json::json!({})))
            .execute(conn)
            .await?;
    }
    Ok(done)
}

/// `done` under our lease, optionally keeping a note in `last_error`.
async fn close_as_done(
    conn: &mut Conn,
    id: i64,
    token: Uuid,
    note: Option<String>,
) -> QueryResult<bool> {
    diesel::update(
        jobs::table
            .find(id)
            .filter(jobs::locked_by.eq(token))
            .filter(jobs::state.eq("running")),
    )
    .set((
        jobs::state.eq("done"),
        jobs::locked_by.eq(None::<Uuid>),
        jobs::locked_until.eq(None::<DateTime<Utc>>),
        jobs::finished_at.eq(diesel::dsl::now),
        jobs::updated_at.eq(diesel::dsl::now),
        jobs::last_error.eq(note),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Gives a job back without counting the attempt (a worker stopping before it could
/// finish). `false` when the lease was lost, or a queued copy exists (the lease then
/// simply expires).
pub async fn release(conn: &mut Conn, id: i64, token: Uuid) -> QueryResult<bool> {
    let result = diesel::sql_query(
        "UPDATE jobs
            SET state = 'queued', attempts = GREATEST(attempts - 1, 0), run_at = now(),
                locked_by = NULL, locked_until = NULL, updated_at = now()
          WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind::<BigInt, _>(id)
    .bind::<SqlUuid, _>(token)
    .execute(conn)
    .await;
    match result {
        Ok(n) => Ok(n == 1),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Queued again after the backoff.
    Retrying,
    /// Out of attempts.
    Dead,
    /// A queued copy with the same unique key exists; this one is closed as done.
    Superseded,
    /// The lease was lost meanwhile; someone else owns the job now.
    LeaseLost,
}

/// Records a failed attempt: queued again after `retry_in`, or dead when out of attempts.
pub async fn fail(
    conn: &mut Conn,
    id: i64,
    token: Uuid,
    error: &str,
    retry_in: Duration,
) -> QueryResult<Failed> {
    #[derive(QueryableByName)]
    struct State {
        #[diesel(sql_type = Text)]
        state: String,
    }
    let error = truncate(error, 4_000);
    let result = diesel::sql_query(
        "UPDATE jobs
            SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
                run_at = CASE WHEN attempts >= max_attempts THEN run_at
                              ELSE now() + make_interval(secs => $4) END,
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                locked_by = NULL, locked_until = NULL, last_error = $3, updated_at = now()
          WHERE id = $1 AND locked_by = $2 AND state = 'running'
      RETURNING state",
    )
    .bind::<BigInt, _>(id)
    .bind::<SqlUuid, _>(token)
    .bind::<Text, _>(&error)
    .bind::<Double, _>(retry_in.as_secs_f64())
    .load::<State>(conn)
    .await;
    match result {
        Ok(rows) => {
            let state = rows.into_iter().next().map(|row| row.state);
            Ok(match state.as_deref() {
                Some("dead") => Failed::Dead,
                Some(_) => Failed::Retrying,
                None => Failed::LeaseLost,
            })
        }
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            let note = format!("{error} (superseded by a queued duplicate)");
            let closed = close_as_done(conn, id, token, Some(note)).await?;
            Ok(if closed {
                Failed::Superseded
            } else {
                Failed::LeaseLost
            })
        }
        Err(other) => Err(other),
    }
}

/// Puts a dead job back in the queue with fresh attempts. `Ok(false)` when the job is
/// not dead, or a queued copy with the same unique key already exists.
pub async fn retry_dead(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    let result = diesel::update(jobs::table.find(id).filter(jobs::state.eq("dead")))
        .set((
            jobs::state.eq("queued"),
            jobs::attempts.eq(0),
            jobs::run_at.eq(diesel::dsl::now),
            jobs::finished_at.eq(None::<DateTime<Utc>>),
            jobs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await;
    match result {
        Ok(n) => Ok(n == 1),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The newest dead jobs, for operators.
pub async fn dead(conn: &mut Conn, limit: i64) -> QueryResult<Vec<JobRow>> {
    jobs::table
        .filter(jobs::state.eq("dead"))
        .order(jobs::finished_at.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)
        .await
}

/// Jobs for operators, newest first: in `state` and of `kind` when given, with ids
/// below `before_id` (the next page).
pub async fn list(
    conn: &mut Conn,
    state: Option<&str>,
    kind: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut query = jobs::table.into_boxed();
    if let Some(state) = state {
        query = query.filter(jobs::state.eq(state.to_owned()));
    }
    if let Some(kind) = kind {
        query = query.filter(jobs::kind.eq(kind.to_owned()));
    }
    if let Some(before) = before_id {
        query = query.filter(jobs::id.lt(before));
    }
    query
        .order(jobs::id.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)
        .await
}

/// Removes a dead job staff gave up on; `None` when it is not dead (or not there).
pub async fn discard_dead(conn: &mut Conn, id: i64) -> QueryResult<Option<JobRow>> {
    diesel::delete(jobs::table.find(id).filter(jobs::state.eq("dead")))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut Conn, id: i64) -> QueryResult<JobRow> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .await
}

/// Number of jobs per state, for the metrics gauges.
pub async fn count_by_state(conn: &mut Conn) -> QueryResult<Vec<(String, i64)>> {
    jobs::table
        .group_by(jobs::state)
        .select((jobs::state, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Deletes `done` jobs finished longer than `keep` ago.
pub async fn delete_finished_before(conn: &mut Conn, keep: Duration) -> QueryResult<usize> {
    let cutoff =
        Utc::now() - chrono::Duration::from_std(keep).unwrap_or_else(|_| chrono::Duration::days(7));
    diesel::delete(
        jobs::table
            .filter(jobs::state.eq("done"))
            .filter(jobs::finished_at.lt(cutoff)),
    )
    .execute(conn)
    .await
}

/// Delay before retry `attempt` (1-based): `base * 2^(attempt-1)`, capped, with ±25 %
/// jitter so failures of many jobs at once do not retry in lockstep.
pub fn backoff(attempt: i32, base: Duration, cap: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).clamp(0, 30) as u32;
    let raw = base.saturating_mul(1u32 << exponent).min(cap);
    let jitter = rand::rng().random_range(0.75..=1.25);
    raw.mul_f64(jitter)
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_within_jitter_and_cap() {
        let base = Duration::from_secs(2);
        let cap = Duration::from_secs(60);
        for _ in 0..200 {
            let first = backoff(1, base, cap);
            assert!(first >= Duration::from_millis(1500) && first <= Duration::from_millis(2500));
            let third = backoff(3, base, cap);
            assert!(third >= Duration::from_secs(6) && third <= Duration::from_secs(10));
            let huge = backoff(40, base, cap);
            assert!(huge <= Duration::from_secs(75) && huge >= Duration::from_secs(45));
        }
        let samples: std::collections::HashSet<u128> =
            (0..50).map(|_| backoff(2, base, cap).as_millis()).collect();
        assert!(samples.len() > 1, "jitter must vary the delay");
    }

    #[test]
    fn errors_are_truncated_on_a_char_boundary() {
        let long = "é".repeat(3000);
        let cut = truncate(&long, 4001);
        assert!(cut.ends_with('…'));
        assert!(cut.len() <= 4001 + '…'.len_utf8());
        assert_eq!(truncate("short", 10), "short");
    }
}
