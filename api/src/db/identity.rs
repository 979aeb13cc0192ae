//! Users, accounts, memberships, signing keys and refresh tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{account_members, accounts, refresh_tokens, signing_keys, users};
use super::Conn;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub is_staff: bool,
    pub preferences: serde_json::Value,
    /// `support`, `billing` or `admin` for staff (see `admin::roles`).
    pub staff_role: Option<String>,
    /// The user has a confirmed second factor (kept in step with `totp_credentials` by a
    /// trigger; for showing — decisions read `totp_credentials`).
    pub mfa_enabled: bool,
    /// The providers the user can sign in with, by name and in order (kept in step with
    /// `oauth_identities` by a trigger).
    pub sign_in_providers: Vec<Option<String>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub password_hash: Option<&'a str>,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

pub async fn insert_user(conn: &mut Conn, user: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_user(conn: &mut Conn, id: Uuid) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// By normalised email, or else by username (case-insensitive).
pub async fn find_user_by_login(conn: &mut Conn, login: &str) -> QueryResult<Option<User>> {
    let login = login.trim();
    users::table
        .filter(
            users::email
                .eq(login.to_lowercase())
                .or(lower(users::username).eq(login.to_lowercase())),
        )
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn email_taken(conn: &mut Conn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email)),
    ))
    .get_result(conn)
    .await
}

pub async fn username_taken(conn: &mut Conn, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(lower(users::username).eq(username.to_lowercase())),
    ))
    .get_result(conn)
    .await
}

pub async fn set_password_hash(conn: &mut Conn, user_id: Uuid, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_email_verified(conn: &mut Conn, user_id: Uuid) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::email_verified_at.is_null()),
    )
    .set((
        users::email_verified_at.eq(diesel::dsl::now),
        users::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_preferences(
    conn: &mut Conn,
    user_id: Uuid,
    preferences: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::preferences.eq(preferences),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes the user staff with `role` (`support`, `billing`, `admin`), or, with `None`,
/// takes staff rights away; false when no such user.
pub async fn set_staff(conn: &mut Conn, user_id: Uuid, role: Option<&str>) -> QueryResult<bool> {
    let changed = diesel::update(users::table.find(user_id))
        .set((
            users::is_staff.eq(role.is_some()),
            users::staff_role.eq(role),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

/// Sets whichever names are given.
pub async fn update_names(
    conn: &mut Conn,
    user_id: Uuid,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> QueryResult<()> {
    if let Some(first) = first_name {
        diesel::update(users::table.find(user_id))
            .set((
                users::first_name.eq(first),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
    }
    if let Some(last) = last_name {
        diesel::update(users::table.find(user_id))
            .set((
                users::last_name.eq(last),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn deactivate(conn: &mut Conn, user_id: Uuid) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::deactivated_at.is_null()),
    )
    .set((
        users::deactivated_at.eq(diesel::dsl::now),
        users::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// `(account_id, account_name, role)` of every membership.
pub async fn memberships(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<Vec<(Uuid, String, String)>> {
    account_members::table
        .inner_join(accounts::table)
        .filter(account_members::user_id.eq(user_id))
        .order(account_members::created_at.asc())
        .select((accounts::id, accounts::name, account_members::role))
        .load(conn)
        .await
}

/// Creates an account and makes `owner` its owner.
pub async fn insert_account_with_owner(
    conn: &mut Conn,
    name: &str,
    personal: bool,
    owner: Uuid,
) -> QueryResult<Uuid> {
    let account_id: Uuid = diesel::insert_into(accounts::table)
        .values((accounts::name.eq(name), accounts::personal.eq(personal)))
        .returning(accounts::id)
        .get_result(conn)
        .await?;
    diesel::insert_into(account_members::table)
        .values((
            account_members::account_id.eq(account_id),
            account_members::user_id.eq(owner),
            account_members::role.eq("owner"),
        ))
        .execute(conn)
        .await?;
    Ok(account_id)
}

/// The account a fresh session acts for: the user's personal account, else the oldest
/// membership.
pub async fn default_account(conn: &mut Conn, user_id: Uuid) -> QueryResult<Option<Uuid>> {
    account_members::table
        .inner_join(accounts::table)
        .filter(account_members::user_id.eq(user_id))
        .order((accounts::personal.desc(), account_members::created_at.asc()))
        .select(accounts::id)
        .first(conn)
        .await
        .optional()
}

/// The user's role in the account, if a member.
pub async fn role_in(
    conn: &mut Conn,
    user_id: Uuid,
    account_id: Uuid,
) -> QueryResult<Option<String>> {
    account_members::table
        .find((account_id, user_id))
        .select(account_members::role)
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signing_keys, check_for_backend(diesel::pg::Pg))]
pub struct SigningKeyRow {
    pub kid: String,
    pub algorithm: String,
    pub private_pkcs8: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Keys that are current or were retired after `since`, newest first.
pub async fn signing_keys(
    conn: &mut Conn,
    since: DateTime<Utc>,
) -> QueryResult<Vec<SigningKeyRow>> {
    signing_keys::table
        .filter(
            signing_keys::retired_at
                .is_null()
                .or(signing_keys::retired_at.gt(since)),
        )
        .order(signing_keys::created_at.desc())
        .select(SigningKeyRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_signing_key(
    conn: &mut Conn,
    kid: &str,
    private_pkcs8: &[u8],
    public_key: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(signing_keys::table)
        .values((
            signing_keys::kid.eq(kid),
            signing_keys::algorithm.eq("EdDSA"),
            signing_keys::private_pkcs8.eq(private_pkcs8),
            signing_keys::public_key.eq(public_key),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Retires every current key except `keep`.
pub async fn retire_signing_keys_except(conn: &mut Conn, keep: &str) -> QueryResult<usize> {
    diesel::update(
        signing_keys::table
            .filter(signing_keys::retired_at.is_null())
            .filter(signing_keys::kid.ne(keep)),
    )
    .set(signing_keys::retired_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshTokenRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub token_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub replaced_by: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The sign-in passed a second factor.
    pub mfa: bool,
}

pub struct NewRefreshToken<'a> {
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
    pub mfa: bool,
}

pub async fn insert_refresh_token(
    conn: &mut Conn,
    token: NewRefreshToken<'_>,
) -> QueryResult<Uuid> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::family_id.eq(token.family_id),
            refresh_tokens::user_id.eq(token.user_id),
            refresh_tokens::account_id.eq(token.account_id),
            refresh_tokens::token_hash.eq(token.token_hash),
            refresh_tokens::expires_at.eq(token.expires_at),
            refresh_tokens::mfa.eq(token.mfa),
        ))
        .returning(refresh_tokens::id)
        .get_result(conn)
        .await
}

/// The token with this hash, row-locked so concurrent refreshes serialise.
pub async fn refresh_token_for_update(
    conn: &mut Conn,
    token_hash: &[u8],
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_rotated(conn: &mut Conn, id: Uuid, replaced_by: Uuid) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set((
            refresh_tokens::rotated_at.eq(diesel::dsl::now),
            refresh_tokens::replaced_by.eq(replaced_by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_family(conn: &mut Conn, family_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Ends every session of the user except `keep` (a session id).
pub async fn revoke_all_for_user_except(
    conn: &mut Conn,
    user_id: Uuid,
    keep: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::family_id.ne(keep))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// One sign-in and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub started: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub active: bool,
}

#[derive(Queryable)]
struct TokenTimes {
    family_id: Uuid,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Every session of the user, oldest first.
pub async fn sessions_of(conn: &mut Conn, user_id: Uuid) -> QueryResult<Vec<SessionSummary>> {
    let rows: Vec<TokenTimes> = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .select((
            refresh_tokens::family_id,
            refresh_tokens::created_at,
            refresh_tokens::expires_at,
            refresh_tokens::revoked_at,
        ))
        .load(conn)
        .await?;
    let now = Utc::now();
    let mut families: std::collections::HashMap<Uuid, SessionSummary> =
        std::collections::HashMap::new();
    for row in rows {
        let open = row.revoked_at.is_none() && row.expires_at > now;
        let entry = families.entry(row.family_id).or_insert(SessionSummary {
            started: row.created_at,
            expires: row.expires_at,
            active: open,
        });
        entry.started = entry.started.min(row.created_at);
        entry.active &= open;
    }
    let mut sessions: Vec<_> = families.into_values().collect();
    sessions.sort_by_key(|session| session.started);
    Ok(sessions)
}

/// A user as an access token finds them, in one round trip: with whether the token's
/// session is still open. (The user row carries what `GET me` shows besides: the second
/// factor and the sign-in providers.)
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session_open: bool,
}

/// The user `user_id` with their session `family_id` (see [`SignedIn`]); `None` when no
/// such user exists. One query reading one user row and the session's tokens: the
/// request path of every authenticated call ([`SignedInQuery`]).
pub async fn signed_in(
    conn: &mut Conn,
    user_id: Uuid,
    family_id: Uuid,
) -> QueryResult<Option<SignedIn>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        user: User,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        session_open: bool,
    }
    SignedInQuery { user_id, family_id }
        .get_result::<Row>(conn)
        .await
        .optional()
        .map(|found| {
            found.map(|row| SignedIn {
                user: row.user,
                session_open: row.session_open,
            })
        })
}

/// [`signed_in`]'s query as a fixed SQL text. diesel-async builds a query's text on
/// every execution; through the query builder that walk was about 7 % of an HTTP
/// worker's time under `GET me` load, while this pushes four fixed pieces and two binds
/// and, identified by its type, stays prepared on each connection. The columns are
/// named, not `users.*`: a prepared `*` fails ("cached plan must not change result
/// type") once a migration adds a column while servers run, as in a rolling upgrade.
/// They fill [`User`] by name, so a field missing from [`USER_COLUMNS`] fails every
/// authenticated request in the tests.
struct SignedInQuery {
    user_id: Uuid,
    family_id: Uuid,
}

/// `SELECT` and [`User`]'s columns, for [`SignedInQuery`].
const USER_COLUMNS: &str = "SELECT users.id, users.email, users.username, \
    users.password_hash, users.first_name, users.last_name, users.email_verified_at, \
    users.deactivated_at, users.created_at, users.updated_at, users.is_staff, \
    users.preferences, users.staff_role, users.mfa_enabled, users.sign_in_providers";

impl diesel::query_builder::QueryId for SignedInQuery {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for SignedInQuery {
    type SqlType = diesel::sql_types::Untyped;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for SignedInQuery {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(USER_COLUMNS);
        out.push_sql(", EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = ");
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.family_id)?;
        out.push_sql(
            " AND t.revoked_at IS NULL AND t.expires_at > now()) AS session_open \
             FROM users WHERE users.id = ",
        );
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.user_id)?;
        Ok(())
    }
}

pub async fn revoke_all_for_user(conn: &mut Conn, user_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}
