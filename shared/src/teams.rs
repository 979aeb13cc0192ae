//! Accounts as teams (`/api/v1/accounts`, members, invitations): a user may belong to
//! several accounts, with a role in each (`owner`, `admin`, `member`, `billing`); an
//! account always keeps an owner.

use serde::{Deserialize, Serialize};

/// An account the signed-in user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub id: uuid::Uuid,
    pub name: String,
    pub personal: bool,
    /// The user's role in it.
    pub role: String,
    pub status: String,
    /// RFC 3339: when the account's free trial ends, while it is on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_ends_at: Option<String>,
}

/// `GET /api/v1/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountList {
    pub accounts: Vec<AccountSummary>,
}

/// `POST /api/v1/accounts`: a team account, with the caller as its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 1–200 characters.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    /// RFC 3339.
    pub joined_at: String,
}

/// `GET /api/v1/accounts/{id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MemberList {
    pub members: Vec<Member>,
}

/// `PATCH /api/v1/accounts/{id}/members/{user_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    /// `admin`, `member` or `billing` (ownership moves by transfer).
    pub role: String,
}

/// `POST /api/v1/accounts/{id}/transfer-ownership`: the caller (an owner) hands the
/// account to another member and becomes an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferOwnership {
    pub user_id: uuid::Uuid,
}

/// `POST /api/v1/accounts/{id}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    /// `admin`, `member` or `billing`.
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: uuid::Uuid,
    pub email: String,
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    pub expires_at: String,
}

/// `GET /api/v1/accounts/{id}/invitations`: the ones still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationList {
    pub invitations: Vec<Invitation>,
}

/// `POST /api/v1/invitations/accept`: the secret from the emailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    pub token: String,
}

/// `POST /api/v1/auth/switch-account`: new tokens acting for another account the user
/// belongs to (a new session; the one that asked ends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SwitchAccount {
    pub account_id: uuid::Uuid,
    /// Keep the refresh token in the httpOnly cookie (the SPA) rather than the answer.
    #[serde(default)]
    pub use_cookie: bool,
}
