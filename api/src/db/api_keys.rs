//! Accounts' API keys (`api_keys`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{accounts, api_keys};
use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_by: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<Option<String>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyRow {
    pub fn scopes(&self) -> Vec<String> {
        self.scopes.iter().flatten().cloned().collect()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKeyRow<'a> {
    pub account_id: Uuid,
    pub created_by: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: Vec<Option<String>>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut Conn, new: &NewApiKeyRow<'_>) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table)
        .values(new)
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
        .await
}

/// The account's keys, newest first.
pub async fn of_account(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::account_id.eq(account_id))
        .order(api_keys::created_at.desc())
        .select(ApiKeyRow::as_select())
        .load(conn)
        .await
}

/// The key with this prefix and its account's status.
pub async fn by_prefix(conn: &mut Conn, prefix: &str) -> QueryResult<Option<(ApiKeyRow, String)>> {
    api_keys::table
        .inner_join(accounts::table)
        .filter(api_keys::prefix.eq(prefix))
        .select((ApiKeyRow::as_select(), accounts::status))
        .first(conn)
        .await
        .optional()
}

/// Revokes the account's key; whether it was live.
pub async fn revoke(conn: &mut Conn, account_id: Uuid, id: Uuid) -> QueryResult<bool> {
    diesel::update(api_keys::table.find(id))
        .filter(api_keys::account_id.eq(account_id))
        .filter(api_keys::revoked_at.is_null())
        .set(api_keys::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Whether the account has a key with this id (revoked or not).
pub async fn exists(conn: &mut Conn, account_id: Uuid, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::account_id.eq(account_id)),
    ))
    .get_result(conn)
    .await
}

/// Notes a use, at most once a minute per key (a write per request would be a hot row).
pub async fn touch(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::update(api_keys::table.find(id))
        .filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.lt(Utc::now() - chrono::Duration::minutes(1))),
        )
        .set(api_keys::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}
