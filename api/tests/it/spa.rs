//! The SPA is served from its build directory with a fallback for deep links.

use std::path::PathBuf;

use crate::harness::{assert_envelope, TestApp};

fn built_spa() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gatehouse-spa-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Gatehouse</title>",
    )
    .unwrap();
    std::fs::write(
        dir.join("gatehouse-web-0123456789abcdef.js"),
        "export default 1;".repeat(200),
    )
    .unwrap();
    std::fs::write(dir.join("robots.txt"), "User-agent: *").unwrap();
    std::fs::write(dir.join(".env"), "SECRET=1").unwrap();
    // Every other bundle: its own shell in the subdirectory named after it (the paths
    // it owns are in `gatehouse_shared::spa::BUNDLES`), titled so tests can tell them apart.
    for (bundle, title) in [
        ("onboarding", "Welcome · Gatehouse"),
        ("home", "Home"),
        ("team", "Team · Gatehouse"),
        ("admin", "Admin · Gatehouse"),
        ("support", "Support · Gatehouse"),
        ("accounts", "Accounts · Gatehouse"),
        ("catalog", "Catalog · Gatehouse"),
    ] {
        std::fs::create_dir_all(dir.join(bundle)).unwrap();
        std::fs::write(
            dir.join(bundle).join("index.html"),
            format!("<!doctype html><title>{title}</title>"),
        )
        .unwrap();
    }
    // Assets live beside the shells; hidden files are never served.
    std::fs::write(
        dir.join("onboarding/gatehouse-onboarding-fedcba9876543210_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(dir.join("onboarding/.secret"), "SECRET=1").unwrap();
    std::fs::write(
        dir.join("admin/gatehouse-admin-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_assets_are_cached_for_a_year_and_the_shell_is_revalidated() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    let asset = app.get("/gatehouse-web-0123456789abcdef.js").await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(asset.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));

    let shell = app.get("/").await;
    assert_eq!(shell.status(), 200);
    assert_eq!(shell.headers()["cache-control"], "no-cache");
    assert!(shell
        .text()
        .await
        .unwrap()
        .contains("<title>Gatehouse</title>"));

    let plain = app.get("/robots.txt").await;
    assert_eq!(plain.headers()["cache-control"], "no-cache");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_links_get_the_app_shell_but_missing_assets_and_api_paths_do_not() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    let deep = app.get("/pricing/business").await;
    assert_eq!(deep.status(), 200);
    assert!(deep
        .text()
        .await
        .unwrap()
        .contains("<title>Gatehouse</title>"));
    assert_envelope(
        app.get("/gatehouse-web-ffffffffffffffff.js").await,
        404,
        "not_found",
    )
    .await;
    assert_envelope(app.get("/api/v1/unknown").await, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_recovery_and_waitlist_paths_get_the_onboarding_shell_and_its_assets() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    for path in [
        "/onboarding",
        "/onboarding/",
        "/onboarding/plan",
        "/onboarding/a/b",
        // Recovery and the waitlist live in the onboarding bundle too.
        "/recovery",
        "/recovery/restore",
        "/waitlist",
    ] {
        let shell = app.get(path).await;
        assert_eq!(shell.status(), 200, "{path}");
        assert_eq!(shell.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            shell
                .text()
                .await
                .unwrap()
                .contains("<title>Welcome · Gatehouse</title>"),
            "{path}"
        );
    }
    // Other paths, even ones that merely start with the same letters, get the main app.
    for path in [
        "/onboardings",
        "/account/onboarding",
        "/pricing/onboarding",
        "/waitlists",
    ] {
        let shell = app.get(path).await;
        assert_eq!(shell.status(), 200, "{path}");
        assert!(
            shell
                .text()
                .await
                .unwrap()
                .contains("<title>Gatehouse</title>"),
            "{path}"
        );
    }
    let asset = app
        .get("/onboarding/gatehouse-onboarding-fedcba9876543210_bg.wasm")
        .await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_envelope(
        app.get("/onboarding/gatehouse-onboarding-0000000000000000.js")
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_may_own_several_segments() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    assert_shells(
        &app,
        &[
            "/dashboard",
            "/billing",
            "/billing/",
            "/billing?checkout=cs_1",
        ],
        "Home",
    )
    .await;
    let account = app.get("/account").await.text().await.unwrap();
    assert!(account.contains("<title>Gatehouse</title>"), "{account}");
}

/// Each path answers a shell (200, revalidated on every visit) whose title is `title`.
async fn assert_shells(app: &TestApp, paths: &[&str], title: &str) {
    for path in paths {
        let shell = app.get(path).await;
        assert_eq!(shell.status(), 200, "{path}");
        assert_eq!(shell.headers()["cache-control"], "no-cache", "{path}");
        let body = shell.text().await.unwrap();
        assert!(
            body.contains(&format!("<title>{title}</title>")),
            "{path}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_paths_get_the_team_shell() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    assert_shells(
        &app,
        &["/team", "/team?account=1", "/invitations/accept?token=abc"],
        "Team · Gatehouse",
    )
    .await;
    assert_shells(&app, &["/dashboard", "/credits"], "Home").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_paths_get_the_admin_shell_and_its_assets_are_files() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    assert_shells(
        &app,
        &[
            "/admin",
            "/admin/",
            "/admin/audit",
            "/admin/audit?action=instances",
        ],
        "Admin · Gatehouse",
    )
    .await;
    // The bundle's assets share its segment (its public URL is `/admin/`): files win.
    let asset = app
        .get("/admin/gatehouse-admin-0123456789abcdef_bg.wasm")
        .await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_envelope(
        app.get("/admin/gatehouse-admin-ffffffffffffffff.js").await,
        404,
        "not_found",
    )
    .await;
    // Accounts are the accounts bundle's and tickets the support bundle's, by their first
    // two segments.
    assert_shells(
        &app,
        &[
            "/admin/accounts",
            "/admin/accounts/",
            "/admin/accounts/01JAB?tab=members",
        ],
        "Accounts · Gatehouse",
    )
    .await;
    assert_shells(
        &app,
        &[
            "/admin/tickets",
            "/admin/tickets/42",
            "/support",
            "/support/tickets/new",
        ],
        "Support · Gatehouse",
    )
    .await;
    // The catalog and the instances are the catalog bundle's, by their first two segments.
    assert_shells(
        &app,
        &[
            "/admin/catalog",
            "/admin/catalog?kind=plan",
            "/admin/instances",
        ],
        "Catalog · Gatehouse",
    )
    .await;
    assert_shells(
        &app,
        &["/admin/accountsx", "/admin/catalogs"],
        "Admin · Gatehouse",
    )
    .await;
    // Only the whole segment counts.
    for path in ["/administrator", "/account/admin", "/supports"] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(body.contains("<title>Gatehouse</title>"), "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_paths_are_a_404_while_that_bundle_is_not_built() {
    let dir = built_spa();
    std::fs::remove_dir_all(dir.join("onboarding")).unwrap();
    let app = TestApp::builder().web_dir(dir).spawn().await;
    assert_envelope(app.get("/onboarding/plan").await, 404, "not_found").await;
    assert_eq!(app.get("/pricing").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_outside_the_build_and_hidden_files_are_never_served() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    for path in [
        "/.env",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/assets/..%5c..%5cCargo.toml",
        "/onboarding/.secret",
        "/onboarding/%2e%2e/.env",
        "/onboarding/../.env",
    ] {
        // Sent raw: an HTTP client library would normalise the dots away.
        let status = raw_get_status(&app.base, path).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_compressed_when_the_client_accepts_gzip() {
    let app = TestApp::builder().web_dir(built_spa()).spawn().await;
    let response = app
        .client
        .get(app.url("/gatehouse-web-0123456789abcdef.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

async fn raw_get_status(base: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(!text.contains("SECRET=1"), "hidden file leaked for {path}");
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}
