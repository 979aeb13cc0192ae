//! The admin overview's figures: aggregates over the local tables (never Stripe).

use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use super::Conn;

#[derive(Debug, QueryableByName)]
pub struct Labelled {
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

#[derive(Debug, QueryableByName)]
struct Single {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn single(conn: &mut Conn, sql: &str) -> diesel::QueryResult<i64> {
    diesel::sql_query(sql)
        .get_result::<Single>(conn)
        .await
        .map(|row| row.count)
}

async fn labelled(conn: &mut Conn, sql: &str) -> diesel::QueryResult<Vec<Labelled>> {
    diesel::sql_query(sql).load(conn).await
}

/// Users created per day (UTC) over the last 30 days, every day present.
pub async fn signups_per_day(conn: &mut Conn) -> diesel::QueryResult<Vec<Labelled>> {
    labelled(
        conn,
        "SELECT to_char(day, 'YYYY-MM-DD') AS label,
                (SELECT count(*) FROM users
                  WHERE created_at >= day AND created_at < day + interval '1 day') AS count
           FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '29 days',
                                date_trunc('day', now() AT TIME ZONE 'UTC'),
                                interval '1 day') AS day
          ORDER BY day",
    )
    .await
}

pub async fn accounts_by_status(conn: &mut Conn) -> diesel::QueryResult<Vec<Labelled>> {
    labelled(
        conn,
        "SELECT status AS label, count(*) AS count FROM accounts
          WHERE purged_at IS NULL GROUP BY status ORDER BY status",
    )
    .await
}

pub async fn subscriptions_in(conn: &mut Conn, statuses: &[&str]) -> diesel::QueryResult<i64> {
    diesel::sql_query("SELECT count(*) AS count FROM subscriptions WHERE status = ANY($1)")
        .bind::<diesel::sql_types::Array<Text>, _>(statuses)
        .get_result::<Single>(conn)
        .await
        .map(|row| row.count)
}

/// Monthly recurring revenue per currency (minor units), from the subscription cache.
pub async fn mrr(conn: &mut Conn) -> diesel::QueryResult<Vec<Labelled>> {
    labelled(
        conn,
        "SELECT p.currency AS label,
                round(sum(CASE p.billing_period WHEN 'year' THEN p.amount_minor / 12.0
                                                ELSE p.amount_minor END * i.quantity))::BIGINT AS count
           FROM subscription_items i
           JOIN subscriptions s ON s.id = i.subscription_id
           JOIN prices p ON p.id = i.price_id
          WHERE s.status IN ('active', 'past_due')
          GROUP BY p.currency ORDER BY p.currency",
    )
    .await
}

pub async fn failed_payments_30d(conn: &mut Conn) -> diesel::QueryResult<i64> {
    single(
        conn,
        "SELECT count(*) AS count FROM payments
          WHERE status IN ('open', 'uncollectible') AND amount_due_minor > amount_paid_minor
            AND created >= now() - interval '30 days'",
    )
    .await
}

#[derive(Debug, QueryableByName)]
pub struct CapacityRow {
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub instances: i64,
    #[diesel(sql_type = BigInt)]
    pub allocated: i64,
    #[diesel(sql_type = BigInt)]
    pub soft: i64,
    #[diesel(sql_type = BigInt)]
    pub allocation: i64,
    #[diesel(sql_type = BigInt)]
    pub hard: i64,
}

/// Per product that runs on instances: its active instances' seats and caps.
pub async fn capacity(conn: &mut Conn) -> diesel::QueryResult<Vec<CapacityRow>> {
    diesel::sql_query(
        "SELECT p.slug, p.name,
                count(i.id) AS instances,
                coalesce(sum(i.allocated_seats), 0)::BIGINT AS allocated,
                coalesce(sum(i.soft_cap), 0)::BIGINT AS soft,
                coalesce(sum(i.allocation_cap), 0)::BIGINT AS allocation,
                coalesce(sum(i.hard_cap), 0)::BIGINT AS hard
           FROM products p
           LEFT JOIN instances i ON i.product_id = p.id AND i.active
          WHERE p.needs_instance AND p.active
          GROUP BY p.id, p.slug, p.name, p.display_order
          ORDER BY p.display_order, p.name",
    )
    .load(conn)
    .await
}

pub async fn jobs_in(conn: &mut Conn, state: &str) -> diesel::QueryResult<i64> {
    diesel::sql_query("SELECT count(*) AS count FROM jobs WHERE state = $1")
        .bind::<Text, _>(state)
        .get_result::<Single>(conn)
        .await
        .map(|row| row.count)
}

pub async fn pending_webhook_events(conn: &mut Conn) -> diesel::QueryResult<i64> {
    single(
        conn,
        "SELECT count(*) AS count FROM stripe_events WHERE status IN ('received', 'failed')",
    )
    .await
}

pub async fn open_tickets(conn: &mut Conn) -> diesel::QueryResult<i64> {
    single(
        conn,
        "SELECT count(*) AS count FROM tickets WHERE status <> 'closed'",
    )
    .await
}

pub async fn orders_waiting_for_capacity(conn: &mut Conn) -> diesel::QueryResult<i64> {
    single(
        conn,
        "SELECT count(*) AS count FROM orders WHERE state = 'needs_capacity'",
    )
    .await
}
