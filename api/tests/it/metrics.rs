//! `GET /metrics`: Prometheus text behind a bearer token.

use crate::harness::{assert_envelope, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_404_when_no_token_is_configured() {
    let app = TestApp::spawn().await;
    assert_envelope(app.get("/metrics").await, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_configured_bearer_token() {
    let app = TestApp::builder()
        .metrics_token("s3cret-token")
        .spawn()
        .await;
    assert_envelope(app.get("/metrics").await, 401, "unauthorized").await;
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-tokeX")
        .send()
        .await
        .unwrap();
    assert_envelope(wrong, 401, "unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_and_report_pool_and_queue_gauges() {
    let app = TestApp::builder()
        .metrics_token("tok")
        .seeded()
        .spawn()
        .await;
    assert_eq!(app.get("/api/v1/catalog").await.status(), 200);
    assert_eq!(app.get("/api/v1/nope").await.status(), 404);
    let brew = reqwest::Method::from_bytes(b"BREWCOFFEE").unwrap();
    let odd = app
        .client
        .request(brew, app.url("/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 404);
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("BREWCOFFEE"),
        "client-chosen methods mint no series"
    );
    for needle in [
        r#"http_requests_total{method="GET",route="/api/v1/catalog",status="200"}"#,
        r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/catalog",status="200",le="0.005"}"#,
        r#"method="OTHER""#,
        "db_pool_connections ",
        "db_pool_available ",
        r#"jobs{state="queued"}"#,
        r#"jobs{state="dead"}"#,
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}
