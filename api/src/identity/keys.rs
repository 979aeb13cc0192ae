//! Access-token signing keys: Ed25519, kept in the database so every node signs and
//! verifies with the same set. The newest current key signs; retired keys keep verifying
//! (and stay in the JWKS) until every token they signed has expired.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::db::{self, Pool};

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// The account the token acts for.
    pub acc: String,
    /// The user's roles in that account.
    pub roles: Vec<String>,
    /// Entitlement keys of the account.
    pub ent: Vec<String>,
    /// Where the user has a seat: one entry per product that runs on an instance.
    #[serde(default)]
    pub seats: Vec<SeatClaim>,
    /// The session (refresh-token family) the token was issued from.
    pub sid: String,
    /// The sign-in passed a second factor (authenticator app or recovery code).
    #[serde(default)]
    pub mfa: bool,
    /// Staff viewing as this user (the staff member's user id): the token is read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imp: Option<String>,
    /// Read-only: Gatehouse refuses every change made with it (403 `read_only_session`),
    /// and products should too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ro: bool,
}

/// A seat in an access token: the product (its slug), the instance (its id) and the
/// instance's base URL. A product checks that its own instance is the one named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatClaim {
    pub product: String,
    pub instance: String,
    pub url: String,
}

/// Why a token was refused (all answer the same 401).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("keys unavailable: {0}")]
    Keys(String),
}

struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public: Vec<u8>,
    retired: bool,
}

#[derive(Default)]
struct Loaded {
    keys: Vec<Key>,
    at: Option<Instant>,
    /// Tokens these keys verified, with their claims: a token is checked once, not on
    /// every request. It goes with the keys (emptied by every reload, at least a minute
    /// apart); a hit still has to be unexpired.
    verified: std::sync::Mutex<HashMap<Box<str>, Claims>>,
}

/// Verified tokens kept at most (then the memo starts again): about 1 KiB each.
const VERIFIED_MAX: usize = 4096;
/// Seconds of clock skew a token's expiry is allowed.
const LEEWAY: u64 = 5;

/// The key set, loaded from the database and refreshed now and then (so a rotation on
/// one node reaches every node).
pub struct KeyStore {
    pool: Pool,
    issuer: String,
    audience: String,
    /// How long retired keys keep verifying: the access-token lifetime.
    token_ttl: Duration,
    loaded: RwLock<Loaded>,
}

const RELOAD_EVERY: Duration = Duration::from_secs(60);
const RELOAD_ON_UNKNOWN_KID_AFTER: Duration = Duration::from_secs(5);

/// One entry of `/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

/// `/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl KeyStore {
    pub fn new(pool: Pool, issuer: String, audience: String, token_ttl: Duration) -> Self {
        Self {
            pool,
            issuer,
            audience,
            token_ttl,
            loaded: RwLock::new(Loaded::default()),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Signs `claims` with the newest current key.
    pub async fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        self.reload_if_older_than(RELOAD_EVERY).await?;
        let loaded = self.loaded.read().await;
        let key = loaded
            .keys
            .iter()
            .find(|key| !key.retired)
            .ok_or_else(|| TokenError::Keys("no current signing key".into()))?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
    }

    /// Verifies signature (EdDSA only), key id, issuer, audience and expiry.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.reload_if_older_than(RELOAD_EVERY).await?;
        // A token these keys verified before passed every check below then.
        if let Some(claims) = self.verified_before(token).await {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        if !self.knows(&kid).await {
            self.reload_if_older_than(RELOAD_ON_UNKNOWN_KID_AFTER)
                .await?;
        }
        let loaded = self.loaded.read().await;
        let key = loaded
            .keys
            .iter()
            .find(|key| key.kid == kid)
            .ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY;
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)?.claims;
        let mut verified = loaded.verified.lock().expect("never poisoned");
        if verified.len() >= VERIFIED_MAX {
            verified.clear();
        }
        verified.insert(token.into(), claims.clone());
        Ok(claims)
    }

    /// The claims of `token` when the current keys verified it before and it has not
    /// expired since.
    async fn verified_before(&self, token: &str) -> Option<Claims> {
        let loaded = self.loaded.read().await;
        let verified = loaded.verified.lock().expect("never poisoned");
        verified
            .get(token)
            .filter(|claims| {
                u64::try_from(claims.exp).is_ok_and(|exp| {
                    exp.saturating_add(LEEWAY) >= jsonwebtoken::get_current_timestamp()
                })
            })
            .cloned()
    }

    /// The public keys that may have signed an unexpired token.
    pub async fn jwks(&self) -> Result<Jwks, TokenError> {
        self.reload_if_older_than(RELOAD_EVERY).await?;
        let loaded = self.loaded.read().await;
        Ok(Jwks {
            keys: loaded
                .keys
                .iter()
                .map(|key| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: URL_SAFE_NO_PAD.encode(&key.public),
                    kid: key.kid.clone(),
                    alg: "EdDSA".into(),
                    use_: "sig".into(),
                })
                .collect(),
        })
    }

    /// Reads the keys again now (after a rotation, say).
    pub async fn reload(&self) -> Result<(), TokenError> {
        self.reload_if_older_than(Duration::ZERO).await
    }

    async fn knows(&self, kid: &str) -> bool {
        self.loaded
            .read()
            .await
            .keys
            .iter()
            .any(|key| key.kid == kid)
    }

    async fn reload_if_older_than(&self, age: Duration) -> Result<(), TokenError> {
        let fresh = |loaded: &Loaded| loaded.at.is_some_and(|at| at.elapsed() < age);
        if fresh(&*self.loaded.read().await) {
            return Ok(());
        }
        let mut loaded = self.loaded.write().await;
        if fresh(&loaded) {
            return Ok(());
        }
        let keys = self
            .load()
            .await
            .map_err(|err| TokenError::Keys(format!("{err:#}")))?;
        *loaded = Loaded {
            keys,
            at: Some(Instant::now()),
            verified: Default::default(),
        };
        Ok(())
    }

    async fn load(&self) -> anyhow::Result<Vec<Key>> {
        let mut conn = self.pool.get().await?;
        let since = Utc::now() - chrono::Duration::from_std(self.token_ttl)?;
        let mut rows = db::identity::signing_keys(&mut conn, since).await?;
        if !rows.iter().any(|row| row.retired_at.is_none()) {
            create_key(&mut conn).await?;
            rows = db::identity::signing_keys(&mut conn, since).await?;
        }
        rows.into_iter()
            .map(|row| {
                Ok(Key {
                    encoding: EncodingKey::from_ed_der(&row.private_pkcs8),
                    decoding: DecodingKey::from_ed_der(&row.public_key),
                    public: row.public_key,
                    retired: row.retired_at.is_some(),
                    kid: row.kid,
                })
            })
            .collect()
    }
}

/// Makes a new signing key; returns its id. Other nodes pick it up within a minute.
pub async fn create_key(conn: &mut db::Conn) -> anyhow::Result<String> {
    let secret: [u8; 32] = rand::random();
    let signing = SigningKey::from_bytes(&secret);
    let pkcs8 = signing
        .to_pkcs8_der()
        .map_err(|err| anyhow::anyhow!("encoding the key: {err}"))?;
    let public = signing.verifying_key().to_bytes();
    let kid = format!(
        "{}-{}",
        Utc::now().format("%Y%m%d"),
        &URL_SAFE_NO_PAD.encode(&public[..9])
    );
    db::identity::insert_signing_key(conn, &kid, pkcs8.as_bytes(), &public).await?;
    Ok(kid)
}

/// Creates a new key and retires the others (they keep verifying until their tokens
/// expire).
pub async fn rotate(conn: &mut db::Conn) -> anyhow::Result<String> {
    let kid = create_key(conn).await?;
    db::identity::retire_signing_keys_except(conn, &kid).await?;
    Ok(kid)
}
