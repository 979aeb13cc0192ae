//! API keys: an account's credentials for integrators. A key is
//! `gh_live_<8 hex>_<43 base64url>`: the first part (the prefix) finds it, the whole key's
//! SHA-256 proves it (compared in constant time). A key acts as its account, never as
//! staff, within its scopes ([`KeyScopes`]); it stops working at once when revoked, when it
//! expires, and while its account may not act (403 with the status in the code).

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use gatehouse_shared::api_keys::{
    ApiKeyList, ApiKeyView, CreatedApiKey, NewApiKey, MAX_EXPIRY_DAYS, SCOPES,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::status::{access, Access};
use crate::db::api_keys::{self as q, ApiKeyRow, NewApiKeyRow};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

const PREFIX: &str = "gh_live_";

/// The parts of the API a key may be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Billing,
    Orders,
    Entitlements,
    Credits,
}

impl Area {
    fn scope(self) -> &'static str {
        match self {
            Self::Billing => "billing",
            Self::Orders => "orders",
            Self::Entitlements => "entitlements",
            Self::Credits => "credits",
        }
    }
}

/// What a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScopes(pub Vec<String>);

impl KeyScopes {
    /// Whether the key may do this: `full` anything, `read` any read, areas anything in
    /// them.
    pub fn allows(&self, area: Area, write: bool) -> bool {
        self.0.iter().any(|scope| match scope.as_str() {
            "full" => true,
            "read" => !write,
            other => other == area.scope(),
        })
    }
}

/// A request made with a key: the account it acts for.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub key_id: Uuid,
    pub account_id: Uuid,
    pub scopes: KeyScopes,
}

fn view(row: &ApiKeyRow) -> ApiKeyView {
    ApiKeyView {
        id: row.id,
        name: row.name.clone(),
        prefix: row.prefix.clone(),
        scopes: row.scopes(),
        created_at: row.created_at.to_rfc3339(),
        expires_at: row.expires_at.map(|at| at.to_rfc3339()),
        last_used_at: row.last_used_at.map(|at| at.to_rfc3339()),
        revoked_at: row.revoked_at.map(|at| at.to_rfc3339()),
    }
}

fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The request's rules, field by field.
fn check(request: &NewApiKey) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        fields.insert("name".into(), "must be 1–100 characters".into());
    }
    let scopes = &request.scopes;
    let known = scopes.iter().all(|s| SCOPES.contains(&s.as_str()));
    let mut unique = scopes.clone();
    unique.sort();
    unique.dedup();
    let alone = scopes.len() == 1 || !scopes.iter().any(|s| s == "full" || s == "read");
    if scopes.is_empty() || !known || unique.len() != scopes.len() || !alone {
        fields.insert(
            "scopes".into(),
            "must be full or read alone, or one or more of billing, orders, entitlements, credits"
                .into(),
        );
    }
    if request
        .expires_in_days
        .is_some_and(|days| days == 0 || days > MAX_EXPIRY_DAYS)
    {
        fields.insert(
            "expires_in_days".into(),
            format!("must be between 1 and {MAX_EXPIRY_DAYS} days"),
        );
    }
    fields
}

/// Creates a key for the account; the answer holds the whole key, this once.
pub async fn create(
    conn: &mut Conn,
    account_id: Uuid,
    created_by: Uuid,
    request: &NewApiKey,
) -> AppResult<CreatedApiKey> {
    let fields = check(request);
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let public: [u8; 4] = rand::random();
    let secret: [u8; 32] = rand::random();
    let prefix = format!(
        "{PREFIX}{}",
        public
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let key = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    let expires_at = request
        .expires_in_days
        .map(|days| Utc::now() + chrono::Duration::days(i64::from(days)));
    let row = q::insert(
        conn,
        &NewApiKeyRow {
            account_id,
            created_by,
            name: request.name.trim(),
            prefix: &prefix,
            secret_hash: &hash(&key),
            scopes: request.scopes.iter().cloned().map(Some).collect(),
            expires_at,
        },
    )
    .await?;
    tracing::info!(account.id = %account_id, key.id = %row.id, key.prefix = %prefix, "API key created");
    Ok(CreatedApiKey {
        key: view(&row),
        secret: key,
    })
}

pub async fn list(conn: &mut Conn, account_id: Uuid) -> AppResult<ApiKeyList> {
    Ok(ApiKeyList {
        keys: q::of_account(conn, account_id)
            .await?
            .iter()
            .map(view)
            .collect(),
    })
}

/// Revokes the account's key (again is fine); another account's key is not found.
pub async fn revoke(conn: &mut Conn, account_id: Uuid, key_id: Uuid) -> AppResult<()> {
    if !q::revoke(conn, account_id, key_id).await? && !q::exists(conn, account_id, key_id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(account.id = %account_id, key.id = %key_id, "API key revoked");
    Ok(())
}

/// Whether `token` looks like a key (rather than an access token).
pub fn is_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// The caller a key stands for: 401 for anything but a live key, 403
/// (`account_<status>`) while its account may not act.
pub async fn authenticate(conn: &mut Conn, key: &str, now: DateTime<Utc>) -> AppResult<KeyCaller> {
    let prefix = key.get(..PREFIX.len() + 8).ok_or(AppError::Unauthorized)?;
    let (row, status) = q::by_prefix(conn, prefix)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !crate::constant_time::eq(&row.secret_hash, &hash(key)) {
        return Err(AppError::Unauthorized);
    }
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::Unauthorized);
    }
    if access(&status) != Access::Full {
        return Err(AppError::Forbidden {
            code: match status.as_str() {
                "suspended" => "account_suspended",
                "cancelled" => "account_cancelled",
                _ => "account_pending_payment",
            },
            message: format!(
                "The account is {}: its API keys work again once it is in good standing.",
                status.replace('_', " ")
            ),
        });
    }
    q::touch(conn, row.id).await?;
    Ok(KeyCaller {
        key_id: row.id,
        account_id: row.account_id,
        scopes: KeyScopes(row.scopes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(scopes: &[&str], days: Option<u32>) -> NewApiKey {
        NewApiKey {
            name: "CI".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_in_days: days,
        }
    }

    #[test]
    fn scopes_are_full_or_read_alone_or_areas() {
        assert!(check(&request(&["full"], None)).is_empty());
        assert!(check(&request(&["read"], Some(30))).is_empty());
        assert!(check(&request(&["billing", "orders"], Some(730))).is_empty());
        for bad in [
            &[][..],
            &["full", "read"],
            &["read", "billing"],
            &["admin"],
            &["orders", "orders"],
        ] {
            assert!(check(&request(bad, None)).contains_key("scopes"), "{bad:?}");
        }
        assert!(check(&request(&["full"], Some(0))).contains_key("expires_in_days"));
        assert!(check(&request(&["full"], Some(731))).contains_key("expires_in_days"));
    }

    #[test]
    fn a_key_does_what_its_scopes_say() {
        let read = KeyScopes(vec!["read".into()]);
        assert!(read.allows(Area::Billing, false) && !read.allows(Area::Billing, true));
        let orders = KeyScopes(vec!["orders".into()]);
        assert!(orders.allows(Area::Orders, true) && !orders.allows(Area::Billing, false));
        let full = KeyScopes(vec!["full".into()]);
        assert!(full.allows(Area::Entitlements, true));
    }
}
