//! The audit log (`audit_log`): appended to in the transaction of each change it records,
//! never changed (the table refuses UPDATE, DELETE and TRUNCATE).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::audit_log;
use super::Conn;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewRecord<'a> {
    pub actor_kind: &'a str,
    pub actor_user_id: Option<Uuid>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct Record {
    pub id: i64,
    pub actor_kind: String,
    pub actor_user_id: Option<Uuid>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: &NewRecord<'_>) -> QueryResult<i64> {
    diesel::insert_into(audit_log::table)
        .values(new)
        .returning(audit_log::id)
        .get_result(conn)
        .await
}

/// The records about one target, newest first.
pub async fn of_target(
    conn: &mut Conn,
    target_type: &str,
    target_id: &str,
) -> QueryResult<Vec<Record>> {
    audit_log::table
        .filter(audit_log::target_type.eq(target_type))
        .filter(audit_log::target_id.eq(target_id))
        .order(audit_log::id.desc())
        .select(Record::as_select())
        .load(conn)
        .await
}
