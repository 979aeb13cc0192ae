//! Staff manage instances through the API (caps validated, room resumes waiting orders,
//! manual placement stops at the hard cap, seats list who holds them), customers follow
//! their own orders only, and the dashboard links to the instance once a seat is placed.

use chrono::Utc;
use gatehouse::billing::subscriptions::{apply_subscription, BillingSettings};
use gatehouse::instances::orders;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{assert_envelope, TestApp};

async fn app() -> TestApp {
    crate::billing::app_with_priced_catalog().await
}

/// The account subscribes to Team (as Stripe's webhook would tell it).
async fn subscribe(app: &TestApp, account: Uuid, customer: &str) {
    let mut snapshot = crate::billing::snapshot(Some(account), "active");
    snapshot.stripe_subscription_id = format!("sub_{customer}");
    snapshot.stripe_customer_id = customer.into();
    snapshot.items[0].stripe_item_id = format!("si_{customer}");
    let settings = BillingSettings::new(
        std::time::Duration::from_secs(86_400),
        &"http://gatehouse.test/".parse().unwrap(),
    );
    let mut conn = app.db.pool().get().await.unwrap();
    apply_subscription(&mut conn, &settings, &snapshot, Utc::now())
        .await
        .unwrap();
}

fn instance(name: &str, caps: (i32, i32, i32)) -> Value {
    json!({
        "product": "team",
        "name": name,
        "base_url": format!("https://{name}.example.org"),
        "soft_cap": caps.0,
        "allocation_cap": caps.1,
        "hard_cap": caps.2,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_add_and_change_instances_with_caps_validated() {
    let app = app().await;
    let staff = app.staff_session().await;
    app.create_user("ada@example.org", "ada").await;
    let (customer, _) = app.sign_in("ada").await;
    // (Well-formed bodies: a malformed one may be refused before the caller is checked.)
    let nobody = json!({"user_id": Uuid::nil()});
    for (method, path, body) in [
        (Method::GET, "/api/v1/admin/instances", None),
        (
            Method::POST,
            "/api/v1/admin/instances",
            Some(instance("x", (1, 1, 1))),
        ),
        (
            Method::PATCH,
            "/api/v1/admin/instances/00000000-0000-0000-0000-000000000000",
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/admin/instances/00000000-0000-0000-0000-000000000000/seats",
            Some(nobody),
        ),
        (Method::GET, "/api/v1/admin/orders", None),
        (
            Method::POST,
            "/api/v1/admin/orders/00000000-0000-0000-0000-000000000000/retry",
            None,
        ),
    ] {
        let refused = app.authed(method, path, &customer, body).await;
        assert_envelope(refused, 403, "forbidden").await;
    }

    let (status, created) = app
        .call(
            Method::POST,
            "/api/v1/admin/instances",
            &staff,
            Some(instance("team-1", (8, 10, 12))),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["product_slug"], "team");
    assert_eq!(created["allocated_seats"], 0);
    assert_eq!(created["active"], true);

    // Every rule answers next to its field.
    let mut bad = instance("team-1", (11, 10, 9));
    bad["base_url"] = json!("ftp://files.example.org");
    let (status, refused) = app
        .call(Method::POST, "/api/v1/admin/instances", &staff, Some(bad))
        .await;
    assert_eq!(status, 422);
    let fields = &refused["error"]["fields"];
    assert!(
        fields["soft_cap"]
            .as_str()
            .unwrap()
            .contains("allocation cap"),
        "{fields}"
    );
    assert!(
        fields["allocation_cap"]
            .as_str()
            .unwrap()
            .contains("hard cap"),
        "{fields}"
    );
    assert!(fields["base_url"].is_string(), "{fields}");
    let mut free = instance("x", (1, 1, 1));
    free["product"] = json!("priority-support");
    let (status, refused) = app
        .call(Method::POST, "/api/v1/admin/instances", &staff, Some(free))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["error"]["fields"]["product"],
        "does not run on instances"
    );
    let (status, refused) = app
        .call(
            Method::POST,
            "/api/v1/admin/instances",
            &staff,
            Some(instance("team-1", (1, 1, 1))),
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused["error"]["fields"]["name"]
        .as_str()
        .unwrap()
        .contains("taken"));

    let id = created["id"].as_str().unwrap();
    let (status, changed) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/instances/{id}"),
            &staff,
            Some(json!({"auto_allocate": false, "soft_cap": 9})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["auto_allocate"].clone(),
            changed["soft_cap"].clone()
        ),
        (json!(false), json!(9))
    );
    let (status, refused) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/instances/{id}"),
            &staff,
            Some(json!({"hard_cap": 5})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused["error"]["fields"]["allocation_cap"].is_string());
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/instances/{}", Uuid::new_v4()),
            &staff,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, 404);

    let (_, listed) = app
        .call(
            Method::GET,
            "/api/v1/admin/instances?product=team",
            &staff,
            None,
        )
        .await;
    assert_eq!(listed["instances"].as_array().unwrap().len(), 1);
    let (_, none) = app
        .call(
            Method::GET,
            "/api/v1/admin/instances?product=starter",
            &staff,
            None,
        )
        .await;
    assert!(none["instances"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_resumes_waiting_orders_and_the_dashboard_links_to_the_instance() {
    let app = app().await;
    let staff = app.staff_session().await;
    let (ada, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let (_, full) = app
        .call(
            Method::POST,
            "/api/v1/admin/instances",
            &staff,
            Some(instance("team-full", (0, 0, 1))),
        )
        .await;

    subscribe(&app, account, "cus_ada").await;
    let (_, listed) = app.call(Method::GET, "/api/v1/orders", &token, None).await;
    let order: Uuid = listed["orders"][0]["id"].as_str().unwrap().parse().unwrap();
    let grace = std::time::Duration::from_secs(86_400);
    assert_eq!(
        orders::fulfil(&app.db.pool(), order, grace)
            .await
            .unwrap()
            .as_deref(),
        Some("needs_capacity")
    );
    let (_, dashboard) = app
        .call(Method::GET, "/api/v1/me/products", &token, None)
        .await;
    assert_eq!(dashboard["products"][0]["slug"], "team");
    assert!(dashboard["products"][0]["url"].is_null());

    // Raising the allocation cap makes room: the order is queued again, then placed.
    let id = full["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/instances/{id}"),
            &staff,
            Some(json!({"allocation_cap": 1})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, waiting) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{order}"),
            &token,
            None,
        )
        .await;
    assert_eq!(waiting["state"], "queued");
    assert_eq!(
        orders::fulfil(&app.db.pool(), order, grace)
            .await
            .unwrap()
            .as_deref(),
        Some("complete")
    );
    let (_, done) = app
        .call(
            Method::GET,
            &format!("/api/v1/orders/{order}"),
            &token,
            None,
        )
        .await;
    assert_eq!(done["state"], "complete");
    let lines: Vec<&str> = done["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("waiting for capacity")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("ada placed on team-full")),
        "{lines:?}"
    );
    let (_, dashboard) = app
        .call(Method::GET, "/api/v1/me/products", &token, None)
        .await;
    assert_eq!(
        dashboard["products"][0]["url"],
        "https://team-full.example.org"
    );
    // Tokens issued from now on carry the seat, for the product to check offline.
    let claims = app.state.keys.verify(&token).await.unwrap();
    assert!(claims.seats.is_empty(), "issued before the placement");
    let (fresh, _) = app.sign_in("ada").await;
    let claims = app.state.keys.verify(&fresh).await.unwrap();
    assert_eq!(claims.seats.len(), 1);
    assert_eq!(claims.seats[0].product, "team");
    assert_eq!(claims.seats[0].instance, id);
    assert_eq!(claims.seats[0].url, "https://team-full.example.org");
    assert!(
        claims.ent.contains(&"nextcloud".to_owned()),
        "{:?}",
        claims.ent
    );

    // Staff can place by hand up to the hard cap and not past it.
    let (grace_user, _) = app.create_user("grace@example.org", "grace").await;
    let (status, refused) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{id}/seats"),
            &staff,
            Some(json!({"user_id": grace_user})),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (409, json!("instance_full"))
    );
    let (status, kept) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{id}/seats"),
            &staff,
            Some(json!({"user_id": ada})),
        )
        .await;
    assert_eq!((status, kept["outcome"].clone()), (200, json!("kept")));
    let (status, refused) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{id}/seats"),
            &staff,
            Some(json!({"user_id": Uuid::new_v4()})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused["error"]["fields"]["user_id"].is_string());
    // A person may be named by email or username instead; nobody, or both, is refused.
    let (status, kept) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{id}/seats"),
            &staff,
            Some(json!({"login": "ADA@example.org"})),
        )
        .await;
    assert_eq!(
        (status, kept["outcome"].clone()),
        (200, json!("kept")),
        "{kept}"
    );
    assert_eq!(kept["user_id"], json!(ada));
    for body in [
        json!({"login": "nobody@example.org"}),
        json!({"login": "ada", "user_id": ada}),
        json!({}),
    ] {
        let (status, refused) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/instances/{id}/seats"),
                &staff,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(refused["error"]["fields"]["login"].is_string(), "{refused}");
    }

    // Staff see the order; only failed or waiting ones can be retried.
    let (_, all) = app
        .call(
            Method::GET,
            "/api/v1/admin/orders?state=complete",
            &staff,
            None,
        )
        .await;
    assert_eq!(all["orders"][0]["id"], order.to_string());
    let (status, refused) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/orders/{order}/retry"),
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (409, json!("order_not_retryable"))
    );
    let (status, _) = app
        .call(Method::GET, "/api/v1/admin/orders?state=lost", &staff, None)
        .await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_see_only_their_own_orders() {
    let app = app().await;
    let (_, ada_account) = app.create_user("ada@example.org", "ada").await;
    let (_, grace_account) = app.create_user("grace@example.org", "grace").await;
    subscribe(&app, ada_account, "cus_ada").await;
    subscribe(&app, grace_account, "cus_grace").await;
    let (ada, _) = app.sign_in("ada").await;
    let (grace, _) = app.sign_in("grace").await;
    let (_, mine) = app.call(Method::GET, "/api/v1/orders", &ada, None).await;
    assert_eq!(mine["orders"].as_array().unwrap().len(), 1);
    assert_eq!(mine["orders"][0]["account_id"], ada_account.to_string());
    let theirs = app
        .call(Method::GET, "/api/v1/orders", &grace, None)
        .await
        .1["orders"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .authed(Method::GET, &format!("/api/v1/orders/{theirs}"), &ada, None)
        .await;
    assert_envelope(refused, 404, "not_found").await;
    let signed_out = app.get("/api/v1/orders").await;
    assert_envelope(signed_out, 401, "unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_moves_seats_to_other_instances_as_far_as_there_is_room() {
    use gatehouse::jobs::{Job, JobContext, JobServices};
    let app = app().await;
    let staff = app.staff_session().await;
    let mut ids = Vec::new();
    for (name, caps) in [("team-a", (5, 5, 5)), ("team-b", (2, 2, 2))] {
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/admin/instances",
                &staff,
                Some(instance(name, caps)),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let (a, b) = (ids[0].clone(), ids[1].clone());
    for login in ["user_one", "user_two", "user_three"] {
        let (user, _) = app
            .create_user(&format!("{login}@example.org"), login)
            .await;
        let (status, placed) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/instances/{a}/seats"),
                &staff,
                Some(json!({"user_id": user})),
            )
            .await;
        assert_eq!(status, 200, "{placed}");
    }
    let seats = |list: &Value, id: &str| {
        list["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| {
                (
                    i["allocated_seats"].as_i64().unwrap(),
                    i["auto_allocate"].as_bool().unwrap(),
                )
            })
            .unwrap()
    };
    let drain = |app: &TestApp| {
        let pool = app.db.pool();
        let id: uuid::Uuid = a.parse().unwrap();
        async move {
            gatehouse::instances::drain::DrainInstance { instance_id: id }
                .run(JobContext {
                    pool,
                    services: std::sync::Arc::new(JobServices::default()),
                    job_id: 0,
                    attempt: 1,
                })
                .await
                .unwrap();
        }
    };

    let (status, draining) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{a}/drain"),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 202, "{draining}");
    assert_eq!(draining["auto_allocate"], false);
    drain(&app).await;
    let (_, list) = app
        .call(Method::GET, "/api/v1/admin/instances", &staff, None)
        .await;
    assert_eq!(seats(&list, &a), (1, false), "one seat had nowhere to go");
    assert_eq!(seats(&list, &b).0, 2, "B filled to its allocation cap");

    // Room appears; draining again moves the rest.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/instances/{b}"),
            &staff,
            Some(json!({"soft_cap": 3, "allocation_cap": 3, "hard_cap": 3})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{a}/drain"),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 202);
    drain(&app).await;
    let (_, list) = app
        .call(Method::GET, "/api/v1/admin/instances", &staff, None)
        .await;
    assert_eq!((seats(&list, &a).0, seats(&list, &b).0), (0, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_list_who_holds_an_instances_seats() {
    let app = app().await;
    let staff = app.staff_session().await;
    let mut ids = Vec::new();
    for name in ["team-seats-a", "team-seats-b"] {
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/admin/instances",
                &staff,
                Some(instance(name, (5, 5, 5))),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let (a, b) = (ids[0].clone(), ids[1].clone());
    let (status, empty) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/instances/{a}/seats"),
            &staff,
            None,
        )
        .await;
    assert_eq!((status, empty), (200, json!({"seats": []})));

    let (moved, _) = app.create_user("moved@example.org", "moved").await;
    let (stays, stays_account) = app.create_user("stays@example.org", "stays").await;
    for (user, account) in [(moved, None), (stays, Some(stays_account))] {
        let (status, placed) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/instances/{a}/seats"),
                &staff,
                Some(json!({"user_id": user, "account_id": account})),
            )
            .await;
        assert_eq!(status, 200, "{placed}");
    }
    // Moving a seat releases the one it had: it leaves this instance's list.
    let (status, placed) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/instances/{b}/seats"),
            &staff,
            Some(json!({"user_id": moved})),
        )
        .await;
    assert_eq!(status, 200, "{placed}");

    let (status, listed) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/instances/{a}/seats"),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    let seats = listed["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 1, "{listed}");
    assert_eq!(seats[0]["user_id"], stays.to_string());
    assert_eq!(seats[0]["email"], "stays@example.org");
    assert_eq!(seats[0]["name"], "Ada Lovelace");
    assert_eq!(seats[0]["account_id"], stays_account.to_string());
    assert_eq!(seats[0]["account_name"], "Ada");
    let placed_at = seats[0]["placed_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(placed_at).is_ok(),
        "{placed_at}"
    );
    let (_, listed) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/instances/{b}/seats"),
            &staff,
            None,
        )
        .await;
    let seats = listed["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 1, "{listed}");
    assert_eq!(seats[0]["user_id"], moved.to_string());

    let missing = app
        .authed(
            Method::GET,
            &format!("/api/v1/admin/instances/{}/seats", Uuid::new_v4()),
            &staff,
            None,
        )
        .await;
    assert_envelope(missing, 404, "not_found").await;
}
