//! Checkout, the Customer Portal, and cancelling or resuming, against the fake Stripe:
//! only the catalog's plans can be bought, nothing is granted before Stripe's events,
//! and Stripe outages are a clear 503 with no duplicate customer.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use gatehouse_fakes::stripe::ApiFaults;
use serde_json::Value;
use uuid::Uuid;

use crate::harness::TestApp;
use crate::stripe_world::{
    catalog_price, events_of, fake_price, Gatehouse, Stripe, WEBHOOK_SECRET,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_buys_only_what_the_catalog_offers_and_the_webhook_grants_it() {
    use reqwest::Method;
    use serde_json::json;
    let stripe = Stripe::start();
    let price = fake_price(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, "", &price).await;
    let app = &gatehouse.app;
    stripe
        .fake
        .set_webhook_endpoint(gatehouse_fakes::stripe::Endpoint {
            url: Some(app.url("/api/v1/webhooks/stripe")),
            secrets: vec![WEBHOOK_SECRET.to_owned()],
            retry: gatehouse_fakes::stripe::RetryPolicy::fast(),
        });
    let (access, _) = app.sign_in("ada").await;
    let events_before = stripe.fake.events().len();
    let checkout = |body: Value| {
        app.authed(
            Method::POST,
            "/api/v1/billing/checkout",
            &access,
            Some(body),
        )
    };

    // Tampered: an unknown price, an add-on's price, a plan price Stripe does not know.
    let add_on = catalog_price(app, "priority-support").await;
    let unsynced = catalog_price(app, "starter").await;
    for price_id in [Uuid::new_v4().to_string(), add_on, unsynced] {
        let refused = checkout(json!({"price_id": price_id})).await;
        let body = crate::harness::assert_envelope(refused, 422, "validation_failed").await;
        assert!(body["error"]["fields"]["price_id"].is_string());
    }
    let extra = checkout(json!({"price_id": catalog_price(app, "team").await, "amount": 1})).await;
    crate::harness::assert_envelope(extra, 422, "validation_failed").await;
    assert_eq!(
        stripe.fake.events().len(),
        events_before,
        "nothing reached Stripe"
    );

    let team = catalog_price(app, "team").await;
    let started = crate::harness::json(checkout(json!({"price_id": team})).await).await;
    let url = started["url"].as_str().unwrap();
    assert!(url.starts_with(&stripe.base), "{url}");
    // A second click is the same checkout.
    let again = crate::harness::json(checkout(json!({"price_id": team})).await).await;
    assert_eq!(again["session_id"], started["session_id"]);

    // Nothing is granted from the redirect: only after Stripe's events.
    let before = crate::harness::json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert!(before["subscription"].is_null());
    stripe
        .fake
        .complete_checkout(started["session_id"].as_str().unwrap(), None)
        .unwrap();
    assert!(stripe.fake.settled_within(Duration::from_secs(10)).await);
    gatehouse.settled().await;
    let after = crate::harness::json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert_eq!(after["account_status"], "active");
    assert_eq!(after["subscription"]["status"], "active");
    assert_eq!(after["subscription"]["items"][0]["product_slug"], "team");
    assert!(!after["entitlements"].as_array().unwrap().is_empty());

    let twice = checkout(json!({"price_id": team})).await;
    crate::harness::assert_envelope(twice, 409, "already_subscribed").await;

    let portal = crate::harness::json(
        app.authed(Method::POST, "/api/v1/billing/portal", &access, None)
            .await,
    )
    .await;
    assert!(portal["url"].as_str().unwrap().starts_with(&stripe.base));

    // Cancel at period end, then resume: the state follows Stripe's webhooks.
    for (path, expected) in [("cancel", true), ("resume", false)] {
        let answer = app
            .authed(
                Method::POST,
                &format!("/api/v1/billing/subscription/{path}"),
                &access,
                None,
            )
            .await;
        assert_eq!(answer.status(), 202);
        assert!(stripe.fake.settled_within(Duration::from_secs(10)).await);
        gatehouse.settled().await;
        let view = crate::harness::json(
            app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
                .await,
        )
        .await;
        assert_eq!(
            view["subscription"]["cancel_at_period_end"], expected,
            "{path}"
        );
    }
}

/// Ada checks out the Team plan `clicks` times in a row while the fake Stripe has
/// `faults`; the answers, with the fake and the app kept running.
async fn team_checkouts_with(
    faults: ApiFaults,
    clicks: usize,
) -> (Stripe, Gatehouse, Vec<reqwest::Response>) {
    use reqwest::Method;
    use serde_json::json;
    let stripe = Stripe::start();
    let price = fake_price(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, "", &price).await;
    let app = &gatehouse.app;
    let (access, _) = app.sign_in("ada").await;
    let team = catalog_price(app, "team").await;
    stripe.fake.set_api_faults(faults);
    let mut answers = Vec::new();
    for _ in 0..clicks {
        let answer = app
            .authed(
                Method::POST,
                "/api/v1/billing/checkout",
                &access,
                Some(json!({"price_id": team})),
            )
            .await;
        answers.push(answer);
    }
    (stripe, gatehouse, answers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_down_during_checkout_is_a_503_and_makes_one_customer() {
    // Every attempt of the first request fails; the last one after doing the work.
    let faults = ApiFaults {
        fail_next: [503, 503].into(),
        lose_responses: 1,
        ..Default::default()
    };
    let (stripe, _gatehouse, mut answers) = team_checkouts_with(faults, 2).await;
    let up = answers.pop().unwrap();
    let down = answers.pop().unwrap();
    crate::harness::assert_envelope(down, 503, "service_unavailable").await;
    assert_eq!(up.status(), 200);
    let customers = events_of(&stripe, &["customer.created"]);
    assert_eq!(customers.len(), 1, "one customer however many attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_conflict_at_stripe_is_retried() {
    // Stripe answers 409 while a request with the same idempotency key is in flight.
    let faults = ApiFaults {
        fail_next: [409].into(),
        ..Default::default()
    };
    let (stripe, _gatehouse, answers) = team_checkouts_with(faults, 1).await;
    assert_eq!(answers[0].status(), 200);
    assert!(
        stripe.fake.api_faults().fail_next.is_empty(),
        "the 409 was met"
    );
    let customers = events_of(&stripe, &["customer.created"]);
    assert_eq!(customers.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_stripe_billing_actions_are_unavailable_not_errors() {
    use reqwest::Method;
    use serde_json::json;
    // Seeded, never synced: the prices have no Stripe ids either. The answer is still
    // "unavailable", not a validation error about the price.
    let app = TestApp::builder().seeded().spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (access, _) = app.sign_in("ada").await;
    let team = catalog_price(&app, "team").await;
    let refused = app
        .authed(
            Method::POST,
            "/api/v1/billing/checkout",
            &access,
            Some(json!({"price_id": team})),
        )
        .await;
    crate::harness::assert_envelope(refused, 503, "service_unavailable").await;
    let portal = app
        .authed(Method::POST, "/api/v1/billing/portal", &access, None)
        .await;
    crate::harness::assert_envelope(portal, 409, "no_billing_account").await;
    let cancel = app
        .authed(
            Method::POST,
            "/api/v1/billing/subscription/cancel",
            &access,
            None,
        )
        .await;
    crate::harness::assert_envelope(cancel, 409, "no_subscription").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_reaches_stripe_once_and_retired_prices_are_archived() {
    use gatehouse::billing::catalog_sync::{sync, Synced};
    let stripe = Stripe::start();
    let app = TestApp::builder().seeded().spawn().await;
    let mut conn = app.db.pool().get().await.unwrap();
    let first = sync(&mut conn, &stripe.api()).await.unwrap();
    assert!(
        first.products >= 5 && first.prices >= first.products,
        "{first:?}"
    );
    assert_eq!(
        events_of(&stripe, &["product.created"]).len(),
        first.products
    );
    assert_eq!(
        sync(&mut conn, &stripe.api()).await.unwrap(),
        Synced::default()
    );

    // A new amount is a new price at Stripe; the old one is archived there.
    let team = gatehouse::db::catalog::find_product_by_slug(&mut conn, "team")
        .await
        .unwrap()
        .unwrap();
    let old: String = diesel::sql_query(
        "SELECT stripe_price_id AS id FROM prices WHERE product_id = $1 AND billing_period = 'month' AND active",
    )
    .bind::<diesel::sql_types::Uuid, _>(team.id)
    .get_result::<IdRow>(&mut conn)
    .await
    .unwrap()
    .id;
    gatehouse::db::catalog::set_active_price(&mut conn, team.id, "month", 3900, "eur")
        .await
        .unwrap();
    let changed = sync(&mut conn, &stripe.api()).await.unwrap();
    assert_eq!((changed.prices, changed.archived), (1, 1));
    assert_eq!(stripe.fake.object(&old).unwrap()["active"], false);
    let app_catalog = crate::harness::json(app.get("/api/v1/catalog").await).await;
    assert!(app_catalog.to_string().contains("3900"));
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_change_is_previewed_then_made_and_the_webhook_shows_it() {
    use reqwest::Method;
    use serde_json::json;
    let stripe = Stripe::start();
    let team_price = fake_price(&stripe).await;
    let business_price = fake_price(&stripe).await;
    let gatehouse = Gatehouse::start(&stripe, "", &team_price).await;
    let app = &gatehouse.app;
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "UPDATE prices SET stripe_price_id = $1 WHERE billing_period = 'month'
           AND product_id = (SELECT id FROM products WHERE slug = 'business')",
    )
    .bind::<diesel::sql_types::Text, _>(&business_price)
    .execute(&mut conn)
    .await
    .unwrap();
    stripe
        .fake
        .set_webhook_endpoint(gatehouse_fakes::stripe::Endpoint {
            url: Some(app.url("/api/v1/webhooks/stripe")),
            secrets: vec![WEBHOOK_SECRET.to_owned()],
            retry: gatehouse_fakes::stripe::RetryPolicy::fast(),
        });
    let (access, _) = app.sign_in("ada").await;
    let team = catalog_price(app, "team").await;
    let business = catalog_price(app, "business").await;
    let change = |body: Value| {
        app.authed(
            Method::POST,
            "/api/v1/billing/subscription/change",
            &access,
            Some(body),
        )
    };
    let none = change(json!({"price_id": business})).await;
    crate::harness::assert_envelope(none, 409, "no_subscription").await;

    let started = crate::harness::json(
        app.authed(
            Method::POST,
            "/api/v1/billing/checkout",
            &access,
            Some(json!({"price_id": team})),
        )
        .await,
    )
    .await;
    stripe
        .fake
        .complete_checkout(started["session_id"].as_str().unwrap(), None)
        .unwrap();
    assert!(stripe.fake.settled_within(Duration::from_secs(10)).await);
    gatehouse.settled().await;

    let same = change(json!({"price_id": team})).await;
    crate::harness::assert_envelope(same, 422, "validation_failed").await;
    let events_before = stripe.fake.events().len();
    let preview = change(json!({"price_id": business, "preview": true})).await;
    assert_eq!(preview.status(), 200);
    let preview = crate::harness::json(preview).await;
    assert!(
        preview["amount_due_minor"].as_i64().unwrap() >= 0,
        "{preview}"
    );
    assert_eq!(preview["lines"].as_array().unwrap().len(), 2, "{preview}");
    assert_eq!(
        stripe.fake.events().len(),
        events_before,
        "a preview changes nothing"
    );

    let made = change(json!({"price_id": business})).await;
    assert_eq!(made.status(), 202);
    assert!(stripe.fake.settled_within(Duration::from_secs(10)).await);
    gatehouse.settled().await;
    let view = crate::harness::json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert_eq!(
        view["subscription"]["items"][0]["product_slug"], "business",
        "{view}"
    );
}
