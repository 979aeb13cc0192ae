//! Tenant isolation, walked from the committed OpenAPI spec: every account-scoped route
//! (a path with an account, order, key, member, invitation or ticket id; not admin) is called by
//! another account — with its session and with its full-scope API key — using the first
//! account's ids, and answers 404; routes under the caller's own account with the other
//! account's key, member or invitation ids answer 404 too. Afterwards the first account
//! is unchanged. A new account-scoped route without a row in `BODIES` fails the walk, so
//! it cannot be added without being tried.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{workspace_root, TestApp};

/// Account-scoped operations and a valid body for each (so a 404 is about the ids, not
/// the body).
fn body(path: &str, method: &str) -> Option<Option<Value>> {
    let body = match (path, method) {
        ("/api/v1/accounts/{id}/api-keys", "get") => None,
        ("/api/v1/accounts/{id}/api-keys", "post") => {
            Some(json!({"name": "Intruder", "scopes": ["full"]}))
        }
        ("/api/v1/accounts/{id}/api-keys/{key_id}", "delete") => None,
        ("/api/v1/accounts/{id}/credits", "get") => None,
        ("/api/v1/accounts/{id}/credits/usage", "post") => {
            Some(json!({"amount": 1, "idempotency_key": "intruder"}))
        }
        ("/api/v1/accounts/{id}/invitations", "get") => None,
        ("/api/v1/accounts/{id}/invitations", "post") => {
            Some(json!({"email": "eve@example.org", "role": "admin"}))
        }
        ("/api/v1/accounts/{id}/invitations/{invitation_id}", "delete") => None,
        ("/api/v1/accounts/{id}/members", "get") => None,
        ("/api/v1/accounts/{id}/members/{user_id}", "delete") => None,
        ("/api/v1/accounts/{id}/members/{user_id}", "patch") => Some(json!({"role": "admin"})),
        ("/api/v1/accounts/{id}/transfer-ownership", "post") => None, // body below
        ("/api/v1/accounts/{id}/trial", "get") => None,
        ("/api/v1/accounts/{id}/trial", "post") => Some(json!({})),
        ("/api/v1/orders/{id}", "get") => None,
        ("/api/v1/tickets/{id}", "get") => None,
        ("/api/v1/tickets/{id}/messages", "post") => Some(json!({"body": "Me too"})),
        _ => return None,
    };
    Some(body)
}

/// The first account, a team: Ada owns it, Grace is a member; it has a key, an open invitation
/// and an order; Ada has a support ticket.
struct Victim {
    account: Uuid,
    grace: Uuid,
    key_id: String,
    invitation_id: String,
    order_id: Uuid,
    ticket_id: String,
}

async fn victim(app: &TestApp) -> Victim {
    app.create_user("ada@example.org", "ada").await;
    let (grace, _) = app.create_user("grace@example.org", "grace").await;
    let (ada, _) = app.sign_in("ada").await;
    let (status, team) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            &ada,
            Some(json!({"name": "Analytical Engines"})),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let account: Uuid = serde_json::from_value(team["id"].clone()).unwrap();
    let mut conn = app.db.pool().get().await.unwrap();
    gatehouse::db::teams::add_member(&mut conn, account, grace, "member")
        .await
        .unwrap();
    let order = gatehouse::instances::orders::request(&mut conn, account, "staff", None)
        .await
        .unwrap();
    let (status, key) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/api-keys"),
            &ada,
            Some(json!({"name": "CI", "scopes": ["full"]})),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let (status, invitation) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/invitations"),
            &ada,
            Some(json!({"email": "ken@example.org", "role": "member"})),
        )
        .await;
    assert_eq!(status, 201, "{invitation}");
    let (status, ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &ada,
            Some(json!({"subject": "Private", "body": "Only for support."})),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    Victim {
        account,
        grace,
        key_id: key["key"]["id"].as_str().unwrap_or_default().to_owned(),
        invitation_id: invitation["id"].as_str().unwrap().to_owned(),
        order_id: order.id,
        ticket_id: ticket["id"].as_str().unwrap().to_owned(),
    }
}

/// What the victim's account looks like to its owner.
async fn snapshot(app: &TestApp, account: Uuid) -> Value {
    let (ada, _) = app.sign_in("ada").await;
    let mut seen = serde_json::Map::new();
    for part in ["api-keys", "credits", "invitations", "members", "trial"] {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/accounts/{account}/{part}"),
                &ada,
                None,
            )
            .await;
        assert_eq!(status, 200, "{part}: {body}");
        seen.insert(part.to_owned(), body);
    }
    let (_, accounts) = app.call(Method::GET, "/api/v1/accounts", &ada, None).await;
    seen.insert("accounts".to_owned(), accounts);
    let (_, tickets) = app.call(Method::GET, "/api/v1/tickets", &ada, None).await;
    seen.insert("tickets".to_owned(), tickets);
    Value::Object(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_scoped_route_answers_404_to_another_account() {
    let app = TestApp::builder().seeded().spawn().await;
    let victim = victim(&app).await;
    assert!(!victim.key_id.is_empty(), "the key's id is in the answer");
    let (_, own) = app.create_user("bob@example.org", "bob").await;
    let (bob, _) = app.sign_in("bob").await;
    let (status, bob_key) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{own}/api-keys"),
            &bob,
            Some(json!({"name": "Bob's", "scopes": ["full"]})),
        )
        .await;
    assert_eq!(status, 201);
    let bob_key = bob_key["secret"].as_str().unwrap().to_owned();
    let before = snapshot(&app, victim.account).await;

    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("openapi/gatehouse.json")).unwrap(),
    )
    .unwrap();
    let mut walked = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        let scoped = (path.starts_with("/api/v1/accounts/{")
            || path.starts_with("/api/v1/orders/{")
            || path.starts_with("/api/v1/tickets/{"))
            && !path.contains("/admin/");
        if !scoped {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            let Some(mut payload) = body(path, method) else {
                panic!("{method} {path} is account-scoped: add it to BODIES");
            };
            if path.ends_with("/transfer-ownership") {
                payload = Some(json!({"user_id": victim.grace}));
            }
            let fill = |account: Uuid| {
                path.replace("{id}", &account.to_string())
                    .replace("{key_id}", &victim.key_id)
                    .replace("{invitation_id}", &victim.invitation_id)
                    .replace("{user_id}", &victim.grace.to_string())
            };
            let mut urls = vec![if path.starts_with("/api/v1/orders/") {
                path.replace("{id}", &victim.order_id.to_string())
            } else if path.starts_with("/api/v1/tickets/") {
                path.replace("{id}", &victim.ticket_id)
            } else {
                fill(victim.account)
            }];
            // The caller's own account with the victim's inner ids.
            if path.matches('{').count() > 1 {
                urls.push(fill(own));
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            for url in &urls {
                for (who, credential) in [("session", &bob), ("API key", &bob_key)] {
                    let (status, answer) = app
                        .call(method.clone(), url, credential, payload.clone())
                        .await;
                    // Routes for people only refuse keys outright (401); none may
                    // answer anything but "no such thing" or "not with a key".
                    let refused_key = who == "API key" && status == 401;
                    assert!(
                        status == 404 || refused_key,
                        "{method} {url} as Bob's {who}: {status} {answer}"
                    );
                    if status == 404 {
                        assert_eq!(answer["error"]["code"], "not_found", "{method} {url}");
                    }
                }
            }
            walked.push(format!("{method} {path}"));
        }
    }
    assert!(walked.len() >= 15, "walked only {walked:?}");
    // Switching to an account one is not in is the same 404.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/switch-account",
            &bob,
            Some(json!({"account_id": victim.account})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        snapshot(&app, victim.account).await,
        before,
        "nothing changed"
    );
}
