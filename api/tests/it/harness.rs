//! Test harness: a database per test (cloned from a migrated template) and the real
//! app served over HTTP on a random port.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use gatehouse::config::DatabaseConfig;
use gatehouse::db::{self, Pool};
use gatehouse::http::{ExtraRoutes, HttpSettings};
use gatehouse::server::{self, RunningServer};
use gatehouse::state::{build_redis_pool, AppState, StateSettings};
use secrecy::SecretString;
use tokio::sync::OnceCell;

/// The password of every user made by [`TestApp::create_user`].
pub const TEST_PASSWORD: &str = "correct horse battery";

/// The server the tests use; databases are created on it.
pub fn admin_url() -> String {
    std::env::var("GATEHOUSE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("GATEHOUSE_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn url_for_database(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("GATEHOUSE_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn admin() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url())
        .await
        .expect("PostgreSQL answers at GATEHOUSE_TEST_DATABASE_URL (cargo xtask test starts it)")
}

/// The template's name changes whenever a migration file changes.
fn template_name() -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let dir = workspace_root().join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations directory")
        .flat_map(|entry| {
            let path = entry.expect("entry").path();
            vec![path.join("up.sql"), path.join("down.sql")]
        })
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        file.parent().map(|p| p.file_name()).hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    format!("gatehouse_tpl_{:016x}", hasher.finish())
}

/// Creates the migrated template once; an advisory lock keeps concurrent test
/// processes from racing.
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let mut conn = admin().await;
            diesel::sql_query("SELECT pg_advisory_lock(724270)")
                .execute(&mut conn)
                .await
                .unwrap();
            if !database_exists(&mut conn, &name).await {
                let building = format!("{name}_building");
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                diesel::sql_query(format!("CREATE DATABASE {building}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                db::run_migrations(&url_for_database(&building))
                    .await
                    .expect("migrations apply to an empty database");
                diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            diesel::sql_query("SELECT pg_advisory_unlock(724270)")
                .execute(&mut conn)
                .await
                .unwrap();
            name
        })
        .await
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    use diesel::sql_types::Text;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        one: i32,
    }
    let rows: Vec<Found> = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .load(conn)
        .await
        .unwrap();
    !rows.is_empty()
}

/// A database of this test's own. Names start with `gatehouse_test_`; the test command
/// drops leftovers before each run.
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    /// A migrated database.
    pub async fn migrated() -> Self {
        let template = template().await;
        Self::create(Some(template)).await
    }

    /// An empty database (no migrations applied).
    pub async fn empty() -> Self {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> Self {
        let name = format!("gatehouse_test_{}", uuid::Uuid::new_v4().simple());
        let sql = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        let mut conn = admin().await;
        let mut attempt = 0;
        // Two clones of one template at the same instant can briefly collide.
        while let Err(err) = diesel::sql_query(&sql).execute(&mut conn).await {
            attempt += 1;
            assert!(attempt < 20, "creating {name}: {err}");
            tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
        }
        let url = url_for_database(&name);
        Self { url }
    }

    pub fn config(&self) -> DatabaseConfig {
        DatabaseConfig {
            url: SecretString::from(self.url.clone()),
            pool_size: 8,
            timeout: Duration::from_secs(10),
        }
    }

    pub fn pool(&self) -> Pool {
        db::build_pool(&self.config()).expect("pool")
    }
}

/// Builds a [`TestApp`].
#[derive(Default)]
pub struct TestAppBuilder {
    redis: bool,
    redis_at: Option<String>,
    metrics_token: Option<String>,
    web_dir: Option<PathBuf>,
    extra_routes: Option<ExtraRoutes>,
    max_body_bytes: Option<usize>,
    seeded: bool,
    broken_postgres: bool,
    broken_redis: bool,
    oauth: gatehouse::identity::oauth::OAuthSettings,
    trusted_proxies: Vec<ipnet::IpNet>,
    stripe_webhook_secrets: Vec<String>,
    stripe: Option<gatehouse::billing::stripe_api::StripeApi>,
    api_rates: Option<gatehouse::config::ApiRates>,
    database: Option<TestDb>,
    db_wait: Option<Duration>,
}

impl TestAppBuilder {
    /// On `db` (already migrated) instead of a fresh database of the shared cluster.
    pub fn on_database(mut self, db: TestDb) -> Self {
        self.database = Some(db);
        self
    }

    /// The app's pool gives up waiting for a connection after `wait` (as production's
    /// `GATEHOUSE_DB_TIMEOUT_MS`) instead of the tests' 10 s.
    pub fn db_wait(mut self, wait: Duration) -> Self {
        self.db_wait = Some(wait);
        self
    }

    /// Per-account API rate limits other than the defaults.
    pub fn api_rates(mut self, rates: gatehouse::config::ApiRates) -> Self {
        self.api_rates = Some(rates);
        self
    }

    pub fn with_redis(mut self) -> Self {
        self.redis = true;
        self
    }

    /// Redis at `url` (a server of the test's own), with a 2 s pool timeout.
    pub fn redis_at(mut self, url: &str) -> Self {
        self.redis_at = Some(url.to_owned());
        self
    }

    pub fn metrics_token(mut self, token: &str) -> Self {
        self.metrics_token = Some(token.to_owned());
        self
    }

    pub fn web_dir(mut self, dir: PathBuf) -> Self {
        self.web_dir = Some(dir);
        self
    }

    pub fn extra_routes(
        mut self,
        routes: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
    ) -> Self {
        self.extra_routes = Some(Arc::new(routes));
        self
    }

    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// With the demo catalog.
    pub fn seeded(mut self) -> Self {
        self.seeded = true;
        self
    }

    /// The app's pool points at a port where no PostgreSQL listens.
    pub fn broken_postgres(mut self) -> Self {
        self.broken_postgres = true;
        self
    }

    /// Sign-in through providers, configured from environment variables (as the binary
    /// reads them), e.g. those pointing at a fake provider.
    pub fn oauth_env(mut self, env: Vec<(String, String)>) -> Self {
        let lookup = move |key: &str| {
            if key == "DATABASE_URL" {
                return Some("postgres://unused@127.0.0.1/unused".to_owned());
            }
            env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        };
        let config =
            gatehouse::config::Config::from_lookup(gatehouse::config::Needs::Everything, lookup)
                .expect("the OAuth settings are valid");
        self.oauth = config.oauth;
        self
    }

    /// Believes `X-Forwarded-For` from the loopback address (the test client).
    pub fn behind_a_local_proxy(mut self) -> Self {
        self.trusted_proxies = gatehouse::http::client_ip::parse_trusted("127.0.0.1").unwrap();
        self
    }

    /// Calls Stripe (or the fake Stripe) through `stripe`.
    pub fn stripe(mut self, stripe: gatehouse::billing::stripe_api::StripeApi) -> Self {
        self.stripe = Some(stripe);
        self
    }

    /// Stripe webhook signing secrets.
    pub fn stripe_webhook_secrets(mut self, secrets: &[&str]) -> Self {
        self.stripe_webhook_secrets = secrets.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Redis is configured but nothing answers.
    pub fn broken_redis(mut self) -> Self {
        self.broken_redis = true;
        self
    }

    pub async fn spawn(mut self) -> TestApp {
        let db = match self.database.take() {
            Some(db) => db,
            None => TestDb::migrated().await,
        };
        let database = if self.broken_postgres {
            DatabaseConfig {
                url: SecretString::from("postgres://postgres@127.0.0.1:1/nothing".to_owned()),
                pool_size: 2,
                timeout: Duration::from_millis(500),
            }
        } else if let Some(wait) = self.db_wait {
            DatabaseConfig {
                timeout: wait,
                ..db.config()
            }
        } else {
            db.config()
        };
        let pool = db::build_pool(&database).unwrap();
        if self.seeded {
            let mut conn = db.pool().get().await.unwrap();
            gatehouse::catalog::seed::seed_demo_catalog(&mut conn)
                .await
                .unwrap();
        }
        let redis = if self.broken_redis {
            Some(
                build_redis_pool(
                    &SecretString::from("redis://127.0.0.1:1".to_owned()),
                    Duration::from_millis(500),
                )
                .unwrap(),
            )
        } else if let Some(url) = self.redis_at {
            Some(build_redis_pool(&SecretString::from(url), Duration::from_secs(2)).unwrap())
        } else if self.redis {
            Some(
                build_redis_pool(&SecretString::from(redis_url()), Duration::from_secs(5)).unwrap(),
            )
        } else {
            None
        };
        let state = AppState::new(
            pool,
            redis,
            StateSettings {
                metrics_token: self.metrics_token.map(SecretString::from),
                auth: gatehouse::config::AuthConfig {
                    api_rates: self.api_rates.clone().unwrap_or_default(),
                    ..test_auth_config()
                },
                public_url: "http://gatehouse.test/".parse().unwrap(),
                oauth: self.oauth,
                trusted_proxies: self.trusted_proxies,
                stripe_webhook_secrets: self
                    .stripe_webhook_secrets
                    .iter()
                    .map(|secret| SecretString::from(secret.clone()))
                    .collect(),
                billing_grace: Duration::from_secs(7 * 86_400),
                billing_retention: Duration::from_secs(90 * 86_400),
                stripe: self.stripe,
            },
        )
        .with_worker_pools(database);
        let settings = HttpSettings {
            max_body_bytes: self.max_body_bytes.unwrap_or(64 * 1024),
            web_dir: self
                .web_dir
                .unwrap_or_else(|| PathBuf::from("/nonexistent-gatehouse-web")),
            extra_routes: self.extra_routes,
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = server::start(
            state.clone(),
            settings,
            listener,
            Some(2),
            Duration::from_secs(10),
        )
        .unwrap();
        TestApp {
            base: format!("http://{}", server.addr),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db,
            state,
            server: Some(server),
        }
    }
}

/// The real app on a random port, with its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub state: AppState,
    server: Option<RunningServer>,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Sends `method path` with a bearer token and an optional JSON body.
    pub async fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// Sends `method path` with a bearer token (or API key) and an optional JSON body:
    /// the status and the JSON answer (`null` for 204).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let response = self.authed(method, path, token, body).await;
        let status = response.status().as_u16();
        let body = if status == 204 {
            serde_json::Value::Null
        } else {
            json(response).await
        };
        (status, body)
    }

    /// A user with [`TEST_PASSWORD`] and a personal account: `(user_id, account_id)`.
    pub async fn create_user(&self, email: &str, username: &str) -> (uuid::Uuid, uuid::Uuid) {
        use gatehouse::db::identity::{self as q, NewUser};
        let hash = gatehouse::identity::password::hash(TEST_PASSWORD.to_owned())
            .await
            .unwrap();
        let mut conn = self.db.pool().get().await.unwrap();
        let user = q::insert_user(
            &mut conn,
            &NewUser {
                email,
                username,
                password_hash: Some(&hash),
                first_name: "Ada",
                last_name: "Lovelace",
            },
        )
        .await
        .unwrap();
        let account = q::insert_account_with_owner(&mut conn, "Ada", true, user.id)
            .await
            .unwrap();
        (user.id, account)
    }

    /// `n` users `{prefix}0`, `{prefix}1`, … (at example.org), each with a personal
    /// account and signed in.
    pub async fn signed_in_customers(&self, prefix: &str, n: usize) -> Vec<Customer> {
        let mut customers = Vec::with_capacity(n);
        for i in 0..n {
            let login = format!("{prefix}{i}");
            let email = format!("{login}@example.org");
            let (user, account) = self.create_user(&email, &login).await;
            let (token, _) = self.sign_in(&login).await;
            customers.push(Customer {
                email,
                user,
                account,
                token,
            });
        }
        customers
    }

    /// How many emails of `template` have been queued (`mail.send` jobs, sent or not).
    pub async fn queued_mails(&self, template: &str) -> i64 {
        self.count_jobs("payload->>'template'", "mail.send", template)
            .await
    }

    /// How many `kind` jobs with the unique key `key` have been queued (run or not).
    pub async fn queued_jobs(&self, kind: &str, key: &str) -> i64 {
        self.count_jobs("unique_key", kind, key).await
    }

    /// Jobs of `kind` whose `column` (an SQL expression of this code's) is `value`.
    async fn count_jobs(&self, column: &str, kind: &str, value: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let mut conn = self.db.pool().get().await.unwrap();
        diesel_async::RunQueryDsl::get_result::<Count>(
            diesel::sql_query(format!(
                "SELECT count(*) AS count FROM jobs WHERE kind = $1 AND {column} = $2"
            ))
            .bind::<diesel::sql_types::Text, _>(kind)
            .bind::<diesel::sql_types::Text, _>(value),
            &mut conn,
        )
        .await
        .unwrap()
        .count
    }

    /// Signs in with [`TEST_PASSWORD`]: `(access_token, refresh_token)`.
    pub async fn sign_in(&self, login: &str) -> (String, String) {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                serde_json::json!({"login": login, "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 200, "signing in as {login}");
        let body = json(response).await;
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// A staff member (role `admin`) signed in with a second factor: their access token.
    pub async fn staff_session(&self) -> String {
        self.staff_session_as("admin", "staff").await
    }

    /// A staff member with `role`, username `login`, signed in with a second factor.
    pub async fn staff_session_as(&self, role: &str, login: &str) -> String {
        use gatehouse::identity::totp;
        let (user_id, _) = self
            .create_user(&format!("{login}@example.org"), login)
            .await;
        let mut conn = self.db.pool().get().await.unwrap();
        gatehouse::db::identity::set_staff(&mut conn, user_id, Some(role))
            .await
            .unwrap();
        let secret = totp::new_secret();
        gatehouse::db::mfa::put_unconfirmed_totp(&mut conn, user_id, &secret)
            .await
            .unwrap();
        let step = totp::step_at(chrono::Utc::now().timestamp());
        gatehouse::db::mfa::accept_totp_step(&mut conn, user_id, step - 2)
            .await
            .unwrap();
        let challenge = self
            .post_json(
                "/api/v1/auth/login",
                serde_json::json!({"login": login, "password": TEST_PASSWORD}),
            )
            .await;
        let token = json(challenge).await["mfa_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let signed_in = self
            .post_json(
                "/api/v1/auth/mfa/verify",
                serde_json::json!({"mfa_token": token, "code": totp::code_at(&secret, step)}),
            )
            .await;
        assert_eq!(signed_in.status(), 200, "the staff member signs in");
        json(signed_in).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The running server, to stop it in shutdown tests.
    pub fn take_server(&mut self) -> RunningServer {
        self.server.take().expect("server already taken")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.shutdown.cancel();
        }
    }
}

/// Reads a JSON body, failing the test with the raw text when it is not JSON.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

/// Asserts the response is the error envelope with `code` and returns its body.
pub async fn assert_envelope(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    assert!(
        response.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let body = json(response).await;
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

/// Token settings for tests: the production defaults, with a fixed issuer.
pub fn test_auth_config() -> gatehouse::config::AuthConfig {
    gatehouse::config::AuthConfig {
        issuer: "http://gatehouse.test".to_owned(),
        audience: "gatehouse".to_owned(),
        access_ttl: Duration::from_secs(15 * 60),
        refresh_ttl: Duration::from_secs(30 * 86_400),
        reuse_window: Duration::from_secs(10),
        totp_issuer: "Gatehouse".into(),
        staff_mfa_required: true,
        api_rates: gatehouse::config::ApiRates::default(),
    }
}

/// A signed-in user with a personal account ([`TestApp::signed_in_customers`]).
pub struct Customer {
    pub email: String,
    pub user: uuid::Uuid,
    pub account: uuid::Uuid,
    /// An access token.
    pub token: String,
}
