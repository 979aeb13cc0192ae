//! API keys: shown once and stored hashed, scoped, revoked or expired keys refused at
//! once, a suspended or cancelled account's keys refused with its status, never staff,
//! and one account's keys out of every other account's reach.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::harness::{assert_envelope, json, TestApp};

async fn create(app: &TestApp, token: &str, account: Uuid, body: Value) -> (u16, Value) {
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/accounts/{account}/api-keys"),
            token,
            Some(body),
        )
        .await;
    let status = response.status().as_u16();
    (status, json(response).await)
}

async fn with_key(app: &TestApp, method: Method, path: &str, key: &str) -> reqwest::Response {
    app.authed(method, path, key, None).await
}

async fn sql(app: &TestApp, statement: &str) {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(statement)
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_shown_once_stored_hashed_and_does_what_its_scopes_say() {
    let app = crate::billing::app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;

    let (status, created) = create(
        &app,
        &token,
        account,
        json!({"name": "Reporting", "scopes": ["read"], "expires_in_days": 30}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let prefix = created["key"]["prefix"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with(&format!("{prefix}_")) && secret.len() > 50,
        "{secret}"
    );
    assert!(created["key"]["expires_at"].is_string());

    // Listed without the secret; stored as its SHA-256 only.
    let listed = json(
        app.authed(
            Method::GET,
            &format!("/api/v1/accounts/{account}/api-keys"),
            &token,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(listed["keys"][0]["prefix"], prefix.as_str());
    assert!(!listed.to_string().contains(&secret[prefix.len() + 1..]));
    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        secret_hash: Vec<u8>,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let stored: Stored = diesel::sql_query("SELECT secret_hash FROM api_keys")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        stored.secret_hash,
        Sha256::digest(secret.as_bytes()).to_vec()
    );

    // A read-only key reads the account, and nothing else.
    for path in [
        "/api/v1/orders",
        "/api/v1/billing/subscription",
        "/api/v1/me/entitlements",
    ] {
        assert_eq!(
            with_key(&app, Method::GET, path, &secret).await.status(),
            200,
            "{path}"
        );
    }
    let write = with_key(
        &app,
        Method::POST,
        "/api/v1/billing/subscription/cancel",
        &secret,
    )
    .await;
    assert_envelope(write, 403, "insufficient_scope").await;
    // Never staff, never a person: admin routes and key management refuse it.
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/admin/instances", &secret).await,
        401,
        "unauthorized",
    )
    .await;
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/me", &secret).await,
        401,
        "unauthorized",
    )
    .await;
    assert_envelope(
        with_key(
            &app,
            Method::GET,
            &format!("/api/v1/accounts/{account}/api-keys"),
            &secret,
        )
        .await,
        401,
        "unauthorized",
    )
    .await;
    let used = json(
        app.authed(
            Method::GET,
            &format!("/api/v1/accounts/{account}/api-keys"),
            &token,
            None,
        )
        .await,
    )
    .await;
    assert!(used["keys"][0]["last_used_at"].is_string());

    // An orders key reads orders, not billing.
    let (_, orders) = create(
        &app,
        &token,
        account,
        json!({"name": "Fulfilment", "scopes": ["orders"]}),
    )
    .await;
    let orders = orders["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        with_key(&app, Method::GET, "/api/v1/orders", &orders)
            .await
            .status(),
        200
    );
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/billing/payments", &orders).await,
        403,
        "insufficient_scope",
    )
    .await;

    // A wrong secret with a real prefix, and garbage, are both 401.
    let forged = format!("{prefix}_{}", "A".repeat(43));
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/orders", &forged).await,
        401,
        "unauthorized",
    )
    .await;
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/orders", "gh_live_").await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_and_expired_keys_fail_at_once_and_a_stopped_account_says_why() {
    let app = crate::billing::app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let (_, first) = create(
        &app,
        &token,
        account,
        json!({"name": "One", "scopes": ["full"]}),
    )
    .await;
    let (_, second) = create(
        &app,
        &token,
        account,
        json!({"name": "Two", "scopes": ["full"]}),
    )
    .await;
    let (one, two) = (
        first["secret"].as_str().unwrap(),
        second["secret"].as_str().unwrap(),
    );
    assert_eq!(
        with_key(&app, Method::GET, "/api/v1/orders", one)
            .await
            .status(),
        200
    );

    let id = first["key"]["id"].as_str().unwrap();
    let revoked = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/accounts/{account}/api-keys/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), 204);
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/orders", one).await,
        401,
        "unauthorized",
    )
    .await;
    let again = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/accounts/{account}/api-keys/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(again.status(), 204, "revoking twice is fine");

    sql(
        &app,
        &format!("UPDATE accounts SET status = 'suspended' WHERE id = '{account}'"),
    )
    .await;
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/orders", two).await,
        403,
        "account_suspended",
    )
    .await;
    sql(
        &app,
        &format!("UPDATE accounts SET status = 'cancelled' WHERE id = '{account}'"),
    )
    .await;
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/orders", two).await,
        403,
        "account_cancelled",
    )
    .await;
    sql(
        &app,
        &format!("UPDATE accounts SET status = 'active' WHERE id = '{account}'"),
    )
    .await;
    assert_eq!(
        with_key(&app, Method::GET, "/api/v1/orders", two)
            .await
            .status(),
        200
    );

    sql(
        &app,
        "UPDATE api_keys SET expires_at = now() - interval '1 second'",
    )
    .await;
    assert_envelope(
        with_key(&app, Method::GET, "/api/v1/orders", two).await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_managed_by_owners_and_admins_of_their_own_account_only() {
    let app = crate::billing::app_with_priced_catalog().await;
    let (_, ada_account) = app.create_user("ada@example.org", "ada").await;
    let (grace, _) = app.create_user("grace@example.org", "grace").await;
    let (ada, _) = app.sign_in("ada").await;
    let (grace_token, _) = app.sign_in("grace").await;
    let (_, created) = create(
        &app,
        &ada,
        ada_account,
        json!({"name": "CI", "scopes": ["full"]}),
    )
    .await;
    let key_id = created["key"]["id"].as_str().unwrap();

    // Another account's keys: not found, whatever the route.
    let paths = [
        (
            Method::GET,
            format!("/api/v1/accounts/{ada_account}/api-keys"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/accounts/{ada_account}/api-keys/{key_id}"),
        ),
    ];
    for (method, path) in &paths {
        let refused = app.authed(method.clone(), path, &grace_token, None).await;
        assert_envelope(refused, 404, "not_found").await;
    }
    let (status, _) = create(
        &app,
        &grace_token,
        ada_account,
        json!({"name": "Mine now", "scopes": ["full"]}),
    )
    .await;
    assert_eq!(status, 404);
    // A key of this account under another account's id is not found either.
    let (_, grace_account) = {
        let mut conn = app.db.pool().get().await.unwrap();
        let account = gatehouse::db::identity::default_account(&mut conn, grace)
            .await
            .unwrap()
            .unwrap();
        ((), account)
    };
    let elsewhere = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/accounts/{grace_account}/api-keys/{key_id}"),
            &grace_token,
            None,
        )
        .await;
    assert_envelope(elsewhere, 404, "not_found").await;

    // A plain member of Ada's account may not manage its keys.
    sql(&app, &format!("INSERT INTO account_members (account_id, user_id, role) VALUES ('{ada_account}', '{grace}', 'member')")).await;
    let member = app
        .authed(
            Method::GET,
            &format!("/api/v1/accounts/{ada_account}/api-keys"),
            &grace_token,
            None,
        )
        .await;
    assert_envelope(member, 403, "forbidden").await;

    // Every rule answers next to its field.
    let (status, refused) = create(
        &app,
        &ada,
        ada_account,
        json!({"name": "", "scopes": ["read", "billing"], "expires_in_days": 0}),
    )
    .await;
    assert_eq!(status, 422);
    for field in ["name", "scopes", "expires_in_days"] {
        assert!(refused["error"]["fields"][field].is_string(), "{refused}");
    }
}
