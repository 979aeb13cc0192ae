//! Staff manage the catalog: products and prices change here whole, and Stripe follows
//! by a job; prices are immutable (a new amount is a new price), deletion is soft.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{assert_envelope, json, TestApp};
use crate::stripe_world::{fake_price, Gatehouse, Stripe};

async fn public_slugs(gatehouse: &Gatehouse) -> Vec<String> {
    let catalog = json(gatehouse.app.get("/api/v1/catalog").await).await;
    catalog["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|page| page["products"].as_array().unwrap().clone())
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_add_change_and_retire_products_and_stripe_follows() {
    let stripe = Stripe::start();
    let price = fake_price(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, "", &price).await;
    let app = &gatehouse.app;
    let staff = app.staff_session().await;
    let (customer, _) = app.sign_in("ada").await;
    let listed = app
        .authed(
            Method::GET,
            "/api/v1/admin/catalog/products",
            &customer,
            None,
        )
        .await;
    assert_envelope(listed, 403, "forbidden").await;

    let new_product = json!({
        "slug": "backups",
        "name": "Daily backups",
        "description": "Off-site, encrypted",
        "kind": "add_on",
        "parent_slug": "team",
        "entitlements": ["nextcloud"],
        "prices": [{"period": "month", "amount_minor": 500, "currency": "eur"}],
    });
    let created = app
        .authed(
            Method::POST,
            "/api/v1/admin/catalog/products",
            &staff,
            Some(new_product.clone()),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created = json(created).await;
    assert_eq!(created["parent_slug"], "team");
    assert_eq!(created["prices"][0]["amount_minor"], 500);
    assert!(public_slugs(&gatehouse)
        .await
        .contains(&"backups".to_owned()));

    // Stripe follows: the product and its price exist there afterwards.
    gatehouse.settled().await;
    wait_for(app, || async {
        let list = json(
            app.authed(Method::GET, "/api/v1/admin/catalog/products", &staff, None)
                .await,
        )
        .await;
        find(&list, "backups")["prices"][0]["stripe_price_id"].is_string()
    })
    .await;

    // A new amount is a new price; the old one is retired (and archived at Stripe).
    let id = created["id"].as_str().unwrap();
    let changed = json(
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/catalog/products/{id}"),
            &staff,
            Some(json!({"prices": [{"period": "month", "amount_minor": 700, "currency": "eur"}], "name": "Backups"})),
        )
        .await,
    )
    .await;
    let prices = changed["prices"].as_array().unwrap();
    assert_eq!(prices.len(), 2);
    assert!(prices
        .iter()
        .any(|p| p["amount_minor"] == 700 && p["active"] == true));
    assert!(prices
        .iter()
        .any(|p| p["amount_minor"] == 500 && p["active"] == false));
    assert_eq!(changed["name"], "Backups");
    // The new price reaches Stripe. (Retired before it did, it never would: nothing
    // off sale is created there.)
    wait_for(app, || async {
        let list = json(
            app.authed(Method::GET, "/api/v1/admin/catalog/products", &staff, None)
                .await,
        )
        .await;
        find(&list, "backups")["prices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["amount_minor"] == 700 && p["stripe_price_id"].is_string())
    })
    .await;

    // Soft delete: off sale, still listed for staff.
    let retired = json(
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/catalog/products/{id}"),
            &staff,
            Some(json!({"active": false})),
        )
        .await,
    )
    .await;
    assert_eq!(retired["active"], false);
    assert!(retired["prices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["active"] == false));
    assert!(!public_slugs(&gatehouse)
        .await
        .contains(&"backups".to_owned()));
    wait_for(app, || async {
        let list = json(
            app.authed(Method::GET, "/api/v1/admin/catalog/products", &staff, None)
                .await,
        )
        .await;
        find(&list, "backups")["prices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["stripe_price_id"].is_string())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_products_are_refused_whole_with_every_reason() {
    let stripe = Stripe::start();
    let price = fake_price(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, "", &price).await;
    let app = &gatehouse.app;
    let staff = app.staff_session().await;
    let before = public_slugs(&gatehouse).await;
    let refused = app
        .authed(
            Method::POST,
            "/api/v1/admin/catalog/products",
            &staff,
            Some(json!({
                "slug": "Team!",
                "name": "",
                "kind": "add_on",
                "entitlements": ["teleportation"],
                "prices": [
                    {"period": "month", "amount_minor": -1, "currency": "EURO"},
                    {"period": "month", "amount_minor": 100, "currency": "eur"},
                ],
            })),
        )
        .await;
    let body = assert_envelope(refused, 422, "validation_failed").await;
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in [
        "slug",
        "name",
        "parent_slug",
        "entitlements",
        "prices[0].amount_minor",
        "prices[0].currency",
        "prices[1].period",
    ] {
        assert!(fields.contains_key(field), "{field}: {body}");
    }
    let taken = app
        .authed(
            Method::POST,
            "/api/v1/admin/catalog/products",
            &staff,
            Some(json!({"slug": "team", "name": "Again", "kind": "plan",
                        "prices": [{"period": "month", "amount_minor": 100, "currency": "eur"}]})),
        )
        .await;
    let body = assert_envelope(taken, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["slug"], "is already taken");
    let unknown_field = app
        .authed(
            Method::POST,
            "/api/v1/admin/catalog/products",
            &staff,
            Some(json!({"slug": "x", "name": "X", "kind": "plan", "prices": [], "stripe_product_id": "prod_1"})),
        )
        .await;
    assert_envelope(unknown_field, 422, "validation_failed").await;
    let missing = app
        .authed(
            Method::PATCH,
            "/api/v1/admin/catalog/products/00000000-0000-0000-0000-000000000000",
            &staff,
            Some(json!({"name": "Ghost"})),
        )
        .await;
    assert_envelope(missing, 404, "not_found").await;
    assert_eq!(
        public_slugs(&gatehouse).await,
        before,
        "nothing half-written"
    );
}

fn find<'a>(list: &'a Value, slug: &str) -> &'a Value {
    list["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == slug)
        .unwrap()
}

async fn wait_for<F, Fut>(app: &crate::harness::TestApp, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check().await {
        if tokio::time::Instant::now() >= deadline {
            use diesel_async::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                row: String,
            }
            let mut conn = app.db.pool().get().await.unwrap();
            let jobs: Vec<Row> = diesel::sql_query(
                "SELECT concat_ws(' ', kind, state, attempts, unique_key, last_error) AS row FROM jobs",
            )
            .load(&mut conn)
            .await
            .unwrap();
            let jobs: Vec<&str> = jobs.iter().map(|job| job.row.as_str()).collect();
            panic!("Stripe never caught up; jobs: {jobs:#?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_add_and_rename_entitlement_keys_but_never_change_a_key() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let url = "/api/v1/admin/catalog/entitlements";
    let (status, listed) = app.call(Method::GET, url, &staff, None).await;
    assert_eq!(status, 200);
    let nextcloud = listed["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "nextcloud")
        .cloned()
        .unwrap();
    assert_eq!(
        nextcloud["products"],
        json!(["business", "starter", "team"])
    );
    let (status, bad) = app
        .call(
            Method::POST,
            url,
            &staff,
            Some(json!({"key": "Bad Key", "label": ""})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        bad["error"]["fields"]["key"].is_string() && bad["error"]["fields"]["label"].is_string()
    );
    let (status, created) = app
        .call(
            Method::POST,
            url,
            &staff,
            Some(json!({"key": "backups", "label": "Backups"})),
        )
        .await;
    assert_eq!((status, created["products"].clone()), (201, json!([])));
    let (status, taken) = app
        .call(
            Method::POST,
            url,
            &staff,
            Some(json!({"key": "backups", "label": "Again"})),
        )
        .await;
    assert_eq!(
        (status, taken["error"]["fields"]["key"].clone()),
        (422, json!("is already taken"))
    );
    let (status, renamed) = app
        .call(
            Method::PATCH,
            &format!("{url}/backups"),
            &staff,
            Some(json!({"label": "Nightly backups"})),
        )
        .await;
    assert_eq!(
        (status, renamed["label"].clone()),
        (200, json!("Nightly backups"))
    );
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("{url}/backups"),
            &staff,
            Some(json!({"key": "other", "label": "x"})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("{url}/nothing"),
            &staff,
            Some(json!({"label": "x"})),
        )
        .await;
    assert_eq!(status, 404);
}
