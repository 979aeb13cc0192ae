//! What an account has bought and paid, as the customer sees it.

use serde::{Deserialize, Serialize};

use crate::catalog::{BillingPeriod, Entitlement};

/// `GET /api/v1/billing/subscription`: the account's standing and its subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BillingOverview {
    /// `trial`, `active`, `past_due`, `pending_payment`, `suspended` or `cancelled`.
    pub account_status: String,
    /// RFC 3339: when access ends if a past-due payment is not made.
    pub grace_ends_at: Option<String>,
    /// The current (or last) subscription; absent when the account never subscribed.
    pub subscription: Option<SubscriptionView>,
    /// What the account may use now.
    pub entitlements: Vec<Entitlement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SubscriptionView {
    /// Stripe's status: `trialing`, `active`, `past_due`, `canceled`, `unpaid`, …
    pub status: String,
    /// RFC 3339.
    pub current_period_end: Option<String>,
    /// It ends at `current_period_end` unless resumed.
    pub cancel_at_period_end: bool,
    /// RFC 3339.
    pub trial_end: Option<String>,
    pub items: Vec<SubscriptionItemView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SubscriptionItemView {
    /// The catalog product (absent for a Stripe price the catalog does not know).
    pub product_slug: Option<String>,
    pub product_name: Option<String>,
    pub period: Option<BillingPeriod>,
    /// In the currency's minor unit.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub quantity: i32,
}

/// `GET /api/v1/billing/payments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Payments {
    pub payments: Vec<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PaymentView {
    pub invoice_id: String,
    /// Stripe's invoice status: `open`, `paid`, `void`, `uncollectible`.
    pub status: String,
    pub amount_due_minor: i64,
    pub amount_paid_minor: i64,
    pub currency: String,
    /// Stripe's page for the invoice (receipt, PDF).
    pub hosted_invoice_url: Option<String>,
    /// RFC 3339.
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub created: String,
}

/// `GET /api/v1/me/entitlements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Entitlements {
    pub account_id: crate::ids::AccountId,
    pub entitlements: Vec<Entitlement>,
}

/// `POST /api/v1/billing/checkout`: subscribe the account to a plan's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// A price from `GET catalog` (of a plan).
    pub price_id: crate::ids::PriceId,
}

/// Where to send the customer to pay. Nothing is granted until Stripe confirms the
/// payment (by webhook); the billing page shows the change once it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CheckoutStarted {
    pub session_id: String,
    /// Stripe's hosted checkout page.
    pub url: String,
}

/// `POST /api/v1/billing/portal`: Stripe's Customer Portal (payment methods, invoices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalSession {
    pub url: String,
}

/// `POST /api/v1/billing/subscription/change`: move the subscription to another plan's
/// price, with the proration (credit for the unused time, charge for the new plan)
/// invoiced at once. `preview: true` only prices it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePlanRequest {
    pub price_id: crate::ids::PriceId,
    #[serde(default)]
    pub preview: bool,
}

/// What a plan change would cost now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlanChangePreview {
    /// Charged at once (negative amounts become credit).
    pub amount_due_minor: i64,
    pub currency: String,
    pub lines: Vec<PreviewLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PreviewLine {
    pub description: String,
    pub amount_minor: i64,
}

/// A product the account has now (from its live subscriptions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OwnedProduct {
    pub slug: String,
    pub name: String,
    /// `plan`, `add_on` or `storage_add_on`.
    pub kind: String,
    pub quantity: i32,
    /// Whether it runs on a product instance (the link arrives once a seat is placed).
    pub needs_instance: bool,
    /// The signed-in user's instance of it (its base URL), once they have a seat there.
    #[serde(default)]
    pub url: Option<String>,
}

/// Something the signed-in person should act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Attention {
    /// `email_unverified`, `payment_failed`, `suspended`, `cancelled` or `pending_payment`.
    pub code: String,
    pub message: String,
}

/// `GET /api/v1/me/products`: the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MyProducts {
    pub account_id: crate::ids::AccountId,
    pub account_status: String,
    pub products: Vec<OwnedProduct>,
    pub attention: Vec<Attention>,
}
