//! The committed diesel schema is what the migrations produce.

use std::process::Command;

use crate::harness::{workspace_root, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committed_schema_matches_the_migrations() {
    let db = TestDb::migrated().await;
    let diesel = std::env::var("DIESEL").unwrap_or_else(|_| "diesel".to_owned());
    let output = Command::new(&diesel)
        .args(["print-schema", "--database-url", &db.url])
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|err| {
            panic!("cannot run `{diesel}` ({err}); `cargo xtask test` installs diesel_cli")
        });
    assert!(
        output.status.success(),
        "diesel print-schema failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(workspace_root().join("api/src/db/schema.rs")).unwrap();
    assert!(
        printed == committed,
        "api/src/db/schema.rs differs from the migrations: run `cargo xtask schema` and commit.\n\
         --- printed ---\n{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_to_an_empty_database_and_are_idempotent() {
    let db = TestDb::empty().await;
    let applied = gatehouse::db::run_migrations(&db.url).await.unwrap();
    let on_disk = std::fs::read_dir(workspace_root().join("migrations"))
        .unwrap()
        .count();
    assert_eq!(applied.len(), on_disk);
    assert!(gatehouse::db::run_migrations(&db.url)
        .await
        .unwrap()
        .is_empty());
}
