//! What every request handler can reach, built once at start-up.

use std::time::Duration;

use anyhow::Context;
use diesel_async::RunQueryDsl;
use secrecy::{ExposeSecret, SecretString};

use crate::billing::subscriptions::BillingSettings;
use crate::config::{AuthConfig, Config, DatabaseConfig};
use crate::db::{self, Pool};
use crate::identity::keys::KeyStore;
use crate::identity::mfa::MfaSettings;
use crate::identity::oauth::OAuthSettings;
use crate::identity::sessions::SessionSettings;
use crate::ratelimit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    /// The process's pool. In an HTTP worker, that worker's own (see [`Self::for_worker`]).
    pub pool: Pool,
    /// How each HTTP worker opens a pool of its own; `None`: the workers share `pool`.
    pub worker_pools: Option<DatabaseConfig>,
    /// `None` when `REDIS_URL` is unset.
    pub redis: Option<deadpool_redis::Pool>,
    pub limiter: RateLimiter,
    pub metrics_token: Option<SecretString>,
    pub keys: std::sync::Arc<KeyStore>,
    pub sessions: SessionSettings,
    pub mfa: MfaSettings,
    /// Configured sign-in providers, and the client that calls them.
    pub oauth: OAuthSettings,
    pub oauth_http: reqwest::Client,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Secrets that sign Stripe's webhooks (none: the endpoint answers 503).
    pub stripe_webhook_secrets: Vec<SecretString>,
    pub billing: BillingSettings,
    /// `None` until Stripe is configured.
    pub stripe: Option<crate::billing::stripe_api::StripeApi>,
    /// Where people reach Gatehouse: the base of links in emails.
    pub public_url: url::Url,
    /// Per-account API rate limits.
    pub api_rates: crate::config::ApiRates,
}

/// The parts of the configuration the state keeps.
#[derive(Debug, Clone)]
pub struct StateSettings {
    pub metrics_token: Option<SecretString>,
    pub auth: AuthConfig,
    pub public_url: url::Url,
    pub oauth: OAuthSettings,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub stripe_webhook_secrets: Vec<SecretString>,
    /// How long a past-due account keeps access.
    pub billing_grace: Duration,
    /// How long a cancelled account can be recovered.
    pub billing_retention: Duration,
    pub stripe: Option<crate::billing::stripe_api::StripeApi>,
}

impl AppState {
    /// Builds the pools and checks both stores answer, so a bad `DATABASE_URL` or
    /// `REDIS_URL` stops start-up with a clear message instead of failing requests.
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let pool = db::build_pool(&config.database)?;
        check_postgres(&pool)
            .await
            .context("PostgreSQL is not reachable at DATABASE_URL")?;
        let redis = match &config.redis_url {
            Some(url) => {
                let pool = build_redis_pool(url, config.database.timeout)?;
                check_redis(&pool)
                    .await
                    .context("Redis is not reachable at REDIS_URL")?;
                Some(pool)
            }
            None => None,
        };
        let state = Self::new(
            pool,
            redis,
            StateSettings {
                metrics_token: config.http.metrics_token.clone(),
                auth: config.auth.clone(),
                public_url: config.http.public_url.clone(),
                oauth: config.oauth.clone(),
                trusted_proxies: config.http.trusted_proxies.clone(),
                stripe_webhook_secrets: config.billing.webhook_secrets.clone(),
                billing_grace: config.billing.grace,
                billing_retention: config.billing.retention,
                stripe: config.billing.stripe.clone(),
            },
        );
        Ok(state.with_worker_pools(config.database.clone()))
    }

    /// Gives each HTTP worker a pool of its own, opened with `config` (its connections
    /// shared out among the workers; see [`db::build_worker_pool`]).
    pub fn with_worker_pools(mut self, config: DatabaseConfig) -> Self {
        self.worker_pools = Some(config);
        self
    }

    /// The state one of `workers` HTTP workers serves with: its own pool when
    /// [`Self::with_worker_pools`] set one up, everything else shared. The key store and
    /// the job worker keep the process's pool.
    pub fn for_worker(&self, workers: usize) -> Self {
        let mut state = self.clone();
        if let Some(config) = &self.worker_pools {
            match db::build_worker_pool(config, workers) {
                Ok(pool) => state.pool = pool,
                Err(err) => {
                    tracing::warn!(error = %err, "no pool of its own for an HTTP worker; it shares the process's");
                }
            }
        }
        state
    }

    pub fn new(pool: Pool, redis: Option<deadpool_redis::Pool>, settings: StateSettings) -> Self {
        let auth = &settings.auth;
        let limiter = match &redis {
            Some(redis) => RateLimiter::redis(redis.clone(), "gatehouse:rl"),
            None => RateLimiter::memory(),
        };
        let keys = KeyStore::new(
            pool.clone(),
            auth.issuer.clone(),
            auth.audience.clone(),
            auth.access_ttl,
        );
        Self {
            pool,
            worker_pools: None,
            redis,
            limiter,
            metrics_token: settings.metrics_token.clone(),
            public_url: settings.public_url.clone(),
            api_rates: auth.api_rates.clone(),
            keys: std::sync::Arc::new(keys),
            sessions: SessionSettings {
                access_ttl: auth.access_ttl,
                refresh_ttl: auth.refresh_ttl,
                reuse_window: auth.reuse_window,
            },
            oauth: settings.oauth.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            stripe_webhook_secrets: settings.stripe_webhook_secrets.clone(),
            stripe: settings.stripe.clone(),
            billing: BillingSettings::new(settings.billing_grace, &settings.public_url)
                .with_retention(settings.billing_retention),
            oauth_http: crate::identity::oauth::client::http_client(),
            mfa: MfaSettings {
                issuer: auth.totp_issuer.clone(),
                staff_required: auth.staff_mfa_required,
            },
        }
    }
}

pub fn build_redis_pool(
    url: &SecretString,
    timeout: Duration,
) -> anyhow::Result<deadpool_redis::Pool> {
    let mut config = deadpool_redis::Config::from_url(url.expose_secret());
    config.pool = Some(deadpool_redis::PoolConfig {
        max_size: 16,
        timeouts: deadpool_redis::Timeouts {
            wait: Some(timeout),
            create: Some(timeout),
            recycle: Some(timeout),
        },
        ..Default::default()
    });
    config
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .context("building the Redis pool")
}

/// `SELECT 1` through the pool.
pub async fn check_postgres(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

/// `PING` through the pool.
pub async fn check_redis(pool: &deadpool_redis::Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let pong: String = deadpool_redis::redis::cmd("PING")
        .query_async(&mut *conn)
        .await?;
    anyhow::ensure!(pong == "PONG", "unexpected PING answer {pong:?}");
    Ok(())
}
