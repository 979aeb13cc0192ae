//! What plans include besides entitlements (credits, overage, the free trial), free
//! trials, and periods paid by bank transfer.

use serde::{Deserialize, Serialize};

use crate::catalog::BillingPeriod;

/// A plan's terms: `GET|PUT /api/v1/admin/catalog/products/{id}/terms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanTerms {
    /// Credits granted each paid month (a yearly period grants twelve months' worth);
    /// unused plan credits expire when the next period's arrive. 0–1,000,000.
    pub monthly_credits: i64,
    /// How far below zero usage may take the balance (0: not at all). 0–1,000,000.
    pub overage_limit: i64,
    /// Length of the free trial in days (0: the plan offers none). 0–90.
    pub trial_days: i32,
    /// Credits granted when the trial starts. 0–1,000,000.
    pub trial_credits: i64,
}

/// A plan offering a free trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TrialPlan {
    pub slug: String,
    pub name: String,
    pub days: i32,
    pub credits: i64,
}

/// An account's free trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Trial {
    pub plan_slug: String,
    pub plan_name: String,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub ends_at: String,
    /// The trial's time is over.
    pub ended: bool,
}

/// `GET /api/v1/accounts/{id}/trial`: whether the account may start a free trial, of
/// which plans, and the trial it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TrialOffer {
    /// The account may start a trial now (never had one, never paid, no plan offers none).
    pub eligible: bool,
    pub plans: Vec<TrialPlan>,
    pub trial: Option<Trial>,
}

/// `POST /api/v1/accounts/{id}/trial`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartTrial {
    /// The plan's slug; the first plan offering a trial when absent.
    #[serde(default)]
    pub plan: Option<String>,
}

/// `POST /api/v1/admin/accounts/{id}/bank-transfers`: staff confirm a transfer that
/// arrived; it pays for one period of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmBankTransfer {
    /// The bank's reference for the transfer, 1–100 characters; each is confirmed once.
    pub reference: String,
    /// What arrived, in minor units; at least the plan's price for the period.
    pub amount_minor: i64,
    /// ISO 4217, lower case (`eur`).
    pub currency: String,
    /// Who sent it, 1–200 characters.
    pub payer: String,
    /// The plan's slug.
    pub plan: String,
    pub period: BillingPeriod,
}

/// A confirmed bank transfer and the period it pays for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BankTransfer {
    pub id: uuid::Uuid,
    pub account_id: uuid::Uuid,
    pub reference: String,
    pub amount_minor: i64,
    pub currency: String,
    pub payer: String,
    pub plan_name: String,
    /// RFC 3339: the period it pays for.
    pub starts_at: String,
    pub ends_at: String,
    pub confirmed_at: String,
}

/// `GET /api/v1/admin/accounts/{id}/bank-transfers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BankTransfers {
    pub transfers: Vec<BankTransfer>,
}
