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
