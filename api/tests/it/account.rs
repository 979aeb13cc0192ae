//! Password reset and change, and the user's own data (`me`).

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;

use crate::harness::{assert_envelope, json, TestApp, TEST_PASSWORD};

/// The link secret of the newest queued email of `template` to `to`.
async fn emailed_secret(app: &TestApp, to: &str, template: &str) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let rows: Vec<Text> = diesel::sql_query(
        "SELECT payload->>'text' AS text FROM jobs WHERE kind = 'mail.send'
            AND payload->>'to' = $1 AND payload->>'template' = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(to)
    .bind::<diesel::sql_types::Text, _>(template)
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter().next().map(|row| {
        row.text
            .split_whitespace()
            .find_map(|word| word.split("token=").nth(1).map(str::to_owned))
            .expect("a link with a token")
    })
}

async fn refresh(app: &TestApp, token: &str) -> u16 {
    app.post_json("/api/v1/auth/refresh", json!({"refresh_token": token}))
        .await
        .status()
        .as_u16()
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/auth/login",
        json!({"login": login, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (_, session) = app.sign_in("ada").await;

    for email in ["ada@example.org", "nobody@example.org"] {
        let response = app
            .post_json("/api/v1/auth/password/forgot", json!({"email": email}))
            .await;
        assert_eq!(response.status(), 202);
        assert_eq!(
            json(response).await,
            json!({"status": "sent_if_registered"})
        );
    }
    assert!(emailed_secret(&app, "nobody@example.org", "reset_password")
        .await
        .is_none());
    let secret = emailed_secret(&app, "ada@example.org", "reset_password")
        .await
        .unwrap();

    let weak = app
        .post_json(
            "/api/v1/auth/password/reset",
            json!({"token": secret, "password": "ada"}),
        )
        .await;
    assert_envelope(weak, 422, "validation_failed").await;
    let reset = app
        .post_json(
            "/api/v1/auth/password/reset",
            json!({"token": secret, "password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert_eq!(refresh(&app, &session).await, 401, "sessions ended");
    assert_eq!(login_status(&app, "ada", TEST_PASSWORD).await, 401);
    assert_eq!(
        login_status(&app, "ada", "a brand new passphrase").await,
        200
    );
    let reused = app
        .post_json(
            "/api/v1/auth/password/reset",
            json!({"token": secret, "password": "yet another passphrase"}),
        )
        .await;
    assert_envelope(reused, 400, "invalid_or_expired_link").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_for_an_old_address_does_not_work_after_the_address_changed() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        json!({"email": "ada@example.org"}),
    )
    .await;
    let secret = emailed_secret(&app, "ada@example.org", "reset_password")
        .await
        .unwrap();
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE users SET email = 'ada@new.example'")
        .execute(&mut conn)
        .await
        .unwrap();
    let response = app
        .post_json(
            "/api/v1/auth/password/reset",
            json!({"token": secret, "password": "a brand new passphrase"}),
        )
        .await;
    assert_envelope(response, 400, "invalid_or_expired_link").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_needs_the_current_one_and_keeps_only_this_session() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, this_session) = app.sign_in("ada").await;
    let (_, other_session) = app.sign_in("ada").await;

    let wrong = app
        .authed(
            Method::POST,
            "/api/v1/auth/password/change",
            &access,
            Some(json!({"current_password": "nope", "new_password": "a brand new passphrase"})),
        )
        .await;
    let body = assert_envelope(wrong, 422, "validation_failed").await;
    assert_eq!(
        body["error"]["fields"]["current_password"],
        "is not correct"
    );

    let common = app
        .authed(
            Method::POST,
            "/api/v1/auth/password/change",
            &access,
            Some(json!({"current_password": TEST_PASSWORD, "new_password": "password123"})),
        )
        .await;
    let body = assert_envelope(common, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["new_password"].is_string());

    let changed = app
        .authed(
            Method::POST,
            "/api/v1/auth/password/change",
            &access,
            Some(json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(refresh(&app, &other_session).await, 401);
    assert_eq!(refresh(&app, &this_session).await, 200);
    assert_eq!(
        login_status(&app, "ada", "a brand new passphrase").await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_names_change_through_patch_me() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let patched = app
        .authed(
            Method::PATCH,
            "/api/v1/me",
            &access,
            Some(json!({"first_name": "  Augusta "})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let body = json(patched).await;
    assert_eq!(body["first_name"], "Augusta");
    assert_eq!(body["last_name"], "Lovelace");

    let email = app
        .authed(
            Method::PATCH,
            "/api/v1/me",
            &access,
            Some(json!({"email": "x@y.z"})),
        )
        .await;
    let body = assert_envelope(email, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["email"], "is not allowed");
    let long = app
        .authed(
            Method::PATCH,
            "/api/v1/me",
            &access,
            Some(json!({"last_name": "L".repeat(101)})),
        )
        .await;
    assert_envelope(long, 422, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_change_as_a_whole_and_are_checked() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let me = json(app.authed(Method::GET, "/api/v1/me", &access, None).await).await;
    assert_eq!(
        me["preferences"],
        json!({"theme": "system", "product_updates": false})
    );
    let patched = app
        .authed(
            Method::PATCH,
            "/api/v1/me",
            &access,
            Some(json!({"preferences": {"theme": "dark", "product_updates": true}})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let me = json(app.authed(Method::GET, "/api/v1/me", &access, None).await).await;
    assert_eq!(
        me["preferences"],
        json!({"theme": "dark", "product_updates": true})
    );
    assert_eq!(me["first_name"], "Ada", "names untouched");

    for bad in [
        json!({"preferences": {"theme": "neon"}}),
        json!({"preferences": {"colour": "red"}}),
        json!({"preferences": "dark"}),
    ] {
        let refused = app
            .authed(Method::PATCH, "/api/v1/me", &access, Some(bad.clone()))
            .await;
        let body = assert_envelope(refused, 422, "validation_failed").await;
        assert!(
            body["error"]["fields"]
                .as_object()
                .unwrap()
                .keys()
                .any(|field| field.starts_with("preferences")),
            "{bad}: {body}"
        );
    }
    let me = json(app.authed(Method::GET, "/api/v1/me", &access, None).await).await;
    assert_eq!(me["preferences"]["theme"], "dark", "nothing half-written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_profile_memberships_sessions_emails_and_tickets() {
    let app = TestApp::spawn().await;
    let (user, account) = app.create_user("ada@example.org", "ada").await;
    app.post_json(
        "/api/v1/auth/password/forgot",
        json!({"email": "ada@example.org"}),
    )
    .await;
    let (access, _) = app.sign_in("ada").await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &access,
            Some(json!({"subject": "Invoice address", "body": "Please change it."})),
        )
        .await;
    assert_eq!(status, 201);
    let response = app
        .authed(Method::GET, "/api/v1/me/export", &access, None)
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let export = json(response).await;
    assert_eq!(export["user"]["id"], user.to_string());
    assert_eq!(export["memberships"][0]["account_id"], account.to_string());
    assert_eq!(export["memberships"][0]["role"], "owner");
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(export["sessions"][0]["active"], true);
    assert_eq!(
        export["tickets"][0]["messages"][0]["body"],
        "Please change it."
    );
    assert!(
        !export.to_string().contains("argon2"),
        "no password hash in the export"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_user_is_refused_everywhere_at_once() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, session) = app.sign_in("ada").await;
    let wrong = app
        .authed(
            Method::DELETE,
            "/api/v1/me",
            &access,
            Some(json!({"password": "nope"})),
        )
        .await;
    assert_envelope(wrong, 422, "validation_failed").await;
    let gone = app
        .authed(
            Method::DELETE,
            "/api/v1/me",
            &access,
            Some(json!({"password": TEST_PASSWORD})),
        )
        .await;
    assert_eq!(gone.status(), 204);
    // The access token is still unexpired, yet refused.
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::GET, "/api/v1/me/export"),
    ] {
        let response = app.authed(method, path, &access, None).await;
        assert_envelope(response, 401, "unauthorized").await;
    }
    assert_eq!(refresh(&app, &session).await, 401);
    assert_eq!(login_status(&app, "ada", TEST_PASSWORD).await, 401);
    let forgot = app
        .post_json(
            "/api/v1/auth/password/forgot",
            json!({"email": "ada@example.org"}),
        )
        .await;
    assert_eq!(forgot.status(), 202);
    assert!(emailed_secret(&app, "ada@example.org", "reset_password")
        .await
        .is_none());
}
