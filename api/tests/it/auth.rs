//! Sign-in, sessions and access tokens, through HTTP against real PostgreSQL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse::db::identity as q;
use gatehouse::identity::keys;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{assert_envelope, json, TestApp, TEST_PASSWORD};

const PASSWORD: &str = TEST_PASSWORD;

struct Person {
    id: Uuid,
    account: Uuid,
}

async fn person(app: &TestApp, email: &str, username: &str) -> Person {
    let (id, account) = app.create_user(email, username).await;
    Person { id, account }
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.post_json(path, body).await
}

async fn login(app: &TestApp, login: &str, password: &str) -> reqwest::Response {
    post(
        app,
        "/api/v1/auth/login",
        json!({"login": login, "password": password}),
    )
    .await
}

async fn tokens(app: &TestApp, login_name: &str) -> (String, String) {
    app.sign_in(login_name).await
}

async fn me(app: &TestApp, access: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    post(app, "/api/v1/auth/refresh", json!({"refresh_token": token})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_by_email_or_username_opens_me_for_the_personal_account() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada@example.org", "Ada_L").await;
    for name in ["ada@example.org", "  ADA@Example.org ", "ada_l", "Ada_L"] {
        let (access, refresh_token) = tokens(&app, name).await;
        assert!(refresh_token.len() >= 40);
        let response = me(&app, &access).await;
        assert_eq!(response.status(), 200, "{name}");
        let body = json(response).await;
        assert_eq!(body["id"], ada.id.to_string());
        assert_eq!(body["account_id"], ada.account.to_string());
        assert_eq!(body["email"], "ada@example.org");
        assert_eq!(body["email_verified"], false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let wrong = login(&app, "ada@example.org", "not the password").await;
    let unknown = login(&app, "nobody@example.org", "not the password").await;
    let wrong_status = wrong.status();
    let unknown_status = unknown.status();
    let wrong_body = assert_envelope(wrong, 401, "invalid_credentials").await;
    let unknown_body = assert_envelope(unknown, 401, "invalid_credentials").await;
    assert_eq!(wrong_status, unknown_status);
    assert_eq!(wrong_body, unknown_body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_login_bodies_are_refused_in_the_envelope() {
    let app = TestApp::spawn().await;
    let missing = post(&app, "/api/v1/auth/login", json!({"login": "ada"})).await;
    let body = assert_envelope(missing, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["password"], "is required");
    let extra = post(
        &app,
        "/api/v1/auth/login",
        json!({"login": "a", "password": "b", "admin": true}),
    )
    .await;
    let body = assert_envelope(extra, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["admin"], "is not allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_session() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let (_, first) = tokens(&app, "ada").await;
    let rotated = json(refresh(&app, &first).await).await;
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        me(&app, rotated["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );

    // Replay the first token after the reuse window: theft.
    {
        let mut conn = app.db.pool().get().await.unwrap();
        use diesel_async::RunQueryDsl;
        diesel::sql_query(
            "UPDATE refresh_tokens SET rotated_at = rotated_at - interval '1 minute'",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    assert_envelope(refresh(&app, &first).await, 401, "unauthorized").await;
    // The thief's replay also ended the legitimate holder's session.
    assert_envelope(refresh(&app, &second).await, 401, "unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_refreshing_the_same_token_at_once_both_succeed() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let (_, token) = tokens(&app, "ada").await;
    let (a, b) = tokio::join!(refresh(&app, &token), refresh(&app, &token));
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200);
    let a = json(a).await["refresh_token"].as_str().unwrap().to_owned();
    let b = json(b).await["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(a, b);
    // No theft alarm: both successors keep working.
    assert_eq!(refresh(&app, &a).await.status(), 200);
    assert_eq!(refresh(&app, &b).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_one_session_and_logout_everywhere_ends_all() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let (laptop_access, laptop) = tokens(&app, "ada").await;
    let (_, phone) = tokens(&app, "ada").await;
    let (tablet_access, tablet) = tokens(&app, "ada").await;
    let out = post(
        &app,
        "/api/v1/auth/logout",
        json!({"refresh_token": laptop}),
    )
    .await;
    assert_eq!(out.status(), 204);
    assert_eq!(refresh(&app, &laptop).await.status(), 401);
    // Gatehouse's own API refuses the ended session's access token at once.
    assert_eq!(me(&app, &laptop_access).await.status(), 401);
    let phone = json(refresh(&app, &phone).await).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let all = post(
        &app,
        "/api/v1/auth/logout",
        json!({"refresh_token": phone, "everywhere": true}),
    )
    .await;
    assert_eq!(all.status(), 204);
    assert_eq!(refresh(&app, &phone).await.status(), 401);
    assert_eq!(refresh(&app, &tablet).await.status(), 401);
    assert_eq!(me(&app, &tablet_access).await.status(), 401);
    // Logging out again is harmless.
    let again = post(&app, "/api/v1/auth/logout", json!({"refresh_token": phone})).await;
    assert_eq!(again.status(), 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_get_the_refresh_token_only_as_an_http_only_cookie() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let response = post(
        &app,
        "/api/v1/auth/login",
        json!({"login": "ada", "password": PASSWORD, "use_cookie": true}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in [
        "gatehouse_refresh=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/auth",
    ] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    let body = json(response).await;
    assert!(body.get("refresh_token").is_none(), "{body}");

    let value = cookie.split(';').next().unwrap().to_owned();
    let refreshed = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", &value)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    assert!(refreshed.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    assert!(json(refreshed).await.get("refresh_token").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_user_is_refused_at_login_refresh_and_me() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada@example.org", "ada").await;
    let (access, refresh_token) = tokens(&app, "ada").await;
    {
        let mut conn = app.db.pool().get().await.unwrap();
        use diesel_async::RunQueryDsl;
        diesel::sql_query("UPDATE users SET deactivated_at = now() WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(ada.id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert_envelope(
        login(&app, "ada", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_envelope(refresh(&app, &refresh_token).await, 401, "unauthorized").await;
    assert_envelope(me(&app, &access).await, 401, "unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_password_hash_is_upgraded_at_login() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada@example.org", "ada").await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::encode_b64(b"0123456789abcdef").unwrap(),
    )
    .unwrap()
    .to_string();
    let mut conn = app.db.pool().get().await.unwrap();
    q::set_password_hash(&mut conn, ada.id, &weak)
        .await
        .unwrap();
    assert_eq!(login(&app, "ada", PASSWORD).await.status(), 200);
    let stored = q::find_user(&mut conn, ada.id)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    assert!(stored.contains("m=19456,t=2,p=1"), "{stored}");
    assert_eq!(login(&app, "ada", PASSWORD).await.status(), 200);
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_stale_access_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let ada = person(&app, "ada@example.org", "ada").await;
    let (access, _) = tokens(&app, "ada").await;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let kid = header["kid"].as_str().unwrap().to_owned();
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["sub"], ada.id.to_string());
    assert_eq!(payload["acc"], ada.account.to_string());
    assert_eq!(payload["roles"], json!(["owner"]));
    assert_eq!(payload["ent"], json!([]));
    assert_eq!(payload["iss"], "http://gatehouse.test");
    assert_eq!(payload["aud"], "gatehouse");

    // The real private key, to sign tokens that are well-formed but wrong.
    let mut conn = app.db.pool().get().await.unwrap();
    let key = q::signing_keys(&mut conn, chrono::Utc::now())
        .await
        .unwrap()
        .remove(0);
    let signer = EncodingKey::from_ed_der(&key.private_pkcs8);
    let mut signed_header = Header::new(Algorithm::EdDSA);
    signed_header.kid = Some(kid.clone());
    let sign = |claims: &Value| jsonwebtoken::encode(&signed_header, claims, &signer).unwrap();
    let with = |field: &str, value: Value| {
        let mut claims = payload.clone();
        claims[field] = value;
        sign(&claims)
    };

    let (head, body, signature) = {
        let mut parts = access.split('.');
        (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        )
    };
    let mut hs256_header = Header::new(Algorithm::HS256);
    hs256_header.kid = Some(kid.clone());
    let mut unknown_kid = Header::new(Algorithm::EdDSA);
    unknown_kid.kid = Some("no-such-key".into());
    let mut tampered = payload.clone();
    tampered["sub"] = json!(Uuid::new_v4().to_string());

    let forged = [
        (
            "alg none",
            format!(
                "{}.{body}.",
                b64(&json!({"alg": "none", "typ": "JWT", "kid": kid}))
            ),
        ),
        ("stripped signature", format!("{head}.{body}.")),
        (
            "signature of another payload",
            format!("{head}.{}.{signature}", b64(&tampered)),
        ),
        (
            "HS256 keyed with the public key",
            jsonwebtoken::encode(
                &hs256_header,
                &payload,
                &EncodingKey::from_secret(&key.public_key),
            )
            .unwrap(),
        ),
        (
            "unknown kid",
            jsonwebtoken::encode(&unknown_kid, &payload, &signer).unwrap(),
        ),
        (
            "expired",
            with("exp", json!(chrono::Utc::now().timestamp() - 60)),
        ),
        ("wrong audience", with("aud", json!("someone-else"))),
        ("wrong issuer", with("iss", json!("https://evil.example"))),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in forged {
        let response = me(&app, &token).await;
        assert_eq!(response.status(), 401, "{what} was accepted");
        assert_envelope(response, 401, "unauthorized").await;
    }
    // The control: a correctly signed copy of the claims is accepted.
    assert_eq!(me(&app, &sign(&payload)).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_verify_tokens_offline_with_the_jwks_and_rotation_keeps_old_tokens_valid() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let (before, _) = tokens(&app, "ada").await;

    let verify_with_jwks = |jwks: &Value, token: &str| {
        let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("the signing key is published");
        assert_eq!(
            (
                jwk["kty"].as_str(),
                jwk["crv"].as_str(),
                jwk["alg"].as_str()
            ),
            (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
        );
        let key = DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&["gatehouse"]);
        validation.set_issuer(&["http://gatehouse.test"]);
        jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok()
    };
    let jwks = json(app.get("/.well-known/jwks.json").await).await;
    assert!(verify_with_jwks(&jwks, &before));

    let mut conn = app.db.pool().get().await.unwrap();
    let new_kid = keys::rotate(&mut conn).await.unwrap();
    app.state.keys.reload().await.unwrap();
    let (after, _) = tokens(&app, "ada").await;
    assert_eq!(
        jsonwebtoken::decode_header(&after).unwrap().kid.unwrap(),
        new_kid
    );
    let jwks = json(app.get("/.well-known/jwks.json").await).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "{jwks}");
    assert!(
        verify_with_jwks(&jwks, &before),
        "the retired key still verifies"
    );
    assert!(verify_with_jwks(&jwks, &after));
    assert_eq!(me(&app, &before).await.status(), 200);
    assert_eq!(me(&app, &after).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_without_a_token_is_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/me").await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_envelope(response, 401, "unauthorized").await;
}

/// A client whose connections come from `ip` (any 127.x address reaches the server).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    login: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_one_account_is_throttled_but_its_owner_still_signs_in_from_elsewhere() {
    let app = TestApp::spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let attacker = client_from("127.0.0.2");
    for _ in 0..5 {
        let response = login_from(&app, &attacker, "ada", "guess").await;
        assert_eq!(response.status(), 401);
    }
    let blocked = login_from(&app, &attacker, "ADA", "guess").await;
    let retry_after: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_envelope(blocked, 429, "rate_limited").await;
    // Even the right password waits: the bucket is about the address, not the guess.
    assert_eq!(
        login_from(&app, &attacker, "ada", PASSWORD).await.status(),
        429
    );

    let owner = client_from("127.0.0.3");
    assert_eq!(
        login_from(&app, &owner, "ada", PASSWORD).await.status(),
        200
    );
    // The attacker may still try other names, until the per-address budget runs out.
    assert_eq!(
        login_from(&app, &attacker, "grace", "guess").await.status(),
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_limits_follow_the_forwarded_address() {
    let app = TestApp::builder().behind_a_local_proxy().spawn().await;
    person(&app, "ada@example.org", "ada").await;
    let through_proxy = |client: &str, password: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            // A client-written entry first, then the address the proxy saw.
            .header("x-forwarded-for", format!("127.0.0.1, {client}"))
            .json(&json!({"login": "ada", "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            through_proxy("203.0.113.7", "guess")
                .await
                .unwrap()
                .status(),
            401
        );
    }
    assert_eq!(
        through_proxy("203.0.113.7", PASSWORD)
            .await
            .unwrap()
            .status(),
        429
    );
    // Everyone else behind the same proxy is not locked out with the attacker.
    assert_eq!(
        through_proxy("198.51.100.2", PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );

    // Without trusting the proxy, the header is ignored: one client, one bucket.
    let direct = TestApp::spawn().await;
    person(&direct, "ada@example.org", "ada").await;
    for i in 0..5 {
        let response = direct
            .client
            .post(direct.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&json!({"login": "ada", "password": "guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let spoofed = direct
        .client
        .post(direct.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.99")
        .json(&json!({"login": "ada", "password": "guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spraying_many_accounts_from_one_address_is_throttled() {
    let app = TestApp::spawn().await;
    let sprayer = client_from("127.0.0.4");
    for i in 0..30 {
        let response = login_from(&app, &sprayer, &format!("user{i}"), "guess").await;
        assert_eq!(response.status(), 401, "attempt {i}");
    }
    assert_envelope(
        login_from(&app, &sprayer, "user30", "guess").await,
        429,
        "rate_limited",
    )
    .await;
    let elsewhere = client_from("127.0.0.5");
    assert_eq!(
        login_from(&app, &elsewhere, "user30", "guess")
            .await
            .status(),
        401
    );
}
