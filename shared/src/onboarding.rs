//! The sign-up-and-pay flow (onboarding wizard) and the waitlist.

use serde::{Deserialize, Serialize};

use crate::ids::PriceId;

/// `POST /api/v1/onboarding/validate`: is this username free, is this address usable?
/// Only the fields sent are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// One field's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldCheck {
    /// Whether the value can be used as it is.
    pub ok: bool,
    /// Why not, or a hint (e.g. that the address already has an account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The per-field answers of `POST /api/v1/onboarding/validate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Validation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<FieldCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<FieldCheck>,
}

/// `POST /api/v1/onboarding/email-code`: email a 6-digit code proving the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailCodeRequest {
    pub email: String,
}

/// `POST /api/v1/onboarding/email-code/verify`: the code, with who is signing up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailCodeVerifyRequest {
    pub email: String,
    /// Six digits.
    pub code: String,
    /// 3–32 characters: letters, digits, `_`, `.`, `-`; starts with a letter or digit.
    pub username: String,
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

/// The proved address: a bearer secret for `onboarding/checkout`, valid for an hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EmailProved {
    pub onboarding_token: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// An add-on bought with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddOnChoice {
    /// A price of an add-on from `GET catalog`, in the plan's billing period.
    pub price_id: PriceId,
    /// 1–100 (storage add-ons are bought by the unit); default 1.
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// `POST /api/v1/onboarding/checkout`: ids only; every amount comes from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnboardingCheckoutRequest {
    /// From `onboarding/email-code/verify`.
    pub onboarding_token: String,
    /// A plan's price from `GET catalog`.
    pub price_id: PriceId,
    #[serde(default)]
    pub add_ons: Vec<AddOnChoice>,
}

/// Where a checkout stands, as the success page polls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnboardingState {
    /// Paid or not, Stripe has not told Gatehouse yet.
    Pending,
    /// The account exists and holds the subscription.
    Provisioned,
}

/// `GET /api/v1/onboarding/checkout/{session_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OnboardingStatus {
    pub state: OnboardingState,
    pub email: String,
    /// A new user was created and was sent a "set your password" email (otherwise the
    /// purchase joined the existing user's account: sign in as usual).
    pub new_user: bool,
    /// The products the account now has (empty while pending).
    pub products: Vec<crate::billing::OwnedProduct>,
}

/// `POST /api/v1/onboarding/resend-password`: another "set your password" email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResendPasswordRequest {
    pub email: String,
}

/// `POST /api/v1/waitlist`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WaitlistRequest {
    pub email: String,
    /// Up to 100 characters.
    #[serde(default)]
    pub name: String,
    /// A product slug from the catalog.
    #[serde(default)]
    pub product: Option<String>,
}

/// `added`, or `already_on_list` (said kindly; nothing changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitlistJoined {
    pub status: String,
    pub message: String,
}

/// One person on the waitlist, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitlistEntry {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub product: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; when staff last invited them.
    pub invited_at: Option<String>,
}

/// `GET /api/v1/admin/waitlist`: oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitlistPage {
    pub entries: Vec<WaitlistEntry>,
    pub total: i64,
}
