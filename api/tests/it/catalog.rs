//! The public catalog and the demo seed.

use gatehouse::catalog::seed::seed_demo_catalog;
use gatehouse::db::catalog as q;
use gatehouse_shared::catalog::{BillingPeriod, CatalogResponse, ProductKind};

use crate::harness::{json, TestApp};

async fn catalog(app: &TestApp) -> CatalogResponse {
    let response = app.get("/api/v1/catalog").await;
    assert_eq!(response.status(), 200);
    serde_json::from_value(json(response).await).expect("matches the shared type")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_catalog_has_no_pages() {
    let app = TestApp::spawn().await;
    assert!(catalog(&app).await.pages.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_catalog_groups_plans_then_add_ons_with_yearly_savings() {
    let app = TestApp::builder().seeded().spawn().await;
    let catalog = catalog(&app).await;
    assert_eq!(catalog.pages.len(), 1);
    let page = &catalog.pages[0];
    assert_eq!(page.slug, "default");
    let slugs: Vec<&str> = page.products.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "starter",
            "team",
            "business",
            "priority-support",
            "storage-100gb"
        ]
    );
    let starter = &page.products[0];
    assert_eq!(starter.kind, ProductKind::Plan);
    assert_eq!(starter.entitlements.len(), 1);
    assert_eq!(starter.entitlements[0].key, "nextcloud");
    assert_eq!(
        starter.entitlements[0].label,
        "Nextcloud files and calendars"
    );
    let business_keys: Vec<&str> = page.products[2]
        .entitlements
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(
        business_keys,
        ["nextcloud", "sso", "vaultwarden"],
        "ordered by label"
    );
    assert_eq!(starter.prices.len(), 2);
    assert_eq!(starter.prices[0].period, BillingPeriod::Month);
    assert_eq!(starter.prices[0].amount_minor, 900);
    assert_eq!(starter.prices[1].period, BillingPeriod::Year);
    assert_eq!(starter.prices[1].amount_minor, 9_000);
    assert_eq!(starter.yearly_savings_percent, Some(16));
    let storage = &page.products[4];
    assert_eq!(storage.kind, ProductKind::StorageAddOn);
    assert_eq!(storage.parent_slug.as_deref(), Some("team"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_twice_converges_to_the_same_catalog() {
    let app = TestApp::builder().seeded().spawn().await;
    let before = catalog(&app).await;
    // Through a separate pool on the same database, as a second `gatehouse seed` would be.
    let mut conn = app.db.pool().get().await.unwrap();
    assert_eq!(seed_demo_catalog(&mut conn).await.unwrap(), 5);
    assert_eq!(catalog(&app).await, before, "ids and prices are unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_price_replaces_the_active_one_and_inactive_products_are_hidden() {
    let app = TestApp::builder().seeded().spawn().await;
    let mut conn = app.state.pool.get().await.unwrap();
    let team = q::find_product_by_slug(&mut conn, "team")
        .await
        .unwrap()
        .unwrap();
    let old_price = catalog(&app).await.pages[0].products[1].prices[0].id;
    let new_id = q::set_active_price(&mut conn, team.id, "month", 3_500, "eur")
        .await
        .unwrap();
    assert_ne!(
        new_id.to_string(),
        old_price.to_string(),
        "prices are immutable"
    );

    let after = catalog(&app).await;
    let team_entry = &after.pages[0].products[1];
    assert_eq!(team_entry.prices[0].amount_minor, 3_500);
    assert_eq!(team_entry.prices.len(), 2, "one active price per period");
    assert_eq!(team_entry.yearly_savings_percent, Some(30)); // 420 → 290

    q::upsert_product(
        &mut conn,
        &q::ProductUpsert {
            slug: "business",
            name: "Business",
            description: "",
            kind: "plan",
            pricing_page: "default",
            display_order: 20,
            parent_product_id: None,
            needs_instance: true,
            active: false,
        },
    )
    .await
    .unwrap();
    let slugs: Vec<String> = catalog(&app).await.pages[0]
        .products
        .iter()
        .map(|p| p.slug.clone())
        .collect();
    assert!(!slugs.contains(&"business".to_owned()), "{slugs:?}");
}
