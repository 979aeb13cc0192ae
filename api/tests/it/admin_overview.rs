//! The admin overview counts what the local tables hold: sign-ups per day, accounts by
//! status, subscriptions and MRR from the cache (yearly prices spread over twelve
//! months), unpaid invoices, capacity per product, jobs, the webhook inbox and tickets.

use chrono::Utc;
use diesel_async::RunQueryDsl;
use gatehouse::billing::subscriptions::{
    apply_invoice, apply_subscription, BillingSettings, InvoiceSnapshot,
};
use reqwest::Method;
use serde_json::json;

use crate::billing::{app_with_priced_catalog, snapshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_counts_what_the_tables_hold() {
    let app = app_with_priced_catalog().await;
    let staff = app.staff_session().await;
    let (_, ada) = app.create_user("ada@example.org", "ada").await;
    let (_, grace) = app.create_user("grace@example.org", "grace").await;
    let mut conn = app.db.pool().get().await.unwrap();
    // Ada pays Team monthly (2,900) for two seats; Grace's account pays Team yearly
    // (29,000 a year → 2,417 a month) and has an unpaid invoice.
    diesel::sql_query(
        "UPDATE prices SET stripe_price_id = 'price_team_year'
          WHERE billing_period = 'year' AND product_id = (SELECT id FROM products WHERE slug = 'team')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let settings = BillingSettings::default();
    let mut monthly = snapshot(Some(ada), "active");
    monthly.items[0].quantity = 2;
    apply_subscription(&mut conn, &settings, &monthly, Utc::now())
        .await
        .unwrap();
    let mut yearly = snapshot(Some(grace), "past_due");
    yearly.stripe_subscription_id = "sub_2".into();
    yearly.stripe_customer_id = "cus_2".into();
    yearly.items[0].stripe_item_id = "si_2".into();
    yearly.items[0].stripe_price_id = "price_team_year".into();
    apply_subscription(&mut conn, &settings, &yearly, Utc::now())
        .await
        .unwrap();
    apply_invoice(
        &mut conn,
        &InvoiceSnapshot {
            stripe_invoice_id: "in_2".into(),
            stripe_customer_id: "cus_2".into(),
            stripe_subscription_id: Some("sub_2".into()),
            amount_due_minor: 29_000,
            amount_paid_minor: 0,
            currency: "eur".into(),
            status: "open".into(),
            hosted_invoice_url: None,
            period_start: None,
            period_end: None,
            created: Utc::now(),
        },
    )
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, finished_at)
         VALUES ('jobs.prune_finished', '{}', 'dead', 3, 3, now())",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO stripe_events (id, type, livemode, created, payload, status)
         VALUES ('evt_waiting', 'invoice.paid', false, now(), '{}', 'received')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (token, _) = app.sign_in("ada").await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &token,
            Some(json!({"subject": "Hi", "body": "A question"})),
        )
        .await;
    assert_eq!(status, 201);

    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/admin/instances",
            &staff,
            Some(json!({"product": "team", "name": "team-1", "base_url": "https://team-1.example.org",
                        "soft_cap": 8, "allocation_cap": 10, "hard_cap": 12})),
        )
        .await;
    assert_eq!(status, 201);

    let (status, overview) = app
        .call(Method::GET, "/api/v1/admin/overview", &staff, None)
        .await;
    assert_eq!(status, 200, "{overview}");
    let signups = overview["signups"].as_array().unwrap();
    assert_eq!(signups.len(), 30);
    assert_eq!(
        signups[29]["count"], 3,
        "Ada, Grace and the staff member today"
    );
    assert_eq!(overview["active_subscriptions"], 2);
    assert_eq!(
        overview["mrr"],
        json!([{"currency": "eur", "amount_minor": 2 * 2900 + 2417}])
    );
    assert_eq!(overview["failed_payments_30d"], 1);
    assert_eq!(overview["dead_jobs"], 1);
    assert_eq!(overview["pending_webhook_events"], 1);
    assert_eq!(overview["open_tickets"], 1);
    let statuses = overview["accounts_by_status"].as_array().unwrap();
    assert!(
        statuses.contains(&json!({"status": "past_due", "count": 1})),
        "{statuses:?}"
    );
    let team = overview["capacity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["product_slug"] == "team")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            team["instances"].clone(),
            team["allocation_cap"].clone(),
            team["hard_cap"].clone()
        ),
        (json!(1), json!(10), json!(12))
    );

    let (status, _) = app
        .call(Method::GET, "/api/v1/admin/overview", &token, None)
        .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_page_through_jobs_by_state_and_kind_without_payloads() {
    let app = crate::harness::TestApp::spawn().await;
    let staff = app.staff_session().await;
    let mut conn = app.db.pool().get().await.unwrap();
    for (kind, state) in [
        ("mail.send", "dead"),
        ("mail.send", "queued"),
        ("jobs.prune_finished", "dead"),
        ("mail.send", "dead"),
    ] {
        diesel::sql_query(
            "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, finished_at)
             VALUES ($1, '{\"secret\": \"link\"}', $2, 1, 3, CASE WHEN $2 = 'dead' THEN now() END)",
        )
        .bind::<diesel::sql_types::Text, _>(kind)
        .bind::<diesel::sql_types::Text, _>(state)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let (status, first) = app
        .call(
            Method::GET,
            "/api/v1/admin/jobs?state=dead&kind=mail.send&limit=1",
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["jobs"].as_array().unwrap().len(), 1);
    assert!(!first.to_string().contains("secret"), "no payloads");
    let next = first["next_before_id"].as_i64().unwrap();
    let (_, second) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/jobs?state=dead&kind=mail.send&limit=1&before_id={next}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(second["jobs"][0]["kind"], "mail.send");
    assert!(second["jobs"][0]["id"].as_i64().unwrap() < next);
    let (_, all_dead) = app
        .call(Method::GET, "/api/v1/admin/jobs?state=dead", &staff, None)
        .await;
    assert_eq!(all_dead["jobs"].as_array().unwrap().len(), 3);
    let (status, bad) = app
        .call(Method::GET, "/api/v1/admin/jobs?state=zombie", &staff, None)
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["state"].is_string()),
        (422, true)
    );
}
