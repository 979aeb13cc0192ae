//! Orders (what an account bought or changed) and how far fulfilling them got.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{account_members, orders, users};
use super::Conn;

/// Every state an order can be in.
pub const STATES: [&str; 6] = [
    "queued",
    "running",
    "needs_info",
    "needs_capacity",
    "complete",
    "failed",
];

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
pub struct Order {
    pub id: Uuid,
    pub account_id: Uuid,
    pub source: String,
    pub stripe_subscription_id: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub log: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    conn: &mut Conn,
    account_id: Uuid,
    source: &str,
    stripe_subscription_id: Option<&str>,
) -> QueryResult<Order> {
    diesel::insert_into(orders::table)
        .values((
            orders::account_id.eq(account_id),
            orders::source.eq(source),
            orders::stripe_subscription_id.eq(stripe_subscription_id),
        ))
        .returning(Order::as_returning())
        .get_result(conn)
        .await
}

/// The account's order that has not started yet or waits for capacity or information,
/// row-locked: a new change joins it rather than opening another.
pub async fn open_for_update(conn: &mut Conn, account_id: Uuid) -> QueryResult<Option<Order>> {
    orders::table
        .filter(orders::account_id.eq(account_id))
        .filter(orders::state.eq_any(["queued", "needs_info", "needs_capacity"]))
        .order(orders::created_at.desc())
        .select(Order::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Order>> {
    orders::table
        .find(id)
        .select(Order::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Order>> {
    orders::table
        .find(id)
        .select(Order::as_select())
        .first(conn)
        .await
        .optional()
}

/// Moves the order to `state` and appends `line` to its log. `started` counts an attempt
/// and stamps its start; finishing states stamp the end.
pub async fn advance(
    conn: &mut Conn,
    id: Uuid,
    state: &str,
    line: &str,
    started: bool,
) -> QueryResult<Order> {
    use diesel::sql_types::{Bool, Integer, Jsonb, Text, Uuid as SqlUuid};
    let entry =
        serde_json::json!([{ "at": Utc::now().to_rfc3339(), "state": state, "line": line }]);
    diesel::sql_query(
        "UPDATE orders SET state = $2, log = log || $3, updated_at = now(), \
             attempts = attempts + $4, \
             started_at = CASE WHEN $4 = 1 THEN now() ELSE started_at END, \
             finished_at = CASE WHEN $5 THEN now() ELSE NULL END \
         WHERE id = $1 RETURNING *",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(state)
    .bind::<Jsonb, _>(entry)
    .bind::<Integer, _>(i32::from(started))
    .bind::<Bool, _>(matches!(state, "complete" | "failed"))
    .get_result(conn)
    .await
}

/// Orders waiting for capacity, oldest first.
pub async fn waiting_for_capacity(conn: &mut Conn) -> QueryResult<Vec<Uuid>> {
    orders::table
        .filter(orders::state.eq("needs_capacity"))
        .order(orders::created_at.asc())
        .select(orders::id)
        .load(conn)
        .await
}

/// Orders that have been running since before `cutoff`.
pub async fn running_since_before(
    conn: &mut Conn,
    cutoff: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    orders::table
        .filter(orders::state.eq("running"))
        .filter(orders::updated_at.lt(cutoff))
        .select(orders::id)
        .load(conn)
        .await
}

/// The account's orders, newest first.
pub async fn of_account(conn: &mut Conn, account_id: Uuid, limit: i64) -> QueryResult<Vec<Order>> {
    orders::table
        .filter(orders::account_id.eq(account_id))
        .order(orders::created_at.desc())
        .limit(limit)
        .select(Order::as_select())
        .load(conn)
        .await
}

/// Every order (in `state`, when given), newest first.
pub async fn all(conn: &mut Conn, state: Option<&str>, limit: i64) -> QueryResult<Vec<Order>> {
    let mut query = orders::table
        .order(orders::created_at.desc())
        .limit(limit)
        .select(Order::as_select())
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(orders::state.eq(state.to_owned()));
    }
    query.load(conn).await
}

/// The account's active members: who gets a seat on what the account pays for.
pub async fn seat_holders(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    account_members::table
        .inner_join(users::table)
        .filter(account_members::account_id.eq(account_id))
        .filter(users::deactivated_at.is_null())
        .order(users::created_at.asc())
        .select((users::id, users::username))
        .load(conn)
        .await
}
