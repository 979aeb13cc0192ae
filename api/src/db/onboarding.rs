//! Sign-ups in progress, their checkout sessions, and the waitlist.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{onboarding_checkouts, onboardings, waitlist};
use super::Conn;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = onboardings, check_for_backend(diesel::pg::Pg))]
pub struct Onboarding {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub user_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub new_user: bool,
    pub provisioned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = onboardings)]
pub struct NewOnboarding<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: &NewOnboarding<'_>) -> QueryResult<Onboarding> {
    diesel::insert_into(onboardings::table)
        .values(new)
        .returning(Onboarding::as_returning())
        .get_result(conn)
        .await
}

/// The sign-up a bearer token stands for, while it may still start checkouts.
pub async fn open_by_token(conn: &mut Conn, token_hash: &[u8]) -> QueryResult<Option<Onboarding>> {
    onboardings::table
        .filter(onboardings::token_hash.eq(token_hash))
        .filter(onboardings::expires_at.gt(Utc::now()))
        .filter(onboardings::provisioned_at.is_null())
        .select(Onboarding::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Onboarding>> {
    onboardings::table
        .find(id)
        .for_update()
        .select(Onboarding::as_select())
        .first(conn)
        .await
        .optional()
}

/// Whether another person's unfinished sign-up holds `username`.
pub async fn username_held(
    conn: &mut Conn,
    username: &str,
    except_email: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        onboardings::table
            .filter(lower(onboardings::username).eq(username.to_lowercase()))
            .filter(onboardings::provisioned_at.is_null())
            .filter(onboardings::expires_at.gt(Utc::now()))
            .filter(onboardings::email.ne(except_email)),
    ))
    .get_result(conn)
    .await
}

pub async fn add_checkout(
    conn: &mut Conn,
    session_id: &str,
    onboarding_id: Uuid,
) -> QueryResult<()> {
    diesel::insert_into(onboarding_checkouts::table)
        .values((
            onboarding_checkouts::stripe_session_id.eq(session_id),
            onboarding_checkouts::onboarding_id.eq(onboarding_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// The sign-up a checkout session was made for.
pub async fn by_checkout(conn: &mut Conn, session_id: &str) -> QueryResult<Option<Onboarding>> {
    onboarding_checkouts::table
        .inner_join(onboardings::table)
        .filter(onboarding_checkouts::stripe_session_id.eq(session_id))
        .select(Onboarding::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn mark_provisioned(
    conn: &mut Conn,
    id: Uuid,
    user_id: Uuid,
    account_id: Uuid,
    new_user: bool,
) -> QueryResult<()> {
    diesel::update(onboardings::table.find(id))
        .set((
            onboardings::user_id.eq(user_id),
            onboardings::account_id.eq(account_id),
            onboardings::new_user.eq(new_user),
            onboardings::provisioned_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = waitlist, check_for_backend(diesel::pg::Pg))]
pub struct WaitlistRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub product_slug: Option<String>,
    pub created_at: DateTime<Utc>,
    pub invited_at: Option<DateTime<Utc>>,
}

/// Adds the address unless it is there; whether it was added.
pub async fn join_waitlist(
    conn: &mut Conn,
    email: &str,
    name: &str,
    product_slug: Option<&str>,
) -> QueryResult<bool> {
    diesel::insert_into(waitlist::table)
        .values((
            waitlist::email.eq(email),
            waitlist::name.eq(name),
            waitlist::product_slug.eq(product_slug),
        ))
        .on_conflict(waitlist::email)
        .do_nothing()
        .execute(conn)
        .await
        .map(|rows| rows == 1)
}

/// Oldest first (they have waited longest).
pub async fn waitlist_page(
    conn: &mut Conn,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<WaitlistRow>> {
    waitlist::table
        .order((waitlist::created_at.asc(), waitlist::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(WaitlistRow::as_select())
        .load(conn)
        .await
}

pub async fn waitlist_count(conn: &mut Conn) -> QueryResult<i64> {
    waitlist::table.count().get_result(conn).await
}

pub async fn waitlist_entry(conn: &mut Conn, id: Uuid) -> QueryResult<Option<WaitlistRow>> {
    waitlist::table
        .find(id)
        .select(WaitlistRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn mark_invited(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::update(waitlist::table.find(id))
        .set(waitlist::invited_at.eq(Utc::now()))
        .execute(conn)
        .await
        .map(drop)
}
