//! Two-factor authentication: enrolment, the sign-in challenge, recovery codes, replay,
//! attempt limits, turning it off, and the staff rule.

use gatehouse::identity::totp;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{assert_envelope, json, TestApp, TEST_PASSWORD};

fn code_for(secret_base32: &str, offset_steps: i64) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret_base32.as_bytes())
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    totp::code_at(&secret, totp::step_at(now) + offset_steps)
}

/// Turns MFA on for the signed-in user; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, access: &str) -> (String, Vec<String>) {
    let setup = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/setup",
            access,
            Some(json!({})),
        )
        .await;
    assert_eq!(setup.status(), 200);
    let setup = json(setup).await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let uri = setup["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Gatehouse:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")));
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));

    let confirmed = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/confirm",
            access,
            Some(json!({"code": code_for(&secret, 0)})),
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    let codes: Vec<String> =
        serde_json::from_value(json(confirmed).await["recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn password_login(app: &TestApp, login: &str) -> Value {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            json!({"login": login, "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    json(response).await
}

async fn mfa_verify(app: &TestApp, token: &str, code: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/mfa/verify",
        json!({"mfa_token": token, "code": code}),
    )
    .await
}

async fn me(app: &TestApp, access: &str) -> Value {
    let response = app.authed(Method::GET, "/api/v1/me", access, None).await;
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_then_sign_in_needs_the_app_code() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    assert_eq!(me(&app, &access).await["mfa_enabled"], false);

    // Setting up alone changes nothing; a wrong code does not confirm.
    let setup = json(
        app.authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/setup",
            &access,
            Some(json!({})),
        )
        .await,
    )
    .await;
    let wrong = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/confirm",
            &access,
            Some(json!({"code": code_for(setup["secret"].as_str().unwrap(), 5)})),
        )
        .await;
    let body = assert_envelope(wrong, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["code"].is_string());
    assert!(password_login(&app, "ada").await["access_token"].is_string());

    // A second setup replaces the unconfirmed secret; confirming turns it on.
    let (secret, _codes) = enrol(&app, &access).await;
    assert_eq!(me(&app, &access).await["mfa_enabled"], true);
    let again = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/setup",
            &access,
            Some(json!({})),
        )
        .await;
    assert_envelope(again, 409, "mfa_already_enabled").await;

    // Now the password alone gets a challenge, not tokens.
    let challenge = password_login(&app, "ada@example.org").await;
    assert_eq!(challenge["mfa_required"], true);
    assert!(challenge.get("access_token").is_none(), "{challenge}");
    let token = challenge["mfa_token"].as_str().unwrap();

    // The code accepted at confirmation cannot be replayed; the next step's can.
    let replay = mfa_verify(&app, token, &code_for(&secret, 0)).await;
    assert_envelope(replay, 401, "invalid_credentials").await;
    let signed_in = mfa_verify(&app, token, &code_for(&secret, 1)).await;
    assert_eq!(signed_in.status(), 200);
    let tokens = json(signed_in).await;
    let access = tokens["access_token"].as_str().unwrap();
    let claims = app.state.keys.verify(access).await.unwrap();
    assert!(claims.mfa, "the token says a second factor was used");

    // The challenge is single use.
    let reused = mfa_verify(&app, token, &code_for(&secret, 1)).await;
    assert_envelope(reused, 401, "invalid_credentials").await;

    // The refreshed token still says so.
    let refreshed = json(
        app.post_json(
            "/api/v1/auth/refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await,
    )
    .await;
    let claims = app
        .state
        .keys
        .verify(refreshed["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert!(claims.mfa);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_work_once_each() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let (_secret, codes) = enrol(&app, &access).await;

    let token = password_login(&app, "ada").await["mfa_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Typed in capitals with a space instead of the dash: still the code.
    let typed = codes[3].to_uppercase().replace('-', " ");
    assert_eq!(mfa_verify(&app, &token, &typed).await.status(), 200);

    let token = password_login(&app, "ada").await["mfa_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = mfa_verify(&app, &token, &codes[3]).await;
    assert_envelope(used, 401, "invalid_credentials").await;
    assert_eq!(mfa_verify(&app, &token, &codes[4]).await.status(), 200);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_close_the_challenge() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let (secret, _) = enrol(&app, &access).await;
    let token = password_login(&app, "ada").await["mfa_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..5 {
        let wrong = mfa_verify(&app, &token, "000000").await;
        assert_envelope(wrong, 401, "invalid_credentials").await;
    }
    // The challenge is used up (a sixth try would also meet the throttle's 429).
    let mut conn = app.db.pool().get().await.unwrap();
    let open: i64 = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT count(*) AS count FROM one_time_tokens
              WHERE purpose = 'mfa_challenge' AND used_at IS NULL",
        )
        .into_boxed::<diesel::pg::Pg>(),
        &mut conn,
    )
    .await
    .map(|row: Count| row.count)
    .unwrap();
    assert_eq!(open, 0);
    // Even the right code is refused now (asked directly: over HTTP the throttle
    // would answer a sixth try from this address with 429 first).
    let late = gatehouse::identity::mfa::verify(&mut conn, &token, &code_for(&secret, 1)).await;
    assert!(matches!(
        late,
        Err(gatehouse::error::AppError::InvalidCredentials)
    ));
    // Unknown challenges get the same answer.
    let unknown = mfa_verify(&app, "not-a-challenge", &code_for(&secret, 1)).await;
    assert_envelope(unknown, 401, "invalid_credentials").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emailed_code_sign_in_also_asks_for_the_second_factor() {
    let app = TestApp::spawn().await;
    let (user_id, _) = app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    enrol(&app, &access).await;
    let mut conn = app.db.pool().get().await.unwrap();
    let code = gatehouse::identity::one_time::issue_code(
        &mut conn,
        gatehouse::identity::one_time::Purpose::LoginCode,
        Some(user_id),
        "ada@example.org",
    )
    .await
    .unwrap();
    let answer = app
        .post_json(
            "/api/v1/auth/code/verify",
            json!({"email": "ada@example.org", "code": code}),
        )
        .await;
    assert_eq!(answer.status(), 200);
    let body = json(answer).await;
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(body.get("access_token").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_it_off_needs_the_password() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    enrol(&app, &access).await;

    let missing = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/disable",
            &access,
            Some(json!({})),
        )
        .await;
    let body = assert_envelope(missing, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["password"], "is required");
    let wrong = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/disable",
            &access,
            Some(json!({"password": "not the password"})),
        )
        .await;
    assert_envelope(wrong, 422, "validation_failed").await;
    assert_eq!(me(&app, &access).await["mfa_enabled"], true);

    let off = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/disable",
            &access,
            Some(json!({"password": TEST_PASSWORD})),
        )
        .await;
    assert_eq!(off.status(), 204);
    assert_eq!(me(&app, &access).await["mfa_enabled"], false);
    assert!(password_login(&app, "ada").await["access_token"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_endpoints_need_a_signed_in_user_and_well_formed_bodies() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/auth/mfa/totp/setup",
        "/api/v1/auth/mfa/totp/confirm",
        "/api/v1/auth/mfa/totp/disable",
    ] {
        let response = app.post_json(path, json!({})).await;
        assert_envelope(response, 401, "unauthorized").await;
    }
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let extra = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/setup",
            &access,
            Some(json!({"secret": "mine"})),
        )
        .await;
    assert_envelope(extra, 422, "validation_failed").await;
    let early = app
        .authed(
            Method::POST,
            "/api/v1/auth/mfa/totp/confirm",
            &access,
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_envelope(early, 409, "mfa_setup_missing").await;
    let shapeless = app
        .post_json("/api/v1/auth/mfa/verify", json!({"mfa_token": 5}))
        .await;
    assert_envelope(shapeless, 422, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_need_a_second_factor_for_the_admin_api() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.create_user("ada@example.org", "ada").await;
    app.create_user("bob@example.org", "bob").await;
    let mut conn = app.db.pool().get().await.unwrap();
    gatehouse::db::identity::set_staff(&mut conn, ada, Some("admin"))
        .await
        .unwrap();

    let (bob, _) = app.sign_in("bob").await;
    let refused = app
        .authed(Method::GET, "/api/v1/admin/jobs/dead", &bob, None)
        .await;
    assert_envelope(refused, 403, "forbidden").await;

    let (access, _) = app.sign_in("ada").await;
    let profile = me(&app, &access).await;
    assert_eq!(profile["staff"], true);
    assert_eq!(profile["mfa_required"], true);
    let without = app
        .authed(Method::GET, "/api/v1/admin/jobs/dead", &access, None)
        .await;
    assert_envelope(without, 403, "mfa_required").await;

    let (secret, _) = enrol(&app, &access).await;
    // The session that enrolled did not sign in with the second factor.
    let still = app
        .authed(Method::GET, "/api/v1/admin/jobs/dead", &access, None)
        .await;
    assert_envelope(still, 403, "mfa_required").await;

    let token = password_login(&app, "ada").await["mfa_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tokens = json(mfa_verify(&app, &token, &code_for(&secret, 1)).await).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(me(&app, access).await["mfa_required"], false);
    let allowed = app
        .authed(Method::GET, "/api/v1/admin/jobs/dead", access, None)
        .await;
    assert_eq!(allowed.status(), 200);
    assert_eq!(json(allowed).await["jobs"], json!([]));
    let not_dead = app
        .authed(Method::POST, "/api/v1/admin/jobs/12345/retry", access, None)
        .await;
    assert_envelope(not_dead, 409, "job_not_dead").await;
}
