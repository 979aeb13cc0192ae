//! The public catalog: what can be bought, grouped per pricing page.

use serde::{Deserialize, Serialize};

use crate::ids::{PriceId, ProductId};

/// What a product is to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// A base plan; an account subscribes to one plan.
    Plan,
    /// An optional extra bought on top of a plan.
    AddOn,
    /// Extra storage bought on top of a plan.
    StorageAddOn,
}

impl ProductKind {
    pub const ALL: [ProductKind; 3] = [Self::Plan, Self::AddOn, Self::StorageAddOn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::AddOn => "add_on",
            Self::StorageAddOn => "storage_add_on",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// How often a price is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    Month,
    Year,
}

impl BillingPeriod {
    pub const ALL: [BillingPeriod; 2] = [Self::Month, Self::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|period| period.as_str() == value)
    }
}

/// `GET /api/v1/catalog`: every active product, grouped per pricing page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogResponse {
    pub pages: Vec<PricingPage>,
}

/// One pricing page (for example `default` or `business`) and what it offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PricingPage {
    /// The page's slug, as used in the SPA's `/pricing/{page}` URL.
    pub slug: String,
    /// Products in display order: plans first, then add-ons.
    pub products: Vec<CatalogProduct>,
}

/// A product as customers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogProduct {
    pub id: ProductId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: ProductKind,
    /// For add-ons: the slug of the plan they extend.
    pub parent_slug: Option<String>,
    /// Whether buying it places the user on a product instance.
    pub needs_instance: bool,
    /// What the product grants, ordered by label.
    pub entitlements: Vec<Entitlement>,
    /// Active prices, monthly before yearly.
    pub prices: Vec<CatalogPrice>,
    /// Whole percent saved by paying yearly instead of twelve months, when both exist.
    pub yearly_savings_percent: Option<u32>,
}

/// Something an account can be entitled to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Entitlement {
    /// Stable key used in access tokens and by product instances, e.g. `nextcloud`.
    pub key: String,
    /// What customers read, e.g. `Nextcloud`.
    pub label: String,
}

/// One way to pay for a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CatalogPrice {
    pub id: PriceId,
    pub period: BillingPeriod,
    /// Amount in the currency's minor unit (cents).
    pub amount_minor: i64,
    /// ISO 4217 code, lower case as Stripe uses it (`eur`).
    pub currency: String,
}

/// Percent saved by a yearly price compared with twelve monthly payments, rounded down.
/// `None` when there is nothing to save or either price is missing.
pub fn yearly_savings_percent(monthly_minor: i64, yearly_minor: i64) -> Option<u32> {
    let twelve_months = monthly_minor.checked_mul(12)?;
    if twelve_months <= 0 || yearly_minor >= twelve_months || yearly_minor < 0 {
        return None;
    }
    // In i128: staff may set prices large enough for `* 100` to overflow an i64.
    let saved =
        (i128::from(twelve_months) - i128::from(yearly_minor)) * 100 / i128::from(twelve_months);
    u32::try_from(saved).ok().filter(|percent| *percent > 0)
}

/// Formats a minor-unit amount for display, e.g. `1299, "eur"` → `"12.99 EUR"`.
pub fn format_amount(amount_minor: i64, currency: &str) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    format!(
        "{sign}{}.{:02} {}",
        abs / 100,
        abs % 100,
        currency.to_ascii_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yearly_savings_are_whole_percent_rounded_down() {
        // 12 x 10.00 = 120.00; paying 100.00 saves 16.67 %.
        assert_eq!(yearly_savings_percent(1000, 10000), Some(16));
        assert_eq!(yearly_savings_percent(1000, 12000), None);
        assert_eq!(yearly_savings_percent(1000, 13000), None);
        assert_eq!(yearly_savings_percent(0, 0), None);
        assert_eq!(yearly_savings_percent(i64::MAX, 1), None);
        // Prices large enough for the percentage arithmetic to overflow an i64.
        let monthly = i64::MAX / 12;
        assert_eq!(yearly_savings_percent(monthly, monthly * 6), Some(50));
        assert_eq!(yearly_savings_percent(monthly, 0), Some(100));
        // Less than one percent saved is not worth advertising.
        assert_eq!(yearly_savings_percent(1000, 11950), None);
    }

    #[test]
    fn amounts_format_with_two_decimals() {
        assert_eq!(format_amount(1299, "eur"), "12.99 EUR");
        assert_eq!(format_amount(5, "usd"), "0.05 USD");
        assert_eq!(format_amount(-250, "eur"), "-2.50 EUR");
    }

    #[test]
    fn enums_round_trip_through_their_wire_names() {
        for kind in ProductKind::ALL {
            assert_eq!(ProductKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        for period in BillingPeriod::ALL {
            assert_eq!(BillingPeriod::parse(period.as_str()), Some(period));
        }
        assert_eq!(ProductKind::parse("bogus"), None);
    }
}
