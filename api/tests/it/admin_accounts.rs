//! Staff running customers' accounts: search, everything about one account, a suspension
//! that billing does not lift, reactivation that follows billing again, a re-sync of
//! what an account is entitled to, and actions on people (end sessions, verification
//! and reset emails).

use chrono::Utc;
use reqwest::Method;
use serde_json::json;

use crate::billing::{app_with_priced_catalog, snapshot};
use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_search_accounts_and_read_everything_about_one() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (_, ada) = app.create_user("ada@example.org", "ada").await;
    app.create_user("grace@example.org", "grace").await;
    app.sign_in("ada").await;

    let (status, found) = app
        .call(Method::GET, "/api/v1/admin/accounts?q=ADA@", &staff, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["total"], 1);
    assert_eq!(found["accounts"][0]["id"], json!(ada));
    assert_eq!(found["accounts"][0]["owner_email"], "ada@example.org");
    // Wildcards are taken literally.
    let (_, none) = app
        .call(Method::GET, "/api/v1/admin/accounts?q=%25", &staff, None)
        .await;
    assert_eq!(none["total"], 0);
    let (_, by_id) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/accounts?q={ada}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(by_id["total"], 1);
    let (_, all) = app
        .call(
            Method::GET,
            "/api/v1/admin/accounts?per_page=2&page=2",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (
            all["total"].clone(),
            all["accounts"].as_array().unwrap().len()
        ),
        (json!(3), 1)
    );
    // Orders: by name, and oldest first.
    let names = |page: &serde_json::Value| -> Vec<String> {
        page["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["owner_email"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (_, newest) = app
        .call(
            Method::GET,
            "/api/v1/admin/accounts?q=example.org",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        names(&newest),
        ["grace@example.org", "ada@example.org", "staff@example.org"]
    );
    let (_, oldest) = app
        .call(
            Method::GET,
            "/api/v1/admin/accounts?q=example.org&sort=oldest",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        names(&oldest),
        ["staff@example.org", "ada@example.org", "grace@example.org"]
    );
    let (status, bad) = app
        .call(
            Method::GET,
            "/api/v1/admin/accounts?sort=richest",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["sort"].is_string()),
        (422, true)
    );
    let (status, bad) = app
        .call(
            Method::GET,
            "/api/v1/admin/accounts?status=sleeping",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["status"].is_string()),
        (422, true)
    );

    let (status, detail) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/accounts/{ada}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    let member = &detail["members"][0];
    assert_eq!(member["email"], "ada@example.org");
    assert_eq!(member["role"], "owner");
    assert_eq!(member["active_sessions"], 1);
    assert_eq!(detail["billing"]["account_status"], "active");
    assert_eq!(detail["credits_balance"], 0);
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/accounts/{}", uuid::Uuid::new_v4()),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 404);
}

/// Ada, whose account Stripe says pays for Team (`sub_1`, active): her account's id.
async fn paying_ada(app: &TestApp) -> uuid::Uuid {
    let (_, ada) = app.create_user("ada@example.org", "ada").await;
    let mut conn = app.db.pool().get().await.unwrap();
    gatehouse::billing::subscriptions::apply_subscription(
        &mut conn,
        &gatehouse::billing::subscriptions::BillingSettings::default(),
        &snapshot(Some(ada), "active"),
        Utc::now(),
    )
    .await
    .unwrap();
    ada
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_suspension_holds_until_staff_reactivate() {
    let app = app_with_priced_catalog().await;
    let staff = app.staff_session().await;
    let ada = paying_ada(&app).await;
    let mut conn = app.db.pool().get().await.unwrap();
    let (token, _) = app.sign_in("ada").await;
    let (_, key) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{ada}/api-keys"),
            &token,
            Some(json!({"name": "CI", "scopes": ["full"]})),
        )
        .await;
    let key = key["secret"].as_str().unwrap().to_owned();
    let suspend = format!("/api/v1/admin/accounts/{ada}/suspend");

    let (status, bad) = app
        .call(Method::POST, &suspend, &staff, Some(json!({"reason": " "})))
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["reason"].is_string()),
        (422, true)
    );
    let (status, held) = app
        .call(
            Method::POST,
            &suspend,
            &staff,
            Some(json!({"reason": "Chargeback fraud under review"})),
        )
        .await;
    assert_eq!(status, 200, "{held}");
    assert_eq!(
        (held["status"].clone(), held["held"].clone()),
        (json!("suspended"), json!(true))
    );
    let (status, twice) = app
        .call(
            Method::POST,
            &suspend,
            &staff,
            Some(json!({"reason": "Again"})),
        )
        .await;
    assert_eq!(
        (status, twice["error"]["code"].clone()),
        (409, json!("already_suspended"))
    );

    // Keys stop, tokens carry nothing, and Stripe saying "active" does not lift it.
    let (status, refused) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{ada}/credits"),
            &key,
            None,
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (403, json!("account_suspended"))
    );
    let (token, _) = app.sign_in("ada").await;
    assert!(app.state.keys.verify(&token).await.unwrap().ent.is_empty());
    let mut renewed = snapshot(Some(ada), "active");
    renewed.current_period_end = Some(Utc::now() + chrono::Duration::days(60));
    gatehouse::billing::subscriptions::apply_subscription(
        &mut conn,
        &gatehouse::billing::subscriptions::BillingSettings::default(),
        &renewed,
        Utc::now(),
    )
    .await
    .unwrap();
    let (_, detail) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/accounts/{ada}"),
            &staff,
            None,
        )
        .await;
    assert_eq!(detail["account"]["status"], "suspended");
    assert_eq!(detail["status_history"][0]["actor"], "staff");
    assert_eq!(
        detail["status_history"][0]["reason"],
        "Chargeback fraud under review"
    );

    // Reactivated: billing speaks again (the subscription is active).
    let reactivate = format!("/api/v1/admin/accounts/{ada}/reactivate");
    let (status, back) = app
        .call(
            Method::POST,
            &reactivate,
            &staff,
            Some(json!({"reason": "Cleared"})),
        )
        .await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(
        (back["status"].clone(), back["held"].clone()),
        (json!("active"), json!(false))
    );
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{ada}/credits"),
            &key,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, again) = app
        .call(
            Method::POST,
            &reactivate,
            &staff,
            Some(json!({"reason": "Cleared"})),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (409, json!("not_suspended_by_staff"))
    );
    let records = gatehouse::db::audit::of_target(&mut conn, "account", &ada.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["account.reactivated", "account.suspended"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_end_sessions_and_send_verification_and_reset_emails() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (ada, _) = app.create_user("ada@example.org", "ada").await;
    let (_, refresh) = app.sign_in("ada").await;

    let (status, done) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{ada}/sessions/revoke"),
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (status, done["sessions_ended"].as_u64().unwrap() >= 1),
        (200, true)
    );
    let refreshed = app
        .post_json("/api/v1/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(refreshed.status(), 401, "the ended session cannot refresh");

    let (status, sent) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{ada}/verification-email"),
            &staff,
            None,
        )
        .await;
    assert_eq!(
        (status, sent["email_requested"].clone()),
        (200, json!(true))
    );
    assert_eq!(app.queued_mails("verify_email").await, 1);
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{ada}/password-reset"),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.queued_mails("reset_password").await, 1);
    let (status, _) = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/users/{}/password-reset",
                uuid::Uuid::new_v4()
            ),
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let mut conn = app.db.pool().get().await.unwrap();
    let records = gatehouse::db::audit::of_target(&mut conn, "user", &ada.to_string())
        .await
        .unwrap();
    assert_eq!(records.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_view_an_account_as_its_owner_read_only() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (ada_user, ada) = app.create_user("ada@example.org", "ada").await;
    let (grace, _) = app.create_user("grace@example.org", "grace").await;
    let url = format!("/api/v1/admin/accounts/{ada}/view-as");

    let (status, bad) = app
        .call(Method::POST, &url, &staff, Some(json!({"user_id": grace})))
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["user_id"].is_string()),
        (422, true)
    );
    let (status, view) = app.call(Method::POST, &url, &staff, Some(json!({}))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["user_id"], json!(ada_user));
    let token = view["access_token"].as_str().unwrap().to_owned();
    let claims = app.state.keys.verify(&token).await.unwrap();
    assert!(claims.ro && claims.imp.is_some());

    // Reads work as Ada; changes and the admin area do not.
    let (status, me) = app.call(Method::GET, "/api/v1/me", &token, None).await;
    assert_eq!(
        (status, me["email"].clone()),
        (200, json!("ada@example.org"))
    );
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{ada}/credits"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    for (method, path, body) in [
        (
            Method::PATCH,
            "/api/v1/me".to_owned(),
            json!({"first_name": "Eve"}),
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{ada}/api-keys"),
            json!({"name": "x", "scopes": ["full"]}),
        ),
        (
            Method::POST,
            "/api/v1/auth/switch-account".to_owned(),
            json!({"account_id": ada}),
        ),
    ] {
        let (status, refused) = app.call(method.clone(), &path, &token, Some(body)).await;
        assert_eq!(
            (status, refused["error"]["code"].clone()),
            (403, json!("read_only_session")),
            "{method} {path}"
        );
    }
    let mut conn = app.db.pool().get().await.unwrap();
    gatehouse::db::identity::set_staff(&mut conn, ada_user, Some("admin"))
        .await
        .unwrap();
    let (status, _) = app
        .call(Method::GET, "/api/v1/admin/overview", &token, None)
        .await;
    assert_eq!(
        status, 403,
        "viewing as a staff customer does not open the admin area"
    );

    // The audit record names the view, never the token.
    let records = gatehouse::db::audit::of_target(&mut conn, "account", &ada.to_string())
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].action, "account.viewed_as");
    assert!(!records[0]
        .after
        .as_ref()
        .unwrap()
        .to_string()
        .contains(&token));

    // A staff member who is no longer staff cannot keep looking.
    let staff_id = app
        .state
        .keys
        .verify(&staff)
        .await
        .unwrap()
        .sub
        .parse()
        .unwrap();
    gatehouse::db::identity::set_staff(&mut conn, staff_id, None)
        .await
        .unwrap();
    let (status, _) = app.call(Method::GET, "/api/v1/me", &token, None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_reads_the_subscriptions_again_and_settles_the_status_unless_held() {
    let app = app_with_priced_catalog().await;
    let staff = app.staff_session().await;
    let ada = paying_ada(&app).await;
    let mut conn = app.db.pool().get().await.unwrap();
    // The status drifted from what billing says (a hand edit, a lost update).
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE accounts SET status = 'past_due' WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(ada),
        &mut conn,
    )
    .await
    .unwrap();
    let resync = format!("/api/v1/admin/accounts/{ada}/resync");

    let (status, bad) = app
        .call(Method::POST, &resync, &staff, Some(json!({"reason": ""})))
        .await;
    assert_eq!(
        (status, bad["error"]["fields"]["reason"].is_string()),
        (422, true)
    );
    assert_eq!(app.queued_jobs("billing.stripe_subject", "sub_1").await, 0);

    let (status, done) = app
        .call(
            Method::POST,
            &resync,
            &staff,
            Some(json!({"reason": "Customer reports missing access"})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["account"]["status"], "active");
    assert_eq!(done["subscriptions_queued"], 1);
    assert_eq!(app.queued_jobs("billing.stripe_subject", "sub_1").await, 1);
    let (_, detail) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/accounts/{ada}"),
            &staff,
            None,
        )
        .await;
    let last = &detail["status_history"][0];
    assert_eq!(
        (
            last["to"].clone(),
            last["actor"].clone(),
            last["reason"].clone()
        ),
        (
            json!("active"),
            json!("staff"),
            json!("its leading Stripe subscription is active")
        )
    );

    // A staff hold stays: the re-sync reads Stripe again but keeps the suspension.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{ada}/suspend"),
            &staff,
            Some(json!({"reason": "Chargeback"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, done) = app
        .call(
            Method::POST,
            &resync,
            &staff,
            Some(json!({"reason": "Check billing"})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (
            done["account"]["status"].clone(),
            done["account"]["held"].clone()
        ),
        (json!("suspended"), json!(true))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{}/resync", uuid::Uuid::new_v4()),
            &staff,
            Some(json!({"reason": "Nobody"})),
        )
        .await;
    assert_eq!(status, 404);
}
