//! The SPA compiles this crate to Wasm: without the `server` feature it must not pull in
//! any server-side dependency.

use std::process::Command;

#[test]
fn the_default_build_depends_on_serde_and_uuid_only() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--package",
            "gatehouse-shared",
            "--target",
            "wasm32-unknown-unknown",
            "--edges",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    assert!(tree.contains("serde"), "{tree}");
    for server_only in ["utoipa", "actix", "diesel", "tokio", "deadpool", "redis"] {
        assert!(
            !tree.contains(server_only),
            "{server_only} reaches the Wasm build:\n{tree}"
        );
    }
}
