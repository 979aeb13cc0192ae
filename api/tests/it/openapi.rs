//! The committed OpenAPI document is the integrators' contract: it must match the code.

use crate::harness::{json, workspace_root, TestApp};

fn generated() -> String {
    gatehouse::http::openapi().to_pretty_json().unwrap() + "\n"
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = workspace_root().join("openapi/gatehouse.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated(),
        "openapi/gatehouse.json is out of date: run `cargo xtask openapi` and commit the result \
         (breaking changes to the contract must be deliberate and noted)"
    );
}

#[test]
fn every_documented_operation_names_its_error_envelope_or_is_an_operations_endpoint() {
    let doc: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/catalog"));
    assert!(paths.contains_key("/health"));
    assert!(paths.contains_key("/metrics"));
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert!(doc["components"]["schemas"]["CatalogResponse"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_the_generated_one_and_the_docs_page_works_offline() {
    let app = TestApp::spawn().await;
    let served = json(app.get("/api/openapi.json").await).await;
    let expected: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served, expected);

    let redirect = app.get("/api/docs").await;
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/api/docs/");

    let page = app.get("/api/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every script and stylesheet the page loads is served by us, not a CDN.
    assert!(
        !html.contains("://"),
        "the docs page must not load from the internet: {html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ] {
        assert!(html.contains(asset), "{asset} not referenced");
        assert_eq!(
            app.get(&format!("/api/docs/{asset}")).await.status(),
            200,
            "{asset}"
        );
    }
    let init = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"), "{init}");
}
