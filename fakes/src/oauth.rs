//! Fake Google and GitHub OAuth 2.0 providers (authorization code + PKCE S256).
//!
//! Routes, under `/google` and `/github`:
//! - `GET  …/authorize`: the consent page (a form: email, names, whether the provider
//!   verified the address); `POST …/authorize` answers it and redirects to the client's
//!   `redirect_uri` with `code` and `state` (or `error=access_denied`).
//! - Google: `POST /google/token` (form) → `{access_token, token_type, expires_in, …}`
//!   or 400 `{"error": "invalid_grant"}`; `GET /google/userinfo` (OpenID Connect).
//! - GitHub: `POST /github/login/oauth/access_token` → JSON (when asked for it) with
//!   `access_token`, or, like GitHub, **200** with `{"error": "bad_verification_code"}`;
//!   `GET /github/api/user` and `GET /github/api/user/emails`.
//!
//! The token endpoints check the client id and secret, the redirect URI, that the code
//! is unused and unexpired, and that `code_verifier` hashes to the `code_challenge`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "gatehouse-fake-client";
pub const CLIENT_SECRET: &str = "gatehouse-fake-secret";
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// Who signs in at the fake provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub email: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    /// Whether the provider vouches for the address.
    #[serde(default)]
    pub email_verified: bool,
}

impl Person {
    /// The provider's stable id for the person: derived from the address, so the same
    /// address is the same account across runs.
    pub fn subject(&self, provider: &str) -> String {
        let digest = Sha256::digest(format!("{provider}:{}", self.email.to_lowercase()));
        let number = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) >> 12;
        number.to_string()
    }
}

struct Grant {
    provider: &'static str,
    person: Person,
    redirect_uri: String,
    challenge: String,
    issued: Instant,
}

#[derive(Default)]
struct Store {
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, (&'static str, Person)>,
    /// Token requests seen, for tests to inspect.
    token_requests: Vec<HashMap<String, String>>,
}

/// The fake providers' shared state; clone freely.
#[derive(Clone, Default)]
pub struct FakeOAuth {
    store: Arc<Mutex<Store>>,
}

impl FakeOAuth {
    /// Starts serving on `listener`.
    pub fn serve(&self, listener: std::net::TcpListener) -> std::io::Result<Server> {
        let this = self.clone();
        Ok(HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(this.clone()))
                .route("/{provider}/authorize", web::get().to(consent_page))
                .route("/{provider}/authorize", web::post().to(consent))
                .route("/google/token", web::post().to(google_token))
                .route("/google/userinfo", web::get().to(google_userinfo))
                .route(
                    "/github/login/oauth/access_token",
                    web::post().to(github_token),
                )
                .route("/github/api/user", web::get().to(github_user))
                .route("/github/api/user/emails", web::get().to(github_emails))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run())
    }

    /// Spawns a server on a free local port; returns its base URL.
    pub fn spawn(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let server = self.serve(listener).expect("the fake OAuth server starts");
        tokio::spawn(server);
        base
    }

    /// The environment that points Gatehouse at this fake served at `base`.
    pub fn gatehouse_env(&self, base: &str) -> Vec<(String, String)> {
        let mut env = Vec::new();
        for (provider, urls) in [
            (
                "GOOGLE",
                vec![
                    ("AUTHORIZE_URL", format!("{base}/google/authorize")),
                    ("TOKEN_URL", format!("{base}/google/token")),
                    ("USERINFO_URL", format!("{base}/google/userinfo")),
                ],
            ),
            (
                "GITHUB",
                vec![
                    ("AUTHORIZE_URL", format!("{base}/github/authorize")),
                    (
                        "TOKEN_URL",
                        format!("{base}/github/login/oauth/access_token"),
                    ),
                    ("API_URL", format!("{base}/github/api/")),
                ],
            ),
        ] {
            env.push((
                format!("GATEHOUSE_OAUTH_{provider}_CLIENT_ID"),
                CLIENT_ID.to_owned(),
            ));
            env.push((
                format!("GATEHOUSE_OAUTH_{provider}_CLIENT_SECRET"),
                CLIENT_SECRET.to_owned(),
            ));
            for (key, url) in urls {
                env.push((format!("GATEHOUSE_OAUTH_{provider}_{key}"), url));
            }
        }
        env
    }

    /// The form fields of every token request so far.
    pub fn token_requests(&self) -> Vec<HashMap<String, String>> {
        self.store
            .lock()
            .expect("not poisoned")
            .token_requests
            .clone()
    }
}

fn provider_key(name: &str) -> Option<&'static str> {
    match name {
        "google" => Some("google"),
        "github" => Some("github"),
        _ => None,
    }
}

fn random_token() -> String {
    let bytes: [u8; 24] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The authorization request as the client sends it.
#[derive(Debug, Clone, Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    #[serde(default)]
    scope: String,
}

impl AuthorizeQuery {
    fn problem(&self) -> Option<&'static str> {
        if self.client_id != CLIENT_ID {
            Some("unknown client_id")
        } else if self.response_type != "code" {
            Some("response_type must be code")
        } else if self.code_challenge_method != "S256" || self.code_challenge.len() < 43 {
            Some("a S256 code_challenge is required")
        } else if url::Url::parse(&self.redirect_uri).is_err() {
            Some("redirect_uri must be a URL")
        } else {
            None
        }
    }
}

async fn consent_page(path: web::Path<String>, query: web::Query<AuthorizeQuery>) -> HttpResponse {
    let Some(provider) = provider_key(&path) else {
        return HttpResponse::NotFound().finish();
    };
    if let Some(problem) = query.problem() {
        return HttpResponse::BadRequest().body(problem);
    }
    let hidden: String = [
        ("response_type", &query.response_type),
        ("client_id", &query.client_id),
        ("redirect_uri", &query.redirect_uri),
        ("state", &query.state),
        ("code_challenge", &query.code_challenge),
        ("code_challenge_method", &query.code_challenge_method),
        ("scope", &query.scope),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            escape(value)
        )
    })
    .collect();
    let title = if provider == "google" {
        "Google"
    } else {
        "GitHub"
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake {title} sign-in</title></head>
<body style="font-family:system-ui;max-width:28rem;margin:2rem auto;padding:0 1rem">
<h1>Fake {title}</h1>
<p>A stand-in for {title} on this machine. Say who you are.</p>
<form method="post">{hidden}
<p><label>Email <input name="email" type="email" required autocomplete="email"></label></p>
<p><label>First name <input name="given_name"></label></p>
<p><label>Last name <input name="family_name"></label></p>
<p><label><input type="checkbox" name="email_verified" value="true" checked> {title} has verified this address</label></p>
<p><button name="decision" value="allow">Continue</button>
<button name="decision" value="deny">Cancel</button></p>
</form></body></html>"#
        ))
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    #[serde(flatten)]
    request: AuthorizeQuery,
    #[serde(default)]
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    email_verified: Option<String>,
    #[serde(default)]
    decision: Option<String>,
}

async fn consent(
    fake: web::Data<FakeOAuth>,
    path: web::Path<String>,
    form: web::Form<ConsentForm>,
) -> HttpResponse {
    let Some(provider) = provider_key(&path) else {
        return HttpResponse::NotFound().finish();
    };
    let form = form.into_inner();
    if let Some(problem) = form.request.problem() {
        return HttpResponse::BadRequest().body(problem);
    }
    let mut target = url::Url::parse(&form.request.redirect_uri).expect("checked");
    if form.decision.as_deref() == Some("deny") {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("state", &form.request.state);
    } else {
        if !form.email.contains('@') {
            return HttpResponse::BadRequest().body("an email address is required");
        }
        let code = random_token();
        fake.store.lock().expect("not poisoned").codes.insert(
            code.clone(),
            Grant {
                provider,
                person: Person {
                    email: form.email.trim().to_owned(),
                    given_name: form.given_name.trim().to_owned(),
                    family_name: form.family_name.trim().to_owned(),
                    email_verified: form.email_verified.as_deref() == Some("true"),
                },
                redirect_uri: form.request.redirect_uri.clone(),
                challenge: form.request.code_challenge.clone(),
                issued: Instant::now(),
            },
        );
        target
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &form.request.state);
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, target.to_string()))
        .finish()
}

/// Checks a token request; the person on success, else the OAuth error code.
fn redeem(
    fake: &FakeOAuth,
    provider: &'static str,
    form: &HashMap<String, String>,
) -> Result<String, &'static str> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut store = fake.store.lock().expect("not poisoned");
    store.token_requests.push(form.clone());
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return Err("invalid_client");
    }
    if field("grant_type") != "authorization_code" {
        return Err("unsupported_grant_type");
    }
    // A code works once, whatever happens next.
    let grant = store.codes.remove(field("code")).ok_or("invalid_grant")?;
    let verifier_hash = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier")));
    if grant.provider != provider
        || grant.issued.elapsed() > CODE_LIFETIME
        || grant.redirect_uri != field("redirect_uri")
        || verifier_hash != grant.challenge
    {
        return Err("invalid_grant");
    }
    let token = random_token();
    store.tokens.insert(token.clone(), (provider, grant.person));
    Ok(token)
}

async fn google_token(
    fake: web::Data<FakeOAuth>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    match redeem(&fake, "google", &form) {
        Ok(token) => HttpResponse::Ok().json(serde_json::json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3599,
            "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
        })),
        Err(error) => HttpResponse::BadRequest().json(serde_json::json!({
            "error": error,
            "error_description": "Bad Request",
        })),
    }
}

async fn github_token(
    fake: web::Data<FakeOAuth>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let body = match redeem(&fake, "github", &form) {
        Ok(token) => serde_json::json!({
            "access_token": token,
            "token_type": "bearer",
            "scope": "read:user,user:email",
        }),
        // GitHub answers a bad code with 200 and an error in the body.
        Err(error) => serde_json::json!({
            "error": if error == "invalid_grant" { "bad_verification_code" } else { error },
            "error_description": "The code passed is incorrect or expired.",
        }),
    };
    if wants_json {
        HttpResponse::Ok().json(body)
    } else {
        let encoded: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                body.as_object()
                    .expect("an object")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())),
            )
            .finish();
        HttpResponse::Ok()
            .content_type("application/x-www-form-urlencoded")
            .body(encoded)
    }
}

fn bearer_person(fake: &FakeOAuth, req: &HttpRequest, provider: &str) -> Option<Person> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')
        .map(|(_, token)| token.trim().to_owned())?;
    let store = fake.store.lock().expect("not poisoned");
    let (issued_for, person) = store.tokens.get(&token)?;
    (*issued_for == provider).then(|| person.clone())
}

fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized().json(serde_json::json!({"message": "Bad credentials"}))
}

async fn google_userinfo(fake: web::Data<FakeOAuth>, req: HttpRequest) -> HttpResponse {
    let Some(person) = bearer_person(&fake, &req, "google") else {
        return unauthorized();
    };
    HttpResponse::Ok().json(serde_json::json!({
        "sub": person.subject("google"),
        "name": format!("{} {}", person.given_name, person.family_name).trim(),
        "given_name": person.given_name,
        "family_name": person.family_name,
        "picture": "https://lh3.googleusercontent.com/a/default-user",
        "email": person.email,
        "email_verified": person.email_verified,
    }))
}

fn github_login(person: &Person) -> String {
    person
        .email
        .split('@')
        .next()
        .unwrap_or("octocat")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

async fn github_user(fake: web::Data<FakeOAuth>, req: HttpRequest) -> HttpResponse {
    let Some(person) = bearer_person(&fake, &req, "github") else {
        return unauthorized();
    };
    if req.headers().get(header::USER_AGENT).is_none() {
        // GitHub refuses API requests without a User-Agent.
        return HttpResponse::Forbidden().json(serde_json::json!({
            "message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
        }));
    }
    let id: u64 = person.subject("github").parse().expect("digits");
    let name = format!("{} {}", person.given_name, person.family_name);
    HttpResponse::Ok().json(serde_json::json!({
        "login": github_login(&person),
        "id": id,
        "node_id": format!("U_fake{id}"),
        "type": "User",
        "name": if name.trim().is_empty() { serde_json::Value::Null } else { name.trim().into() },
        // The public profile address is often hidden; the emails endpoint has them all.
        "email": serde_json::Value::Null,
    }))
}

async fn github_emails(fake: web::Data<FakeOAuth>, req: HttpRequest) -> HttpResponse {
    let Some(person) = bearer_person(&fake, &req, "github") else {
        return unauthorized();
    };
    HttpResponse::Ok().json(serde_json::json!([
        {
            "email": format!("{}@users.noreply.github.com", github_login(&person)),
            "primary": false,
            "verified": true,
            "visibility": null,
        },
        {
            "email": person.email,
            "primary": true,
            "verified": person.email_verified,
            "visibility": "private",
        },
    ]))
}
