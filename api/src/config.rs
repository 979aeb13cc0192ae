//! Typed configuration, read once from the environment at start-up.
//!
//! Every variable is documented in README.md with its default. Secrets are wrapped in
//! [`SecretString`] so they never appear in `Debug` output or logs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (default).
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The whole configuration of a Gatehouse process.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    /// `REDIS_URL` (`redis://` only); `None` selects the in-process fallback (single node).
    pub redis_url: Option<SecretString>,
    pub http: HttpConfig,
    pub log: LogConfig,
    pub worker: WorkerSettings,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    /// `GATEHOUSE_OAUTH_{GOOGLE,GITHUB}_*`: sign-in through providers; a provider is on
    /// when its client id is set.
    pub oauth: crate::identity::oauth::OAuthSettings,
    pub billing: BillingConfig,
}

#[derive(Debug, Clone, Default)]
pub struct BillingConfig {
    /// `GATEHOUSE_STRIPE_WEBHOOK_SECRETS`: comma-separated endpoint secrets (`whsec_…`);
    /// several while rotating.
    pub webhook_secrets: Vec<SecretString>,
    /// `GATEHOUSE_BILLING_GRACE_DAYS`: how long a past-due account keeps access.
    pub grace: Duration,
    /// `GATEHOUSE_RETENTION_DAYS`: how long a cancelled account can be recovered before
    /// its personal data is deleted.
    pub retention: Duration,
    /// `GATEHOUSE_STRIPE_SECRET_KEY` (with `GATEHOUSE_STRIPE_API_BASE`): the client;
    /// `None` when no key is set.
    pub stripe: Option<crate::billing::stripe_api::StripeApi>,
}

#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    /// `GATEHOUSE_MAIL_TRANSPORT`: `outbox` (development: `emails` table and the log),
    /// `mailgun` (with `GATEHOUSE_MAILGUN_*`) or `smtp` (with `GATEHOUSE_SMTP_URL`); both
    /// send as `GATEHOUSE_MAIL_FROM`.
    pub mailer: crate::mail::Mailer,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `GATEHOUSE_TOKEN_ISSUER`: the `iss` of access tokens (default: the public URL).
    pub issuer: String,
    /// `GATEHOUSE_TOKEN_AUDIENCE`: the `aud` of access tokens.
    pub audience: String,
    /// `GATEHOUSE_ACCESS_TOKEN_MINUTES`.
    pub access_ttl: Duration,
    /// `GATEHOUSE_REFRESH_TOKEN_DAYS`: absolute lifetime of a session.
    pub refresh_ttl: Duration,
    /// `GATEHOUSE_REFRESH_REUSE_SECONDS`: grace for concurrent refreshes of one token.
    pub reuse_window: Duration,
    /// `GATEHOUSE_TOTP_ISSUER`: the name authenticator apps show.
    pub totp_issuer: String,
    /// `GATEHOUSE_STAFF_MFA_REQUIRED`: staff must sign in with a second factor to use the
    /// admin area.
    pub staff_mfa_required: bool,
    /// Requests per minute an account may make on its account-scoped routes.
    pub api_rates: ApiRates,
}

/// Per-account API rate limits, by plan: `GATEHOUSE_API_RATE_PER_MINUTE` (default 600)
/// for every account, and `GATEHOUSE_API_RATE_PLANS` (`team=1200,business=6000`) for
/// accounts with a live subscription to one of those plans (the highest applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRates {
    pub per_minute: u32,
    pub plans: std::collections::BTreeMap<String, u32>,
}

impl Default for ApiRates {
    fn default() -> Self {
        Self {
            per_minute: 600,
            plans: std::collections::BTreeMap::new(),
        }
    }
}

impl ApiRates {
    /// The limit of an account with live subscriptions to `plans` (slugs).
    pub fn for_plans<'a>(&self, plans: impl IntoIterator<Item = &'a str>) -> u32 {
        plans
            .into_iter()
            .filter_map(|plan| self.plans.get(plan).copied())
            .max()
            .unwrap_or(self.per_minute)
            .max(1)
    }

    /// Parses `slug=count,slug=count`.
    pub fn parse_plans(list: &str) -> Result<std::collections::BTreeMap<String, u32>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (slug, count) = part
                    .split_once('=')
                    .ok_or_else(|| format!("{part:?} is not slug=count"))?;
                let count: u32 = count
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{part:?}: the count must be a positive number"))?;
                Ok((slug.trim().to_owned(), count))
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`.
    pub url: SecretString,
    /// `GATEHOUSE_DB_POOL_SIZE`.
    pub pool_size: usize,
    /// `GATEHOUSE_DB_TIMEOUT_MS`: how long to wait for a connection before answering 503.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `GATEHOUSE_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `GATEHOUSE_ADDR`.
    pub addr: SocketAddr,
    /// `GATEHOUSE_PUBLIC_URL`: where users reach this server (links in emails, redirects).
    pub public_url: url::Url,
    /// `GATEHOUSE_WEB_DIR`: the built SPA (Trunk's `dist`).
    pub web_dir: PathBuf,
    /// `GATEHOUSE_METRICS_TOKEN`: bearer token for `/metrics`; unset disables the endpoint.
    pub metrics_token: Option<SecretString>,
    /// `GATEHOUSE_MAX_BODY_BYTES`: largest accepted JSON request body.
    pub max_body_bytes: usize,
    /// `GATEHOUSE_SHUTDOWN_TIMEOUT_SECS`: how long in-flight requests get to finish.
    pub shutdown_timeout: Duration,
    /// `GATEHOUSE_HTTP_WORKERS`: actix worker threads (default: number of cores).
    pub workers: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    /// `GATEHOUSE_LOG`: tracing filter directives, e.g. `info,gatehouse=debug`.
    pub filter: String,
    /// `GATEHOUSE_LOG_FORMAT`: `text` or `json`.
    pub format: LogFormat,
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// `GATEHOUSE_RUN_WORKER`: whether `serve` also runs the job worker in-process.
    pub in_process: bool,
    /// `GATEHOUSE_WORKER_CONCURRENCY`: jobs run at once per worker process.
    pub concurrency: usize,
    /// `GATEHOUSE_WORKER_POLL_MS`: how often an idle worker looks for due jobs.
    pub poll_interval: Duration,
}

/// Every problem found in the environment, reported together.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

/// What a command needs; `migrate` and `seed` need only the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    DatabaseOnly,
    Everything,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env(needs: Needs) -> Result<Self, ConfigError> {
        Self::from_lookup(needs, |key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        needs: Needs,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut r = Reader {
            lookup: &lookup,
            problems: Vec::new(),
        };

        let database_url = r.required_secret(
            "DATABASE_URL",
            "e.g. postgres://postgres@127.0.0.1:5432/gatehouse",
        );
        if let Some(url) = &database_url {
            r.check_url(
                "DATABASE_URL",
                url.expose_secret(),
                &["postgres", "postgresql"],
            );
        }
        let redis_url = r.optional_secret("REDIS_URL");
        if let Some(url) = &redis_url {
            // TLS to Redis is not built in yet; refuse `rediss://` instead of failing later.
            r.check_url("REDIS_URL", url.expose_secret(), &["redis"]);
        }
        let addr: SocketAddr = r.parsed("GATEHOUSE_ADDR", "127.0.0.1:8080".parse().unwrap());
        let public_url: url::Url = r.parsed(
            "GATEHOUSE_PUBLIC_URL",
            format!("http://{addr}/")
                .parse()
                .expect("default URL parses"),
        );
        let log_format = match r.value("GATEHOUSE_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                r.problem(format!(
                    "GATEHOUSE_LOG_FORMAT: '{other}' is not one of: text, json"
                ));
                LogFormat::Text
            }
        };

        let issuer = r
            .value("GATEHOUSE_TOKEN_ISSUER")
            .unwrap_or_else(|| public_url.as_str().trim_end_matches('/').to_owned());
        let auth = AuthConfig {
            issuer,
            audience: r
                .value("GATEHOUSE_TOKEN_AUDIENCE")
                .unwrap_or_else(|| "gatehouse".to_owned()),
            access_ttl: Duration::from_secs(
                60 * r.positive("GATEHOUSE_ACCESS_TOKEN_MINUTES", 15) as u64,
            ),
            refresh_ttl: Duration::from_secs(
                86_400 * r.positive("GATEHOUSE_REFRESH_TOKEN_DAYS", 30) as u64,
            ),
            reuse_window: Duration::from_secs(
                r.positive("GATEHOUSE_REFRESH_REUSE_SECONDS", 10) as u64
            ),
            totp_issuer: r
                .value("GATEHOUSE_TOTP_ISSUER")
                .unwrap_or_else(|| "Gatehouse".to_owned()),
            staff_mfa_required: r.parsed("GATEHOUSE_STAFF_MFA_REQUIRED", true),
            api_rates: ApiRates {
                per_minute: u32::try_from(r.positive("GATEHOUSE_API_RATE_PER_MINUTE", 600))
                    .unwrap_or(u32::MAX),
                plans: match r.value("GATEHOUSE_API_RATE_PLANS") {
                    None => std::collections::BTreeMap::new(),
                    Some(list) => ApiRates::parse_plans(&list).unwrap_or_else(|err| {
                        r.problem(format!("GATEHOUSE_API_RATE_PLANS: {err}"));
                        std::collections::BTreeMap::new()
                    }),
                },
            },
        };
        let oauth = oauth_providers(&mut r);
        let trusted_proxies = match r.value("GATEHOUSE_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => crate::http::client_ip::parse_trusted(&list).unwrap_or_else(|err| {
                r.problem(format!("GATEHOUSE_TRUSTED_PROXIES: {err}"));
                Vec::new()
            }),
        };
        let webhook_secrets = r
            .optional_secret("GATEHOUSE_STRIPE_WEBHOOK_SECRETS")
            .map(|list| {
                list.expose_secret()
                    .split(',')
                    .map(str::trim)
                    .filter(|secret| !secret.is_empty())
                    .map(|secret| SecretString::from(secret.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let stripe_base: url::Url = r.parsed(
            "GATEHOUSE_STRIPE_API_BASE",
            "https://api.stripe.com/"
                .parse()
                .expect("default URL parses"),
        );
        let stripe = match r.optional_secret("GATEHOUSE_STRIPE_SECRET_KEY") {
            None => None,
            Some(key) => match crate::billing::stripe_api::StripeApi::new(&key, &stripe_base) {
                Ok(api) => Some(api),
                Err(err) => {
                    r.problem(format!(
                        "GATEHOUSE_STRIPE_SECRET_KEY / GATEHOUSE_STRIPE_API_BASE: {err}"
                    ));
                    None
                }
            },
        };
        let config = Config {
            auth,
            oauth,
            billing: BillingConfig {
                stripe,
                webhook_secrets,
                grace: Duration::from_secs(
                    86_400 * r.positive("GATEHOUSE_BILLING_GRACE_DAYS", 7) as u64,
                ),
                retention: Duration::from_secs(
                    86_400 * r.positive("GATEHOUSE_RETENTION_DAYS", 90) as u64,
                ),
            },
            mail: MailConfig {
                mailer: mailer(&mut r),
            },
            database: DatabaseConfig {
                url: database_url.unwrap_or_else(|| SecretString::from("")),
                pool_size: r.positive("GATEHOUSE_DB_POOL_SIZE", 16),
                timeout: Duration::from_millis(r.positive("GATEHOUSE_DB_TIMEOUT_MS", 5_000) as u64),
            },
            redis_url,
            http: HttpConfig {
                trusted_proxies,
                addr,
                public_url,
                web_dir: PathBuf::from(
                    r.value("GATEHOUSE_WEB_DIR")
                        .unwrap_or_else(|| "web/dist".to_owned()),
                ),
                metrics_token: r.optional_secret("GATEHOUSE_METRICS_TOKEN"),
                max_body_bytes: r.positive("GATEHOUSE_MAX_BODY_BYTES", 64 * 1024),
                shutdown_timeout: Duration::from_secs(
                    r.positive("GATEHOUSE_SHUTDOWN_TIMEOUT_SECS", 30) as u64,
                ),
                workers: r
                    .value("GATEHOUSE_HTTP_WORKERS")
                    .map(|_| r.positive("GATEHOUSE_HTTP_WORKERS", 1)),
            },
            log: LogConfig {
                filter: r
                    .value("GATEHOUSE_LOG")
                    .unwrap_or_else(|| "info".to_owned()),
                format: log_format,
            },
            worker: WorkerSettings {
                in_process: r.parsed("GATEHOUSE_RUN_WORKER", true),
                concurrency: r.positive("GATEHOUSE_WORKER_CONCURRENCY", 4),
                poll_interval: Duration::from_millis(
                    r.positive("GATEHOUSE_WORKER_POLL_MS", 1_000) as u64
                ),
            },
        };
        if needs == Needs::DatabaseOnly {
            r.problems
                .retain(|p| p.starts_with("DATABASE_URL") || p.starts_with("GATEHOUSE_DB_"));
        }
        if r.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError {
                problems: r.problems,
            })
        }
    }
}

/// The variables of one provider: `GATEHOUSE_OAUTH_{PROVIDER}_{KEY}`; the last key
/// names its profile endpoint.
fn oauth_keys(provider: crate::identity::oauth::Provider) -> (String, [&'static str; 5]) {
    use crate::identity::oauth::Provider;
    let profile_key = match provider {
        Provider::Google => "USERINFO_URL",
        Provider::GitHub => "API_URL",
    };
    (
        format!("GATEHOUSE_OAUTH_{}_", provider.as_str().to_uppercase()),
        [
            "CLIENT_ID",
            "CLIENT_SECRET",
            "AUTHORIZE_URL",
            "TOKEN_URL",
            profile_key,
        ],
    )
}

/// Every OAuth variable (their names are built, so documentation checks ask here).
pub fn oauth_variable_names() -> Vec<String> {
    crate::identity::oauth::Provider::ALL
        .into_iter()
        .flat_map(|provider| {
            let (prefix, keys) = oauth_keys(provider);
            keys.map(|key| format!("{prefix}{key}"))
        })
        .collect()
}

fn oauth_providers(r: &mut Reader<'_>) -> crate::identity::oauth::OAuthSettings {
    use crate::identity::oauth::{OAuthSettings, Provider, ProviderConfig};
    let mut providers = Vec::new();
    for provider in Provider::ALL {
        let (prefix, [_, _, _, _, profile_key]) = oauth_keys(provider);
        let Some(client_id) = r.value(&format!("{prefix}CLIENT_ID")) else {
            continue;
        };
        let client_secret = r.required_secret(
            &format!("{prefix}CLIENT_SECRET"),
            "needed with the client id",
        );
        let [authorize, token, profile] = provider.default_urls();
        let mut url = |key: &str, default: &str| -> url::Url {
            let key = format!("{prefix}{key}");
            let url: url::Url = r.parsed(&key, default.parse().expect("default URL parses"));
            r.check_url(&key, url.as_str(), &["https", "http"]);
            url
        };
        let authorize_url = url("AUTHORIZE_URL", authorize);
        let token_url = url("TOKEN_URL", token);
        let mut profile_url = url(profile_key, profile);
        if provider == Provider::GitHub && !profile_url.path().ends_with('/') {
            // A base URL: `user` and `user/emails` are joined onto it.
            profile_url.set_path(&format!("{}/", profile_url.path()));
        }
        providers.push(ProviderConfig {
            provider,
            client_id,
            client_secret: client_secret.unwrap_or_else(|| SecretString::from("")),
            authorize_url,
            token_url,
            profile_url,
        });
    }
    OAuthSettings { providers }
}

fn mailer(r: &mut Reader<'_>) -> crate::mail::Mailer {
    match r.value("GATEHOUSE_MAIL_TRANSPORT").as_deref() {
        None | Some("outbox") => crate::mail::Mailer::Outbox,
        Some("mailgun") => {
            let api_key = r.required_secret(
                "GATEHOUSE_MAILGUN_API_KEY",
                "needed for the mailgun transport",
            );
            let domain = r.value("GATEHOUSE_MAILGUN_DOMAIN");
            if domain.is_none() {
                r.problem("GATEHOUSE_MAILGUN_DOMAIN is required for the mailgun transport (e.g. mg.example.com)".to_owned());
            }
            let base_url: url::Url = r.parsed(
                "GATEHOUSE_MAILGUN_BASE_URL",
                "https://api.mailgun.net/"
                    .parse()
                    .expect("default URL parses"),
            );
            let from = r
                .value("GATEHOUSE_MAIL_FROM")
                .unwrap_or_else(|| "Gatehouse <no-reply@localhost>".to_owned());
            crate::mail::Mailer::Mailgun(crate::mail::mailgun::Mailgun::new(
                base_url,
                domain.unwrap_or_default(),
                api_key.unwrap_or_else(|| SecretString::from("")),
                from,
            ))
        }
        Some("smtp") => {
            let url = r.required_secret(
                "GATEHOUSE_SMTP_URL",
                "needed for the smtp transport, e.g. smtps://user:password@smtp.example.com:465",
            );
            let from = r
                .value("GATEHOUSE_MAIL_FROM")
                .unwrap_or_else(|| "Gatehouse <no-reply@localhost>".to_owned());
            match url.map(|url| crate::mail::smtp::Smtp::new(&url, &from)) {
                Some(Ok(smtp)) => crate::mail::Mailer::Smtp(smtp),
                Some(Err(err)) => {
                    r.problem(format!("GATEHOUSE_SMTP_URL / GATEHOUSE_MAIL_FROM: {err}"));
                    crate::mail::Mailer::Outbox
                }
                None => crate::mail::Mailer::Outbox,
            }
        }
        Some(other) => {
            r.problem(format!(
                "GATEHOUSE_MAIL_TRANSPORT: '{other}' is not one of: outbox, mailgun, smtp"
            ));
            crate::mail::Mailer::Outbox
        }
    }
}

struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<String>,
}

impl Reader<'_> {
    fn problem(&mut self, message: String) {
        self.problems.push(message);
    }

    /// The trimmed value, with empty treated as unset.
    fn value(&self, key: &str) -> Option<String> {
        (self.lookup)(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn required_secret(&mut self, key: &str, hint: &str) -> Option<SecretString> {
        let value = self.optional_secret(key);
        if value.is_none() {
            self.problem(format!("{key} is required ({hint})"));
        }
        value
    }

    fn optional_secret(&self, key: &str) -> Option<SecretString> {
        self.value(key).map(SecretString::from)
    }

    fn check_url(&mut self, key: &str, value: &str, schemes: &[&str]) {
        match url::Url::parse(value) {
            Ok(url) if schemes.contains(&url.scheme()) => {}
            // Never echo the value: it may hold a password.
            Ok(url) => self.problem(format!(
                "{key}: scheme '{}' is not one of: {}",
                url.scheme(),
                schemes.join(", ")
            )),
            Err(err) => self.problem(format!("{key}: not a valid URL ({err})")),
        }
    }

    fn parsed<T: std::str::FromStr>(&mut self, key: &str, default: T) -> T {
        match self.value(key) {
            None => default,
            Some(raw) => match raw.parse() {
                Ok(value) => value,
                Err(_) => {
                    self.problem(format!(
                        "{key}: '{raw}' is not a valid {}",
                        std::any::type_name::<T>()
                            .rsplit("::")
                            .next()
                            .unwrap_or("value")
                    ));
                    default
                }
            },
        }
    }

    fn positive(&mut self, key: &str, default: usize) -> usize {
        match self.value(key) {
            None => default,
            Some(raw) => match raw.parse::<usize>() {
                Ok(value) if value > 0 => value,
                _ => {
                    self.problem(format!("{key}: '{raw}' is not a positive whole number"));
                    default
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_rates_go_by_the_best_plan_and_refuse_nonsense() {
        let rates = ApiRates {
            per_minute: 600,
            plans: ApiRates::parse_plans("team=1200, business = 6000,").unwrap(),
        };
        assert_eq!(rates.for_plans([]), 600);
        assert_eq!(rates.for_plans(["starter"]), 600);
        assert_eq!(rates.for_plans(["team", "business"]), 6000);
        assert!(ApiRates::parse_plans("team").is_err());
        assert!(ApiRates::parse_plans("team=0").is_err());
        assert!(ApiRates::parse_plans("team=lots").is_err());
    }

    use std::collections::HashMap;

    use super::*;

    fn read(needs: Needs, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(needs, |key| map.get(key).cloned())
    }

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let config = read(
            Needs::Everything,
            &[("DATABASE_URL", "postgres://postgres@127.0.0.1/gh")],
        )
        .unwrap();
        assert_eq!(config.http.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.http.public_url.as_str(), "http://127.0.0.1:8080/");
        assert!(config.redis_url.is_none());
        assert!(config.http.metrics_token.is_none());
        assert_eq!(config.database.pool_size, 16);
        assert_eq!(config.log.format, LogFormat::Text);
        assert!(config.worker.in_process);
    }

    #[test]
    fn every_problem_is_reported_at_once_and_names_the_variable() {
        let err = read(
            Needs::Everything,
            &[
                ("GATEHOUSE_ADDR", "not-an-address"),
                ("GATEHOUSE_DB_POOL_SIZE", "0"),
                ("REDIS_URL", "http://127.0.0.1:6379"),
                ("GATEHOUSE_LOG_FORMAT", "xml"),
            ],
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.problems.len(), 5, "{text}");
        for needle in [
            "DATABASE_URL is required",
            "GATEHOUSE_ADDR: 'not-an-address'",
            "GATEHOUSE_DB_POOL_SIZE: '0' is not a positive whole number",
            "REDIS_URL: scheme 'http'",
            "GATEHOUSE_LOG_FORMAT: 'xml'",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let config = read(
            Needs::Everything,
            &[
                ("DATABASE_URL", "postgres://app:hunter2@db/gh"),
                ("REDIS_URL", "redis://:s3cret@cache:6379"),
                ("GATEHOUSE_METRICS_TOKEN", "metrics-token-value"),
            ],
        )
        .unwrap();
        let debug = format!("{config:?}");
        for secret in ["hunter2", "s3cret", "metrics-token-value"] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
        }
        let err = read(
            Needs::Everything,
            &[("DATABASE_URL", "mysql://u:hunter2@db/x")],
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn the_mailgun_transport_needs_its_key_and_domain() {
        let err = read(
            Needs::Everything,
            &[
                ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh"),
                ("GATEHOUSE_MAIL_TRANSPORT", "mailgun"),
            ],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("GATEHOUSE_MAILGUN_API_KEY is required"),
            "{err}"
        );
        assert!(
            err.contains("GATEHOUSE_MAILGUN_DOMAIN is required"),
            "{err}"
        );
        let ok = read(
            Needs::Everything,
            &[
                ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh"),
                ("GATEHOUSE_MAIL_TRANSPORT", "mailgun"),
                ("GATEHOUSE_MAILGUN_API_KEY", "key-supersecret"),
                ("GATEHOUSE_MAILGUN_DOMAIN", "mg.example.com"),
            ],
        )
        .unwrap();
        assert!(matches!(ok.mail.mailer, crate::mail::Mailer::Mailgun(_)));
        assert!(!format!("{ok:?}").contains("supersecret"));
        assert!(read(
            Needs::Everything,
            &[
                ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh"),
                ("GATEHOUSE_MAIL_TRANSPORT", "carrier-pigeon"),
            ],
        )
        .is_err());
    }

    #[test]
    fn the_smtp_transport_needs_a_relay_url_and_hides_its_password() {
        let db = ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh");
        let err = read(
            Needs::Everything,
            &[db, ("GATEHOUSE_MAIL_TRANSPORT", "smtp")],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("GATEHOUSE_SMTP_URL is required"), "{err}");
        let bad = read(
            Needs::Everything,
            &[
                db,
                ("GATEHOUSE_MAIL_TRANSPORT", "smtp"),
                ("GATEHOUSE_SMTP_URL", "ftp://user:supersecret@host"),
            ],
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad.contains("GATEHOUSE_SMTP_URL") && !bad.contains("supersecret"),
            "{bad}"
        );
        let ok = read(
            Needs::Everything,
            &[
                db,
                ("GATEHOUSE_MAIL_TRANSPORT", "smtp"),
                (
                    "GATEHOUSE_SMTP_URL",
                    "smtps://user:supersecret@smtp.example.com:465",
                ),
            ],
        )
        .unwrap();
        assert!(matches!(ok.mail.mailer, crate::mail::Mailer::Smtp(_)));
        assert!(!format!("{ok:?}").contains("supersecret"));
    }

    #[test]
    fn a_provider_is_on_with_its_client_id_and_needs_its_secret() {
        let db = ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh");
        let none = read(Needs::Everything, &[db]).unwrap();
        assert!(none.oauth.providers.is_empty());
        let err = read(
            Needs::Everything,
            &[db, ("GATEHOUSE_OAUTH_GITHUB_CLIENT_ID", "Iv1.abc")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("GATEHOUSE_OAUTH_GITHUB_CLIENT_SECRET is required"),
            "{err}"
        );
        let ok = read(
            Needs::Everything,
            &[
                db,
                ("GATEHOUSE_OAUTH_GITHUB_CLIENT_ID", "Iv1.abc"),
                ("GATEHOUSE_OAUTH_GITHUB_CLIENT_SECRET", "supersecret"),
                (
                    "GATEHOUSE_OAUTH_GITHUB_API_URL",
                    "http://127.0.0.1:9100/github/api",
                ),
            ],
        )
        .unwrap();
        assert_eq!(ok.oauth.names(), ["github"]);
        let github = ok.oauth.get("github").unwrap();
        assert_eq!(
            github.profile_url.as_str(),
            "http://127.0.0.1:9100/github/api/"
        );
        assert_eq!(
            github.authorize_url.as_str(),
            "https://github.com/login/oauth/authorize"
        );
        assert!(!format!("{ok:?}").contains("supersecret"));
        assert!(read(
            Needs::Everything,
            &[
                db,
                ("GATEHOUSE_OAUTH_GOOGLE_CLIENT_ID", "x"),
                ("GATEHOUSE_OAUTH_GOOGLE_CLIENT_SECRET", "y"),
                (
                    "GATEHOUSE_OAUTH_GOOGLE_TOKEN_URL",
                    "ftp://example.org/token"
                ),
            ],
        )
        .is_err());
    }

    #[test]
    fn database_only_commands_ignore_http_problems() {
        let config = read(
            Needs::DatabaseOnly,
            &[
                ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh"),
                ("GATEHOUSE_ADDR", "nonsense"),
            ],
        );
        assert!(config.is_ok());
        assert!(read(Needs::DatabaseOnly, &[]).is_err());
        let bad_pool = read(
            Needs::DatabaseOnly,
            &[
                ("DATABASE_URL", "postgres://postgres@127.0.0.1/gh"),
                ("GATEHOUSE_DB_POOL_SIZE", "lots"),
            ],
        );
        assert!(bad_pool.is_err(), "database settings still count");
    }
}
