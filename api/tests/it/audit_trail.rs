//! Every admin mutation writes exactly one audit record, in its own transaction: each
//! write operation of the admin API in the committed spec is called once successfully
//! (one more record, naming the staff member, the action and the request) and once in a
//! way it refuses (no record). A new admin write operation without a scenario here fails
//! the test. Staff then find the records by filter and export them as CSV.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{workspace_root, TestApp};

async fn audit_count(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("SELECT count(*) AS count FROM audit_log")
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

async fn sql(app: &TestApp, statement: &str) {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(statement)
        .execute(&mut conn)
        .await
        .unwrap();
}

/// One admin write: the operation (as in the spec), the call that succeeds, and a call
/// it refuses.
struct Scenario {
    operation: &'static str,
    path: String,
    body: Option<Value>,
    refused_path: String,
    refused_body: Option<Value>,
    action: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_mutation_writes_exactly_one_audit_record() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (ada, account) = app.create_user("ada@example.org", "ada").await;
    let mut conn = app.db.pool().get().await.unwrap();
    let team = gatehouse::db::catalog::find_product_by_slug(&mut conn, "team")
        .await
        .unwrap()
        .unwrap()
        .id;
    // Targets: a failed order, a dead job, a processable Stripe event, a waitlist entry,
    // an instance.
    let order = gatehouse::instances::orders::request(&mut conn, account, "staff", None)
        .await
        .unwrap()
        .id;
    sql(
        &app,
        &format!("UPDATE orders SET state = 'failed' WHERE id = '{order}'"),
    )
    .await;
    let job: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query(
            "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, last_error, finished_at)
             VALUES ('jobs.prune_finished', '{}', 'dead', 3, 3, 'boom', now()) RETURNING id",
        )
        .get_result::<Id>(&mut conn)
        .await
        .unwrap()
        .id
    };
    let doomed: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query(
            "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, last_error, finished_at)
             VALUES ('jobs.prune_finished', '{}', 'dead', 3, 3, 'gone for good', now()) RETURNING id",
        )
        .get_result::<Id>(&mut conn)
        .await
        .unwrap()
        .id
    };
    sql(
        &app,
        "INSERT INTO stripe_events (id, type, livemode, created, object_id, subject_id, payload, status)
         VALUES ('evt_audit', 'customer.subscription.updated', false, now(), 'sub_1', 'sub_1', '{}', 'processed')",
    )
    .await;
    let joined = app
        .post_json("/api/v1/waitlist", json!({"email": "wait@example.org"}))
        .await;
    assert!(joined.status().is_success(), "joined the waitlist");
    #[derive(diesel::QueryableByName)]
    struct Entry {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let entry = diesel::sql_query("SELECT id FROM waitlist LIMIT 1")
        .get_result::<Entry>(&mut conn)
        .await
        .unwrap()
        .id;
    let (status, instance) = app
        .call(
            Method::POST,
            "/api/v1/admin/instances",
            &staff,
            Some(json!({"product": "team", "name": "audit-1", "base_url": "https://audit-1.example.org",
                        "soft_cap": 5, "allocation_cap": 8, "hard_cap": 10})),
        )
        .await;
    assert_eq!(status, 201, "{instance}");
    let instance = instance["id"].as_str().unwrap().to_owned();
    let nobody = Uuid::new_v4();
    let (customer, _) = app.sign_in("ada").await;
    let (status, ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &customer,
            Some(json!({"subject": "Where is my seat?", "body": "It says being prepared."})),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    let ticket = ticket["id"].as_str().unwrap().to_owned();

    let scenarios = vec![
        Scenario {
            operation: "post /api/v1/admin/catalog/products",
            path: "/api/v1/admin/catalog/products".into(),
            body: Some(
                json!({"slug": "backups", "name": "Daily backups", "description": "",
                "kind": "add_on", "parent_slug": "team", "entitlements": ["nextcloud"],
                "prices": [{"period": "month", "amount_minor": 500, "currency": "eur"}]}),
            ),
            refused_path: "/api/v1/admin/catalog/products".into(),
            refused_body: Some(json!({"slug": "Bad Slug", "name": "", "description": "",
                "kind": "add_on", "entitlements": [], "prices": []})),
            action: "catalog.product_created",
        },
        Scenario {
            operation: "patch /api/v1/admin/catalog/products/{id}",
            path: format!("/api/v1/admin/catalog/products/{team}"),
            body: Some(json!({"name": "Team+"})),
            refused_path: format!("/api/v1/admin/catalog/products/{nobody}"),
            refused_body: Some(json!({"name": "Nobody"})),
            action: "catalog.product_changed",
        },
        Scenario {
            operation: "put /api/v1/admin/catalog/products/{id}/terms",
            path: format!("/api/v1/admin/catalog/products/{team}/terms"),
            body: Some(
                json!({"monthly_credits": 1, "overage_limit": 0, "trial_days": 0, "trial_credits": 0}),
            ),
            refused_path: format!("/api/v1/admin/catalog/products/{team}/terms"),
            refused_body: Some(
                json!({"monthly_credits": -1, "overage_limit": 0, "trial_days": 0, "trial_credits": 0}),
            ),
            action: "catalog.plan_terms_changed",
        },
        Scenario {
            operation: "post /api/v1/admin/instances",
            path: "/api/v1/admin/instances".into(),
            body: Some(
                json!({"product": "team", "name": "audit-2", "base_url": "https://audit-2.example.org",
                "soft_cap": 1, "allocation_cap": 1, "hard_cap": 1}),
            ),
            refused_path: "/api/v1/admin/instances".into(),
            refused_body: Some(
                json!({"product": "team", "name": "audit-3", "base_url": "https://audit-3.example.org",
                "soft_cap": 3, "allocation_cap": 2, "hard_cap": 1}),
            ),
            action: "instances.instance_created",
        },
        Scenario {
            operation: "patch /api/v1/admin/instances/{id}",
            path: format!("/api/v1/admin/instances/{instance}"),
            body: Some(json!({"hard_cap": 11})),
            refused_path: format!("/api/v1/admin/instances/{instance}"),
            refused_body: Some(json!({"hard_cap": 1})),
            action: "instances.instance_changed",
        },
        Scenario {
            operation: "post /api/v1/admin/instances/{id}/seats",
            path: format!("/api/v1/admin/instances/{instance}/seats"),
            body: Some(json!({"user_id": ada})),
            refused_path: format!("/api/v1/admin/instances/{instance}/seats"),
            refused_body: Some(json!({"user_id": nobody})),
            action: "instances.seat_placed",
        },
        Scenario {
            operation: "post /api/v1/admin/orders/{id}/retry",
            path: format!("/api/v1/admin/orders/{order}/retry"),
            body: None,
            refused_path: format!("/api/v1/admin/orders/{order}/retry"),
            refused_body: None, // queued now: not retryable
            action: "instances.order_retried",
        },
        Scenario {
            operation: "post /api/v1/admin/jobs/{id}/retry",
            path: format!("/api/v1/admin/jobs/{job}/retry"),
            body: None,
            refused_path: format!("/api/v1/admin/jobs/{job}/retry"),
            refused_body: None, // queued now: not dead
            action: "jobs.job_retried",
        },
        Scenario {
            operation: "post /api/v1/admin/webhooks/stripe/events/{id}/replay",
            path: "/api/v1/admin/webhooks/stripe/events/evt_audit/replay".into(),
            body: None,
            refused_path: "/api/v1/admin/webhooks/stripe/events/evt_missing/replay".into(),
            refused_body: None,
            action: "webhooks.event_replayed",
        },
        Scenario {
            operation: "post /api/v1/admin/waitlist/{id}/invite",
            path: format!("/api/v1/admin/waitlist/{entry}/invite"),
            body: None,
            refused_path: format!("/api/v1/admin/waitlist/{nobody}/invite"),
            refused_body: None,
            action: "waitlist.invited",
        },
        Scenario {
            operation: "post /api/v1/admin/accounts/{id}/credits",
            path: format!("/api/v1/admin/accounts/{account}/credits"),
            body: Some(json!({"kind": "grant", "amount": 10, "description": "Goodwill"})),
            refused_path: format!("/api/v1/admin/accounts/{account}/credits"),
            refused_body: Some(
                json!({"kind": "adjustment", "amount": -1000, "description": "Too much"}),
            ),
            action: "account.credits_adjusted",
        },
        Scenario {
            operation: "post /api/v1/admin/accounts/{id}/bank-transfers",
            path: format!("/api/v1/admin/accounts/{account}/bank-transfers"),
            body: Some(
                json!({"reference": "BT-AUDIT", "amount_minor": 2900, "currency": "eur",
                "payer": "Ada", "plan": "team", "period": "month"}),
            ),
            refused_path: format!("/api/v1/admin/accounts/{account}/bank-transfers"),
            refused_body: Some(
                json!({"reference": "BT-AUDIT", "amount_minor": 2900, "currency": "eur",
                "payer": "Ada", "plan": "team", "period": "month"}),
            ),
            action: "account.bank_transfer_confirmed",
        },
        Scenario {
            operation: "post /api/v1/admin/accounts/{id}/suspend",
            path: format!("/api/v1/admin/accounts/{account}/suspend"),
            body: Some(json!({"reason": "Audit test"})),
            refused_path: format!("/api/v1/admin/accounts/{account}/suspend"),
            refused_body: Some(json!({"reason": "Twice"})),
            action: "account.suspended",
        },
        Scenario {
            operation: "post /api/v1/admin/accounts/{id}/reactivate",
            path: format!("/api/v1/admin/accounts/{account}/reactivate"),
            body: Some(json!({"reason": "Audit test"})),
            refused_path: format!("/api/v1/admin/accounts/{account}/reactivate"),
            refused_body: Some(json!({"reason": "Twice"})),
            action: "account.reactivated",
        },
        Scenario {
            operation: "post /api/v1/admin/accounts/{id}/resync",
            path: format!("/api/v1/admin/accounts/{account}/resync"),
            body: Some(json!({"reason": "Audit test"})),
            refused_path: format!("/api/v1/admin/accounts/{account}/resync"),
            refused_body: Some(json!({"reason": ""})),
            action: "account.resynced",
        },
        Scenario {
            operation: "post /api/v1/admin/users/{id}/sessions/revoke",
            path: format!("/api/v1/admin/users/{ada}/sessions/revoke"),
            body: None,
            refused_path: format!("/api/v1/admin/users/{nobody}/sessions/revoke"),
            refused_body: None,
            action: "account.sessions_revoked",
        },
        Scenario {
            operation: "post /api/v1/admin/users/{id}/verification-email",
            path: format!("/api/v1/admin/users/{ada}/verification-email"),
            body: None,
            refused_path: format!("/api/v1/admin/users/{nobody}/verification-email"),
            refused_body: None,
            action: "account.verification_resent",
        },
        Scenario {
            operation: "post /api/v1/admin/users/{id}/password-reset",
            path: format!("/api/v1/admin/users/{ada}/password-reset"),
            body: None,
            refused_path: format!("/api/v1/admin/users/{nobody}/password-reset"),
            refused_body: None,
            action: "account.password_reset_sent",
        },
        Scenario {
            operation: "post /api/v1/admin/tickets/{id}/messages",
            path: format!("/api/v1/admin/tickets/{ticket}/messages"),
            body: Some(json!({"body": "It is on its way."})),
            refused_path: format!("/api/v1/admin/tickets/{nobody}/messages"),
            refused_body: Some(json!({"body": "Hello?"})),
            action: "tickets.replied",
        },
        Scenario {
            operation: "post /api/v1/admin/tickets/{id}/close",
            path: format!("/api/v1/admin/tickets/{ticket}/close"),
            body: None,
            refused_path: format!("/api/v1/admin/tickets/{ticket}/close"),
            refused_body: None, // closed already
            action: "tickets.closed",
        },
        Scenario {
            operation: "post /api/v1/admin/jobs/{id}/discard",
            path: format!("/api/v1/admin/jobs/{doomed}/discard"),
            body: None,
            refused_path: format!("/api/v1/admin/jobs/{doomed}/discard"),
            refused_body: None, // gone now
            action: "jobs.job_discarded",
        },
        Scenario {
            operation: "post /api/v1/admin/webhooks/stripe/events/{id}/discard",
            path: "/api/v1/admin/webhooks/stripe/events/evt_audit/discard".into(),
            body: None,
            refused_path: "/api/v1/admin/webhooks/stripe/events/evt_audit/discard".into(),
            refused_body: None, // ignored now
            action: "webhooks.event_discarded",
        },
        Scenario {
            operation: "post /api/v1/admin/instances/{id}/drain",
            path: format!("/api/v1/admin/instances/{instance}/drain"),
            body: None,
            refused_path: format!("/api/v1/admin/instances/{nobody}/drain"),
            refused_body: None,
            action: "instances.drain_started",
        },
        Scenario {
            operation: "post /api/v1/admin/accounts/{id}/view-as",
            path: format!("/api/v1/admin/accounts/{account}/view-as"),
            body: Some(json!({})),
            refused_path: format!("/api/v1/admin/accounts/{account}/view-as"),
            refused_body: Some(json!({"user_id": nobody})),
            action: "account.viewed_as",
        },
        Scenario {
            operation: "post /api/v1/admin/catalog/entitlements",
            path: "/api/v1/admin/catalog/entitlements".into(),
            body: Some(json!({"key": "backups", "label": "Daily backups"})),
            refused_path: "/api/v1/admin/catalog/entitlements".into(),
            refused_body: Some(json!({"key": "backups", "label": "Taken"})),
            action: "catalog.entitlement_created",
        },
        Scenario {
            operation: "patch /api/v1/admin/catalog/entitlements/{key}",
            path: "/api/v1/admin/catalog/entitlements/backups".into(),
            body: Some(json!({"label": "Nightly backups"})),
            refused_path: "/api/v1/admin/catalog/entitlements/backups".into(),
            refused_body: Some(json!({"key": "renamed", "label": "Nope"})),
            action: "catalog.entitlement_renamed",
        },
    ];

    // Every admin write operation in the spec has its scenario.
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("openapi/gatehouse.json")).unwrap(),
    )
    .unwrap();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            if method == "get" {
                continue;
            }
            let operation = format!("{method} {path}");
            assert!(
                scenarios.iter().any(|s| s.operation == operation),
                "{operation} changes something: add its scenario"
            );
        }
    }

    for scenario in &scenarios {
        let method: Method = scenario
            .operation
            .split(' ')
            .next()
            .unwrap()
            .to_uppercase()
            .parse()
            .unwrap();
        let before = audit_count(&app).await;
        let response = app
            .client
            .request(method.clone(), app.url(&scenario.path))
            .bearer_auth(&staff)
            .header("x-request-id", format!("req-{}", scenario.action))
            .json(&scenario.body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(
            (200..300).contains(&status),
            "{}: {status} {}",
            scenario.operation,
            response.text().await.unwrap()
        );
        assert_eq!(
            audit_count(&app).await,
            before + 1,
            "{}",
            scenario.operation
        );
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/audit?per_page=1", &staff, None)
            .await;
        let record = &page["records"][0];
        assert_eq!(record["action"], scenario.action, "{}", scenario.operation);
        assert_eq!(record["actor_kind"], "staff");
        assert_eq!(record["actor_email"], "staff@example.org");
        assert_eq!(
            record["request_id"],
            json!(format!("req-{}", scenario.action))
        );
        assert!(!record["after"].is_null(), "{}", scenario.operation);

        let (status, answer) = app
            .call(
                method,
                &scenario.refused_path,
                &staff,
                scenario.refused_body.clone(),
            )
            .await;
        assert!(
            status >= 400,
            "{} should refuse: {status} {answer}",
            scenario.operation
        );
        assert_eq!(
            audit_count(&app).await,
            before + 1,
            "refused {} wrote a record",
            scenario.operation
        );
    }

    // Search: by area, by target, by time; CSV export of the same selection.
    let (status, catalog) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?action=catalog",
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(catalog["total"], 5);
    let (_, on_account) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/audit?target_type=account&target_id={account}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(
        on_account["total"], 6,
        "credits, transfer, suspension, reactivation, re-sync, view"
    );
    let (status, bad) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?since=yesterday",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["since"].is_string()),
        (422, true)
    );
    let (_, paged) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?per_page=5&page=3",
            &staff,
            None,
        )
        .await;
    let expected = scenarios.len() as i64 + 1;
    assert_eq!(
        paged["total"], expected,
        "the scenarios and the instance made for them"
    );
    assert_eq!(
        paged["records"].as_array().unwrap().len() as i64,
        (expected - 10).min(5),
        "page 3 of 5 a page"
    );
    let csv = app
        .authed(
            Method::GET,
            "/api/v1/admin/audit.csv?action=catalog",
            &staff,
            None,
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 6, "a header and five records: {text}");
    assert!(text.contains("catalog.plan_terms_changed"));
}
