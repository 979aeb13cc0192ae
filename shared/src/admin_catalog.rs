//! The catalog as staff manage it (`/api/v1/admin/catalog/…`).

use serde::{Deserialize, Serialize};

use crate::catalog::{BillingPeriod, ProductKind};
use crate::ids::{PriceId, ProductId};

/// A product with every price it ever had (retired ones inactive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminProduct {
    pub id: ProductId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: ProductKind,
    pub pricing_page: String,
    pub display_order: i32,
    /// The plan an add-on belongs to.
    pub parent_slug: Option<String>,
    pub needs_instance: bool,
    pub active: bool,
    /// Empty until the product reached Stripe.
    pub stripe_product_id: Option<String>,
    pub entitlements: Vec<String>,
    pub prices: Vec<AdminPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminPrice {
    pub id: PriceId,
    pub period: BillingPeriod,
    pub amount_minor: i64,
    pub currency: String,
    pub active: bool,
    pub stripe_price_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminProducts {
    pub products: Vec<AdminProduct>,
}

/// A price to offer: one per period; a new amount retires the old price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PriceInput {
    pub period: BillingPeriod,
    /// In the currency's minor unit (cents).
    pub amount_minor: i64,
    /// ISO 4217, lower case (`eur`).
    pub currency: String,
}

/// `POST /api/v1/admin/catalog/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// Lower-case letters, digits and `-`; unique.
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: ProductKind,
    #[serde(default = "default_page")]
    pub pricing_page: String,
    #[serde(default)]
    pub display_order: i32,
    /// Required for add-ons: the plan they extend.
    #[serde(default)]
    pub parent_slug: Option<String>,
    #[serde(default)]
    pub needs_instance: bool,
    /// Entitlement keys the product grants.
    #[serde(default)]
    pub entitlements: Vec<String>,
    pub prices: Vec<PriceInput>,
}

fn default_page() -> String {
    "default".to_owned()
}

/// `PATCH /api/v1/admin/catalog/products/{id}`: absent fields stay. `active: false` is
/// the soft delete (its prices retire; subscriptions that have them keep them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub pricing_page: Option<String>,
    #[serde(default)]
    pub display_order: Option<i32>,
    #[serde(default)]
    pub needs_instance: Option<bool>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub entitlements: Option<Vec<String>>,
    /// Prices to offer from now on (periods not named keep their price).
    #[serde(default)]
    pub prices: Option<Vec<PriceInput>>,
}

/// An entitlement key: what products grant and tokens carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminEntitlement {
    /// `^[a-z0-9][a-z0-9_]{0,62}$`; never changes once made (tokens carry it).
    pub key: String,
    /// What customers read, 1–120 characters.
    pub label: String,
    /// Slugs of the products granting it.
    pub products: Vec<String>,
}

/// `GET /api/v1/admin/catalog/entitlements`, by key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminEntitlements {
    pub entitlements: Vec<AdminEntitlement>,
}

/// `POST /api/v1/admin/catalog/entitlements` (both fields) and `PATCH …/{key}` (the
/// label; `key` absent or equal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EntitlementInput {
    #[serde(default)]
    pub key: Option<String>,
    pub label: String,
}
