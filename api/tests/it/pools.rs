//! Each HTTP worker serves from a pool of its own (`AppState::for_worker`): the
//! process's connections shared out among the workers, each opened on its worker's
//! runtime. Every other test's requests go through such pools too.

use diesel_async::RunQueryDsl;

use crate::harness::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_http_worker_gets_its_share_of_the_connections_in_a_pool_of_its_own() {
    let app = TestApp::spawn().await;
    let shared = &app.state.pool;
    assert_eq!(shared.status().max_size, 8, "the harness's pool size");

    let worker = app.state.for_worker(2);
    assert_eq!(worker.pool.status().max_size, 4);
    assert_eq!(
        app.state.for_worker(3).pool.status().max_size,
        3,
        "rounded up"
    );
    assert_eq!(
        app.state.for_worker(64).pool.status().max_size,
        1,
        "one at least"
    );

    // Its own: a connection opened in the worker's pool is not the process's.
    let before = shared.status().size;
    let mut conn = worker.pool.get().await.unwrap();
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(worker.pool.status().size, 1);
    assert_eq!(shared.status().size, before);

    // Without worker pools configured, workers share the process's pool.
    let mut state = app.state.clone();
    state.worker_pools = None;
    assert_eq!(state.for_worker(2).pool.status().max_size, 8);
}

async fn backend_pid(pool: &gatehouse::db::Pool) -> i32 {
    let mut conn = pool.get().await.unwrap();
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
        "pg_backend_pid()",
    ))
    .get_result(&mut conn)
    .await
    .expect("a working connection")
}

/// The key store shares the process's pool but is called from every HTTP worker, so a
/// connection it opens is driven by that worker's runtime. When the worker stops (at
/// shutdown, before the job worker), the pool must not hand that dead connection out: the
/// checkout replaces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_connection_whose_runtime_ended_is_replaced_at_checkout() {
    let db = crate::harness::TestDb::migrated().await;
    let pool = db.pool();
    let keys = std::sync::Arc::new(gatehouse::identity::keys::KeyStore::new(
        pool.clone(),
        "issuer".to_owned(),
        "audience".to_owned(),
        std::time::Duration::from_secs(900),
    ));

    // Keys loaded from a runtime of its own that then ends, as an actix worker's does.
    let (from_worker, worker_pool) = (keys.clone(), pool.clone());
    let worker_pid = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                from_worker.reload().await.unwrap();
                backend_pid(&worker_pool).await
            })
    })
    .join()
    .unwrap();
    assert_eq!(pool.status().size, 1, "the key store's connection, reused");

    let pid = backend_pid(&pool).await;
    assert_ne!(pid, worker_pid, "a new connection, not the dead one");
    assert_eq!(pool.status().size, 1, "the dead one was dropped");
}
