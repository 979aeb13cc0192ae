//! The credits ledger (`credit_transactions`): appended to, never changed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::credit_transactions;
use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = credit_transactions, check_for_backend(diesel::pg::Pg))]
pub struct CreditRow {
    pub id: i64,
    pub account_id: Uuid,
    pub kind: String,
    pub amount: i64,
    pub balance_after: i64,
    pub idempotency_key: Option<String>,
    pub description: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = credit_transactions)]
pub struct NewCredit<'a> {
    pub account_id: Uuid,
    pub kind: &'a str,
    pub amount: i64,
    pub balance_after: i64,
    pub idempotency_key: Option<&'a str>,
    pub description: &'a str,
    pub created_by: Option<Uuid>,
}

/// Serializes the account's ledger writes until the transaction ends.
pub async fn lock_ledger(conn: &mut Conn, account_id: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<diesel::sql_types::Text, _>(format!("credits:{account_id}"))
        .execute(conn)
        .await
        .map(drop)
}

/// The balance: the sum of the account's ledger.
pub async fn balance(conn: &mut Conn, account_id: Uuid) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Balance {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        balance: i64,
    }
    diesel::sql_query(
        "SELECT COALESCE(SUM(amount), 0)::BIGINT AS balance
           FROM credit_transactions WHERE account_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(account_id)
    .get_result::<Balance>(conn)
    .await
    .map(|row| row.balance)
}

pub async fn insert(conn: &mut Conn, new: &NewCredit<'_>) -> QueryResult<CreditRow> {
    diesel::insert_into(credit_transactions::table)
        .values(new)
        .returning(CreditRow::as_returning())
        .get_result(conn)
        .await
}

/// The account's entry with this idempotency key.
pub async fn by_key(
    conn: &mut Conn,
    account_id: Uuid,
    key: &str,
) -> QueryResult<Option<CreditRow>> {
    credit_transactions::table
        .filter(credit_transactions::account_id.eq(account_id))
        .filter(credit_transactions::idempotency_key.eq(key))
        .select(CreditRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The account's newest entries.
pub async fn history(conn: &mut Conn, account_id: Uuid, limit: i64) -> QueryResult<Vec<CreditRow>> {
    credit_transactions::table
        .filter(credit_transactions::account_id.eq(account_id))
        .order(credit_transactions::id.desc())
        .limit(limit)
        .select(CreditRow::as_select())
        .load(conn)
        .await
}

/// The account's newest grant of plan credits (idempotency key `plan:…`).
pub async fn last_plan_grant(conn: &mut Conn, account_id: Uuid) -> QueryResult<Option<CreditRow>> {
    credit_transactions::table
        .filter(credit_transactions::account_id.eq(account_id))
        .filter(credit_transactions::kind.eq("grant"))
        .filter(credit_transactions::idempotency_key.like("plan:%"))
        .order(credit_transactions::id.desc())
        .select(CreditRow::as_select())
        .first(conn)
        .await
        .optional()
}
