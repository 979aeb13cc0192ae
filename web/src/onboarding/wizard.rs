//! The wizard's answers and the rules over them: which step comes next, which one is
//! missing, what the chosen items cost. Pure, so unit tests cover it.

use gatehouse_shared::catalog::{BillingPeriod, CatalogProduct, CatalogResponse, ProductKind};
use gatehouse_shared::ids::PriceId;
use gatehouse_shared::onboarding::AddOnChoice;
use serde::{Deserialize, Serialize};

use super::plan::plans;
use crate::pricing::DEFAULT_PAGE;

/// The most units of one storage add-on.
pub const MAX_STORAGE: u32 = 100;

/// What the person chose so far (kept in `sessionStorage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Wizard {
    /// The chosen plan's slug.
    pub plan: Option<String>,
    pub yearly: bool,
    /// Slugs of the general add-ons ticked.
    pub add_ons: Vec<String>,
    /// Storage add-on slug → units (0 is left out).
    pub storage: Vec<(String, u32)>,
    /// Step 3 was answered (or skipped: the plan has no storage add-ons).
    pub storage_done: bool,
    pub last_name: String,
    pub username: String,
    pub email: String,
}

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Welcome,
    Plan,
    Storage,
    Account,
}

impl Step {
    pub fn path(self) -> &'static str {
        match self {
            Self::Welcome => "/onboarding",
            Self::Plan => "/onboarding/plan",
            Self::Storage => "/onboarding/storage",
            Self::Account => "/onboarding/account",
        }
    }
}

impl Wizard {
    pub fn period(&self) -> BillingPeriod {
        if self.yearly {
            BillingPeriod::Year
        } else {
            BillingPeriod::Month
        }
    }

    /// The first step before `step` that is not answered yet.
    pub fn missing_before(&self, step: Step, has_first_name: bool) -> Option<Step> {
        let missing = if !has_first_name {
            Step::Welcome
        } else if self.plan.is_none() {
            Step::Plan
        } else if !self.storage_done {
            Step::Storage
        } else {
            return None;
        };
        (missing < step).then_some(missing)
    }

    /// Chooses a plan: a different plan drops the add-ons and storage that belonged to
    /// the old one.
    pub fn choose_plan(&mut self, slug: &str) {
        if self.plan.as_deref() != Some(slug) {
            self.plan = Some(slug.to_owned());
            self.storage.clear();
            self.storage_done = false;
        }
    }

    pub fn units(&self, slug: &str) -> u32 {
        self.storage
            .iter()
            .find(|(name, _)| name == slug)
            .map_or(0, |(_, units)| *units)
    }

    pub fn set_units(&mut self, slug: &str, units: u32) {
        self.storage.retain(|(name, _)| name != slug);
        if units > 0 {
            self.storage.push((slug.to_owned(), units.min(MAX_STORAGE)));
        }
    }
}

/// Products of `kind` sold with `plan`, from the default pricing page, that have a price
/// in `period`.
pub fn extras(
    catalog: &CatalogResponse,
    plan: &str,
    kind: ProductKind,
    period: BillingPeriod,
) -> Vec<CatalogProduct> {
    catalog
        .pages
        .iter()
        .filter(|page| page.slug == DEFAULT_PAGE)
        .flat_map(|page| page.products.iter())
        .filter(|product| {
            product.kind == kind
                && product
                    .parent_slug
                    .as_deref()
                    .is_none_or(|parent| parent == plan)
                && product.prices.iter().any(|price| price.period == period)
        })
        .cloned()
        .collect()
}

/// Where Continue on the plan step leads.
pub fn after_plan(catalog: &CatalogResponse, wizard: &Wizard) -> Step {
    let plan = wizard.plan.as_deref().unwrap_or_default();
    if extras(catalog, plan, ProductKind::StorageAddOn, wizard.period()).is_empty() {
        Step::Account
    } else {
        Step::Storage
    }
}

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub quantity: u32,
    pub price_id: PriceId,
    /// Unit price × quantity.
    pub amount_minor: i64,
}

/// What the chosen items cost each period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub lines: Vec<Line>,
    pub total_minor: i64,
    pub currency: String,
    pub period: BillingPeriod,
}

impl Summary {
    /// The add-ons as `onboarding/checkout` takes them (the plan is the first line).
    pub fn add_ons(&self) -> Vec<AddOnChoice> {
        self.lines
            .iter()
            .skip(1)
            .map(|line| AddOnChoice {
                price_id: line.price_id,
                quantity: line.quantity,
            })
            .collect()
    }
}

/// The chosen plan and extras, priced from the catalog; `None` when the plan is not on
/// sale in the chosen period. Extras no longer on sale are left out.
pub fn summary(catalog: &CatalogResponse, wizard: &Wizard) -> Option<Summary> {
    let period = wizard.period();
    let slug = wizard.plan.as_deref()?;
    let plan = plans(catalog).into_iter().find(|plan| plan.slug == slug)?;
    let price = plan.prices.iter().find(|price| price.period == period)?;
    let mut lines = vec![Line {
        name: plan.name.clone(),
        quantity: 1,
        price_id: price.id,
        amount_minor: price.amount_minor,
    }];
    let chosen = [ProductKind::AddOn, ProductKind::StorageAddOn]
        .into_iter()
        .flat_map(|kind| extras(catalog, slug, kind, period));
    for product in chosen {
        let quantity = match product.kind {
            ProductKind::StorageAddOn => wizard.units(&product.slug),
            _ => u32::from(wizard.add_ons.contains(&product.slug)),
        };
        let Some(unit) = product
            .prices
            .iter()
            .find(|p| p.period == period && p.currency == price.currency)
        else {
            continue;
        };
        if quantity > 0 {
            lines.push(Line {
                name: product.name.clone(),
                quantity,
                price_id: unit.id,
                amount_minor: unit.amount_minor * i64::from(quantity),
            });
        }
    }
    Some(Summary {
        total_minor: lines.iter().map(|line| line.amount_minor).sum(),
        lines,
        currency: price.currency.clone(),
        period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(
        n: u32,
        slug: &str,
        kind: ProductKind,
        parent: Option<&str>,
        monthly: i64,
    ) -> serde_json::Value {
        serde_json::json!({
            "id": format!("00000000-0000-0000-0000-{n:012}"),
            "slug": slug,
            "name": slug.to_uppercase(),
            "description": "",
            "kind": kind,
            "parent_slug": parent,
            "needs_instance": false,
            "entitlements": [],
            "prices": [{
                "id": format!("00000000-0000-0000-0001-{n:012}"),
                "period": "month",
                "amount_minor": monthly,
                "currency": "EUR",
            }],
            "yearly_savings_percent": null,
        })
    }

    fn catalog() -> CatalogResponse {
        serde_json::from_value(serde_json::json!({
            "pages": [{
                "slug": DEFAULT_PAGE,
                "products": [
                    product(1, "starter", ProductKind::Plan, None, 900),
                    product(2, "team", ProductKind::Plan, None, 2900),
                    product(3, "support", ProductKind::AddOn, None, 1500),
                    product(4, "storage", ProductKind::StorageAddOn, Some("team"), 500),
                ],
            }],
        }))
        .unwrap()
    }

    #[test]
    fn each_step_needs_the_ones_before() {
        let mut wizard = Wizard::default();
        assert_eq!(
            wizard.missing_before(Step::Plan, false),
            Some(Step::Welcome)
        );
        assert_eq!(wizard.missing_before(Step::Plan, true), None);
        assert_eq!(wizard.missing_before(Step::Account, true), Some(Step::Plan));
        wizard.choose_plan("team");
        assert_eq!(wizard.missing_before(Step::Storage, true), None);
        assert_eq!(
            wizard.missing_before(Step::Account, true),
            Some(Step::Storage)
        );
        wizard.storage_done = true;
        assert_eq!(wizard.missing_before(Step::Account, true), None);
        // Another plan: its storage has to be answered again.
        wizard.set_units("storage", 2);
        wizard.choose_plan("starter");
        assert!(wizard.storage.is_empty());
        assert_eq!(
            wizard.missing_before(Step::Account, true),
            Some(Step::Storage)
        );
    }

    #[test]
    fn storage_is_skipped_for_plans_without_it() {
        let catalog = catalog();
        let mut wizard = Wizard::default();
        wizard.choose_plan("starter");
        assert_eq!(after_plan(&catalog, &wizard), Step::Account);
        wizard.choose_plan("team");
        assert_eq!(after_plan(&catalog, &wizard), Step::Storage);
        // Nothing is sold yearly in this catalog.
        wizard.yearly = true;
        assert_eq!(after_plan(&catalog, &wizard), Step::Account);
    }

    #[test]
    fn units_are_bounded_and_zero_drops_the_line() {
        let mut wizard = Wizard::default();
        wizard.set_units("storage", 500);
        assert_eq!(wizard.units("storage"), MAX_STORAGE);
        wizard.set_units("storage", 0);
        assert!(wizard.storage.is_empty());
    }

    #[test]
    fn the_summary_totals_plan_add_ons_and_storage() {
        let catalog = catalog();
        let mut wizard = Wizard::default();
        wizard.choose_plan("team");
        wizard.add_ons = vec!["support".into()];
        wizard.set_units("storage", 2);
        let total = summary(&catalog, &wizard).unwrap();
        let names: Vec<_> = total.lines.iter().map(|line| line.name.as_str()).collect();
        assert_eq!(names, ["TEAM", "SUPPORT", "STORAGE"]);
        assert_eq!(total.total_minor, 2900 + 1500 + 2 * 500);
        assert_eq!(total.currency, "EUR");
        let add_ons = total.add_ons();
        assert_eq!(add_ons.len(), 2);
        assert_eq!(add_ons[1].quantity, 2);

        // Starter has no storage: the units kept for another plan do not count.
        wizard.plan = Some("starter".into());
        assert_eq!(summary(&catalog, &wizard).unwrap().total_minor, 900 + 1500);
        wizard.plan = Some("gone".into());
        assert_eq!(summary(&catalog, &wizard), None);
    }
}
