//! What plans include beyond entitlements, end to end: plan terms (staff, audited), free
//! trials (start once, reminder, unpaid end → `pending_payment`, conversion), bank
//! transfers confirmed by staff (period, status, credits, audit, each reference once),
//! monthly plan credits from paid invoices (leftovers expire, any arrival order), and
//! overage by plan.

use chrono::Utc;
use diesel_async::RunQueryDsl;
use gatehouse::accounts::periods;
use gatehouse::billing::subscriptions::{
    apply_invoice, apply_subscription, BillingSettings, InvoiceSnapshot,
};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::billing::{app_with_priced_catalog, snapshot};
use crate::harness::{assert_envelope, TestApp};

fn settings() -> BillingSettings {
    BillingSettings::default()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

async fn count(app: &TestApp, sql: &str, account: Uuid) -> i64 {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(account)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

async fn exec(app: &TestApp, sql: &str, account: Uuid) {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(account)
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn status_of(app: &TestApp, token: &str, account: Uuid) -> Value {
    let (status, list) = app.call(Method::GET, "/api/v1/accounts", token, None).await;
    assert_eq!(status, 200);
    list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == json!(account))
        .cloned()
        .unwrap()
}

async fn balance(app: &TestApp, token: &str, account: Uuid) -> i64 {
    let (status, credits) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/credits"),
            token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{credits}");
    credits["balance"].as_i64().unwrap()
}

async fn entitlements(app: &TestApp, login: &str) -> Vec<String> {
    let (token, _) = app.sign_in(login).await;
    app.state.keys.verify(&token).await.unwrap().ent
}

async fn sweep(app: &TestApp) -> (usize, usize) {
    let mut conn = app.db.pool().get().await.unwrap();
    periods::sweep(&mut conn, &settings(), Utc::now())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_free_trial_runs_once_and_ends_unpaid_in_pending_payment() {
    let app = TestApp::builder().seeded().spawn().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let trial = format!("/api/v1/accounts/{account}/trial");

    let (status, offer) = app.call(Method::GET, &trial, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(offer["eligible"], true);
    assert_eq!(
        offer["plans"],
        json!([{"slug": "team", "name": "Team", "days": 14, "credits": 200}])
    );
    assert!(offer["trial"].is_null());
    assert!(entitlements(&app, "ada").await.is_empty());

    let (status, body) = app
        .call(
            Method::POST,
            &trial,
            &token,
            Some(json!({"plan": "starter"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["fields"]["plan"].is_string()),
        (422, true)
    );
    let (status, started) = app
        .call(Method::POST, &trial, &token, Some(json!({})))
        .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["plan_slug"], "team");
    let summary = status_of(&app, &token, account).await;
    assert_eq!(summary["status"], "trial");
    assert_eq!(summary["trial_ends_at"], started["ends_at"]);
    assert_eq!(balance(&app, &token, account).await, 200);
    assert_eq!(
        entitlements(&app, "ada").await,
        vec!["nextcloud".to_owned(), "vaultwarden".to_owned()]
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM orders WHERE account_id = $1 AND source = 'plan_period'",
            account
        )
        .await,
        1,
        "seats follow the trial"
    );
    // Once per account, ever.
    let (status, again) = app
        .call(Method::POST, &trial, &token, Some(json!({})))
        .await;
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (409, json!("trial_unavailable"))
    );

    // Three days before its end: one reminder, however often the sweep runs.
    exec(
        &app,
        "UPDATE plan_periods SET ends_at = now() + interval '2 days' WHERE account_id = $1",
        account,
    )
    .await;
    assert_eq!(sweep(&app).await, (1, 0));
    assert_eq!(sweep(&app).await, (0, 0));
    assert_eq!(app.queued_mails("trial_ending").await, 1);

    // It ends unpaid: pending payment, nothing granted, the trial's credits gone.
    exec(&app, "UPDATE plan_periods SET starts_at = now() - interval '14 days', ends_at = now() - interval '1 minute' WHERE account_id = $1", account).await;
    assert_eq!(sweep(&app).await, (0, 1));
    assert_eq!(sweep(&app).await, (0, 0), "settled once");
    assert_eq!(
        status_of(&app, &token, account).await["status"],
        "pending_payment"
    );
    assert!(entitlements(&app, "ada").await.is_empty());
    assert_eq!(balance(&app, &token, account).await, 0);
    assert_eq!(app.queued_mails("trial_ended").await, 1);
    assert_eq!(
        count(&app, "SELECT count(*) AS count FROM account_status_changes WHERE account_id = $1 AND to_status = 'pending_payment' AND reason LIKE '%trial ended%'", account).await,
        1
    );
    let (_, offer) = app.call(Method::GET, &trial, &token, None).await;
    assert_eq!(
        (offer["eligible"].clone(), offer["trial"]["ended"].clone()),
        (json!(false), json!(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trial_converts_to_a_subscription_and_plan_credits_follow_paid_invoices() {
    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/trial"),
            &token,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201);
    let mut conn = app.db.pool().get().await.unwrap();
    // Checkout completed: Stripe's subscription, then its paid invoice (or the other way
    // round: the grant waits for both and happens once).
    let invoice = |id: &str, days: i64| InvoiceSnapshot {
        stripe_invoice_id: id.into(),
        stripe_customer_id: "cus_1".into(),
        stripe_subscription_id: Some("sub_1".into()),
        amount_due_minor: 2900,
        amount_paid_minor: 2900,
        currency: "eur".into(),
        status: "paid".into(),
        hosted_invoice_url: None,
        period_start: None,
        period_end: None,
        created: Utc::now() + chrono::Duration::days(days),
    };
    apply_subscription(
        &mut conn,
        &settings(),
        &snapshot(Some(account), "active"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&app, &token, account).await["status"], "active");
    assert_eq!(
        balance(&app, &token, account).await,
        200,
        "nothing paid yet"
    );
    apply_invoice(&mut conn, &invoice("in_1", 0)).await.unwrap();
    apply_invoice(&mut conn, &invoice("in_1", 0)).await.unwrap();
    apply_subscription(
        &mut conn,
        &settings(),
        &snapshot(Some(account), "active"),
        Utc::now(),
    )
    .await
    .unwrap();
    // The trial's 200 expired, Team's 2,000 granted once.
    assert_eq!(balance(&app, &token, account).await, 2000);

    // A month of use, then the next paid invoice: the rest expires, a new 2,000 arrives.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/credits/usage"),
            &token,
            Some(json!({"amount": 500, "idempotency_key": "month-1"})),
        )
        .await;
    assert_eq!(status, 201);
    apply_invoice(&mut conn, &invoice("in_2", 30))
        .await
        .unwrap();
    apply_invoice(&mut conn, &invoice("in_1", 0)).await.unwrap();
    assert_eq!(balance(&app, &token, account).await, 2000);
    let kinds = count(&app, "SELECT count(*) AS count FROM credit_transactions WHERE account_id = $1 AND kind = 'expiry'", account).await;
    assert_eq!(kinds, 2, "the trial's rest and the first month's rest");

    // The trial's end leaves a paying account alone.
    exec(&app, "UPDATE plan_periods SET starts_at = now() - interval '14 days', ends_at = now() - interval '1 minute' WHERE account_id = $1", account).await;
    assert_eq!(sweep(&app).await, (0, 0));
    assert_eq!(status_of(&app, &token, account).await["status"], "active");
    assert_eq!(balance(&app, &token, account).await, 2000);
}

/// Stripe dates invoices to the second, so a plan change paid within the second of the
/// first payment has an invoice dated the same as that one: the subscription's latest
/// invoice, not the date, says which is newest. Its event may come before or after the
/// subscription's; either way the new plan's credits are granted, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_change_paid_within_the_same_second_grants_the_new_plans_credits() {
    for invoice_first in [true, false] {
        let app = app_with_priced_catalog().await;
        let mut conn = app.db.pool().get().await.unwrap();
        diesel::sql_query(
            "UPDATE prices SET stripe_price_id = 'price_business_month'
              WHERE billing_period = 'month' AND product_id = (SELECT id FROM products WHERE slug = 'business')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let (_, account) = app.create_user("ada@example.org", "ada").await;
        let (token, _) = app.sign_in("ada").await;
        let second = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
        let paid = |id: &str, amount: i64| InvoiceSnapshot {
            stripe_invoice_id: id.into(),
            stripe_customer_id: "cus_1".into(),
            stripe_subscription_id: Some("sub_1".into()),
            amount_due_minor: amount,
            amount_paid_minor: amount,
            currency: "eur".into(),
            status: "paid".into(),
            hosted_invoice_url: None,
            period_start: None,
            period_end: None,
            created: second,
        };
        let mut team = snapshot(Some(account), "active");
        team.latest_invoice = Some("in_1".into());
        apply_subscription(&mut conn, &settings(), &team, Utc::now())
            .await
            .unwrap();
        apply_invoice(&mut conn, &paid("in_1", 2900)).await.unwrap();
        assert_eq!(balance(&app, &token, account).await, 2000, "Team's credits");

        let mut business = team.clone();
        business.items[0].stripe_price_id = "price_business_month".into();
        business.latest_invoice = Some("in_2".into());
        let change = paid("in_2", 7100);
        if invoice_first {
            apply_invoice(&mut conn, &change).await.unwrap();
        }
        apply_subscription(&mut conn, &settings(), &business, Utc::now())
            .await
            .unwrap();
        if !invoice_first {
            apply_invoice(&mut conn, &change).await.unwrap();
        }
        assert_eq!(
            balance(&app, &token, account).await,
            10_000,
            "Business's credits (invoice first: {invoice_first})"
        );
        // Replays of either invoice or the subscription change nothing.
        apply_invoice(&mut conn, &paid("in_1", 2900)).await.unwrap();
        apply_invoice(&mut conn, &change).await.unwrap();
        apply_subscription(&mut conn, &settings(), &business, Utc::now())
            .await
            .unwrap();
        assert_eq!(balance(&app, &token, account).await, 10_000);
        assert_eq!(
            count(&app, "SELECT count(*) AS count FROM credit_transactions WHERE account_id = $1 AND kind = 'expiry'", account).await,
            1,
            "only Team's rest expired"
        );
    }
}

fn transfer(reference: &str, amount: i64) -> Value {
    json!({
        "reference": reference,
        "amount_minor": amount,
        "currency": "EUR",
        "payer": "Analytical Engines Ltd",
        "plan": "team",
        "period": "month",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_confirm_bank_transfers_which_activate_grant_and_audit() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    exec(
        &app,
        "UPDATE accounts SET status = 'suspended' WHERE id = $1",
        account,
    )
    .await;
    let url = format!("/api/v1/admin/accounts/{account}/bank-transfers");

    let (status, _) = app
        .call(Method::POST, &url, &token, Some(transfer("BT-1", 2900)))
        .await;
    assert_eq!(status, 403, "customers cannot confirm their own transfers");
    let (status, short) = app
        .call(Method::POST, &url, &staff, Some(transfer("BT-1", 2899)))
        .await;
    assert_eq!(status, 422);
    assert!(short["error"]["fields"]["amount_minor"].is_string());
    let mut dollars = transfer("BT-1", 2900);
    dollars["currency"] = json!("usd");
    dollars["payer"] = json!(" ");
    let (status, wrong) = app.call(Method::POST, &url, &staff, Some(dollars)).await;
    assert_eq!(status, 422);
    assert_eq!(
        wrong["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["currency", "payer"]
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{}/bank-transfers", Uuid::new_v4()),
            &staff,
            Some(transfer("BT-1", 2900)),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM audit_log WHERE target_id = $1::text",
            account
        )
        .await,
        0
    );

    let response = app
        .client
        .post(app.url(&url))
        .bearer_auth(&staff)
        .header("x-request-id", "req-bank-1")
        .json(&transfer("BT-1", 2900))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let confirmed: Value = response.json().await.unwrap();
    assert_eq!(confirmed["plan_name"], "Team");
    assert_eq!(confirmed["currency"], "eur");
    assert_eq!(status_of(&app, &token, account).await["status"], "active");
    assert_eq!(balance(&app, &token, account).await, 2000);
    assert_eq!(
        entitlements(&app, "ada").await,
        vec!["nextcloud".to_owned(), "vaultwarden".to_owned()]
    );
    // One audit record, with before, after and the request.
    let mut conn = app.db.pool().get().await.unwrap();
    let records = gatehouse::db::audit::of_target(&mut conn, "account", &account.to_string())
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.action, "account.bank_transfer_confirmed");
    assert_eq!(record.actor_kind, "staff");
    assert_eq!(record.request_id.as_deref(), Some("req-bank-1"));
    assert_eq!(record.before.as_ref().unwrap()["status"], "suspended");
    assert_eq!(record.after.as_ref().unwrap()["reference"], "BT-1");
    // The audit log is append-only.
    let tampered = diesel::sql_query("DELETE FROM audit_log")
        .execute(&mut conn)
        .await;
    assert!(tampered.is_err());

    // The same transfer twice: refused, nothing written.
    let (status, twice) = app
        .call(Method::POST, &url, &staff, Some(transfer("BT-1", 2900)))
        .await;
    assert_eq!(
        (status, twice["error"]["code"].clone()),
        (409, json!("transfer_already_confirmed"))
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM plan_periods WHERE account_id = $1",
            account
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM audit_log WHERE target_id = $1::text",
            account
        )
        .await,
        1
    );

    // Paid ahead: the next month starts where this one ends, and this month's credits stay.
    let (status, next) = app
        .call(Method::POST, &url, &staff, Some(transfer("BT-2", 2900)))
        .await;
    assert_eq!(status, 201);
    assert_eq!(next["starts_at"], confirmed["ends_at"]);
    assert_eq!(balance(&app, &token, account).await, 4000);
    let (status, listed) = app.call(Method::GET, &url, &staff, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["transfers"].as_array().unwrap().len(), 2);

    // Both months over with no further payment: pending payment, credits expire.
    exec(&app, "UPDATE plan_periods SET starts_at = now() - interval '60 days', ends_at = now() - interval '1 minute' WHERE account_id = $1", account).await;
    assert_eq!(sweep(&app).await, (0, 1));
    assert_eq!(
        status_of(&app, &token, account).await["status"],
        "pending_payment"
    );
    assert!(entitlements(&app, "ada").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_may_go_below_zero_as_far_as_the_plan_allows() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let usage = format!("/api/v1/accounts/{account}/credits/usage");
    let use_credits =
        |amount: i64, key: &str| Some(json!({"amount": amount, "idempotency_key": key}));
    // No plan: no overage.
    let (status, _) = app
        .call(Method::POST, &usage, &token, use_credits(1, "a"))
        .await;
    assert_eq!(status, 409);
    // Team (2,000 a month) may go 200 below zero.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{account}/bank-transfers"),
            &staff,
            Some(transfer("BT-9", 2900)),
        )
        .await;
    assert_eq!(status, 201);
    let (status, over) = app
        .call(Method::POST, &usage, &token, use_credits(2150, "b"))
        .await;
    assert_eq!((status, over["balance_after"].clone()), (201, json!(-150)));
    let (status, refused) = app
        .call(Method::POST, &usage, &token, use_credits(51, "c"))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (409, json!("insufficient_credits"))
    );
    let (status, last) = app
        .call(Method::POST, &usage, &token, use_credits(50, "d"))
        .await;
    assert_eq!((status, last["balance_after"].clone()), (201, json!(-200)));
    assert_eq!(balance(&app, &token, account).await, -200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_set_plan_terms_with_an_audit_record() {
    let app = TestApp::builder().seeded().spawn().await;
    let staff = app.staff_session().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let mut conn = app.db.pool().get().await.unwrap();
    let starter = gatehouse::db::catalog::find_product_by_slug(&mut conn, "starter")
        .await
        .unwrap()
        .unwrap()
        .id;
    let add_on = gatehouse::db::catalog::find_product_by_slug(&mut conn, "priority-support")
        .await
        .unwrap()
        .unwrap()
        .id;
    let url = format!("/api/v1/admin/catalog/products/{starter}/terms");
    let (status, seeded) = app.call(Method::GET, &url, &staff, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        seeded,
        json!({"monthly_credits": 500, "overage_limit": 0, "trial_days": 0, "trial_credits": 0})
    );
    let (status, _) = app.call(Method::GET, &url, &token, None).await;
    assert_eq!(status, 403);
    let response = app
        .authed(
            Method::PUT,
            &url,
            &staff,
            Some(json!({"monthly_credits": -1, "overage_limit": 0, "trial_days": 91, "trial_credits": 0})),
        )
        .await;
    assert_envelope(response, 422, "validation_failed").await;
    let terms =
        json!({"monthly_credits": 800, "overage_limit": 50, "trial_days": 7, "trial_credits": 80});
    let (status, set) = app
        .call(Method::PUT, &url, &staff, Some(terms.clone()))
        .await;
    assert_eq!((status, set), (200, terms.clone()));
    let (_, read) = app.call(Method::GET, &url, &staff, None).await;
    assert_eq!(read, terms);
    let records = gatehouse::db::audit::of_target(&mut conn, "product", &starter.to_string())
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].action, "catalog.plan_terms_changed");
    assert_eq!(records[0].before.as_ref().unwrap()["monthly_credits"], 500);
    assert_eq!(records[0].after.as_ref().unwrap()["monthly_credits"], 800);
    // Starter now offers a trial too, first in catalog order.
    let (_, offer) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/trial"),
            &token,
            None,
        )
        .await;
    let slugs: Vec<&str> = offer["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|plan| plan["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["starter", "team"]);
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/catalog/products/{add_on}/terms"),
            &staff,
            Some(terms),
        )
        .await;
    assert_eq!(status, 404, "only plans have terms");
}
