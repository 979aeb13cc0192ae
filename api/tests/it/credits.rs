//! The credits ledger: staff grant, integrators record usage idempotently, the balance is
//! the ledger's sum and never goes below zero, also under concurrent usage; another
//! account's credits are out of reach.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{assert_envelope, TestApp};

/// An account with `balance` credits granted by staff, and a key with the credits scope.
async fn funded(app: &TestApp, staff: &str, balance: i64) -> (Uuid, String, String) {
    let (_, account) = app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let (status, granted) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/accounts/{account}/credits"),
            staff,
            Some(json!({"kind": "grant", "amount": balance, "description": "Welcome credits"})),
        )
        .await;
    assert_eq!(status, 201, "{granted}");
    let (_, key) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/api-keys"),
            &token,
            Some(json!({"name": "Metering", "scopes": ["credits"]})),
        )
        .await;
    (account, token, key["secret"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_is_recorded_once_per_key_and_the_balance_is_the_ledger() {
    let app = TestApp::spawn().await;
    let staff = app.staff_session().await;
    let (account, token, key) = funded(&app, &staff, 100).await;
    let usage = format!("/api/v1/accounts/{account}/credits/usage");

    let (status, first) = app
        .call(
            Method::POST,
            &usage,
            &key,
            Some(json!({"amount": 30, "idempotency_key": "job-1", "description": "Render"})),
        )
        .await;
    assert_eq!((status, first["balance_after"].clone()), (201, json!(70)));
    let (status, again) = app
        .call(
            Method::POST,
            &usage,
            &key,
            Some(json!({"amount": 30, "idempotency_key": "job-1"})),
        )
        .await;
    assert_eq!(status, 200, "a repeat answers the first entry");
    assert_eq!(again["id"], first["id"]);
    let (status, reused) = app
        .call(
            Method::POST,
            &usage,
            &key,
            Some(json!({"amount": 31, "idempotency_key": "job-1"})),
        )
        .await;
    assert_eq!(
        (status, reused["error"]["code"].clone()),
        (409, json!("idempotency_key_reused"))
    );
    let (status, short) = app
        .call(
            Method::POST,
            &usage,
            &key,
            Some(json!({"amount": 71, "idempotency_key": "job-2"})),
        )
        .await;
    assert_eq!(
        (status, short["error"]["code"].clone()),
        (409, json!("insufficient_credits"))
    );
    let (status, bad) = app
        .call(
            Method::POST,
            &usage,
            &key,
            Some(json!({"amount": 0, "idempotency_key": ""})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        bad["error"]["fields"]["amount"].is_string()
            && bad["error"]["fields"]["idempotency_key"].is_string()
    );

    // Staff take some back (never below zero) and the ledger says who and why.
    let admin = format!("/api/v1/admin/accounts/{account}/credits");
    let (status, _) = app
        .call(
            Method::POST,
            &admin,
            &staff,
            Some(json!({"kind": "adjustment", "amount": -20, "description": "Refunded render"})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, refused) = app
        .call(
            Method::POST,
            &admin,
            &staff,
            Some(json!({"kind": "adjustment", "amount": -51, "description": "Too much"})),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (409, json!("insufficient_credits"))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &admin,
            &token,
            Some(json!({"kind": "grant", "amount": 5, "description": "Self-service"})),
        )
        .await;
    assert_eq!(status, 403, "customers cannot grant themselves credits");
    // The grant and the adjustment are audited; the refused one is not.
    let mut conn = app.db.pool().get().await.unwrap();
    let records = gatehouse::db::audit::of_target(&mut conn, "account", &account.to_string())
        .await
        .unwrap();
    let audited: Vec<(&str, Value)> = records
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.after.as_ref().unwrap()["balance"].clone(),
            )
        })
        .collect();
    assert_eq!(
        audited,
        [
            ("account.credits_adjusted", json!(50)),
            ("account.credits_adjusted", json!(100))
        ]
    );

    let (status, ledger) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/credits"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(ledger["balance"], 50);
    let entries = ledger["transactions"].as_array().unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["adjustment", "usage", "grant"]);
    let sum: i64 = entries.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    assert_eq!(sum, 50);
    assert_eq!(entries[0]["balance_after"], 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_usage_never_overdraws_and_each_key_records_once() {
    let app = TestApp::spawn().await;
    let staff = app.staff_session().await;
    let (account, token, key) = funded(&app, &staff, 100).await;
    let usage = format!("/api/v1/accounts/{account}/credits/usage");
    // 40 jobs of 3 credits (120 asked, 100 there), each sent twice at once.
    let requests: Vec<_> = (0..80)
        .map(|n| {
            let client = reqwest::Client::new();
            let url = app.url(&usage);
            let key = key.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(key)
                    .json(&json!({"amount": 3, "idempotency_key": format!("job-{}", n % 40)}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| [200, 201, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        33,
        "{statuses:?}"
    );
    let (_, ledger) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/credits"),
            &token,
            None,
        )
        .await;
    assert_eq!(ledger["balance"], 1);
    let usages: Vec<&Value> = ledger["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "usage")
        .collect();
    assert_eq!(usages.len(), 33);
    let mut keys: Vec<&str> = usages
        .iter()
        .map(|e| e["idempotency_key"].as_str().unwrap())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 33, "no job recorded twice");
    assert!(ledger["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["balance_after"].as_i64().unwrap() >= 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_credits_are_not_found() {
    let app = TestApp::spawn().await;
    let staff = app.staff_session().await;
    let (account, _, key) = funded(&app, &staff, 10).await;
    let (_, other_account) = app.create_user("grace@example.org", "grace").await;
    let (grace, _) = app.sign_in("grace").await;
    for (method, path, body) in [
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/credits"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account}/credits/usage"),
            Some(json!({"amount": 1, "idempotency_key": "x"})),
        ),
    ] {
        let refused = app.authed(method, &path, &grace, body).await;
        assert_envelope(refused, 404, "not_found").await;
    }
    // Ada's key, pointed at Grace's account.
    let refused = app
        .authed(
            Method::GET,
            &format!("/api/v1/accounts/{other_account}/credits"),
            &key,
            None,
        )
        .await;
    assert_envelope(refused, 404, "not_found").await;
    // A key without the credits scope.
    let (ada, _) = app.sign_in("ada").await;
    let (_, orders) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/api-keys"),
            &ada,
            Some(json!({"name": "Orders", "scopes": ["orders"]})),
        )
        .await;
    let refused = app
        .authed(
            Method::GET,
            &format!("/api/v1/accounts/{account}/credits"),
            orders["secret"].as_str().unwrap(),
            None,
        )
        .await;
    assert_envelope(refused, 403, "insufficient_scope").await;
}
