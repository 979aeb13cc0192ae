//! Deleting the personal data of accounts whose retention has run out.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Cancelled, unpurged accounts all of whose subscriptions ended before `cutoff`.
pub async fn accounts_past_retention(
    conn: &mut Conn,
    cutoff: DateTime<Utc>,
) -> diesel::QueryResult<Vec<Uuid>> {
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT a.id FROM accounts a
          WHERE a.status = 'cancelled' AND a.purged_at IS NULL
            AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = a.id)
            AND NOT EXISTS (
                SELECT 1 FROM subscriptions s WHERE s.account_id = a.id
                   AND coalesce(s.ended_at, s.canceled_at, s.current_period_end, now()) >= $1)",
    )
    .bind::<Timestamptz, _>(cutoff)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Purges one account inside the caller's transaction, if it is still due (re-checked
/// under its row lock): the account is renamed and marked, and its members who belong
/// to no other live account (staff excepted) are anonymised and deactivated, with their
/// sessions, sign-in methods, codes, sent emails, sign-ups and waitlist rows deleted.
/// Subscriptions and payments stay: they are accounting records. Whether it purged.
pub async fn purge_account(
    tx: &mut Conn,
    account_id: Uuid,
    cutoff: DateTime<Utc>,
) -> diesel::QueryResult<bool> {
    let due: Vec<Id> = diesel::sql_query(
        "SELECT id FROM accounts WHERE id = $1 AND status = 'cancelled' AND purged_at IS NULL
            AND NOT EXISTS (
                SELECT 1 FROM subscriptions s WHERE s.account_id = accounts.id
                   AND coalesce(s.ended_at, s.canceled_at, s.current_period_end, now()) >= $2)
         FOR UPDATE",
    )
    .bind::<SqlUuid, _>(account_id)
    .bind::<Timestamptz, _>(cutoff)
    .load(tx)
    .await?;
    if due.is_empty() {
        return Ok(false);
    }
    let people: Vec<Id> = diesel::sql_query(
        "SELECT m.user_id AS id FROM account_members m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND NOT u.is_staff
            AND NOT EXISTS (
                SELECT 1 FROM account_members other JOIN accounts a ON a.id = other.account_id
                 WHERE other.user_id = m.user_id AND a.id <> $1 AND a.purged_at IS NULL)
          FOR UPDATE OF u",
    )
    .bind::<SqlUuid, _>(account_id)
    .load(tx)
    .await?;
    let people: Vec<Uuid> = people.into_iter().map(|row| row.id).collect();
    let by_address = "(SELECT email FROM users WHERE id = ANY($1))";
    for statement in [
        format!("DELETE FROM emails WHERE to_address IN {by_address}"),
        format!("DELETE FROM waitlist WHERE email IN {by_address}"),
        format!("DELETE FROM one_time_tokens WHERE user_id = ANY($1) OR address IN {by_address}"),
        "DELETE FROM onboarding_checkouts WHERE onboarding_id IN
           (SELECT id FROM onboardings WHERE user_id = ANY($1))"
            .to_owned(),
        "DELETE FROM onboardings WHERE user_id = ANY($1)".to_owned(),
        // Support conversations are the person's words: they go with them.
        "DELETE FROM ticket_messages WHERE ticket_id IN
           (SELECT id FROM tickets WHERE user_id = ANY($1))"
            .to_owned(),
        "DELETE FROM tickets WHERE user_id = ANY($1)".to_owned(),
        "DELETE FROM refresh_tokens WHERE user_id = ANY($1)".to_owned(),
        "DELETE FROM oauth_identities WHERE user_id = ANY($1)".to_owned(),
        "DELETE FROM mfa_recovery_codes WHERE user_id = ANY($1)".to_owned(),
        "DELETE FROM totp_credentials WHERE user_id = ANY($1)".to_owned(),
        "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid',
                username = 'deleted-' || substr(replace(id::text, '-', ''), 1, 20),
                first_name = '', last_name = '', password_hash = NULL, preferences = '{}',
                email_verified_at = NULL, deactivated_at = coalesce(deactivated_at, now()),
                updated_at = now()
          WHERE id = ANY($1)"
            .to_owned(),
    ] {
        diesel::sql_query(statement)
            .bind::<Array<SqlUuid>, _>(&people)
            .execute(tx)
            .await?;
    }
    diesel::sql_query(
        "UPDATE accounts SET purged_at = now(), name = 'Deleted account', updated_at = now()
          WHERE id = $1",
    )
    .bind::<SqlUuid, _>(account_id)
    .execute(tx)
    .await?;
    Ok(true)
}
