//! Accounts and their members as staff search and read them, and staff holds.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{
    account_members, accounts, products, refresh_tokens, seats, totp_credentials, users,
};
use super::Conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub struct AccountRow {
    pub id: Uuid,
    pub name: String,
    pub personal: bool,
    pub status: String,
    pub held_at: Option<DateTime<Utc>>,
    pub held_reason: Option<String>,
    pub stripe_customer_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `text` as a LIKE pattern matching it anywhere, its wildcards taken literally.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn matching(
    query: Option<&str>,
    status: Option<&str>,
) -> accounts::BoxedQuery<'static, diesel::pg::Pg> {
    let mut boxed = accounts::table.into_boxed();
    if let Some(status) = status {
        boxed = boxed.filter(accounts::status.eq(status.to_owned()));
    }
    if let Some(query) = query {
        let pattern = contains(query);
        let by_member = account_members::table
            .inner_join(users::table)
            .filter(
                users::email
                    .ilike(pattern.clone())
                    .or(users::username.ilike(pattern.clone()))
                    .or(users::last_name.ilike(pattern.clone())),
            )
            .select(account_members::account_id);
        let mut condition = Box::new(
            accounts::name
                .ilike(pattern)
                .or(accounts::stripe_customer_id
                    .eq(query.to_owned())
                    .assume_not_null())
                .or(accounts::id.eq_any(by_member)),
        )
            as Box<
                dyn BoxableExpression<
                    accounts::table,
                    diesel::pg::Pg,
                    SqlType = diesel::sql_types::Bool,
                >,
            >;
        if let Ok(id) = query.parse::<Uuid>() {
            condition = Box::new(condition.or(accounts::id.eq(id)));
        }
        boxed = boxed.filter(condition);
    }
    boxed
}

/// A page of accounts matching `query` (name, a member's email, username or last name,
/// the Stripe customer, the id) and `status`, newest first, and how many match.
/// The orders a search can come in; each ends with the id, so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountSort {
    Newest,
    Oldest,
    Name,
    /// By status, then name.
    Status,
}

impl AccountSort {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "newest" => Some(Self::Newest),
            "oldest" => Some(Self::Oldest),
            "name" => Some(Self::Name),
            "status" => Some(Self::Status),
            _ => None,
        }
    }
}

pub async fn search(
    conn: &mut Conn,
    query: Option<&str>,
    status: Option<&str>,
    sort: AccountSort,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AccountRow>, i64)> {
    let total = matching(query, status).count().get_result(conn).await?;
    let ordered = match sort {
        AccountSort::Newest => matching(query, status).order(accounts::created_at.desc()),
        AccountSort::Oldest => matching(query, status).order(accounts::created_at.asc()),
        AccountSort::Name => matching(query, status).order(accounts::name.asc()),
        AccountSort::Status => matching(query, status)
            .order(accounts::status.asc())
            .then_order_by(accounts::name.asc()),
    };
    let rows = ordered
        .then_order_by(accounts::id)
        .limit(limit)
        .offset(offset)
        .select(AccountRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

pub async fn account(conn: &mut Conn, id: Uuid) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// `(account, role, email)` of the members of these accounts, oldest membership first.
pub async fn memberships(
    conn: &mut Conn,
    account_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, String, String)>> {
    account_members::table
        .inner_join(users::table)
        .filter(account_members::account_id.eq_any(account_ids))
        .order(account_members::created_at)
        .select((
            account_members::account_id,
            account_members::role,
            users::email,
        ))
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub mfa_confirmed_at: Option<DateTime<Utc>>,
}

pub async fn members(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<MemberRow>> {
    account_members::table
        .inner_join(users::table)
        .left_join(totp_credentials::table.on(totp_credentials::user_id.eq(users::id)))
        .filter(account_members::account_id.eq(account_id))
        .order(account_members::created_at)
        .select((
            users::id,
            users::email,
            users::username,
            users::first_name,
            users::last_name,
            account_members::role,
            users::email_verified_at,
            users::deactivated_at,
            totp_credentials::confirmed_at.nullable(),
        ))
        .load(conn)
        .await
}

/// Sign-ins (refresh-token families) of the user still alive.
pub async fn active_sessions(conn: &mut Conn, user_id: Uuid) -> QueryResult<i64> {
    refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::rotated_at.is_null())
        .filter(refresh_tokens::expires_at.gt(diesel::dsl::now))
        .select(refresh_tokens::family_id)
        .distinct()
        .load::<Uuid>(conn)
        .await
        .map(|families| families.len() as i64)
}

/// `(user, product name)` of the account's live seats.
pub async fn seats(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    seats::table
        .inner_join(products::table)
        .filter(seats::account_id.eq(account_id))
        .filter(seats::released_at.is_null())
        .order(products::name)
        .select((seats::user_id, products::name))
        .load(conn)
        .await
}

/// Puts a staff hold on the account (or lifts it with `None`).
pub async fn set_hold(conn: &mut Conn, id: Uuid, reason: Option<&str>) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::held_at.eq(reason.map(|_| Utc::now())),
            accounts::held_reason.eq(reason),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}
