//! Account recovery against the fake Stripe: a cancelled account proves its address,
//! pays again for the same items, and comes back as the same account.

use serde_json::{json, Value};

use crate::harness::{assert_envelope, json, TestApp};
use crate::onboarding::{
    count, open_code, price, proved, slugs_and_quantities, world, TEAM_WITH_ADD_ONS,
};
use crate::stripe_world::{events_of, Gatehouse, Stripe, MAIN_EVENTS};

async fn code(app: &TestApp, email: &str) -> String {
    open_code(app, "recovery_code", "recovery_code", email).await
}

async fn ask(app: &TestApp, login: &str) {
    let answer = app
        .post_json("/api/v1/recovery/code", json!({"login": login}))
        .await;
    assert_eq!(answer.status(), 202);
    assert_eq!(json(answer).await, json!({"status": "sent_if_known"}));
}

async fn verify(app: &TestApp, login: &str, code: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/recovery/code/verify",
        json!({"login": login, "code": code}),
    )
    .await
}

async fn deliver_all(stripe: &Stripe, gatehouse: &Gatehouse, types: &[&str]) {
    for event in events_of(stripe, types) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;
}

/// The Stripe prices and quantities of a checkout session at the fake.
async fn line_items(stripe: &Stripe, session: &str) -> Vec<(String, i64)> {
    let items: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/checkout/sessions/{session}/line_items",
            stripe.base
        ))
        .bearer_auth(gatehouse_fakes::stripe::SECRET_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut items: Vec<(String, i64)> = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["price"]["id"].as_str().unwrap().to_owned(),
                i["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    items.sort();
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_account_pays_again_for_the_same_items_and_comes_back() {
    let (stripe, gatehouse) = world().await;
    let app = &gatehouse.app;
    // Grace signs up with a plan and two add-ons, and pays.
    let token = proved(app, "grace@example.org", "grace").await;
    let team = price(app, "team", "month").await;
    let storage = price(app, "storage-100gb", "month").await;
    let support = price(app, "priority-support", "month").await;
    let started = json(
        app.post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team,
                   "add_ons": [{"price_id": storage, "quantity": 2}, {"price_id": support}]}),
        )
        .await,
    )
    .await;
    let first = started["session_id"].as_str().unwrap();
    let bought = line_items(&stripe, first).await;
    stripe.fake.complete_checkout(first, None).unwrap();
    deliver_all(&stripe, &gatehouse, &MAIN_EVENTS).await;
    let account = json(
        app.get(&format!("/api/v1/onboarding/checkout/{first}"))
            .await,
    )
    .await;
    assert_eq!(account["state"], "provisioned");
    let account_of_grace = "SELECT count(*) AS count FROM accounts a
        JOIN account_members m ON m.account_id = a.id
        JOIN users u ON u.id = m.user_id WHERE u.username = 'grace'";

    // While active, there is nothing to recover.
    ask(app, "grace").await;
    let active = verify(app, "grace", &code(app, "grace@example.org").await).await;
    assert_envelope(active, 409, "already_active").await;

    // Stripe ends the subscription; the account is cancelled.
    let subscription = events_of(&stripe, &["customer.subscription.created"])[0]["data"]["object"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancelled = reqwest::Client::new()
        .delete(format!("{}/v1/subscriptions/{subscription}", stripe.base))
        .bearer_auth(gatehouse_fakes::stripe::SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success());
    deliver_all(&stripe, &gatehouse, &["customer.subscription.deleted"]).await;
    assert_eq!(
        count(
            app,
            &format!("{account_of_grace} AND a.status = 'cancelled'")
        )
        .await,
        1
    );

    // Past the retention date it cannot be recovered.
    let mut conn = app.db.pool().get().await.unwrap();
    let set_ended = |days: i64| {
        diesel::sql_query(format!(
            "UPDATE subscriptions SET ended_at = now() - interval '{days} days'"
        ))
    };
    use diesel_async::RunQueryDsl;
    set_ended(91).execute(&mut conn).await.unwrap();
    diesel::sql_query("UPDATE one_time_tokens SET created_at = now() - interval '2 minutes'")
        .execute(&mut conn)
        .await
        .unwrap();
    ask(app, "grace@example.org").await;
    let late = verify(
        app,
        "grace@example.org",
        &code(app, "grace@example.org").await,
    )
    .await;
    assert_envelope(late, 409, "beyond_retention").await;

    // Within it, the code gives a token and shows what the account had.
    set_ended(1).execute(&mut conn).await.unwrap();
    diesel::sql_query("UPDATE one_time_tokens SET created_at = now() - interval '2 minutes'")
        .execute(&mut conn)
        .await
        .unwrap();
    ask(app, "Grace").await;
    let wrong = verify(app, "grace", "000000").await;
    let right_code = code(app, "grace@example.org").await;
    if right_code != "000000" {
        assert_envelope(wrong, 422, "validation_failed").await;
    }
    let granted = verify(app, "grace", &right_code).await;
    assert_eq!(granted.status(), 200);
    let granted = json(granted).await;
    assert_eq!(granted["account_status"], "cancelled");
    assert!(granted["recoverable_until"].is_string());
    assert_eq!(
        slugs_and_quantities(&granted["items"], "product_slug"),
        TEAM_WITH_ADD_ONS
    );

    // The checkout buys the same items again, for the same customer.
    let payment = app
        .post_json(
            "/api/v1/recovery/checkout",
            json!({"recovery_token": granted["recovery_token"]}),
        )
        .await;
    assert_eq!(payment.status(), 200);
    let payment = json(payment).await;
    assert_eq!(payment["kind"], "checkout");
    let second = payment["session_id"].as_str().unwrap();
    assert_eq!(line_items(&stripe, second).await, bought);
    let customer_before = stripe.fake.object(first).unwrap()["customer"].clone();
    assert_eq!(
        stripe.fake.object(second).unwrap()["customer"],
        customer_before
    );

    // Paid: the same account is active again, with its products.
    stripe.fake.complete_checkout(second, None).unwrap();
    deliver_all(&stripe, &gatehouse, &MAIN_EVENTS).await;
    assert_eq!(
        count(app, &format!("{account_of_grace} AND a.status = 'active'")).await,
        1
    );
    assert_eq!(count(app, account_of_grace).await, 1, "no second account");
    let forged = app
        .post_json(
            "/api/v1/recovery/checkout",
            json!({"recovery_token": "forged"}),
        )
        .await;
    assert_envelope(forged, 422, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_get_the_same_answer_and_no_email() {
    let app = TestApp::builder().seeded().spawn().await;
    ask(&app, "nobody@example.org").await;
    ask(&app, "nobody").await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM jobs WHERE kind = 'mail.send'"
        )
        .await,
        0
    );
    let guessed = verify(&app, "nobody", "123456").await;
    assert_envelope(guessed, 422, "validation_failed").await;
    let malformed = app
        .post_json("/api/v1/recovery/code/verify", json!({"login": "x"}))
        .await;
    assert_envelope(malformed, 422, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_subscription_is_recovered_by_paying_it_in_the_portal() {
    let (stripe, gatehouse) = world().await;
    let app = &gatehouse.app;
    let token = proved(app, "grace@example.org", "grace").await;
    let team = price(app, "team", "month").await;
    let started = json(
        app.post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team}),
        )
        .await,
    )
    .await;
    stripe
        .fake
        .complete_checkout(started["session_id"].as_str().unwrap(), None)
        .unwrap();
    deliver_all(&stripe, &gatehouse, &MAIN_EVENTS).await;
    let subscription = events_of(&stripe, &["customer.subscription.created"])[0]["data"]["object"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    stripe.fake.fail_payment(&subscription).unwrap();
    deliver_all(
        &stripe,
        &gatehouse,
        &["invoice.payment_failed", "customer.subscription.updated"],
    )
    .await;
    ask(app, "grace").await;
    let granted = json(verify(app, "grace", &code(app, "grace@example.org").await).await).await;
    assert_eq!(granted["account_status"], "past_due");
    assert!(granted["recoverable_until"].is_null());
    let payment = json(
        app.post_json(
            "/api/v1/recovery/checkout",
            json!({"recovery_token": granted["recovery_token"]}),
        )
        .await,
    )
    .await;
    // No second subscription: the one that stands is paid in the portal.
    assert_eq!(payment["kind"], "portal");
    assert!(payment["url"].as_str().unwrap().starts_with(&stripe.base));
    assert!(payment["session_id"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_past_their_retention_are_purged_and_no_others() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::builder().seeded().spawn().await;
    let (_, old) = app.create_user("old@example.org", "old").await;
    let (_, recent) = app.create_user("recent@example.org", "recent").await;
    // Someone who is also a member of the old account but has a live one of their own.
    let (shared, _) = app.create_user("shared@example.org", "shared").await;
    app.sign_in("old").await;
    let mut conn = app.db.pool().get().await.unwrap();
    for (account, days) in [(old, 91), (recent, 30)] {
        diesel::sql_query(format!(
            "INSERT INTO subscriptions (account_id, stripe_subscription_id, stripe_customer_id,
                                        status, ended_at)
             VALUES ($1, 'sub_' || md5($1::text), 'cus_x', 'canceled', now() - interval '{days} days')"
        ))
        .bind::<diesel::sql_types::Uuid, _>(account)
        .execute(&mut conn)
        .await
        .unwrap();
        diesel::sql_query("UPDATE accounts SET status = 'cancelled' WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(account)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    diesel::sql_query(
        "INSERT INTO account_members (account_id, user_id, role) VALUES ($1, $2, 'member')",
    )
    .bind::<diesel::sql_types::Uuid, _>(old)
    .bind::<diesel::sql_types::Uuid, _>(shared)
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("INSERT INTO waitlist (email) VALUES ('old@example.org')")
        .execute(&mut conn)
        .await
        .unwrap();
    // Old and Shared each opened a support ticket.
    for login in ["old", "shared"] {
        let (token, _) = app.sign_in(login).await;
        let (status, _) = app
            .call(
                reqwest::Method::POST,
                "/api/v1/tickets",
                &token,
                Some(json!({"subject": "Help", "body": "My words"})),
            )
            .await;
        assert_eq!(status, 201);
    }

    let now = chrono::Utc::now();
    let retention = std::time::Duration::from_secs(90 * 86_400);
    assert_eq!(
        gatehouse::recovery::purge_expired(&mut conn, retention, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        gatehouse::recovery::purge_expired(&mut conn, retention, now)
            .await
            .unwrap(),
        0
    );

    let gone = "SELECT count(*) AS count FROM users WHERE email LIKE 'deleted-%@deleted.invalid'
                  AND username LIKE 'deleted-%' AND first_name = '' AND password_hash IS NULL
                  AND deactivated_at IS NOT NULL";
    assert_eq!(count(&app, gone).await, 1);
    for table in ["users", "waitlist"] {
        let left = format!("SELECT count(*) AS count FROM {table} WHERE email = 'old@example.org'");
        assert_eq!(count(&app, &left).await, 0, "{table}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM refresh_tokens r JOIN users u ON u.id = r.user_id
              WHERE u.email LIKE 'deleted-%'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM users
              WHERE email IN ('recent@example.org', 'shared@example.org') AND deactivated_at IS NULL"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS count FROM accounts WHERE purged_at IS NOT NULL AND name = 'Deleted account'"
        )
        .await,
        1
    );
    // The purged person's tickets went with them; the other's stayed.
    assert_eq!(
        count(&app, "SELECT count(*) AS count FROM ticket_messages").await,
        1
    );
    // The accounting records stay.
    assert_eq!(
        count(&app, "SELECT count(*) AS count FROM subscriptions").await,
        2
    );
    let refused = app
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "old@example.org", "password": crate::harness::TEST_PASSWORD}),
        )
        .await;
    assert_envelope(refused, 401, "invalid_credentials").await;
}
