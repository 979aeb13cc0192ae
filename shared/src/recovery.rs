//! Getting back in after a cancellation or a failed payment: prove the address with a
//! code, then pay again for what the account had.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/recovery/code`: answered the same whoever asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodeRequest {
    /// Email address or username.
    pub login: String,
}

/// `POST /api/v1/recovery/code/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoveryVerifyRequest {
    pub login: String,
    /// Six digits.
    pub code: String,
}

/// What the account had, to be bought again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecoveryItem {
    pub product_slug: Option<String>,
    pub product_name: Option<String>,
    pub quantity: i32,
}

/// The account may be recovered: a token for `recovery/checkout` (10 minutes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecoveryGranted {
    pub recovery_token: String,
    /// `cancelled`, `past_due` or `suspended`.
    pub account_status: String,
    pub items: Vec<RecoveryItem>,
    /// RFC 3339: a cancelled account's data is deleted after this (absent otherwise).
    pub recoverable_until: Option<String>,
}

/// `POST /api/v1/recovery/checkout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoveryCheckoutRequest {
    pub recovery_token: String,
}

/// Where to pay: a new Checkout for the old items (`checkout`), or, while the old
/// subscription still stands unpaid, Stripe's Customer Portal to pay it (`portal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecoveryPayment {
    pub kind: String,
    pub url: String,
    pub session_id: Option<String>,
}
