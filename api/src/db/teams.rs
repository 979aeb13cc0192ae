//! Account membership and invitations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{account_members, accounts, invitations, users};
use super::Conn;

/// `(account id, name, personal, role, status)` of each account the user belongs to.
pub async fn accounts_of(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<Vec<(Uuid, String, bool, String, String)>> {
    account_members::table
        .inner_join(accounts::table)
        .filter(account_members::user_id.eq(user_id))
        .order((accounts::personal.desc(), account_members::created_at.asc()))
        .select((
            accounts::id,
            accounts::name,
            accounts::personal,
            account_members::role,
            accounts::status,
        ))
        .load(conn)
        .await
}

/// `(user id, email, first name, last name, role, joined)` of the account's members.
#[allow(clippy::type_complexity)]
pub async fn members(
    conn: &mut Conn,
    account_id: Uuid,
) -> QueryResult<Vec<(Uuid, String, String, String, String, DateTime<Utc>)>> {
    account_members::table
        .inner_join(users::table)
        .filter(account_members::account_id.eq(account_id))
        .order(account_members::created_at.asc())
        .select((
            users::id,
            users::email,
            users::first_name,
            users::last_name,
            account_members::role,
            account_members::created_at,
        ))
        .load(conn)
        .await
}

/// The account's members' roles, row-locked (membership changes of one account are
/// decided one at a time, so the last owner can never leave).
pub async fn lock_roles(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    account_members::table
        .filter(account_members::account_id.eq(account_id))
        .order(account_members::user_id.asc())
        .select((account_members::user_id, account_members::role))
        .for_update()
        .load(conn)
        .await
}

pub async fn set_role(
    conn: &mut Conn,
    account_id: Uuid,
    user_id: Uuid,
    role: &str,
) -> QueryResult<bool> {
    diesel::update(account_members::table.find((account_id, user_id)))
        .set(account_members::role.eq(role))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn remove_member(conn: &mut Conn, account_id: Uuid, user_id: Uuid) -> QueryResult<bool> {
    diesel::delete(account_members::table.find((account_id, user_id)))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn add_member(
    conn: &mut Conn,
    account_id: Uuid,
    user_id: Uuid,
    role: &str,
) -> QueryResult<bool> {
    diesel::insert_into(account_members::table)
        .values((
            account_members::account_id.eq(account_id),
            account_members::user_id.eq(user_id),
            account_members::role.eq(role),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invitations, check_for_backend(diesel::pg::Pg))]
pub struct InvitationRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub email: String,
    pub role: String,
    pub token_hash: Vec<u8>,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_invitation(
    conn: &mut Conn,
    account_id: Uuid,
    email: &str,
    role: &str,
    token_hash: &[u8],
    invited_by: Uuid,
    expires_at: DateTime<Utc>,
) -> QueryResult<InvitationRow> {
    diesel::insert_into(invitations::table)
        .values((
            invitations::account_id.eq(account_id),
            invitations::email.eq(email),
            invitations::role.eq(role),
            invitations::token_hash.eq(token_hash),
            invitations::invited_by.eq(invited_by),
            invitations::expires_at.eq(expires_at),
        ))
        .returning(InvitationRow::as_returning())
        .get_result(conn)
        .await
}

/// The account's invitations not yet accepted, revoked or expired.
pub async fn open_invitations(
    conn: &mut Conn,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Vec<InvitationRow>> {
    invitations::table
        .filter(invitations::account_id.eq(account_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::created_at.desc())
        .select(InvitationRow::as_select())
        .load(conn)
        .await
}

/// The invitation with this secret's hash, row-locked.
pub async fn invitation_by_hash(
    conn: &mut Conn,
    token_hash: &[u8],
) -> QueryResult<Option<InvitationRow>> {
    invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_accepted(conn: &mut Conn, id: Uuid, user_id: Uuid) -> QueryResult<()> {
    diesel::update(invitations::table.find(id))
        .set((
            invitations::accepted_at.eq(diesel::dsl::now),
            invitations::accepted_by.eq(user_id),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Revokes the account's open invitation; whether there was one.
pub async fn revoke_invitation(conn: &mut Conn, account_id: Uuid, id: Uuid) -> QueryResult<bool> {
    diesel::update(invitations::table.find(id))
        .filter(invitations::account_id.eq(account_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .set(invitations::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|n| n == 1)
}
