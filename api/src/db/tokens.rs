//! One-time tokens and the email record.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{emails, one_time_tokens};
use super::Conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = one_time_tokens, check_for_backend(diesel::pg::Pg))]
pub struct OneTimeToken {
    pub id: Uuid,
    pub purpose: String,
    pub user_id: Option<Uuid>,
    pub address: String,
    pub secret_hash: Vec<u8>,
    pub attempts: i32,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub struct NewToken<'a> {
    /// Chosen by the caller when the secret's hash depends on it.
    pub id: Uuid,
    pub purpose: &'a str,
    pub user_id: Option<Uuid>,
    pub address: &'a str,
    pub secret_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_token(conn: &mut Conn, token: NewToken<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::id.eq(token.id),
            one_time_tokens::purpose.eq(token.purpose),
            one_time_tokens::user_id.eq(token.user_id),
            one_time_tokens::address.eq(token.address),
            one_time_tokens::secret_hash.eq(token.secret_hash),
            one_time_tokens::expires_at.eq(token.expires_at),
        ))
        .returning(one_time_tokens::id)
        .get_result(conn)
        .await
}

/// An unused token of `purpose` with this secret, row-locked.
pub async fn open_token_for_update(
    conn: &mut Conn,
    purpose: &str,
    secret_hash: &[u8],
) -> QueryResult<Option<OneTimeToken>> {
    one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::secret_hash.eq(secret_hash))
        .filter(one_time_tokens::used_at.is_null())
        .select(OneTimeToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The newest unused token of `purpose` for `address`, row-locked.
pub async fn newest_open_token_for_update(
    conn: &mut Conn,
    purpose: &str,
    address: &str,
) -> QueryResult<Option<OneTimeToken>> {
    one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::address.eq(address))
        .filter(one_time_tokens::used_at.is_null())
        .order(one_time_tokens::created_at.desc())
        .select(OneTimeToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Counts a wrong guess; returns the attempts so far.
pub async fn count_attempt(conn: &mut Conn, id: Uuid) -> QueryResult<i32> {
    diesel::update(one_time_tokens::table.find(id))
        .set(one_time_tokens::attempts.eq(one_time_tokens::attempts + 1))
        .returning(one_time_tokens::attempts)
        .get_result(conn)
        .await
}

pub async fn mark_used(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::update(one_time_tokens::table.find(id))
        .set(one_time_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses up every open token of `purpose` for `address` (a newer one replaces them).
pub async fn close_open_tokens(
    conn: &mut Conn,
    purpose: &str,
    address: &str,
) -> QueryResult<usize> {
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::purpose.eq(purpose))
            .filter(one_time_tokens::address.eq(address))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// When the newest token of `purpose` for `address` was made.
pub async fn last_issued_at(
    conn: &mut Conn,
    purpose: &str,
    address: &str,
) -> QueryResult<Option<DateTime<Utc>>> {
    one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::address.eq(address))
        .select(diesel::dsl::max(one_time_tokens::created_at))
        .first(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = emails, check_for_backend(diesel::pg::Pg))]
pub struct EmailRow {
    pub id: Uuid,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub transport: String,
    pub provider_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub struct NewEmail<'a> {
    pub to_address: &'a str,
    pub template: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    pub transport: &'a str,
    pub provider_id: Option<&'a str>,
}

pub async fn insert_email(conn: &mut Conn, email: NewEmail<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(emails::table)
        .values((
            emails::to_address.eq(email.to_address),
            emails::template.eq(email.template),
            emails::subject.eq(email.subject),
            emails::text_body.eq(email.text_body),
            emails::html_body.eq(email.html_body),
            emails::transport.eq(email.transport),
            emails::provider_id.eq(email.provider_id),
        ))
        .returning(emails::id)
        .get_result(conn)
        .await
}

/// Emails sent to `address`, newest first.
pub async fn emails_to(conn: &mut Conn, address: &str) -> QueryResult<Vec<EmailRow>> {
    emails::table
        .filter(emails::to_address.eq(address))
        .order(emails::created_at.desc())
        .select(EmailRow::as_select())
        .load(conn)
        .await
}
