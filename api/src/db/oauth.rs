//! Identity-provider accounts linked to users, and authorization requests in flight.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{oauth_identities, oauth_states};
use super::Conn;

/// The user linked to the provider's account, if any.
pub async fn linked_user(
    conn: &mut Conn,
    provider: &str,
    subject: &str,
) -> QueryResult<Option<Uuid>> {
    oauth_identities::table
        .find((provider, subject))
        .select(oauth_identities::user_id)
        .first(conn)
        .await
        .optional()
}

/// Links the provider's account to the user (or notes it was used again).
pub async fn link(
    conn: &mut Conn,
    provider: &str,
    subject: &str,
    user_id: Uuid,
    email: &str,
) -> QueryResult<()> {
    diesel::insert_into(oauth_identities::table)
        .values((
            oauth_identities::provider.eq(provider),
            oauth_identities::subject.eq(subject),
            oauth_identities::user_id.eq(user_id),
            oauth_identities::email.eq(email),
        ))
        .on_conflict((oauth_identities::provider, oauth_identities::subject))
        .do_update()
        .set((
            oauth_identities::email.eq(email),
            oauth_identities::last_used_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub struct NewState<'a> {
    pub state_hash: &'a [u8],
    pub provider: &'a str,
    pub code_verifier: &'a str,
    pub next_path: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_state(conn: &mut Conn, state: NewState<'_>) -> QueryResult<()> {
    diesel::insert_into(oauth_states::table)
        .values((
            oauth_states::state_hash.eq(state.state_hash),
            oauth_states::provider.eq(state.provider),
            oauth_states::code_verifier.eq(state.code_verifier),
            oauth_states::next_path.eq(state.next_path),
            oauth_states::expires_at.eq(state.expires_at),
        ))
        .execute(conn)
        .await?;
    // Requests nobody came back from.
    diesel::delete(oauth_states::table.filter(oauth_states::expires_at.lt(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oauth_states, check_for_backend(diesel::pg::Pg))]
pub struct PendingState {
    pub provider: String,
    pub code_verifier: String,
    pub next_path: String,
    pub expires_at: DateTime<Utc>,
}

/// Takes the request with this state hash (deleted: a state works once).
pub async fn take_state(conn: &mut Conn, state_hash: &[u8]) -> QueryResult<Option<PendingState>> {
    diesel::delete(oauth_states::table.find(state_hash))
        .returning(PendingState::as_returning())
        .get_result(conn)
        .await
        .optional()
}
