//! The admin API's gate, walked from the committed OpenAPI spec: every admin operation
//! answers 401 without a token and 403 to a customer — even with a body it could not
//! parse, since the gate runs before the body is read — and each staff role reaches
//! exactly its areas (support: accounts, instances, waitlist, tickets; billing: catalog,
//! credits and bank transfers, webhooks; admin: everything; everyone reads).

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{workspace_root, TestApp};

/// Whether `role` may change things at `path` (an expectation written independently of
/// the server's table).
fn may_write(role: &str, path: &str) -> bool {
    let under = |prefix: &str| path.starts_with(&format!("/api/v1/admin/{prefix}"));
    match role {
        "admin" => true,
        "support" => {
            (under("accounts") && !path.ends_with("/credits") && !path.ends_with("/bank-transfers"))
                || under("instances")
                || under("orders")
                || under("waitlist")
                || under("tickets")
                || under("users")
        }
        "billing" => {
            under("catalog")
                || under("webhooks")
                || path.ends_with("/credits")
                || path.ends_with("/bank-transfers")
        }
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_operation_admits_only_the_staff_roles_of_its_area() {
    let app = TestApp::builder().seeded().spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (customer, _) = app.sign_in("ada").await;
    let mut staff = Vec::new();
    for role in ["support", "billing", "admin"] {
        staff.push((
            role,
            app.staff_session_as(role, &format!("{role}_staff")).await,
        ));
    }

    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("openapi/gatehouse.json")).unwrap(),
    )
    .unwrap();
    let mut walked = 0;
    for (path, operations) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        let mut url = path.clone();
        while let (Some(open), Some(close)) = (url.find('{'), url.find('}')) {
            url.replace_range(open..=close, &Uuid::new_v4().to_string());
        }
        for method in operations.as_object().unwrap().keys() {
            let write = method != "get";
            let method: Method = method.to_uppercase().parse().unwrap();
            // A body no admin operation accepts: the gate must answer before parsing.
            let body = write.then(|| json!({"not": "a valid body"}));
            let anonymous = app
                .client
                .request(method.clone(), app.url(&url))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(anonymous.status(), 401, "{method} {path} without a token");
            let (status, answer) = app
                .call(method.clone(), &url, &customer, body.clone())
                .await;
            assert_eq!(
                (status, answer["error"]["code"].clone()),
                (403, json!("forbidden")),
                "{method} {path} as a customer"
            );
            for (role, token) in &staff {
                let response = app.authed(method.clone(), &url, token, body.clone()).await;
                let status = response.status().as_u16();
                // What comes back when let through may be CSV (the waitlist export).
                let answer: Value =
                    serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
                if !write || may_write(role, path) {
                    assert_ne!(status, 403, "{method} {path} as {role}: {answer}");
                } else {
                    assert_eq!(
                        (status, answer["error"]["code"].clone()),
                        (403, json!("forbidden_area")),
                        "{method} {path} as {role}"
                    );
                }
            }
            walked += 1;
        }
    }
    assert!(walked >= 20, "only {walked} admin operations walked");
}
