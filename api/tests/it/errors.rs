//! One error envelope everywhere, including the framework's own extractor errors.

use actix_web::{web, HttpResponse};
use gatehouse::error::AppError;
use gatehouse::http::json::Json;
use serde::Deserialize;

use crate::harness::{assert_envelope, TestApp};

#[derive(Deserialize)]
struct Probe {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    count: u32,
}

async fn probe(_body: Json<Probe>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"ok": true}))
}

async fn explode() -> Result<HttpResponse, AppError> {
    Err(AppError::internal(anyhow::anyhow!(
        "db password hunter2 leaked in a cause"
    )))
}

async fn app() -> TestApp {
    TestApp::builder()
        .max_body_bytes(1024)
        .extra_routes(|cfg| {
            cfg.route("/__test/probe", web::post().to(probe))
                .route("/__test/explode", web::get().to(explode));
        })
        .spawn()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_body_reaches_the_handler() {
    let app = app().await;
    let response = app
        .client
        .post(app.url("/__test/probe"))
        .json(&serde_json::json!({"name": "a", "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_400_in_the_envelope() {
    let app = app().await;
    let response = app
        .client
        .post(app.url("/__test/probe"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_envelope(response, 400, "malformed_json").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_the_wrong_shape_is_a_422_with_fields() {
    let app = app().await;
    let response = app
        .client
        .post(app.url("/__test/probe"))
        .json(&serde_json::json!({"name": "a", "count": -3}))
        .send()
        .await
        .unwrap();
    let body = assert_envelope(response, 422, "validation_failed").await;
    assert_eq!(body["error"]["fields"]["count"], "must be u32", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_content_type_is_a_415_in_the_envelope() {
    let app = app().await;
    let response = app
        .client
        .post(app.url("/__test/probe"))
        .header("content-type", "text/plain")
        .body("name=a")
        .send()
        .await
        .unwrap();
    assert_envelope(response, 415, "unsupported_media_type").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_a_413_in_the_envelope() {
    let app = app().await;
    let big = "x".repeat(4096);
    let response = app
        .client
        .post(app.url("/__test/probe"))
        .json(&serde_json::json!({"name": big, "count": 1}))
        .send()
        .await
        .unwrap();
    assert_envelope(response, 413, "payload_too_large").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_api_paths_are_404_in_the_envelope_even_without_the_spa() {
    let app = app().await;
    assert_envelope(app.get("/api/v1/nothing-here").await, 404, "not_found").await;
    assert_envelope(app.get("/api/elsewhere").await, 404, "not_found").await;
    let post = app
        .client
        .post(app.url("/api/v1/catalog"))
        .send()
        .await
        .unwrap();
    assert_envelope(post, 404, "not_found").await;
    // No SPA is built for this app, so a page path is a 404 too, still JSON.
    assert_envelope(app.get("/pricing").await, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unexpected_errors_are_opaque_500s() {
    let app = app().await;
    let response = app.get("/__test/explode").await;
    let body = assert_envelope(response, 500, "internal_error").await;
    assert!(!body.to_string().contains("hunter2"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id_and_keeps_a_sane_incoming_one() {
    let app = app().await;
    let generated = app.get("/health").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let kept = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "edge-1234.abc_Z")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "edge-1234.abc_Z");

    let replaced = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "bad id with spaces <script>")
        .send()
        .await
        .unwrap();
    let replaced_id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(replaced_id).is_ok(), "{replaced_id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_responses_made_outside_our_handlers_are_enveloped_too() {
    let app = app().await;
    // The docs page's file server answers a bare 404 of its own.
    assert_envelope(app.get("/api/docs/no-such-file.js").await, 404, "not_found").await;
}

/// PostgreSQL cannot store the NUL character: found by the schema-driven fuzzing
/// (`POST accounts` with `"\u0000"` in the name was a 500). Every way in is a clear
/// answer instead, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_with_a_nul_character_is_refused_wherever_it_comes_in() {
    use reqwest::Method;
    use serde_json::json;

    let app = TestApp::builder().spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (token, _) = app.sign_in("ada").await;
    let staff = app.staff_session().await;

    // In a JSON body, escaped (a raw 0x00 is not JSON at all).
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            &token,
            Some(json!({"name": "Ada\u{0}Corp"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(
        body["error"]["fields"]["name"],
        "must not contain the NUL character"
    );
    let (_, accounts) = app
        .call(Method::GET, "/api/v1/accounts", &token, None)
        .await;
    assert_eq!(
        accounts["accounts"].as_array().unwrap().len(),
        1,
        "{accounts}"
    );
    // Text that merely spells the escape is fine.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            &token,
            Some(json!({"name": "Ada \\u0000 Corp"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // In the query string: the parameter is named.
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/accounts?q=a%00b", &staff, None)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"]["q"],
        "must not contain the NUL character"
    );
    // In the path: no resource has such a name.
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/admin/webhooks/stripe/events/evt_%00",
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 404);
}
