//! Sign-up, email verification and resending the link.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use gatehouse::jobs::worker::{Worker, WorkerConfig};
use gatehouse::jobs::{JobServices, Registry};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::harness::{assert_envelope, json, TestApp};

const PASSWORD: &str = "correct horse battery";

fn signup_body(email: &str, username: &str) -> Value {
    json!({
        "email": email,
        "username": username,
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
    })
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn sign_up(app: &TestApp, email: &str, username: &str) -> reqwest::Response {
    post(app, "/api/v1/auth/register", signup_body(email, username)).await
}

#[derive(diesel::QueryableByName, Debug)]
struct QueuedEmail {
    #[diesel(sql_type = diesel::sql_types::Text)]
    template: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

/// Emails queued for `to`, oldest first.
async fn queued_emails(app: &TestApp, to: &str) -> Vec<QueuedEmail> {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "SELECT payload->>'template' AS template, payload->>'text' AS text FROM jobs
          WHERE kind = 'mail.send' AND payload->>'to' = $1 ORDER BY id",
    )
    .bind::<diesel::sql_types::Text, _>(to)
    .load(&mut conn)
    .await
    .unwrap()
}

fn link_token(text: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with("http://gatehouse.test/verify-email?token="))
        .expect("a verification link");
    link.split("token=").nth(1).unwrap().to_owned()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let row: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result(&mut conn)
        .await
        .unwrap();
    row.n
}

async fn access_token(app: &TestApp, login: &str) -> String {
    let response = post(
        app,
        "/api/v1/auth/login",
        json!({"login": login, "password": PASSWORD}),
    )
    .await;
    assert_eq!(response.status(), 200);
    json(response).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn me(app: &TestApp, token: &str) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_up_creates_the_user_and_a_link_verifies_the_address_once() {
    let app = TestApp::spawn().await;
    let response = sign_up(&app, " Ada@Example.org", "ada").await;
    assert_eq!(response.status(), 202);
    assert_eq!(json(response).await, json!({"status": "verification_sent"}));
    assert_eq!(count(&app, "accounts").await, 1);

    let token = access_token(&app, "ada@example.org").await;
    let profile = me(&app, &token).await;
    assert_eq!(profile["email"], "ada@example.org");
    assert_eq!(profile["first_name"], "Ada");
    assert_eq!(profile["email_verified"], false);

    let emails = queued_emails(&app, "ada@example.org").await;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].template, "verify_email");
    let secret = link_token(&emails[0].text);
    let verified = post(&app, "/api/v1/auth/email/verify", json!({"token": secret})).await;
    assert_eq!(verified.status(), 200);
    assert_eq!(me(&app, &token).await["email_verified"], true);

    let again = post(&app, "/api/v1/auth/email/verify", json!({"token": secret})).await;
    assert_envelope(again, 400, "invalid_or_expired_link").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_up_with_a_known_address_answers_the_same_and_tells_its_owner() {
    let app = TestApp::spawn().await;
    let first = sign_up(&app, "ada@example.org", "ada").await;
    let first_status = first.status();
    let first_body = json(first).await;
    let mut body = signup_body("ADA@example.org", "someone_else");
    body["password"] = json!("another fine passphrase");
    let second = post(&app, "/api/v1/auth/register", body).await;
    assert_eq!(second.status(), first_status);
    assert_eq!(json(second).await, first_body);
    assert_eq!(count(&app, "users").await, 1, "nothing new was created");
    let emails = queued_emails(&app, "ada@example.org").await;
    let templates: Vec<&str> = emails.iter().map(|e| e.template.as_str()).collect();
    assert_eq!(templates, ["verify_email", "account_exists"]);
    // The second password opens nothing.
    let login = post(
        &app,
        "/api/v1/auth/login",
        json!({"login": "ada@example.org", "password": "another fine passphrase"}),
    )
    .await;
    assert_envelope(login, 401, "invalid_credentials").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_username_is_refused_whatever_its_case() {
    let app = TestApp::spawn().await;
    assert_eq!(
        sign_up(&app, "ada@example.org", "Ada_L").await.status(),
        202
    );
    let taken = sign_up(&app, "grace@example.org", "ada_l").await;
    let body = assert_envelope(taken, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["username"], "is already taken");
    assert_eq!(count(&app, "users").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_field_is_reported_at_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let response = post(
        &app,
        "/api/v1/auth/register",
        json!({"email": "not-an-email", "username": "_xyz", "password": "password1", "first_name": "A".repeat(101)}),
    )
    .await;
    let body = assert_envelope(response, 422, "validation_failed").await;
    let fields = &body["error"]["fields"];
    assert_eq!(fields["email"], "must be an email address");
    assert_eq!(fields["username"], "must start with a letter or digit");
    assert_eq!(fields["password"], "is too common; choose another");
    assert_eq!(fields["first_name"], "must be at most 100 characters");
    let long = post(&app, "/api/v1/auth/register", {
        let mut b = signup_body("ada@example.org", "ada");
        b["password"] = json!("x".repeat(129));
        b
    })
    .await;
    let body = assert_envelope(long, 422, "validation_failed").await;
    assert_eq!(
        body["error"]["fields"]["password"],
        "must be at most 128 characters"
    );
    assert_eq!(count(&app, "users").await, 0);
    assert_eq!(count(&app, "jobs").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ups_for_one_username_create_exactly_one_user() {
    let app = TestApp::spawn().await;
    let attempts = (0..6).map(|i| {
        let app = &app;
        async move {
            sign_up(app, &format!("person{i}@example.org"), "popular")
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;
    statuses.sort();
    assert_eq!(statuses, [202, 422, 422, 422, 422, 422]);
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(count(&app, "accounts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_link_is_sent_at_most_once_a_minute_and_replaces_the_old_one() {
    let app = TestApp::spawn().await;
    sign_up(&app, "ada@example.org", "ada").await;
    let resend = |email: &'static str| {
        let app = &app;
        async move {
            let response = post(app, "/api/v1/auth/email/resend", json!({"email": email})).await;
            assert_eq!(response.status(), 202);
            json(response).await
        }
    };
    let unknown = resend("nobody@example.org").await;
    assert_eq!(
        unknown,
        resend("ada@example.org").await,
        "same answer for everyone"
    );
    assert!(queued_emails(&app, "nobody@example.org").await.is_empty());
    assert_eq!(
        queued_emails(&app, "ada@example.org").await.len(),
        1,
        "throttled"
    );

    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE one_time_tokens SET created_at = created_at - interval '2 minutes'")
        .execute(&mut conn)
        .await
        .unwrap();
    resend("ada@example.org").await;
    let emails = queued_emails(&app, "ada@example.org").await;
    assert_eq!(emails.len(), 2);
    let old = link_token(&emails[0].text);
    let new = link_token(&emails[1].text);
    let stale = post(&app, "/api/v1/auth/email/verify", json!({"token": old})).await;
    assert_envelope(stale, 400, "invalid_or_expired_link").await;
    let fresh = post(&app, "/api/v1/auth/email/verify", json!({"token": new})).await;
    assert_eq!(fresh.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_does_not_verify() {
    let app = TestApp::spawn().await;
    sign_up(&app, "ada@example.org", "ada").await;
    let secret = link_token(&queued_emails(&app, "ada@example.org").await[0].text);
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
        .execute(&mut conn)
        .await
        .unwrap();
    let response = post(&app, "/api/v1/auth/email/verify", json!({"token": secret})).await;
    assert_envelope(response, 400, "invalid_or_expired_link").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_delivers_to_the_outbox_and_erases_the_link_from_the_job() {
    let app = TestApp::spawn().await;
    sign_up(&app, "ada@example.org", "ada").await;
    let shutdown = CancellationToken::new();
    let config = WorkerConfig {
        poll_interval: Duration::from_millis(20),
        schedule_housekeeping: false,
        ..WorkerConfig::default()
    };
    let worker = tokio::spawn(
        Worker::new(
            app.db.pool(),
            Registry::standard(),
            JobServices::default(),
            config,
        )
        .run(shutdown.clone()),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut conn = app.db.pool().get().await.unwrap();
    let delivered = loop {
        let emails = gatehouse::db::tokens::emails_to(&mut conn, "ada@example.org")
            .await
            .unwrap();
        if let Some(email) = emails.into_iter().next() {
            break email;
        }
        assert!(tokio::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    shutdown.cancel();
    worker.await.unwrap();
    assert_eq!(delivered.template, "verify_email");
    assert_eq!(delivered.transport, "outbox");
    assert!(delivered.html_body.contains("verify-email?token="));
    assert!(
        queued_emails(&app, "ada@example.org").await.is_empty(),
        "payload erased once sent"
    );
}
