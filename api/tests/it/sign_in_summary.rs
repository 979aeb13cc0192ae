//! The user row's summary of how they sign in (`users.mfa_enabled`,
//! `users.sign_in_providers`), which every authenticated request reads instead of joining
//! `totp_credentials` and `oauth_identities`: triggers keep it in step with those tables
//! whatever changes them, concurrent changes included, and the migration filled it in
//! for the users already there.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use gatehouse::db::identity::{self as q, NewUser, User};
use gatehouse::db::{mfa, oauth};
use uuid::Uuid;

use crate::harness::{workspace_root, TestDb};

const MIGRATION: &str = "migrations/2026-11-30-000020_user_sign_in_summary";

async fn user(conn: &mut AsyncPgConnection, name: &str) -> Uuid {
    let email = format!("{name}@example.com");
    q::insert_user(
        conn,
        &NewUser {
            email: &email,
            username: name,
            password_hash: None,
            first_name: "Ada",
            last_name: "Lovelace",
        },
    )
    .await
    .unwrap()
    .id
}

async fn summary(conn: &mut AsyncPgConnection, id: Uuid) -> (bool, Vec<String>) {
    let user: User = q::find_user(conn, id).await.unwrap().unwrap();
    (
        user.mfa_enabled,
        user.sign_in_providers.into_iter().flatten().collect(),
    )
}

async fn connect(db: &TestDb) -> AsyncPgConnection {
    AsyncPgConnection::establish(&db.url).await.unwrap()
}

/// A database with the user `ada` and three sessions on it: two to race, one to watch.
async fn two_sessions_and_a_watcher() -> (
    TestDb,
    Uuid,
    AsyncPgConnection,
    AsyncPgConnection,
    AsyncPgConnection,
) {
    let db = TestDb::migrated().await;
    let mut first = connect(&db).await;
    let second = connect(&db).await;
    let watcher = connect(&db).await;
    let ada = user(&mut first, "ada").await;
    (db, ada, first, second, watcher)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_row_follows_the_second_factor_and_the_linked_providers() {
    let db = TestDb::migrated().await;
    let mut conn = connect(&db).await;
    let ada = user(&mut conn, "ada").await;
    let bob = user(&mut conn, "bob").await;
    assert_eq!(summary(&mut conn, ada).await, (false, vec![]));

    // Enrolling is not enough: only a confirmed second factor counts.
    assert!(mfa::put_unconfirmed_totp(&mut conn, ada, &[7; 20])
        .await
        .unwrap());
    assert_eq!(summary(&mut conn, ada).await, (false, vec![]));
    mfa::accept_totp_step(&mut conn, ada, 1).await.unwrap();
    assert_eq!(summary(&mut conn, ada).await, (true, vec![]));
    mfa::accept_totp_step(&mut conn, ada, 2).await.unwrap();
    assert_eq!(summary(&mut conn, ada).await, (true, vec![]));

    // Providers in order of name, each once; signing in again changes nothing.
    oauth::link(&mut conn, "google", "g-1", ada, "ada@example.com")
        .await
        .unwrap();
    oauth::link(&mut conn, "github", "h-1", ada, "ada@example.com")
        .await
        .unwrap();
    oauth::link(&mut conn, "google", "g-1", ada, "ada@example.com")
        .await
        .unwrap();
    let both = vec!["github".to_owned(), "google".to_owned()];
    assert_eq!(summary(&mut conn, ada).await, (true, both.clone()));
    assert_eq!(
        summary(&mut conn, bob).await,
        (false, vec![]),
        "others untouched"
    );

    // An identity moved to another user (no code path does this today) leaves both right.
    diesel::sql_query("UPDATE oauth_identities SET user_id = $1 WHERE subject = 'h-1'")
        .bind::<diesel::sql_types::Uuid, _>(bob)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        summary(&mut conn, bob).await,
        (false, vec!["github".to_owned()])
    );
    assert_eq!(
        summary(&mut conn, ada).await,
        (true, vec!["google".to_owned()])
    );

    // Removal (disabling MFA; the retention purge deletes identities with plain SQL).
    mfa::delete_mfa(&mut conn, ada).await.unwrap();
    diesel::sql_query("DELETE FROM oauth_identities WHERE user_id = ANY($1)")
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(vec![ada, bob])
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(summary(&mut conn, ada).await, (false, vec![]));
    assert_eq!(summary(&mut conn, bob).await, (false, vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_providers_linked_at_once_both_end_up_on_the_user_row() {
    let (_db, ada, mut first, mut second, mut watcher) = two_sessions_and_a_watcher().await;

    // The first link's transaction stays open while the second link runs; each computes
    // the list from the table, so without the trigger's lock the second would miss the
    // first's row (its snapshot predates the first's commit).
    first.batch_execute("BEGIN").await.unwrap();
    oauth::link(&mut first, "google", "g-1", ada, "ada@example.com")
        .await
        .unwrap();
    let second_link = tokio::spawn(async move {
        oauth::link(&mut second, "github", "h-1", ada, "ada@example.com")
            .await
            .unwrap();
    });
    // Wait until the second link is blocked on the first one's lock, then commit.
    let finished = finishes_without_waiting(&mut watcher, &second_link).await;
    assert!(!finished, "the second link waits for the first one's lock");
    first.batch_execute("COMMIT").await.unwrap();
    second_link.await.unwrap();

    assert_eq!(
        summary(&mut watcher, ada).await,
        (false, vec!["github".to_owned(), "google".to_owned()])
    );
}

/// Waits until `task` has finished (true) or some session of the database waits for a
/// lock (false).
async fn finishes_without_waiting<T>(
    watcher: &mut AsyncPgConnection,
    task: &tokio::task::JoinHandle<T>,
) -> bool {
    loop {
        if task.is_finished() {
            return true;
        }
        if lock_waiters(watcher).await > 0 {
            return task.is_finished();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn lock_waiters(watcher: &mut AsyncPgConnection) -> i64 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock')",
    ))
    .get_result(watcher)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_does_not_wait_for_a_sign_in_of_the_same_user() {
    let (_db, ada, mut signing_in, mut linking, mut watcher) = two_sessions_and_a_watcher().await;

    // A sign-in's transaction inserting a refresh token holds the KEY SHARE lock its
    // foreign-key check takes on the user (so does the other link's own check).
    signing_in.batch_execute("BEGIN").await.unwrap();
    diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR KEY SHARE")
        .bind::<diesel::sql_types::Uuid, _>(ada)
        .execute(&mut signing_in)
        .await
        .unwrap();
    let link = tokio::spawn(async move {
        oauth::link(&mut linking, "google", "g-1", ada, "ada@example.com").await
    });
    let finished = finishes_without_waiting(&mut watcher, &link).await;
    signing_in.batch_execute("COMMIT").await.unwrap();
    link.await.unwrap().unwrap();
    assert!(finished, "the link waited for the sign-in's lock");
    assert_eq!(
        summary(&mut watcher, ada).await,
        (false, vec!["google".to_owned()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_mfa_off_while_the_purge_holds_the_user_does_not_deadlock() {
    let (_db, ada, mut purge, mut owner, mut watcher) = two_sessions_and_a_watcher().await;
    mfa::put_unconfirmed_totp(&mut purge, ada, &[7; 20])
        .await
        .unwrap();
    mfa::accept_totp_step(&mut purge, ada, 1).await.unwrap();

    // The retention purge locks the user (FOR UPDATE), then deletes their credential.
    purge.batch_execute("BEGIN").await.unwrap();
    diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Uuid, _>(ada)
        .execute(&mut purge)
        .await
        .unwrap();
    // Meanwhile the owner turns MFA off (as `identity::mfa::disable` does).
    let disable = tokio::spawn(async move {
        owner
            .transaction::<_, diesel::result::Error, _>(async |tx| {
                if mfa::totp_for_change(tx, ada).await?.is_some() {
                    mfa::delete_mfa(tx, ada).await?;
                }
                Ok(())
            })
            .await
    });
    while lock_waiters(&mut watcher).await == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Had the owner locked the credential before the user, this would deadlock.
    let deleted = diesel::sql_query("DELETE FROM totp_credentials WHERE user_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(ada)
        .execute(&mut purge)
        .await;
    purge.batch_execute("COMMIT").await.unwrap();
    assert_eq!(deleted.unwrap(), 1);
    disable.await.unwrap().unwrap();
    assert_eq!(summary(&mut watcher, ada).await, (false, vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_fills_in_the_users_already_there() {
    let db = TestDb::migrated().await;
    let mut conn = connect(&db).await;
    let ada = user(&mut conn, "ada").await;
    let bob = user(&mut conn, "bob").await;
    let cy = user(&mut conn, "cyd").await;
    let read = |name: &str| std::fs::read_to_string(workspace_root().join(MIGRATION).join(name));

    // The database as it was before the migration, with data the summary must reflect.
    conn.batch_execute(&read("down.sql").unwrap())
        .await
        .unwrap();
    mfa::put_unconfirmed_totp(&mut conn, ada, &[7; 20])
        .await
        .unwrap();
    mfa::accept_totp_step(&mut conn, ada, 1).await.unwrap();
    mfa::put_unconfirmed_totp(&mut conn, cy, &[8; 20])
        .await
        .unwrap();
    oauth::link(&mut conn, "google", "g-1", bob, "bob@example.com")
        .await
        .unwrap();
    oauth::link(&mut conn, "github", "h-1", bob, "bob@example.com")
        .await
        .unwrap();

    conn.batch_execute(&read("up.sql").unwrap()).await.unwrap();
    assert_eq!(summary(&mut conn, ada).await, (true, vec![]));
    assert_eq!(
        summary(&mut conn, bob).await,
        (false, vec!["github".to_owned(), "google".to_owned()])
    );
    assert_eq!(
        summary(&mut conn, cy).await,
        (false, vec![]),
        "not confirmed"
    );
}

/// Every authenticated request runs `signed_in`: its statement is prepared once per
/// connection and reused, finds the user with whether the session is open, and survives
/// a column added to `users` meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_request_query_is_prepared_once_per_connection() {
    let db = TestDb::migrated().await;
    let mut conn = connect(&db).await;
    let ada = user(&mut conn, "ada").await;
    let nobody = Uuid::new_v4();
    for _ in 0..3 {
        let found = q::signed_in(&mut conn, ada, Uuid::new_v4())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.user.id, ada);
        assert!(!found.session_open, "no such session");
    }
    assert!(q::signed_in(&mut conn, nobody, Uuid::new_v4())
        .await
        .unwrap()
        .is_none());
    let prepared: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%AS ' || 'session_open%')",
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(prepared, 1);

    // A migration adding a column while servers run (a rolling upgrade) leaves the
    // prepared statement working.
    diesel::sql_query("ALTER TABLE users ADD COLUMN added_later INT")
        .execute(&mut conn)
        .await
        .unwrap();
    let found = q::signed_in(&mut conn, ada, Uuid::new_v4())
        .await
        .expect("the prepared query still runs");
    assert_eq!(found.map(|found| found.user.id), Some(ada));
}
