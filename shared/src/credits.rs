//! An account's credits (`/api/v1/accounts/{id}/credits`): an append-only ledger whose
//! sum is the balance, which never goes below zero.

use serde::{Deserialize, Serialize};

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreditTransaction {
    pub id: i64,
    /// `grant`, `usage`, `adjustment` or `expiry`.
    pub kind: String,
    /// Positive adds, negative takes away.
    pub amount: i64,
    pub balance_after: i64,
    pub idempotency_key: Option<String>,
    pub description: String,
    /// RFC 3339.
    pub created_at: String,
}

/// `GET /api/v1/accounts/{id}/credits`: the balance and the newest entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Credits {
    pub balance: i64,
    /// Newest first (at most 100).
    pub transactions: Vec<CreditTransaction>,
}

/// `POST /api/v1/accounts/{id}/credits/usage`: integrators record what was used. The
/// same `idempotency_key` records once (a repeat answers the first entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordUsage {
    /// 1–1,000,000 credits.
    pub amount: i64,
    /// 1–200 characters, unique per account.
    pub idempotency_key: String,
    #[serde(default)]
    pub description: String,
}

/// `POST /api/v1/admin/accounts/{id}/credits`: staff grant credits or adjust the
/// balance (an adjustment may be negative, never below zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdjustCredits {
    /// `grant` (positive) or `adjustment` (either sign).
    pub kind: String,
    pub amount: i64,
    /// Why, 1–500 characters (it stays in the ledger).
    pub description: String,
}
