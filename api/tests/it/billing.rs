//! Applying Stripe's view of subscriptions and invoices: account status, entitlements in
//! tokens, emails once per transition, stale views of ended subscriptions, the grace
//! period, and the payments ledger. (Processing re-reads the object from Stripe before
//! applying it; these tests give the applying side Stripe's answers directly.)

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use gatehouse::billing::subscriptions::{
    apply_invoice, apply_subscription, sweep_account, Applied, BillingSettings, InvoiceSnapshot,
    ItemSnapshot, SubscriptionSnapshot,
};
use uuid::Uuid;

use crate::harness::TestApp;

fn settings() -> BillingSettings {
    BillingSettings::new(
        Duration::from_secs(7 * 86_400),
        &"http://gatehouse.test/".parse().unwrap(),
    )
}

fn at(days_from_now: i64) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(days_from_now)
}

/// Stripe's view of subscription `sub_1` of customer `cus_1`: Team monthly, one seat.
pub(crate) fn snapshot(account: Option<Uuid>, status: &str) -> SubscriptionSnapshot {
    SubscriptionSnapshot {
        stripe_subscription_id: "sub_1".into(),
        stripe_customer_id: "cus_1".into(),
        account_hint: account,
        onboarding_hint: None,
        status: status.into(),
        current_period_start: Some(at(-1)),
        current_period_end: Some(at(29)),
        cancel_at_period_end: false,
        canceled_at: None,
        ended_at: None,
        trial_end: None,
        latest_invoice: None,
        items: vec![ItemSnapshot {
            stripe_item_id: "si_1".into(),
            stripe_price_id: "price_team_month".into(),
            quantity: 1,
        }],
    }
}

/// A seeded app where the Team plan's monthly price is `price_team_month` in Stripe.
pub(crate) async fn app_with_priced_catalog() -> TestApp {
    app_with_priced_catalog_and(|builder| builder).await
}

/// The same, built with more settings.
pub(crate) async fn app_with_priced_catalog_and(
    configure: impl FnOnce(crate::harness::TestAppBuilder) -> crate::harness::TestAppBuilder,
) -> TestApp {
    let app = configure(TestApp::builder().seeded()).spawn().await;
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "UPDATE prices SET stripe_price_id = 'price_team_month'
          WHERE billing_period = 'month' AND product_id = (SELECT id FROM products WHERE slug = 'team')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    app
}

async fn account_status(app: &TestApp, account: Uuid) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("SELECT status FROM accounts WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(account)
        .get_result::<Row>(&mut conn)
        .await
        .unwrap()
        .status
}

async fn apply(app: &TestApp, snapshot: &SubscriptionSnapshot) -> Applied {
    let mut conn = app.db.pool().get().await.unwrap();
    apply_subscription(&mut conn, &settings(), snapshot, Utc::now())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_subscription_activates_the_account_and_its_entitlements_reach_tokens() {
    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (before, _) = app.sign_in("ada").await;
    assert!(app.state.keys.verify(&before).await.unwrap().ent.is_empty());

    let applied = apply(&app, &snapshot(Some(account), "active")).await;
    assert_eq!(
        applied,
        Applied::Stored {
            account_id: account,
            from: "active".into(),
            to: "active".into()
        }
    );
    // Applying the same view again changes nothing.
    apply(&app, &snapshot(Some(account), "active")).await;
    let (after, _) = app.sign_in("ada").await;
    let claims = app.state.keys.verify(&after).await.unwrap();
    assert_eq!(claims.ent, ["nextcloud", "vaultwarden"]);

    // Later views find the account by its customer, without the metadata.
    let mut trialing = snapshot(None, "trialing");
    trialing.trial_end = Some(at(14));
    apply(&app, &trialing).await;
    assert_eq!(account_status(&app, account).await, "trial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_deliveries_change_the_state_once_and_send_one_email() {
    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    apply(&app, &snapshot(Some(account), "active")).await;

    let past_due = snapshot(None, "past_due");
    let applies = (0..10).map(|_| {
        let app = &app;
        let past_due = past_due.clone();
        async move { apply(app, &past_due).await }
    });
    let results = futures_util::future::join_all(applies).await;
    let transitions = results
        .iter()
        .filter(|r| matches!(r, Applied::Stored { from, to, .. } if from != to))
        .count();
    assert_eq!(transitions, 1, "{results:?}");
    assert_eq!(account_status(&app, account).await, "past_due");
    assert_eq!(app.queued_mails("payment_failed").await, 1);
    // Within the grace period the account keeps its products.
    let (access, _) = app.sign_in("ada").await;
    assert!(!app.state.keys.verify(&access).await.unwrap().ent.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_view_cannot_resurrect_a_cancelled_subscription() {
    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let active = snapshot(Some(account), "active");
    apply(&app, &active).await;
    let mut cancelled = snapshot(None, "canceled");
    cancelled.canceled_at = Some(at(0));
    cancelled.ended_at = Some(at(0));
    apply(&app, &cancelled).await;
    assert_eq!(account_status(&app, account).await, "cancelled");

    assert_eq!(apply(&app, &active).await, Applied::Stale);
    assert_eq!(account_status(&app, account).await, "cancelled");
    assert_eq!(app.queued_mails("subscription_cancelled").await, 1);
    let (access, _) = app.sign_in("ada").await;
    assert!(app.state.keys.verify(&access).await.unwrap().ent.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grace_period_ends_in_suspension() {
    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    apply(&app, &snapshot(Some(account), "past_due")).await;
    assert_eq!(account_status(&app, account).await, "past_due");

    let mut conn = app.db.pool().get().await.unwrap();
    let in_six_days = sweep_account(&mut conn, &settings(), account, at(6))
        .await
        .unwrap();
    assert_eq!(in_six_days.as_deref(), Some("past_due"));
    let in_eight_days = sweep_account(&mut conn, &settings(), account, at(8))
        .await
        .unwrap();
    assert_eq!(in_eight_days.as_deref(), Some("suspended"));
    let (access, _) = app.sign_in("ada").await;
    assert!(app.state.keys.verify(&access).await.unwrap().ent.is_empty());

    // Paying again brings it back, and a later failure starts a new grace period.
    apply(&app, &snapshot(None, "active")).await;
    assert_eq!(account_status(&app, account).await, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_customers_are_not_guessed() {
    let app = app_with_priced_catalog().await;
    let (_, other_account) = app.create_user("bob@example.org", "bob").await;
    assert_eq!(
        apply(&app, &snapshot(None, "active")).await,
        Applied::UnknownCustomer
    );
    // The metadata names an account already paying through another customer.
    let mut first = snapshot(Some(other_account), "active");
    first.stripe_customer_id = "cus_bob".into();
    first.stripe_subscription_id = "sub_bob".into();
    first.items[0].stripe_item_id = "si_bob".into();
    apply(&app, &first).await;
    assert_eq!(
        apply(&app, &snapshot(Some(other_account), "active")).await,
        Applied::UnknownCustomer
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_land_in_the_ledger_once_and_follow_later_views() {
    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    apply(&app, &snapshot(Some(account), "active")).await;
    let mut invoice = InvoiceSnapshot {
        stripe_invoice_id: "in_1".into(),
        stripe_customer_id: "cus_1".into(),
        stripe_subscription_id: Some("sub_1".into()),
        amount_due_minor: 2900,
        amount_paid_minor: 0,
        currency: "eur".into(),
        status: "open".into(),
        hosted_invoice_url: Some("https://invoice.stripe.test/in_1".into()),
        period_start: Some(at(0)),
        period_end: Some(at(30)),
        created: at(0),
    };
    let mut conn = app.db.pool().get().await.unwrap();
    assert!(apply_invoice(&mut conn, &invoice).await.unwrap());
    invoice.status = "paid".into();
    invoice.amount_paid_minor = 2900;
    assert!(apply_invoice(&mut conn, &invoice).await.unwrap());
    assert!(apply_invoice(&mut conn, &invoice).await.unwrap());
    let ledger = gatehouse::db::billing::payments_of(&mut conn, account, 10)
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].status.as_str(), ledger[0].amount_paid_minor),
        ("paid", 2900)
    );

    invoice.stripe_customer_id = "cus_unknown".into();
    invoice.stripe_invoice_id = "in_2".into();
    assert!(!apply_invoice(&mut conn, &invoice).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_read_their_subscription_payments_and_entitlements() {
    use reqwest::Method;
    use serde_json::json;

    let app = app_with_priced_catalog().await;
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let empty = crate::harness::json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert_eq!(
        empty,
        json!({"account_status": "active", "grace_ends_at": null, "subscription": null, "entitlements": []})
    );

    let mut past_due = snapshot(Some(account), "past_due");
    past_due.cancel_at_period_end = true;
    apply(&app, &past_due).await;
    let mut conn = app.db.pool().get().await.unwrap();
    apply_invoice(
        &mut conn,
        &InvoiceSnapshot {
            stripe_invoice_id: "in_1".into(),
            stripe_customer_id: "cus_1".into(),
            stripe_subscription_id: Some("sub_1".into()),
            amount_due_minor: 2900,
            amount_paid_minor: 0,
            currency: "eur".into(),
            status: "open".into(),
            hosted_invoice_url: Some("https://invoice.stripe.test/in_1".into()),
            period_start: None,
            period_end: None,
            created: at(0),
        },
    )
    .await
    .unwrap();

    let overview = crate::harness::json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert_eq!(overview["account_status"], "past_due");
    assert!(overview["grace_ends_at"].is_string());
    let subscription = &overview["subscription"];
    assert_eq!(subscription["status"], "past_due");
    assert_eq!(subscription["cancel_at_period_end"], true);
    assert_eq!(subscription["items"][0]["product_slug"], "team");
    assert_eq!(subscription["items"][0]["period"], "month");
    assert_eq!(subscription["items"][0]["quantity"], 1);
    let keys: Vec<_> = overview["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 2, "{overview}");

    let payments = crate::harness::json(
        app.authed(Method::GET, "/api/v1/billing/payments", &access, None)
            .await,
    )
    .await;
    assert_eq!(payments["payments"][0]["invoice_id"], "in_1");
    assert_eq!(payments["payments"][0]["status"], "open");

    let mine = crate::harness::json(
        app.authed(Method::GET, "/api/v1/me/entitlements", &access, None)
            .await,
    )
    .await;
    assert_eq!(mine["account_id"], account.to_string());
    assert_eq!(mine["entitlements"], overview["entitlements"]);

    // The dashboard: the plan, and what needs doing (the payment; the address).
    let dashboard = crate::harness::json(
        app.authed(Method::GET, "/api/v1/me/products", &access, None)
            .await,
    )
    .await;
    assert_eq!(dashboard["account_status"], "past_due");
    assert_eq!(dashboard["products"][0]["slug"], "team");
    assert_eq!(dashboard["products"][0]["kind"], "plan");
    assert_eq!(dashboard["products"][0]["quantity"], 1);
    let codes: Vec<&str> = dashboard["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["payment_failed", "email_unverified"]);
    assert!(dashboard["attention"][0]["message"]
        .as_str()
        .unwrap()
        .contains(&overview["grace_ends_at"].as_str().unwrap()[..10]));

    // A plain member of the account does not see its billing.
    let (bob, _) = app.create_user("bob@example.org", "bob").await;
    diesel::sql_query(
        "INSERT INTO account_members (account_id, user_id, role) VALUES ($1, $2, 'member')",
    )
    .bind::<diesel::sql_types::Uuid, _>(account)
    .bind::<diesel::sql_types::Uuid, _>(bob)
    .execute(&mut conn)
    .await
    .unwrap();
    let token = gatehouse::identity::sessions::start(
        &mut conn,
        &app.state.keys,
        &app.state.sessions,
        bob,
        account,
        false,
    )
    .await
    .unwrap();
    for path in ["/api/v1/billing/subscription", "/api/v1/billing/payments"] {
        let refused = app
            .authed(Method::GET, path, &token.access_token, None)
            .await;
        crate::harness::assert_envelope(refused, 403, "forbidden").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_change_is_recorded_with_who_and_why_and_the_machine_refuses_the_rest() {
    use diesel_async::AsyncConnection;
    use gatehouse::accounts::status::{change, Actor};
    use gatehouse::db::accounts::status_history;

    let app = app_with_priced_catalog().await;
    let (ada, account) = app.create_user("ada@example.org", "ada").await;
    apply(&app, &snapshot(Some(account), "past_due")).await;
    let mut conn = app.db.pool().get().await.unwrap();
    sweep_account(&mut conn, &settings(), account, at(8))
        .await
        .unwrap();
    apply(&app, &snapshot(None, "active")).await;
    // The same view again changes nothing, so records nothing.
    apply(&app, &snapshot(None, "active")).await;

    let history = status_history(&mut conn, account).await.unwrap();
    let steps: Vec<(&str, &str, &str)> = history
        .iter()
        .rev()
        .map(|c| {
            (
                c.from_status.as_str(),
                c.to_status.as_str(),
                c.actor.as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("active", "past_due", "stripe"),
            ("past_due", "suspended", "system"),
            ("suspended", "active", "stripe"),
        ]
    );
    assert_eq!(
        history[1].reason,
        "the grace period for the failed payment ended"
    );
    assert!(
        history[0].reason.contains("active"),
        "{}",
        history[0].reason
    );

    // Staff (or anything else) go through the same machine: active → cancelled is a
    // transition, cancelled → suspended is not, and a refusal changes nothing.
    let refused = conn
        .transaction::<_, gatehouse::error::AppError, _>(async |tx| {
            change(
                tx,
                account,
                "active",
                "cancelled",
                Actor::Staff(ada),
                "closed on request",
            )
            .await?;
            change(
                tx,
                account,
                "cancelled",
                "suspended",
                Actor::Staff(ada),
                "no such move",
            )
            .await
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "status_transition_refused");
    assert_eq!(
        account_status(&app, account).await,
        "active",
        "the transaction rolled back"
    );
    assert_eq!(status_history(&mut conn, account).await.unwrap().len(), 3);
}
