//! Per-account API rate limits: by plan, 429 with `Retry-After` and the `RateLimit-*`
//! headers, and one account's flood never throttles another. (Both limiter backends are
//! tested in `ratelimit.rs`; here the in-process one, and with Redis when asked.)

use reqwest::Method;

use crate::harness::{assert_envelope, TestApp};

fn rates() -> gatehouse::config::ApiRates {
    gatehouse::config::ApiRates {
        per_minute: 5,
        plans: [("team".to_owned(), 8)].into_iter().collect(),
    }
}

async fn flood(app: &TestApp, token: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(
            app.authed(Method::GET, "/api/v1/orders", token, None)
                .await
                .status()
                .as_u16(),
        );
    }
    statuses
}

async fn one_account_floods_and_the_other_is_untouched(app: TestApp) {
    app.create_user("ada@example.org", "ada").await;
    let (_, grace_account) = app.create_user("grace@example.org", "grace").await;
    let (ada, _) = app.sign_in("ada").await;
    let (grace, _) = app.sign_in("grace").await;

    let first = app.authed(Method::GET, "/api/v1/orders", &ada, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["ratelimit-limit"], "5");
    assert_eq!(first.headers()["ratelimit-remaining"], "4");
    assert!(first.headers().contains_key("ratelimit-reset"));
    let statuses = flood(&app, &ada, 6).await;
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
    let refused = app.authed(Method::GET, "/api/v1/orders", &ada, None).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    assert_envelope(refused, 429, "rate_limited").await;

    // Grace's account has its own budget, and a Team subscription raises it to 8.
    let mut snapshot = crate::billing::snapshot(Some(grace_account), "active");
    snapshot.stripe_customer_id = "cus_grace".into();
    let mut conn = app.db.pool().get().await.unwrap();
    gatehouse::billing::subscriptions::apply_subscription(
        &mut conn,
        &gatehouse::billing::subscriptions::BillingSettings::new(
            std::time::Duration::from_secs(86_400),
            &"http://gatehouse.test/".parse().unwrap(),
        ),
        &snapshot,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let theirs = app
        .authed(Method::GET, "/api/v1/orders", &grace, None)
        .await;
    assert_eq!(theirs.status(), 200);
    assert_eq!(theirs.headers()["ratelimit-limit"], "8");
    assert_eq!(flood(&app, &grace, 7).await, [200; 7]);
    // Routes for people (not account-scoped) are not counted.
    assert_eq!(
        app.authed(Method::GET, "/api/v1/me", &ada, None)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_account_has_its_own_budget_set_by_its_plan() {
    let app =
        crate::billing::app_with_priced_catalog_and(|builder| builder.api_rates(rates())).await;
    one_account_floods_and_the_other_is_untouched(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_the_budget_is_shared_by_every_node() {
    let app = crate::billing::app_with_priced_catalog_and(|builder| {
        builder.api_rates(rates()).with_redis()
    })
    .await;
    one_account_floods_and_the_other_is_untouched(app).await;
}
