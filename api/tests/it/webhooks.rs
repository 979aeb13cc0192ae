//! Stripe's webhooks: signatures (rotation, tolerance, tampering), the inbox (once per
//! event id, also under concurrent deliveries), nothing stored for bad deliveries, and
//! the staff view of the inbox.

use gatehouse::billing::signature::sign;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{assert_envelope, json, TestApp};

const SECRET: &str = "whsec_current";

fn event(id: &str, kind: &str) -> Value {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": chrono::Utc::now().timestamp(),
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
        "data": {"object": {"id": "sub_1Pgc76", "object": "subscription", "status": "active"}},
    })
}

async fn deliver(app: &TestApp, body: &[u8], signature: Option<String>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.unwrap()
}

async fn deliver_signed(app: &TestApp, secret: &str, event: &Value) -> reqwest::Response {
    let body = serde_json::to_vec(event).unwrap();
    let now = chrono::Utc::now().timestamp();
    deliver(app, &body, Some(sign(secret, now, &body))).await
}

async fn stored(app: &TestApp) -> Vec<(String, String, String)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("SELECT id, type AS kind, status FROM stripe_events ORDER BY id")
        .load::<Row>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.id, row.kind, row.status))
        .collect()
}

async fn app() -> TestApp {
    TestApp::builder()
        .stripe_webhook_secrets(&["whsec_previous", SECRET])
        .spawn()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_event_is_kept_once_however_often_it_arrives() {
    let app = app().await;
    let sent = event("evt_1", "customer.subscription.updated");
    let first = deliver_signed(&app, SECRET, &sent).await;
    assert_eq!(first.status(), 200);
    assert_eq!(json(first).await, json!({"status": "received"}));
    let again = deliver_signed(&app, SECRET, &sent).await;
    assert_eq!(json(again).await, json!({"status": "duplicate"}));
    assert_eq!(
        stored(&app).await,
        [(
            "evt_1".to_owned(),
            "customer.subscription.updated".to_owned(),
            "received".to_owned()
        )]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_deliveries_of_one_event_store_it_once() {
    let app = app().await;
    let sent = event("evt_concurrent", "invoice.paid");
    let deliveries = (0..10).map(|_| deliver_signed(&app, SECRET, &sent));
    let answers = futures_util::future::join_all(deliveries).await;
    let mut statuses = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), 200);
        statuses.push(json(answer).await["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses.iter().filter(|s| *s == "received").count(), 1);
    assert_eq!(statuses.iter().filter(|s| *s == "duplicate").count(), 9);
    assert_eq!(stored(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_secrets_verify_while_rotating() {
    let app = app().await;
    for (secret, id) in [("whsec_previous", "evt_old"), (SECRET, "evt_new")] {
        let answer = deliver_signed(&app, secret, &event(id, "invoice.paid")).await;
        assert_eq!(answer.status(), 200, "{secret}");
    }
    // Stripe sends one v1 per secret while an endpoint rolls: any match is enough.
    let body = serde_json::to_vec(&event("evt_both", "invoice.paid")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let unknown = sign("whsec_unknown", now, &body);
    let current = sign(SECRET, now, &body);
    let header = format!("{unknown},{}", current.split_once(',').unwrap().1);
    assert_eq!(deliver(&app, &body, Some(header)).await.status(), 200);
    assert_eq!(stored(&app).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deliveries_are_refused_and_nothing_is_stored() {
    let app = app().await;
    let body = serde_json::to_vec(&event("evt_bad", "invoice.paid")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let cases = [
        // No signature.
        (body.clone(), None),
        // Someone else's secret.
        (body.clone(), Some(sign("whsec_attacker", now, &body))),
        // Stale, and from the future.
        (body.clone(), Some(sign(SECRET, now - 330, &body))),
        (body.clone(), Some(sign(SECRET, now + 330, &body))),
        // Garbled.
        (body.clone(), Some("t=abc,v1=xyz".to_owned())),
    ];
    for (body, signature) in cases {
        let answer = deliver(&app, &body, signature).await;
        assert_envelope(answer, 400, "invalid_signature").await;
    }
    // Signed, then changed in transit.
    let mut tampered = body.clone();
    let signature = sign(SECRET, now, &body);
    let at = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at] = b'2';
    assert_envelope(
        deliver(&app, &tampered, Some(signature)).await,
        400,
        "invalid_signature",
    )
    .await;

    // Signed correctly, but not an event.
    for not_an_event in [
        b"not json".to_vec(),
        serde_json::to_vec(&json!({"id": "evt_x"})).unwrap(),
        serde_json::to_vec(&json!({"id": "cus_123", "type": "invoice.paid", "created": now, "data": {"object": {}}})).unwrap(),
    ] {
        let signature = sign(SECRET, now, &not_an_event);
        let answer = deliver(&app, &not_an_event, Some(signature)).await;
        assert_envelope(answer, 400, "malformed_event").await;
    }
    // Too large.
    let huge = vec![b' '; gatehouse::http::webhooks::MAX_EVENT_BYTES + 1];
    let signature = sign(SECRET, now, &huge);
    assert_envelope(
        deliver(&app, &huge, Some(signature)).await,
        413,
        "payload_too_large",
    )
    .await;

    assert!(stored(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_the_endpoint_is_unavailable() {
    let app = TestApp::spawn().await;
    let answer = deliver_signed(&app, SECRET, &event("evt_1", "invoice.paid")).await;
    assert_envelope(answer, 503, "service_unavailable").await;
    assert!(stored(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_the_inbox_newest_first_and_page_through_it() {
    let app = app().await;
    for i in 0..3 {
        let kind = if i == 1 {
            "invoice.payment_failed"
        } else {
            "invoice.paid"
        };
        deliver_signed(&app, SECRET, &event(&format!("evt_{i}"), kind)).await;
    }
    app.create_user("ada@example.org", "ada").await;
    let (customer, _) = app.sign_in("ada").await;
    let refused = app
        .authed(
            Method::GET,
            "/api/v1/admin/webhooks/stripe/events",
            &customer,
            None,
        )
        .await;
    assert_envelope(refused, 403, "forbidden").await;

    let staff = app.staff_session().await;
    let page = json(
        app.authed(
            Method::GET,
            "/api/v1/admin/webhooks/stripe/events?limit=2",
            &staff,
            None,
        )
        .await,
    )
    .await;
    let ids: Vec<_> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(ids, [json!("evt_2"), json!("evt_1")]);
    assert_eq!(page["events"][1]["type"], "invoice.payment_failed");
    assert_eq!(page["events"][1]["status"], "received");
    assert_eq!(page["events"][1]["object_id"], "sub_1Pgc76");
    let before = page["next_before"].as_str().unwrap();
    let rest = json(
        app.authed(
            Method::GET,
            &format!(
                "/api/v1/admin/webhooks/stripe/events?limit=2&before={}",
                urlencode(before)
            ),
            &staff,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(rest["events"][0]["id"], "evt_0");
    assert!(rest["next_before"].is_null());

    let one = json(
        app.authed(
            Method::GET,
            "/api/v1/admin/webhooks/stripe/events/evt_1",
            &staff,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(one["payload"]["data"]["object"]["object"], "subscription");
    let missing = app
        .authed(
            Method::GET,
            "/api/v1/admin/webhooks/stripe/events/evt_nope",
            &staff,
            None,
        )
        .await;
    assert_envelope(missing, 404, "not_found").await;
    let bad = app
        .authed(
            Method::GET,
            "/api/v1/admin/webhooks/stripe/events?status=lost&before=yesterday",
            &staff,
            None,
        )
        .await;
    let body = assert_envelope(bad, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["status"].is_string());
    assert!(body["error"]["fields"]["before"].is_string());
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
