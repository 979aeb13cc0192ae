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
    pub payload: serde_json::Value,
    pub status: String,
    pub last_error: Option<String>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

/// Stores the event unless its id is already in the inbox; true when it is new.
pub async fn insert(conn: &mut Conn, event: NewStripeEvent<'_>) -> QueryResult<bool> {
    use diesel::sql_types::{Bool, Nullable, Text, Timestamptz};
    let inserted = diesel::sql_query(
        "INSERT INTO stripe_events (id, type, livemode, api_version, created, object_id, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind::<Text, _>(event.id)
    .bind::<Text, _>(event.kind)
    .bind::<Bool, _>(event.livemode)
    .bind::<Nullable<Text>, _>(event.api_version)
    .bind::<Timestamptz, _>(event.created)
    .bind::<Nullable<Text>, _>(event.object_id)
    .bind::<Text, _>(event.payload_json)
    .execute(conn)
    .await?;
    Ok(inserted == 1)
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
