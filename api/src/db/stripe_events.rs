//! The inbox of Stripe events.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::stripe_events;
use super::Conn;

/// An event as received; `payload_json` is the body, stored as JSONB without being
/// parsed into a document here (PostgreSQL parses it once).
#[derive(Debug)]
pub struct NewStripeEvent<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub livemode: bool,
    pub api_version: Option<&'a str>,
    pub created: DateTime<Utc>,
    pub object_id: Option<&'a str>,
    pub subject_id: Option<&'a str>,
    /// `received` (to be processed) or `ignored`.
    pub status: &'a str,
    pub payload_json: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stripe_events, check_for_backend(diesel::pg::Pg))]
pub struct StripeEventRow {
    pub id: String,
    #[diesel(column_name = type_)]
    pub kind: String,
    pub livemode: bool,
    pub api_version: Option<String>,
    pub created: DateTime<Utc>,
    pub object_id: Option<String>,
    pub subject_id: Option<String>,
    pub payload: serde_json::Value,
    pub status: String,
    pub last_error: Option<String>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

/// Keeps the event (once per id), and when it is new, `job` too, in one statement (one round trip, no
/// explicit transaction: the statement commits whole or not at all). A delivery seen
/// before inserts nothing and leaves the jobs alone.
pub async fn insert_with_job(
    conn: &mut Conn,
    event: NewStripeEvent<'_>,
    job: Option<crate::jobs::queue::NewJob<'_>>,
) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz};
    #[derive(QueryableByName)]
    struct Inserted {
        #[diesel(sql_type = BigInt)]
        events: i64,
    }
    let (kind, payload, unique_key, max_attempts, run_at) = match job {
        Some(job) => (
            Some(job.kind),
            Some(job.payload),
            job.unique_key,
            job.max_attempts,
            job.run_at,
        ),
        None => (None, None, None, 1, None),
    };
    let row: Inserted = diesel::sql_query(format!(
        "WITH event AS (
           INSERT INTO stripe_events
             (id, type, livemode, api_version, created, object_id, subject_id, status, processed_at, payload)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'ignored' THEN now() END, $9::jsonb)
           ON CONFLICT (id) DO NOTHING
           RETURNING 1
         ), job AS (
           INSERT INTO jobs (kind, payload, unique_key, max_attempts, run_at)
           SELECT $10, $11, $12, $13, COALESCE($14, now()) FROM event WHERE $10 IS NOT NULL
           {}
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM event) AS events",
        crate::jobs::queue::ON_QUEUED_DUPLICATE
    ))
    .bind::<Text, _>(event.id)
    .bind::<Text, _>(event.kind)
    .bind::<Bool, _>(event.livemode)
    .bind::<Nullable<Text>, _>(event.api_version)
    .bind::<Timestamptz, _>(event.created)
    .bind::<Nullable<Text>, _>(event.object_id)
    .bind::<Nullable<Text>, _>(event.subject_id)
    .bind::<Text, _>(event.status)
    .bind::<Text, _>(event.payload_json)
    .bind::<Nullable<Text>, _>(kind)
    .bind::<Nullable<Jsonb>, _>(payload)
    .bind::<Nullable<Text>, _>(unique_key)
    .bind::<Integer, _>(max_attempts)
    .bind::<Nullable<Timestamptz>, _>(run_at)
    .get_result(conn)
    .await?;
    Ok(row.events == 1)
}

pub async fn find(conn: &mut Conn, id: &str) -> QueryResult<Option<StripeEventRow>> {
    stripe_events::table
        .find(id)
        .select(StripeEventRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The newest events, optionally of one status, received before `before`.
pub async fn list(
    conn: &mut Conn,
    status: Option<&str>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> QueryResult<Vec<StripeEventRow>> {
    let mut query = stripe_events::table
        .select(StripeEventRow::as_select())
        .order((stripe_events::received_at.desc(), stripe_events::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(stripe_events::status.eq(status.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(stripe_events::received_at.lt(before));
    }
    query.load(conn).await
}

/// Events of `subject` still to be processed (received, or failed before), oldest first.
pub async fn pending_for_subject(
    conn: &mut Conn,
    subject: &str,
) -> QueryResult<Vec<StripeEventRow>> {
    stripe_events::table
        .filter(stripe_events::subject_id.eq(subject))
        .filter(stripe_events::status.eq_any(["received", "failed"]))
        .order(stripe_events::created.asc())
        .select(StripeEventRow::as_select())
        .load(conn)
        .await
}

pub async fn mark_processed(conn: &mut Conn, ids: &[&str]) -> QueryResult<()> {
    diesel::update(stripe_events::table.filter(stripe_events::id.eq_any(ids)))
        .set((
            stripe_events::status.eq("processed"),
            stripe_events::last_error.eq(None::<String>),
            stripe_events::processed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_failed(conn: &mut Conn, ids: &[&str], error: &str) -> QueryResult<()> {
    let error: String = error.chars().take(2000).collect();
    diesel::update(stripe_events::table.filter(stripe_events::id.eq_any(ids)))
        .set((
            stripe_events::status.eq("failed"),
            stripe_events::last_error.eq(error),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Puts an event back to be processed (staff replay); false when there is no such event.
pub async fn mark_for_replay(conn: &mut Conn, id: &str) -> QueryResult<Option<StripeEventRow>> {
    diesel::update(stripe_events::table.find(id))
        .set((
            stripe_events::status.eq("received"),
            stripe_events::processed_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(StripeEventRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Staff decide a waiting or failed event is not to be processed: `ignored`, with a note.
/// `None` when there is no such event or it is not waiting or failed.
pub async fn discard(conn: &mut Conn, id: &str) -> QueryResult<Option<StripeEventRow>> {
    diesel::update(
        stripe_events::table
            .find(id)
            .filter(stripe_events::status.eq_any(["received", "failed"])),
    )
    .set((
        stripe_events::status.eq("ignored"),
        stripe_events::last_error.eq("discarded by staff"),
        stripe_events::processed_at.eq(diesel::dsl::now),
    ))
    .returning(StripeEventRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}
