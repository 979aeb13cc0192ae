//! The demo catalog `gatehouse seed` writes: three plans (with monthly credits; Team
//! offers a 14-day free trial) and two add-ons on the `default` pricing page. Running it again converges to the same rows.

use diesel_async::AsyncConnection;

use crate::db::catalog::{self as q, ProductUpsert};
use crate::db::Conn;

struct DemoProduct {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    kind: &'static str,
    parent: Option<&'static str>,
    needs_instance: bool,
    monthly: i64,
    yearly: i64,
    entitlements: &'static [&'static str],
    /// Monthly credits, overage limit, trial days, trial credits (plans only).
    terms: (i64, i64, i32, i64),
}

/// Entitlement keys and the names customers read.
const ENTITLEMENTS: &[(&str, &str)] = &[
    ("nextcloud", "Nextcloud files and calendars"),
    ("vaultwarden", "Vaultwarden password manager"),
    ("sso", "Single sign-on (SSO)"),
    ("priority_support", "Priority support"),
    ("storage_100gb", "100 GB extra storage"),
];

const DEMO: &[DemoProduct] = &[
    DemoProduct {
        slug: "starter",
        name: "Starter",
        description: "Files and calendars for one person, hosted for you.",
        kind: "plan",
        parent: None,
        needs_instance: true,
        monthly: 900,
        yearly: 9_000,
        entitlements: &["nextcloud"],
        terms: (500, 0, 0, 0),
    },
    DemoProduct {
        slug: "team",
        name: "Team",
        description: "Files, calendars and a shared password vault for small teams.",
        kind: "plan",
        parent: None,
        needs_instance: true,
        monthly: 2_900,
        yearly: 29_000,
        entitlements: &["nextcloud", "vaultwarden"],
        terms: (2_000, 200, 14, 200),
    },
    DemoProduct {
        slug: "business",
        name: "Business",
        description: "Everything in Team, plus single sign-on for your company.",
        kind: "plan",
        parent: None,
        needs_instance: true,
        monthly: 7_900,
        yearly: 79_000,
        entitlements: &["nextcloud", "sso", "vaultwarden"],
        terms: (10_000, 1_000, 0, 0),
    },
    DemoProduct {
        slug: "priority-support",
        name: "Priority support",
        description: "Answers within four business hours.",
        kind: "add_on",
        parent: None,
        needs_instance: false,
        monthly: 1_500,
        yearly: 15_000,
        entitlements: &["priority_support"],
        terms: (0, 0, 0, 0),
    },
    DemoProduct {
        slug: "storage-100gb",
        name: "Extra storage 100 GB",
        description: "100 GB more for your files.",
        kind: "storage_add_on",
        parent: Some("team"),
        needs_instance: false,
        monthly: 500,
        yearly: 5_000,
        entitlements: &["storage_100gb"],
        terms: (0, 0, 0, 0),
    },
];

/// Writes the demo catalog in one transaction; returns how many products it holds.
pub async fn seed_demo_catalog(conn: &mut Conn) -> anyhow::Result<usize> {
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        for (key, label) in ENTITLEMENTS {
            q::upsert_entitlement(conn, key, label).await?;
        }
        for (order, demo) in DEMO.iter().enumerate() {
            let parent_product_id = match demo.parent {
                Some(slug) => Some(
                    q::find_product_by_slug(conn, slug)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("parent {slug} not seeded yet"))?
                        .id,
                ),
                None => None,
            };
            let id = q::upsert_product(
                conn,
                &ProductUpsert {
                    slug: demo.slug,
                    name: demo.name,
                    description: demo.description,
                    kind: demo.kind,
                    pricing_page: "default",
                    display_order: i32::try_from(order)? * 10,
                    parent_product_id,
                    needs_instance: demo.needs_instance,
                    active: true,
                },
            )
            .await?;
            q::set_active_price(conn, id, "month", demo.monthly, "eur").await?;
            q::set_active_price(conn, id, "year", demo.yearly, "eur").await?;
            q::set_entitlements(conn, id, demo.entitlements).await?;
            if demo.kind == "plan" {
                let (monthly_credits, overage_limit, trial_days, trial_credits) = demo.terms;
                crate::db::plans::set_terms(
                    conn,
                    &crate::db::plans::Terms {
                        product_id: id,
                        monthly_credits,
                        overage_limit,
                        trial_days,
                        trial_credits,
                    },
                )
                .await?;
            }
        }
        Ok(DEMO.len())
    })
    .await
}

/// One demo instance for each demo product that runs on instances and has none yet, so a
/// paid sign-up in the demo gets a seat and a link; how many were added. Their addresses
/// are placeholders (`.invalid` never resolves): staff point them at real deployments
/// through the admin API. Run after [`seed_demo_catalog`].
pub async fn seed_demo_instances(conn: &mut Conn) -> anyhow::Result<usize> {
    use crate::db::instances::{self as instances, NewInstance};
    let mut added = 0;
    for demo in DEMO.iter().filter(|demo| demo.needs_instance) {
        let Some(product) = q::find_product_by_slug(conn, demo.slug).await? else {
            continue;
        };
        if !instances::instances_of(conn, product.id).await?.is_empty() {
            continue;
        }
        instances::insert_instance(
            conn,
            &NewInstance {
                product_id: product.id,
                name: &format!("{}-demo-1", demo.slug),
                base_url: &format!("https://{}.demo.invalid/", demo.slug),
                active: true,
                auto_allocate: true,
                soft_cap: 40,
                allocation_cap: 50,
                hard_cap: 60,
            },
        )
        .await?;
        added += 1;
    }
    Ok(added)
}
