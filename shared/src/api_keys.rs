//! API keys (`/api/v1/accounts/{id}/api-keys`): an account's credentials for integrators.
//! A key acts as its account (never as staff), within its scopes; it is shown once, when
//! created, and stored hashed with a visible prefix.

use serde::{Deserialize, Serialize};

/// What a key may do. `full`: everything the account may do through the API; `read`:
/// only reads (`GET`); or one or more areas, with full access within them: `billing`,
/// `orders`, `entitlements`, `credits`.
pub const SCOPES: [&str; 6] = [
    "full",
    "read",
    "billing",
    "orders",
    "entitlements",
    "credits",
];

/// Longest expiry a key may be given, in days.
pub const MAX_EXPIRY_DAYS: u32 = 730;

/// One key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    pub id: uuid::Uuid,
    pub name: String,
    /// The key's visible start (`gh_live_ab12cd34`), to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// `GET /api/v1/accounts/{id}/api-keys`: newest first, revoked ones too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    pub keys: Vec<ApiKeyView>,
}

/// `POST /api/v1/accounts/{id}/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// 1–100 characters.
    pub name: String,
    /// From [`SCOPES`]; `full` or `read` alone, or areas.
    pub scopes: Vec<String>,
    /// 1–730 days; never expires when absent.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// The new key: `secret` is the whole key, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    /// `Authorization: Bearer <secret>`. Gatehouse keeps only its hash.
    pub secret: String,
}
