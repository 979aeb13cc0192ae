//! Support tickets end to end: only their opener sees them, the status flow (open →
//! waiting on the customer → open → closed, closed takes no replies and nothing is
//! written), validation, emails queued both ways, one audit record per staff change,
//! staff roles, and staff's filtered, paginated list.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{assert_envelope, TestApp};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// Messages stored for the ticket.
async fn messages(app: &TestApp, ticket: &str) -> i64 {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("SELECT count(*) AS count FROM ticket_messages WHERE ticket_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(Uuid::parse_str(ticket).unwrap())
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

/// Ada opens a ticket: its id.
async fn open(app: &TestApp, token: &str, subject: &str) -> String {
    let (status, ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            token,
            Some(json!({"subject": subject, "body": "It does not work."})),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    ticket["id"].as_str().unwrap().to_owned()
}

async fn reply(app: &TestApp, path: &str, token: &str, body: &str) -> (u16, Value) {
    app.call(Method::POST, path, token, Some(json!({ "body": body })))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_seen_and_answered_by_its_opener_only() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.create_user("bob@example.org", "bob").await;
    let (ada, _) = app.sign_in("ada").await;
    let (bob, _) = app.sign_in("bob").await;
    let id = open(&app, &ada, "Cannot sign in to the wiki").await;
    let bobs = open(&app, &bob, "Bob's own").await;

    let (status, ticket) = app
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), &ada, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["priority"], "normal");
    assert_eq!(ticket["messages"][0]["body"], "It does not work.");
    assert_eq!(ticket["messages"][0]["from_staff"], false);

    let response = app
        .authed(Method::GET, &format!("/api/v1/tickets/{id}"), &bob, None)
        .await;
    assert_envelope(response, 404, "not_found").await;
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/tickets/{id}/messages"),
            &bob,
            Some(json!({"body": "Me too"})),
        )
        .await;
    assert_envelope(response, 404, "not_found").await;
    assert_eq!(messages(&app, &id).await, 1, "Bob wrote nothing");

    let (status, list) = app.call(Method::GET, "/api/v1/tickets", &ada, None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id.as_str()], "only Ada's: {list}");
    assert!(list["tickets"][0]["last_message_at"].is_string());
    let (_, list) = app.call(Method::GET, "/api/v1/tickets", &bob, None).await;
    assert_eq!(list["tickets"][0]["id"], bobs.as_str());
    assert_eq!(list["tickets"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_follows_replies_and_a_closed_ticket_takes_none() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (ada, _) = app.sign_in("ada").await;
    let staff = app.staff_session_as("support", "sue").await;
    let id = open(&app, &ada, "Invoice is wrong").await;
    let mine = format!("/api/v1/tickets/{id}/messages");
    let theirs = format!("/api/v1/admin/tickets/{id}/messages");
    assert_eq!(
        app.queued_mails("ticket_opened").await,
        1,
        "support is told"
    );

    let (status, ticket) = reply(&app, &theirs, &staff, "Which invoice?").await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["status"], "waiting_on_customer");
    assert_eq!(ticket["customer_email"], "ada@example.org");
    assert_eq!(ticket["messages"][1]["from_staff"], true);
    assert_eq!(app.queued_mails("ticket_reply").await, 1, "Ada is told");

    let (status, ticket) = reply(&app, &mine, &ada, "The one from March.").await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["status"], "open");
    assert_eq!(app.queued_mails("ticket_customer_reply").await, 1);

    // A reply on an open ticket keeps it open.
    let (status, ticket) = reply(&app, &mine, &ada, "Any news?").await;
    assert_eq!(status, 201);
    assert_eq!(ticket["status"], "open");

    let close = format!("/api/v1/admin/tickets/{id}/close");
    let (status, ticket) = app.call(Method::POST, &close, &staff, None).await;
    assert_eq!(status, 200, "{ticket}");
    assert_eq!(ticket["status"], "closed");
    assert!(ticket["closed_at"].is_string());

    let written = messages(&app, &id).await;
    assert_eq!(written, 4);
    let response = app
        .authed(Method::POST, &mine, &ada, Some(json!({"body": "Hello?"})))
        .await;
    let refused = assert_envelope(response, 409, "ticket_closed").await;
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("new ticket"));
    let response = app
        .authed(Method::POST, &theirs, &staff, Some(json!({"body": "Hi"})))
        .await;
    assert_envelope(response, 409, "ticket_closed").await;
    let response = app.authed(Method::POST, &close, &staff, None).await;
    assert_envelope(response, 409, "ticket_closed").await;
    assert_eq!(messages(&app, &id).await, written, "nothing written");
    assert_eq!(app.queued_mails("ticket_reply").await, 1);
    assert_eq!(app.queued_mails("ticket_customer_reply").await, 2);

    // Exactly one audit record per staff change: the reply and the close.
    let mut conn = app.db.pool().get().await.unwrap();
    let records = gatehouse::db::audit::of_target(&mut conn, "ticket", &id)
        .await
        .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, vec!["tickets.closed", "tickets.replied"]);
    assert!(records.iter().all(|r| r.actor_kind == "staff"));
    assert!(records.iter().all(|r| r.request_id.is_some()));
    assert_eq!(records[1].before.as_ref().unwrap()["status"], "open");
    assert_eq!(
        records[1].after.as_ref().unwrap()["status"],
        "waiting_on_customer"
    );
    assert_eq!(records[0].after.as_ref().unwrap()["status"], "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_ticket_checks_every_field() {
    let app = TestApp::spawn().await;
    let (_, ada_account) = app.create_user("ada@example.org", "ada").await;
    let (_, bob_account) = app.create_user("bob@example.org", "bob").await;
    let (ada, _) = app.sign_in("ada").await;
    let mut conn = app.db.pool().get().await.unwrap();
    let bobs_order = gatehouse::instances::orders::request(&mut conn, bob_account, "staff", None)
        .await
        .unwrap();
    let adas_order = gatehouse::instances::orders::request(&mut conn, ada_account, "staff", None)
        .await
        .unwrap();

    for (body, field) in [
        (json!({"subject": " ", "body": "x"}), "subject"),
        (json!({"subject": "s".repeat(201), "body": "x"}), "subject"),
        (json!({"subject": "Help\nBcc: x", "body": "x"}), "subject"),
        (json!({"subject": "Help", "body": ""}), "body"),
        (
            json!({"subject": "Help", "body": "x".repeat(10_001)}),
            "body",
        ),
        (
            json!({"subject": "Help", "body": "x", "priority": "asap"}),
            "priority",
        ),
        (
            json!({"subject": "Help", "body": "x", "order_id": bobs_order.id}),
            "order_id",
        ),
        (
            json!({"subject": "Help", "body": "x", "order_id": Uuid::new_v4()}),
            "order_id",
        ),
    ] {
        let response = app
            .authed(Method::POST, "/api/v1/tickets", &ada, Some(body.clone()))
            .await;
        let refused = assert_envelope(response, 422, "validation_failed").await;
        assert!(
            refused["error"]["fields"][field].is_string(),
            "{body}: {refused}"
        );
    }
    let (_, list) = app.call(Method::GET, "/api/v1/tickets", &ada, None).await;
    assert_eq!(
        list["tickets"].as_array().unwrap().len(),
        0,
        "nothing opened"
    );

    let (status, ticket) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &ada,
            Some(json!({
                "subject": "Seats missing",
                "body": "x".repeat(10_000),
                "priority": "urgent",
                "order_id": adas_order.id,
                "stripe_subscription_id": "sub_123",
            })),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["priority"], "urgent");
    assert_eq!(ticket["order_id"], adas_order.id.to_string());
    assert_eq!(ticket["stripe_subscription_id"], "sub_123");
    // A reply too long is refused on `body`.
    let id = ticket["id"].as_str().unwrap();
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/tickets/{id}/messages"),
            &ada,
            Some(json!({"body": "x".repeat(10_001)})),
        )
        .await;
    let refused = assert_envelope(response, 422, "validation_failed").await;
    assert!(refused["error"]["fields"]["body"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_staff_are_emailed_and_billing_staff_may_only_look() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (ada, _) = app.sign_in("ada").await;
    let support = app.staff_session_as("support", "sue").await;
    let admin = app.staff_session_as("admin", "ann").await;
    let billing = app.staff_session_as("billing", "bill").await;
    let id = open(&app, &ada, "Refund please").await;

    // Support and admin are told of the new ticket, billing is not.
    let mut conn = app.db.pool().get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct To {
        #[diesel(sql_type = diesel::sql_types::Text)]
        to: String,
    }
    let mut told: Vec<String> = diesel::sql_query(
        "SELECT payload->>'to' AS to FROM jobs WHERE kind = 'mail.send'
            AND payload->>'template' = 'ticket_opened'",
    )
    .load::<To>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| t.to)
    .collect();
    told.sort();
    assert_eq!(told, vec!["ann@example.org", "sue@example.org"]);
    // Each carries a link to the ticket's staff page.
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let texts = diesel::sql_query(
        "SELECT payload->>'text' AS text FROM jobs WHERE kind = 'mail.send'
            AND payload->>'template' = 'ticket_opened'",
    )
    .load::<Text>(&mut conn)
    .await
    .unwrap();
    let page = format!("/admin/tickets/{id}");
    assert!(
        texts.iter().all(|t| t.text.contains(&page)),
        "{:?}",
        texts.iter().map(|t| &t.text).collect::<Vec<_>>()
    );

    let theirs = format!("/api/v1/admin/tickets/{id}/messages");
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/tickets/{id}"),
            &billing,
            None,
        )
        .await;
    assert_eq!(status, 200, "billing may look");
    let response = app
        .authed(Method::POST, &theirs, &billing, Some(json!({"body": "No"})))
        .await;
    assert_envelope(response, 403, "forbidden_area").await;
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/admin/tickets/{id}/close"),
            &billing,
            None,
        )
        .await;
    assert_envelope(response, 403, "forbidden_area").await;
    assert_eq!(messages(&app, &id).await, 1);

    let (status, _) = reply(&app, &theirs, &support, "On it.").await;
    assert_eq!(status, 201);
    let (status, _) = reply(&app, &theirs, &admin, "Done.").await;
    assert_eq!(status, 201);
    // Customers cannot use the staff routes.
    let response = app
        .authed(Method::POST, &theirs, &ada, Some(json!({"body": "Hi"})))
        .await;
    assert_envelope(response, 403, "forbidden").await;
    let records = gatehouse::db::audit::of_target(&mut conn, "ticket", &id)
        .await
        .unwrap();
    assert_eq!(records.len(), 2, "one record per staff reply");
    // An unknown ticket is 404 for staff too.
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/admin/tickets/{}/messages", Uuid::new_v4()),
            &support,
            Some(json!({"body": "Hi"})),
        )
        .await;
    assert_envelope(response, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_list_tickets_by_page_status_and_order() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (ada, _) = app.sign_in("ada").await;
    let staff = app.staff_session().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(open(&app, &ada, &format!("Ticket {n}")).await);
    }
    for id in &ids[..2] {
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/tickets/{id}/close"),
                &staff,
                None,
            )
            .await;
        assert_eq!(status, 200);
    }

    let (status, page) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?per_page=2",
            &staff,
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 5);
    assert_eq!(page["per_page"], 2);
    let titles = |page: &Value| -> Vec<String> {
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["subject"].as_str().unwrap().to_owned())
            .collect()
    };
    // Newest update first: the two just closed, then the newest opened.
    assert_eq!(titles(&page), vec!["Ticket 1", "Ticket 0"]);
    assert_eq!(page["tickets"][0]["customer_email"], "ada@example.org");
    let (_, page3) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?per_page=2&page=3",
            &staff,
            None,
        )
        .await;
    assert_eq!(titles(&page3), vec!["Ticket 2"]);

    let (_, open_only) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?status=open",
            &staff,
            None,
        )
        .await;
    assert_eq!(open_only["total"], 3);
    assert_eq!(titles(&open_only), vec!["Ticket 4", "Ticket 3", "Ticket 2"]);
    let (_, closed) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?status=closed&priority=normal",
            &staff,
            None,
        )
        .await;
    assert_eq!(closed["total"], 2);
    let (_, none) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?priority=urgent",
            &staff,
            None,
        )
        .await;
    assert_eq!(none["total"], 0);

    // Who has waited longest: the oldest update first.
    let (_, waiting) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?status=open&sort=waiting",
            &staff,
            None,
        )
        .await;
    assert_eq!(titles(&waiting), vec!["Ticket 2", "Ticket 3", "Ticket 4"]);
    // Urgent first, newest update first within a priority.
    let (status, urgent) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &ada,
            Some(json!({"subject": "Down", "body": "Nothing loads.", "priority": "urgent"})),
        )
        .await;
    assert_eq!(status, 201, "{urgent}");
    open(&app, &ada, "Ticket 5").await;
    let (_, by_priority) = app
        .call(
            Method::GET,
            "/api/v1/admin/tickets?status=open&sort=priority",
            &staff,
            None,
        )
        .await;
    assert_eq!(
        titles(&by_priority),
        vec!["Down", "Ticket 5", "Ticket 4", "Ticket 3", "Ticket 2"]
    );

    let response = app
        .authed(
            Method::GET,
            "/api/v1/admin/tickets?status=pending&per_page=1000&sort=loudest",
            &staff,
            None,
        )
        .await;
    let refused = assert_envelope(response, 422, "validation_failed").await;
    assert!(refused["error"]["fields"]["status"].is_string());
    assert!(refused["error"]["fields"]["per_page"].is_string());
    assert!(refused["error"]["fields"]["sort"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replies_and_a_close_never_leave_a_reply_after_the_close() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (ada, _) = app.sign_in("ada").await;
    let staff = app.staff_session().await;
    let id = open(&app, &ada, "Race").await;
    let mine = format!("/api/v1/tickets/{id}/messages");
    let theirs = format!("/api/v1/admin/tickets/{id}/messages");
    let close = format!("/api/v1/admin/tickets/{id}/close");

    let mut calls = Vec::new();
    for n in 0..6 {
        let (path, token) = if n % 2 == 0 {
            (&mine, &ada)
        } else {
            (&theirs, &staff)
        };
        calls.push(reply(&app, path, token, "Racing"));
    }
    let closing = app.call(Method::POST, &close, &staff, None);
    let (answers, (closed, _)) = tokio::join!(futures_util::future::join_all(calls), closing);
    assert_eq!(closed, 200);
    let accepted = answers.iter().filter(|(status, _)| *status == 201).count() as i64;
    assert!(
        answers
            .iter()
            .all(|(status, _)| [201, 409].contains(status)),
        "{answers:?}"
    );
    assert_eq!(messages(&app, &id).await, 1 + accepted);

    let (_, ticket) = app
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), &ada, None)
        .await;
    assert_eq!(ticket["status"], "closed");
    let closed_at =
        chrono::DateTime::parse_from_rfc3339(ticket["closed_at"].as_str().unwrap()).unwrap();
    for message in ticket["messages"].as_array().unwrap() {
        let at =
            chrono::DateTime::parse_from_rfc3339(message["created_at"].as_str().unwrap()).unwrap();
        assert!(at <= closed_at, "a reply landed after the close: {ticket}");
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let records = gatehouse::db::audit::of_target(&mut conn, "ticket", &id)
        .await
        .unwrap();
    let staff_replies = answers
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|(status, _)| *status == 201)
        .count();
    assert_eq!(
        records.len(),
        staff_replies + 1,
        "one record per staff change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_opens_at_most_ten_tickets_an_hour() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    app.create_user("bob@example.org", "bob").await;
    let (ada, _) = app.sign_in("ada").await;
    let (bob, _) = app.sign_in("bob").await;
    let ticket = |n: usize| Some(json!({"subject": format!("Question {n}"), "body": "Hello"}));
    // Refused requests do not count.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/tickets",
            &ada,
            Some(json!({"subject": "", "body": ""})),
        )
        .await;
    assert_eq!(status, 422);
    for n in 0..10 {
        let (status, _) = app
            .call(Method::POST, "/api/v1/tickets", &ada, ticket(n))
            .await;
        assert_eq!(status, 201, "ticket {n}");
    }
    let response = app
        .authed(Method::POST, "/api/v1/tickets", &ada, ticket(11))
        .await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let (status, _) = app
        .call(Method::POST, "/api/v1/tickets", &bob, ticket(1))
        .await;
    assert_eq!(status, 201, "another person is not held back");
}
