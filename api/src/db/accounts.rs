//! Accounts' status history (`account_status_changes`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{account_status_changes, accounts};
use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = account_status_changes, check_for_backend(diesel::pg::Pg))]
pub struct StatusChange {
    pub id: i64,
    pub account_id: Uuid,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub actor_user_id: Option<Uuid>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Sets the account's status and records the change, in the caller's transaction.
pub async fn change_status(
    conn: &mut Conn,
    account_id: Uuid,
    from: &str,
    to: &str,
    actor: &str,
    actor_user_id: Option<Uuid>,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(account_id))
        .set((
            accounts::status.eq(to),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::insert_into(account_status_changes::table)
        .values((
            account_status_changes::account_id.eq(account_id),
            account_status_changes::from_status.eq(from),
            account_status_changes::to_status.eq(to),
            account_status_changes::actor.eq(actor),
            account_status_changes::actor_user_id.eq(actor_user_id),
            account_status_changes::reason.eq(reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The account's status changes, newest first.
pub async fn status_history(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<StatusChange>> {
    account_status_changes::table
        .filter(account_status_changes::account_id.eq(account_id))
        .order(account_status_changes::id.desc())
        .select(StatusChange::as_select())
        .load(conn)
        .await
}
