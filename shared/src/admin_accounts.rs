//! Accounts and users as staff see them: `GET /api/v1/admin/accounts` (search),
//! `GET /api/v1/admin/accounts/{id}` (everything about one), and the actions on them.

use serde::{Deserialize, Serialize};

use crate::billing::{BillingOverview, Payments};
use crate::instances::OrderList;
use crate::plans::{BankTransfer, Trial};

/// One account in a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminAccount {
    pub id: uuid::Uuid,
    pub name: String,
    pub personal: bool,
    pub status: String,
    /// Staff suspended it (it stays suspended whatever billing says until reactivated).
    pub held: bool,
    pub held_reason: Option<String>,
    /// The first owner's email address.
    pub owner_email: Option<String>,
    pub members: i64,
    pub stripe_customer_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// `GET /api/v1/admin/accounts`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminAccountPage {
    pub accounts: Vec<AdminAccount>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A member of an account, with what support needs to know about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminMember {
    pub user_id: uuid::Uuid,
    pub email: String,
    pub username: String,
    pub name: String,
    pub role: String,
    pub email_verified: bool,
    pub mfa_enabled: bool,
    pub deactivated: bool,
    /// Sign-ins (refresh-token families) still alive.
    pub active_sessions: i64,
    /// Products the person has a live seat on.
    pub seats: Vec<String>,
}

/// One change of the account's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatusChangeView {
    pub from: String,
    pub to: String,
    /// `stripe`, `system`, `staff` or `user`.
    pub actor: String,
    pub reason: String,
    /// RFC 3339.
    pub at: String,
}

/// `GET /api/v1/admin/accounts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminAccountDetail {
    pub account: AdminAccount,
    pub members: Vec<AdminMember>,
    pub billing: BillingOverview,
    pub payments: Payments,
    pub bank_transfers: Vec<BankTransfer>,
    pub orders: OrderList,
    pub credits_balance: i64,
    pub trial: Option<Trial>,
    /// Newest first.
    pub status_history: Vec<StatusChangeView>,
}

/// `POST /api/v1/admin/accounts/{id}/suspend` and `…/reactivate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffReason {
    /// Why, 1–500 characters. A suspension keeps it (the account's hold, its status
    /// history and so the audit record); a reactivation writes it into the status change
    /// it makes when billing does not decide the status; every action logs it.
    pub reason: String,
}

/// `POST /api/v1/admin/accounts/{id}/resync`: what re-syncing the account started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountResync {
    /// The account after its status was settled again.
    pub account: AdminAccount,
    /// Its subscriptions, each queued to be read again from Stripe (their changes land
    /// within seconds, as a webhook's would).
    pub subscriptions_queued: i64,
}

/// What a staff action on a person did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserActionDone {
    pub user_id: uuid::Uuid,
    /// Sign-ins ended (revoking sessions).
    pub sessions_ended: usize,
    /// An email was asked for (at most one a minute goes out per address and purpose).
    pub email_requested: bool,
}

/// `POST /api/v1/admin/accounts/{id}/view-as`: whom to view the account as (its first
/// owner when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ViewAs {
    #[serde(default)]
    pub user_id: Option<uuid::Uuid>,
}

/// A read-only access token acting as the customer: every change made with it is
/// refused (403 `read_only_session`); it cannot be refreshed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ViewAsToken {
    pub access_token: String,
    /// Seconds.
    pub expires_in: u64,
    pub user_id: uuid::Uuid,
    pub account_id: uuid::Uuid,
}
