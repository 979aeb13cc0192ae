//! Graceful shutdown: in-flight requests finish, new connections are refused.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpResponse};
use tokio::sync::Notify;

use crate::harness::TestApp;

#[derive(Default)]
struct Gate {
    entered: Notify,
    release: Notify,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_finish_when_shutdown_is_requested() {
    let gate = Arc::new(Gate::default());
    let route_gate = gate.clone();
    let mut app = TestApp::builder()
        .extra_routes(move |cfg| {
            let gate = route_gate.clone();
            cfg.route(
                "/__test/slow",
                web::get().to(move || {
                    let gate = gate.clone();
                    async move {
                        gate.entered.notify_one();
                        gate.release.notified().await;
                        HttpResponse::Ok().body("finished")
                    }
                }),
            );
        })
        .spawn()
        .await;
    let in_flight = tokio::spawn(app.client.get(app.url("/__test/slow")).send());
    gate.entered.notified().await;

    let server = app.take_server();
    server.shutdown.cancel();
    let stopped = tokio::spawn(server.stopped());
    // New requests get no answer while the old request is still running (the
    // listener is closed, or no longer accepted from).
    let refused = async {
        let fresh = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        while fresh.get(app.url("/health")).send().await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), refused)
        .await
        .expect("the listener closes");
    assert!(
        !stopped.is_finished(),
        "the server waits for the in-flight request"
    );

    gate.release.notify_one();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    stopped.await.unwrap().unwrap();
}
