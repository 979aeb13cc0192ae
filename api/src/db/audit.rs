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

/// What staff search the log by; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_user_id: Option<Uuid>,
    /// An exact action (`catalog.product_changed`) or an area (`catalog`).
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

fn filtered(filter: &Filter) -> audit_log::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = audit_log::table.into_boxed();
    if let Some(actor) = filter.actor_user_id {
        query = query.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = if action.contains('.') {
            query.filter(audit_log::action.eq(action.clone()))
        } else {
            query.filter(audit_log::action.like(format!("{action}.%")))
        };
    }
    if let Some(target_type) = &filter.target_type {
        query = query.filter(audit_log::target_type.eq(target_type.clone()));
    }
    if let Some(target_id) = &filter.target_id {
        query = query.filter(audit_log::target_id.eq(target_id.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::created_at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::created_at.lt(until));
    }
    query
}

/// A page of matching records (newest first) with the actors' email addresses, and the
/// number of matches.
pub async fn search(
    conn: &mut Conn,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<(Record, Option<String>)>, i64)> {
    use super::schema::users;
    let total = filtered(filter).count().get_result(conn).await?;
    let records: Vec<Record> = filtered(filter)
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .select(Record::as_select())
        .load(conn)
        .await?;
    let actors: Vec<Uuid> = records.iter().filter_map(|r| r.actor_user_id).collect();
    let emails: std::collections::HashMap<Uuid, String> = users::table
        .filter(users::id.eq_any(actors))
        .select((users::id, users::email))
        .load(conn)
        .await?
        .into_iter()
        .collect();
    Ok((
        records
            .into_iter()
            .map(|record| {
                let email = record.actor_user_id.and_then(|id| emails.get(&id).cloned());
                (record, email)
            })
            .collect(),
        total,
    ))
}
