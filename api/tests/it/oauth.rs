//! Signing in through Google and GitHub against the fake providers, which speak their
//! wire formats and check PKCE, client credentials and redirect URIs like the real ones.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel_async::RunQueryDsl;
use gatehouse_fakes::oauth::{FakeOAuth, Person};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::harness::{assert_envelope, json, TestApp};

struct Providers {
    app: TestApp,
    fake: FakeOAuth,
}

async fn spawn() -> Providers {
    let fake = FakeOAuth::default();
    let base = fake.spawn();
    let app = TestApp::builder()
        .oauth_env(fake.gatehouse_env(&base))
        .spawn()
        .await;
    Providers { app, fake }
}

fn person(email: &str, verified: bool) -> Person {
    Person {
        email: email.to_owned(),
        given_name: "Grace".to_owned(),
        family_name: "Hopper".to_owned(),
        email_verified: verified,
    }
}

fn location(response: &reqwest::Response) -> url::Url {
    assert_eq!(response.status(), 302, "a redirect");
    let raw = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    url::Url::parse(raw).unwrap()
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap()[name.len() + 1..].to_owned())
}

/// `start`: the provider's URL and the state cookie.
async fn start(app: &TestApp, provider: &str, next: &str) -> (url::Url, String) {
    let response = app
        .get(&format!("/api/v1/auth/oauth/{provider}/start?next={next}"))
        .await;
    let to = location(&response);
    let state = cookie(&response, "gatehouse_oauth_state").expect("a state cookie");
    (to, state)
}

/// The person answers the consent page; returns where the provider sends the browser.
async fn consent(app: &TestApp, authorize: &url::Url, who: &Person, decision: &str) -> url::Url {
    let mut form: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    form.insert("email".into(), who.email.clone());
    form.insert("given_name".into(), who.given_name.clone());
    form.insert("family_name".into(), who.family_name.clone());
    if who.email_verified {
        form.insert("email_verified".into(), "true".into());
    }
    form.insert("decision".into(), decision.into());
    let mut post_to = authorize.clone();
    post_to.set_query(None);
    let response = app.client.post(post_to).form(&form).send().await.unwrap();
    location(&response)
}

/// The browser arrives back at Gatehouse (public URL rewritten to the test server).
async fn arrive(
    app: &TestApp,
    callback: &url::Url,
    state_cookie: Option<&str>,
) -> reqwest::Response {
    let path = format!(
        "{}?{}",
        callback.path(),
        callback.query().unwrap_or_default()
    );
    let mut request = app.client.get(app.url(&path));
    if let Some(state) = state_cookie {
        request = request.header("cookie", format!("gatehouse_oauth_state={state}"));
    }
    request.send().await.unwrap()
}

/// A whole sign-in; returns Gatehouse's final redirect.
async fn sign_in(p: &Providers, provider: &str, who: &Person) -> reqwest::Response {
    let (authorize, state) = start(&p.app, provider, "/pricing/main").await;
    let back = consent(&p.app, &authorize, who, "allow").await;
    arrive(&p.app, &back, Some(&state)).await
}

/// Uses the refresh cookie of a signed-in redirect, as the SPA does on load.
async fn me_from_cookie(app: &TestApp, response: &reqwest::Response) -> serde_json::Value {
    let refresh = cookie(response, "gatehouse_refresh").expect("the refresh cookie is set");
    let tokens = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("gatehouse_refresh={refresh}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200);
    let access = json(tokens).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    json(app.authed(Method::GET, "/api/v1/me", &access, None).await).await
}

fn oauth_error(response: &reqwest::Response) -> String {
    let to = location(response);
    assert_eq!(to.path(), "/sign-in");
    assert!(
        cookie(response, "gatehouse_refresh").is_none(),
        "nobody signed in"
    );
    to.query_pairs()
        .find(|(k, _)| k == "oauth_error")
        .map(|(_, v)| v.into_owned())
        .expect("an oauth_error")
}

async fn user_count(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("SELECT count(*) AS count FROM users")
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_person_signs_up_with_google_using_pkce() {
    let p = spawn().await;
    let listed = json(p.app.get("/api/v1/auth/oauth/providers").await).await;
    assert_eq!(listed, json!({"providers": ["google", "github"]}));

    let (authorize, state) = start(&p.app, "google", "/pricing/main").await;
    let query: HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(
        query["state"], state,
        "the cookie binds the state to this browser"
    );
    assert_eq!(
        query["redirect_uri"],
        "http://gatehouse.test/api/v1/auth/oauth/google/callback"
    );
    let back = consent(
        &p.app,
        &authorize,
        &person("Grace@Example.org", true),
        "allow",
    )
    .await;
    let arrived = arrive(&p.app, &back, Some(&state)).await;
    assert_eq!(
        location(&arrived).as_str(),
        "http://gatehouse.test/pricing/main"
    );

    // The verifier sent with the code is the one the challenge was made from.
    let requests = p.fake.token_requests();
    assert_eq!(requests.len(), 1);
    let verifier = &requests[0]["code_verifier"];
    assert_eq!(
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        query["code_challenge"]
    );

    let me = me_from_cookie(&p.app, &arrived).await;
    assert_eq!(me["email"], "grace@example.org");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["has_password"], false);
    assert_eq!(me["first_name"], "Grace");
    assert_eq!(me["username"], "grace");
    assert_eq!(me["linked_providers"], json!(["google"]));

    // Signing in again is the same user.
    let again = sign_in(&p, "google", &person("grace@example.org", true)).await;
    assert_eq!(me_from_cookie(&p.app, &again).await["id"], me["id"]);
    assert_eq!(user_count(&p.app).await, 1);
}

/// Found by fuzzing (`fuzz/`, oauth_next): `next=/http:evil.example` passed the check for
/// a path on this site and came back as `Location: http://evil.example/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_naming_another_site_stays_on_this_one() {
    let p = spawn().await;
    let (authorize, state) = start(&p.app, "google", "/http:evil.example").await;
    let back = consent(
        &p.app,
        &authorize,
        &person("ada@example.org", true),
        "allow",
    )
    .await;
    let arrived = arrive(&p.app, &back, Some(&state)).await;
    assert_eq!(
        location(&arrived).as_str(),
        "http://gatehouse.test/http:evil.example"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_links_to_the_verified_account_with_that_address() {
    let p = spawn().await;
    let (user_id, _) = p.app.create_user("ada@example.org", "ada").await;
    let mut conn = p.app.db.pool().get().await.unwrap();
    gatehouse::db::identity::mark_email_verified(&mut conn, user_id)
        .await
        .unwrap();

    let arrived = sign_in(&p, "github", &person("ada@example.org", true)).await;
    let me = me_from_cookie(&p.app, &arrived).await;
    assert_eq!(me["id"], user_id.to_string());
    assert_eq!(me["has_password"], true);
    assert_eq!(me["linked_providers"], json!(["github"]));
    assert_eq!(user_count(&p.app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_addresses_are_never_linked_or_used() {
    let p = spawn().await;
    // Someone registered this address but never confirmed it: maybe not its owner.
    p.app.create_user("ada@example.org", "ada").await;
    let unconfirmed = sign_in(&p, "google", &person("ada@example.org", true)).await;
    assert_eq!(oauth_error(&unconfirmed), "oauth_email_unverified");
    // The provider itself has not verified the address.
    let unverified = sign_in(&p, "github", &person("new@example.org", false)).await;
    assert_eq!(oauth_error(&unverified), "oauth_email_unverified");
    assert_eq!(user_count(&p.app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_from_another_browser_or_used_twice_is_refused() {
    let p = spawn().await;
    let who = person("grace@example.org", true);

    // The attacker's authorization response, delivered to the victim's browser (whose
    // cookie holds its own state): login CSRF.
    let (attacker_authorize, _attacker_state) = start(&p.app, "google", "/account").await;
    let (_victim_authorize, victim_state) = start(&p.app, "google", "/account").await;
    let attackers_callback = consent(&p.app, &attacker_authorize, &who, "allow").await;
    let refused = arrive(&p.app, &attackers_callback, Some(&victim_state)).await;
    assert_eq!(oauth_error(&refused), "oauth_failed");

    // No cookie at all.
    let (authorize, _) = start(&p.app, "google", "/account").await;
    let back = consent(&p.app, &authorize, &who, "allow").await;
    assert_eq!(
        oauth_error(&arrive(&p.app, &back, None).await),
        "oauth_failed"
    );

    // A state works once.
    let (authorize, state) = start(&p.app, "google", "/account").await;
    let back = consent(&p.app, &authorize, &who, "allow").await;
    assert_eq!(
        location(&arrive(&p.app, &back, Some(&state)).await).path(),
        "/account"
    );
    let replay = arrive(&p.app, &back, Some(&state)).await;
    assert_eq!(oauth_error(&replay), "oauth_failed");

    // A state started for one provider does not complete another.
    let (authorize, state) = start(&p.app, "google", "/account").await;
    let back = consent(&p.app, &authorize, &who, "allow").await;
    let mut crossed = back.clone();
    crossed.set_path("/api/v1/auth/oauth/github/callback");
    assert_eq!(
        oauth_error(&arrive(&p.app, &crossed, Some(&state)).await),
        "oauth_failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pkce_verifier_that_does_not_match_is_refused_by_the_provider() {
    let p = spawn().await;
    let (authorize, state) = start(&p.app, "google", "/account").await;
    let back = consent(
        &p.app,
        &authorize,
        &person("grace@example.org", true),
        "allow",
    )
    .await;
    // Whoever holds the code without the verifier (here: a verifier swapped in storage)
    // cannot redeem it.
    let mut conn = p.app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "UPDATE oauth_states SET code_verifier = 'not-the-verifier-that-made-the-challenge-x'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let refused = arrive(&p.app, &back, Some(&state)).await;
    assert_eq!(oauth_error(&refused), "oauth_failed");
    assert_eq!(user_count(&p.app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_at_the_provider_comes_back_as_cancelled() {
    let p = spawn().await;
    let (authorize, state) = start(&p.app, "github", "/account").await;
    let back = consent(
        &p.app,
        &authorize,
        &person("grace@example.org", true),
        "deny",
    )
    .await;
    let refused = arrive(&p.app, &back, Some(&state)).await;
    assert_eq!(oauth_error(&refused), "oauth_cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_with_two_factor_authentication_gets_the_challenge() {
    let p = spawn().await;
    let first = sign_in(&p, "google", &person("grace@example.org", true)).await;
    let user_id: uuid::Uuid = me_from_cookie(&p.app, &first).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let secret = gatehouse::identity::totp::new_secret();
    let mut conn = p.app.db.pool().get().await.unwrap();
    gatehouse::db::mfa::put_unconfirmed_totp(&mut conn, user_id, &secret)
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    gatehouse::db::mfa::accept_totp_step(
        &mut conn,
        user_id,
        gatehouse::identity::totp::step_at(now) - 5,
    )
    .await
    .unwrap();

    let arrived = sign_in(&p, "google", &person("grace@example.org", true)).await;
    assert!(cookie(&arrived, "gatehouse_refresh").is_none());
    let to = location(&arrived);
    assert_eq!(to.path(), "/sign-in");
    assert_eq!(to.query(), Some("next=%2Fpricing%2Fmain"));
    let token = to.fragment().unwrap().strip_prefix("mfa_token=").unwrap();
    let code = gatehouse::identity::totp::code_at(&secret, gatehouse::identity::totp::step_at(now));
    let verified = p
        .app
        .post_json(
            "/api/v1/auth/mfa/verify",
            json!({"mfa_token": token, "code": code}),
        )
        .await;
    assert_eq!(verified.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivated_users_and_unknown_providers_are_refused() {
    let p = spawn().await;
    let first = sign_in(&p, "github", &person("grace@example.org", true)).await;
    let user_id: uuid::Uuid = me_from_cookie(&p.app, &first).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut conn = p.app.db.pool().get().await.unwrap();
    gatehouse::db::identity::deactivate(&mut conn, user_id)
        .await
        .unwrap();
    let refused = sign_in(&p, "github", &person("grace@example.org", true)).await;
    assert_eq!(oauth_error(&refused), "oauth_account_unavailable");

    for path in [
        "/api/v1/auth/oauth/myspace/start",
        "/api/v1/auth/oauth/myspace/callback?code=x&state=y",
    ] {
        assert_envelope(p.app.get(path).await, 404, "not_found").await;
    }
    // Without configuration there are no providers at all.
    let bare = TestApp::spawn().await;
    assert_eq!(
        json(bare.get("/api/v1/auth/oauth/providers").await).await,
        json!({"providers": []})
    );
    assert_envelope(
        bare.get("/api/v1/auth/oauth/google/start").await,
        404,
        "not_found",
    )
    .await;
}
