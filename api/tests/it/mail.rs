//! Mail through Mailgun's HTTP API, against a local fake that speaks its wire format.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use gatehouse::jobs::worker::{Worker, WorkerConfig};
use gatehouse::jobs::{JobServices, Registry};
use gatehouse::mail::mailgun::Mailgun;
use gatehouse::mail::Mailer;
use secrecy::SecretString;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::harness::TestApp;

/// What the fake received, and how many requests it should still refuse.
#[derive(Default)]
struct Inbox {
    messages: Vec<(String, std::collections::HashMap<String, String>)>,
    fail_next: usize,
}

/// A Mailgun stand-in: `POST /v3/{domain}/messages`, basic auth `api:key-test`.
async fn fake_mailgun(inbox: Arc<Mutex<Inbox>>) -> String {
    async fn messages(
        req: HttpRequest,
        path: web::Path<String>,
        form: web::Form<std::collections::HashMap<String, String>>,
        inbox: web::Data<Arc<Mutex<Inbox>>>,
    ) -> HttpResponse {
        use base64::Engine;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("api:key-test")
        );
        if req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            != Some(expected.as_str())
        {
            return HttpResponse::Unauthorized().body("Forbidden");
        }
        let mut inbox = inbox.lock().unwrap();
        if inbox.fail_next > 0 {
            inbox.fail_next -= 1;
            return HttpResponse::InternalServerError().json(json!({"message": "try later"}));
        }
        inbox.messages.push((path.into_inner(), form.into_inner()));
        let id = format!("<{}.{}@mg.test>", inbox.messages.len(), "fake");
        HttpResponse::Ok().json(json!({"id": id, "message": "Queued. Thank you."}))
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let data = web::Data::new(inbox);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/v3/{domain}/messages", web::post().to(messages))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://{addr}/")
}

fn mailgun(base: &str, key: &str) -> Mailer {
    Mailer::Mailgun(Mailgun::new(
        base.parse().unwrap(),
        "mg.test".to_owned(),
        SecretString::from(key.to_owned()),
        "Gatehouse <no-reply@mg.test>".to_owned(),
    ))
}

fn fast_worker(app: &TestApp, mailer: Mailer) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let shutdown = CancellationToken::new();
    let config = WorkerConfig {
        poll_interval: Duration::from_millis(20),
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(100),
        schedule_housekeeping: false,
        ..WorkerConfig::default()
    };
    let worker = Worker::new(
        app.db.pool(),
        Registry::standard(),
        JobServices {
            mailer,
            ..JobServices::default()
        },
        config,
    );
    (shutdown.clone(), tokio::spawn(worker.run(shutdown)))
}

async fn job_states(app: &TestApp) -> Vec<(String, i32, Option<String>)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last_error: Option<String>,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.pool().get().await.unwrap();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT state, attempts, last_error FROM jobs WHERE kind = 'mail.send' ORDER BY id",
    )
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.state, r.attempts, r.last_error))
        .collect()
}

async fn wait_for(mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_mail_goes_out_through_mailgun_and_is_recorded() {
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let base = fake_mailgun(inbox.clone()).await;
    let app = TestApp::spawn().await;
    let signup =
        json!({"email": "ada@example.org", "username": "ada", "password": "correct horse battery"});
    assert_eq!(
        app.post_json("/api/v1/auth/register", signup)
            .await
            .status(),
        202
    );
    let (shutdown, worker) = fast_worker(&app, mailgun(&base, "key-test"));
    wait_for(async || !inbox.lock().unwrap().messages.is_empty()).await;
    wait_for(async || {
        job_states(&app)
            .await
            .first()
            .is_some_and(|j| j.0 == "done")
    })
    .await;
    shutdown.cancel();
    worker.await.unwrap();

    let (domain, form) = inbox.lock().unwrap().messages[0].clone();
    assert_eq!(domain, "mg.test");
    assert_eq!(form["to"], "ada@example.org");
    assert_eq!(form["from"], "Gatehouse <no-reply@mg.test>");
    assert_eq!(form["subject"], "Confirm your email address");
    assert!(form["text"].contains("http://gatehouse.test/verify-email?token="));
    assert!(form["html"].contains("<a href="));
    assert_eq!(form["o:tag"], "verify_email");

    let mut conn = app.db.pool().get().await.unwrap();
    let sent = gatehouse::db::tokens::emails_to(&mut conn, "ada@example.org")
        .await
        .unwrap();
    assert_eq!(sent[0].transport, "mailgun");
    assert_eq!(sent[0].provider_id.as_deref(), Some("<1.fake@mg.test>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_is_retried_with_backoff_until_it_accepts() {
    let inbox = Arc::new(Mutex::new(Inbox {
        fail_next: 2,
        ..Inbox::default()
    }));
    let base = fake_mailgun(inbox.clone()).await;
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.post_json(
        "/api/v1/auth/code/request",
        json!({"email": "ada@example.org"}),
    )
    .await;
    let (shutdown, worker) = fast_worker(&app, mailgun(&base, "key-test"));
    wait_for(async || {
        job_states(&app)
            .await
            .first()
            .is_some_and(|j| j.0 == "done")
    })
    .await;
    shutdown.cancel();
    worker.await.unwrap();
    let (state, attempts, _) = job_states(&app).await.remove(0);
    assert_eq!((state.as_str(), attempts), ("done", 3));
    assert_eq!(inbox.lock().unwrap().messages.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_key_is_a_visible_job_failure_not_a_lost_email() {
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let base = fake_mailgun(inbox.clone()).await;
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.post_json(
        "/api/v1/auth/code/request",
        json!({"email": "ada@example.org"}),
    )
    .await;
    let (shutdown, worker) = fast_worker(&app, mailgun(&base, "key-wrong"));
    wait_for(async || job_states(&app).await.first().is_some_and(|j| j.1 >= 2)).await;
    shutdown.cancel();
    worker.await.unwrap();
    let (state, _, error) = job_states(&app).await.remove(0);
    assert_ne!(state, "done");
    assert!(
        error.unwrap().contains("401"),
        "the cause is kept for staff"
    );
    assert!(inbox.lock().unwrap().messages.is_empty());
}

fn smtp(addr: &str) -> Mailer {
    Mailer::Smtp(
        gatehouse::mail::smtp::Smtp::new(
            &SecretString::from(format!("smtp://{addr}")),
            "Gatehouse <no-reply@example.org>",
        )
        .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_out_over_smtp_as_text_and_html_and_is_recorded() {
    let relay = gatehouse_fakes::smtp::FakeSmtp::default();
    let addr = relay.spawn().await;
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.post_json(
        "/api/v1/auth/code/request",
        json!({"email": "ada@example.org"}),
    )
    .await;
    let (shutdown, worker) = fast_worker(&app, smtp(&addr));
    wait_for(async || {
        job_states(&app)
            .await
            .first()
            .is_some_and(|j| j.0 == "done")
    })
    .await;
    shutdown.cancel();
    worker.await.unwrap();

    let received = relay.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.from, "no-reply@example.org");
    assert_eq!(message.to, ["ada@example.org"]);
    assert!(
        message.data.contains("Subject: Your sign-in code"),
        "{}",
        message.data
    );
    assert!(message.data.contains("multipart/alternative"));
    assert!(message.data.contains("text/plain") && message.data.contains("text/html"));

    let mut conn = app.db.pool().get().await.unwrap();
    let sent = gatehouse::db::tokens::emails_to(&mut conn, "ada@example.org")
        .await
        .unwrap();
    assert_eq!(sent[0].transport, "smtp");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_refuses_is_retried_and_the_reason_kept() {
    let relay = gatehouse_fakes::smtp::FakeSmtp::default();
    relay.refuse_recipients(Some("451 4.3.0 mailbox busy, try again later"));
    let addr = relay.spawn().await;
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.post_json(
        "/api/v1/auth/code/request",
        json!({"email": "ada@example.org"}),
    )
    .await;
    let (shutdown, worker) = fast_worker(&app, smtp(&addr));
    wait_for(async || job_states(&app).await.first().is_some_and(|j| j.1 >= 2)).await;
    let (state, _, error) = job_states(&app).await.remove(0);
    assert_ne!(state, "done");
    assert!(
        error.unwrap().contains("busy"),
        "the relay's reason is kept"
    );
    assert!(relay.received().is_empty());

    // The relay recovers; the retry delivers.
    relay.refuse_recipients(None);
    wait_for(async || {
        job_states(&app)
            .await
            .first()
            .is_some_and(|j| j.0 == "done")
    })
    .await;
    shutdown.cancel();
    worker.await.unwrap();
    assert_eq!(relay.received().len(), 1);
}
