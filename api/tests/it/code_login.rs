//! Signing in with an emailed 6-digit code.

use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::harness::{assert_envelope, json, TestApp};

async fn emailed_code(app: &TestApp, to: &str) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Subject {
        #[diesel(sql_type = diesel::sql_types::Text)]
        subject: String,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let rows: Vec<Subject> = diesel::sql_query(
        "SELECT payload->>'subject' AS subject FROM jobs WHERE kind = 'mail.send'
            AND payload->>'to' = $1 AND payload->>'template' = 'login_code' ORDER BY id DESC LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(to)
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .next()
        .map(|row| row.subject.rsplit(' ').next().unwrap().to_owned())
}

async fn request(app: &TestApp, email: &str) -> serde_json::Value {
    let response = app
        .post_json("/api/v1/auth/code/request", json!({"email": email}))
        .await;
    assert_eq!(response.status(), 202);
    json(response).await
}

async fn verify(app: &TestApp, email: &str, code: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/code/verify",
        json!({"email": email, "code": code}),
    )
    .await
}

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emailed_code_signs_in_once_and_verifies_the_address() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    assert_eq!(
        request(&app, "nobody@example.org").await,
        request(&app, "Ada@Example.org").await
    );
    assert!(emailed_code(&app, "nobody@example.org").await.is_none());
    let code = emailed_code(&app, "ada@example.org").await.unwrap();
    assert_eq!(code.len(), 6);

    let signed_in = verify(&app, "ada@example.org", &code).await;
    assert_eq!(signed_in.status(), 200);
    let access = json(signed_in).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app
        .authed(reqwest::Method::GET, "/api/v1/me", &access, None)
        .await;
    assert_eq!(json(me).await["email_verified"], true);
    assert_envelope(
        verify(&app, "ada@example.org", &code).await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_use_the_code_up() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    request(&app, "ada@example.org").await;
    let code = emailed_code(&app, "ada@example.org").await.unwrap();
    for _ in 0..5 {
        assert_envelope(
            verify(&app, "ada@example.org", &wrong(&code)).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    // From another address (so the sign-in throttle is not what refuses it), the right
    // code no longer works: the code itself is used up.
    let elsewhere = reqwest::Client::builder()
        .local_address("127.0.0.9".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let late = elsewhere
        .post(app.url("/api/v1/auth/code/verify"))
        .json(&json!({"email": "ada@example.org", "code": code}))
        .send()
        .await
        .unwrap();
    assert_envelope(late, 401, "invalid_credentials").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_bound_to_its_address_and_expires() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.create_user("grace@example.org", "grace").await;
    request(&app, "ada@example.org").await;
    let code = emailed_code(&app, "ada@example.org").await.unwrap();
    assert_envelope(
        verify(&app, "grace@example.org", &code).await,
        401,
        "invalid_credentials",
    )
    .await;

    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_envelope(
        verify(&app, "ada@example.org", &code).await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_code_is_sent_at_most_once_a_minute_and_malformed_codes_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    request(&app, "ada@example.org").await;
    let first = emailed_code(&app, "ada@example.org").await.unwrap();
    request(&app, "ada@example.org").await;
    assert_eq!(
        emailed_code(&app, "ada@example.org").await.unwrap(),
        first,
        "throttled"
    );
    for malformed in ["12345", "abcdef", "1234567", ""] {
        assert_envelope(
            verify(&app, "ada@example.org", malformed).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_eq!(verify(&app, "ada@example.org", &first).await.status(), 200);
}
