//! `GET /health` names the failing dependency.

use crate::harness::{assert_envelope, json, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_ok_when_postgres_and_redis_answer() {
    let app = TestApp::builder().with_redis().spawn().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["redis"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_redis_as_not_configured_without_redis_url() {
    let app = TestApp::spawn().await;
    let body = json(app.get("/health").await).await;
    assert_eq!(body["checks"]["redis"], "not_configured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_503_naming_postgres_when_the_database_is_unreachable() {
    let app = TestApp::builder().broken_postgres().spawn().await;
    let body = assert_envelope(app.get("/health").await, 503, "dependency_unavailable").await;
    assert_eq!(body["error"]["fields"]["postgres"], "unavailable", "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("postgres"));
    // A data endpoint answers 503 in the envelope too, not a 500.
    assert_envelope(app.get("/api/v1/catalog").await, 503, "service_unavailable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_503_naming_redis_when_redis_is_unreachable() {
    let app = TestApp::builder().broken_redis().spawn().await;
    let body = assert_envelope(app.get("/health").await, 503, "dependency_unavailable").await;
    assert_eq!(body["error"]["fields"]["redis"], "unavailable", "{body}");
    assert!(body["error"]["fields"].get("postgres").is_none(), "{body}");
}
