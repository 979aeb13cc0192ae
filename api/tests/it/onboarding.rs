//! The sign-up wizard's API against the fake Stripe: prove the address, pay, and the
//! webhook (never the redirect) creates the user and the account; and the waitlist.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{assert_envelope, json, TestApp, TEST_PASSWORD};
use crate::stripe_world::{events_of, Gatehouse, Stripe, MAIN_EVENTS};

/// A Gatehouse with the seeded catalog synced to the fake Stripe (events are delivered
/// by hand, so the tests decide when the webhook arrives). Ada already has an account.
pub(crate) async fn world() -> (Stripe, Gatehouse) {
    let stripe = Stripe::start();
    let gatehouse = Gatehouse::start(&stripe, "", "").await;
    (stripe, gatehouse)
}

/// A catalog price of `slug` for `period`.
pub(crate) async fn price(app: &TestApp, slug: &str, period: &str) -> String {
    let catalog = json(app.get("/api/v1/catalog").await).await;
    catalog["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|page| page["products"].as_array().unwrap())
        .find(|p| p["slug"] == slug)
        .unwrap()["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == period)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[derive(diesel::QueryableByName)]
pub(crate) struct Mail {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub subject: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub text: String,
}

/// Every email of `template` to `to`, sent or still to send, newest first. One
/// statement, so one snapshot: a message being sent is counted once, from `emails` once
/// its row is there, else from its job.
pub(crate) async fn mails(app: &TestApp, to: &str, template: &str) -> Vec<Mail> {
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "SELECT subject, text FROM (
           SELECT subject, text_body AS text, created_at FROM emails
            WHERE to_address = $1 AND template = $2
           UNION ALL
           SELECT payload->>'subject', payload->>'text', created_at FROM jobs j
            WHERE kind = 'mail.send' AND state IN ('queued', 'running')
              AND payload->>'to' = $1 AND payload->>'template' = $2
              AND NOT EXISTS (SELECT 1 FROM emails e
                               WHERE e.to_address = $1 AND e.template = $2
                                 AND e.subject = j.payload->>'subject'
                                 AND e.created_at >= j.created_at)
         ) m ORDER BY created_at DESC",
    )
    .bind::<diesel::sql_types::Text, _>(to)
    .bind::<diesel::sql_types::Text, _>(template)
    .load(&mut conn)
    .await
    .unwrap()
}

/// The code of the open one-time secret of `purpose` for `address`: of the codes
/// emailed there (the last word of each subject), the one the stored hash is of.
/// (Emails may be sent out of order, so "the newest email" is not reliable.)
pub(crate) async fn open_code(
    app: &TestApp,
    purpose: &str,
    template: &str,
    address: &str,
) -> String {
    #[derive(diesel::QueryableByName)]
    struct Open {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        secret_hash: Vec<u8>,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let open: Open = diesel::sql_query(
        "SELECT id, secret_hash FROM one_time_tokens
          WHERE purpose = $1 AND address = $2 AND used_at IS NULL
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(purpose)
    .bind::<diesel::sql_types::Text, _>(address)
    .get_result(&mut conn)
    .await
    .expect("an open code");
    mails(app, address, template)
        .await
        .into_iter()
        .map(|mail| mail.subject.rsplit(' ').next().unwrap().to_owned())
        .find(|code| {
            gatehouse::identity::sessions::hash_token(&format!(
                "{purpose}:{address}:{}:{code}",
                open.id
            )) == open.secret_hash
        })
        .expect("the open code was emailed")
}

/// What the tests buy: Team, two units of storage and priority support.
pub(crate) const TEAM_WITH_ADD_ONS: [(&str, i64); 3] =
    [("priority-support", 1), ("storage-100gb", 2), ("team", 1)];

/// `(slug, quantity)` of each product in `list` (its slug under `key`), sorted.
pub(crate) fn slugs_and_quantities<'a>(list: &'a Value, key: &str) -> Vec<(&'a str, i64)> {
    let mut pairs: Vec<(&str, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[key].as_str().unwrap(), p["quantity"].as_i64().unwrap()))
        .collect();
    pairs.sort();
    pairs
}

async fn code_for(app: &TestApp, email: &str) -> String {
    open_code(app, "onboarding_email", "onboarding_code", email).await
}

async fn ask_code(app: &TestApp, email: &str) {
    let sent = app
        .post_json("/api/v1/onboarding/email-code", json!({"email": email}))
        .await;
    assert_eq!(sent.status(), 202);
}

async fn verify(app: &TestApp, email: &str, code: &str, username: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/onboarding/email-code/verify",
        json!({"email": email, "code": code, "username": username,
               "first_name": "Grace", "last_name": "Hopper"}),
    )
    .await
}

/// Proves `email` and returns the checkout token.
pub(crate) async fn proved(app: &TestApp, email: &str, username: &str) -> String {
    ask_code(app, email).await;
    let code = code_for(app, &email.to_lowercase()).await;
    let answer = verify(app, email, &code, username).await;
    assert_eq!(answer.status(), 200);
    json(answer).await["onboarding_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn status(app: &TestApp, session: &str) -> Value {
    let answer = app
        .get(&format!("/api/v1/onboarding/checkout/{session}"))
        .await;
    assert_eq!(answer.status(), 200);
    json(answer).await
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_pay_and_the_webhook_makes_the_account() {
    let (stripe, gatehouse) = world().await;
    let app = &gatehouse.app;

    // The live check: free, taken, malformed; an address with an account is said so.
    let free = app
        .post_json(
            "/api/v1/onboarding/validate",
            json!({"username": "grace", "email": "grace@example.org"}),
        )
        .await;
    assert_eq!(
        json(free).await,
        json!({"username": {"ok": true}, "email": {"ok": true}})
    );
    let taken = json(
        app.post_json(
            "/api/v1/onboarding/validate",
            json!({"username": "ADA", "email": "Ada@Example.org"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        taken["username"],
        json!({"ok": false, "message": "is taken"})
    );
    assert_eq!(taken["email"]["ok"], true);
    assert!(taken["email"]["message"]
        .as_str()
        .unwrap()
        .contains("sign in"));
    let malformed = json(
        app.post_json(
            "/api/v1/onboarding/validate",
            json!({"username": "-x", "email": "nope"}),
        )
        .await,
    )
    .await;
    assert_eq!(malformed["username"]["ok"], false);
    assert_eq!(malformed["email"]["ok"], false);

    // Nothing exists before payment but the proved sign-up.
    let token = proved(app, "Grace@Example.org", "grace").await;
    let users_before = count(app, "SELECT count(*) AS count FROM users").await;
    let team = price(app, "team", "month").await;
    let storage = price(app, "storage-100gb", "month").await;
    let support = price(app, "priority-support", "month").await;
    let started = app
        .post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team,
                   "add_ons": [{"price_id": storage, "quantity": 2}, {"price_id": support}]}),
        )
        .await;
    assert_eq!(started.status(), 200);
    let started = json(started).await;
    assert!(started["url"].as_str().unwrap().starts_with(&stripe.base));
    let session = started["session_id"].as_str().unwrap();
    let at_stripe = stripe.fake.object(session).unwrap();
    assert_eq!(at_stripe["customer_email"], "grace@example.org");
    assert!(at_stripe["success_url"]
        .as_str()
        .unwrap()
        .ends_with("/onboarding/success?session_id={CHECKOUT_SESSION_ID}"));

    // Paid at Stripe, but until the webhook is applied the page says pending.
    stripe.fake.complete_checkout(session, None).unwrap();
    let pending = status(app, session).await;
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["products"], json!([]));
    assert_eq!(
        count(app, "SELECT count(*) AS count FROM users").await,
        users_before
    );

    for event in events_of(&stripe, &MAIN_EVENTS) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;
    let done = status(app, session).await;
    assert_eq!(done["state"], "provisioned");
    assert_eq!(done["new_user"], true);
    assert_eq!(
        slugs_and_quantities(&done["products"], "slug"),
        TEAM_WITH_ADD_ONS
    );
    assert_eq!(
        count(app, "SELECT count(*) AS count FROM users").await,
        users_before + 1
    );
    assert_eq!(
        count(
            app,
            "SELECT count(*) AS count FROM users u JOIN account_members m ON m.user_id = u.id
               JOIN accounts a ON a.id = m.account_id
              WHERE u.username = 'grace' AND u.email_verified_at IS NOT NULL
                AND u.password_hash IS NULL AND a.status = 'active' AND m.role = 'owner'"
        )
        .await,
        1
    );

    // The "set your password" email leads to a password and a normal sign-in, and the
    // account's billing shows the plan.
    let welcome = mails(app, "grace@example.org", "set_password").await;
    assert_eq!(welcome.len(), 1);
    let link = welcome[0]
        .text
        .split_whitespace()
        .find(|word| word.contains("reset-password?token="))
        .unwrap()
        .to_owned();
    let secret = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .into_owned();
    let set = app
        .post_json(
            "/api/v1/auth/password/reset",
            json!({"token": secret, "password": TEST_PASSWORD}),
        )
        .await;
    assert!(set.status().is_success(), "{}", set.status());
    let (access, _) = app.sign_in("grace").await;
    let billing = json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert_eq!(billing["account_status"], "active");
    assert_eq!(
        billing["subscription"]["items"].as_array().unwrap().len(),
        3
    );
    let dashboard = json(
        app.authed(Method::GET, "/api/v1/me/products", &access, None)
            .await,
    )
    .await;
    assert_eq!(dashboard["products"], done["products"]);
    assert_eq!(dashboard["attention"], json!([]));

    // Delivering everything again changes nothing: one user, one welcome email.
    for event in events_of(&stripe, &MAIN_EVENTS) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;
    assert_eq!(
        count(app, "SELECT count(*) AS count FROM users").await,
        users_before + 1
    );
    assert_eq!(
        mails(app, "grace@example.org", "set_password").await.len(),
        1
    );

    // The token cannot start another checkout once its sign-up is done.
    let again = app
        .post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team}),
        )
        .await;
    let body = assert_envelope(again, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["onboarding_token"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_code_follows_the_one_time_code_rules() {
    let (_stripe, gatehouse) = world().await;
    let app = &gatehouse.app;
    ask_code(app, "grace@example.org").await;
    // At most one code a minute per address: the same answer, no second email.
    ask_code(app, "grace@example.org").await;
    assert_eq!(
        mails(app, "grace@example.org", "onboarding_code")
            .await
            .len(),
        1
    );
    let code = code_for(app, "grace@example.org").await;

    // Bound to the address.
    ask_code(app, "mallory@example.org").await;
    let elsewhere = verify(app, "mallory@example.org", &code, "mallory").await;
    let mallory_code = code_for(app, "mallory@example.org").await;
    if mallory_code != code {
        let body = assert_envelope(elsewhere, 422, "validation_failed").await;
        assert!(body["error"]["fields"]["code"].is_string());
    }

    // Five wrong tries use the code up (the sign-up throttle then also stops the
    // address for a while).
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let answer = verify(app, "grace@example.org", wrong, "grace").await;
        assert_envelope(answer, 422, "validation_failed").await;
    }
    assert_eq!(
        count(
            app,
            "SELECT count(*) AS count FROM one_time_tokens
              WHERE address = 'grace@example.org' AND used_at IS NULL"
        )
        .await,
        0
    );

    // Expired after 10 minutes (moved into the past here).
    ask_code(app, "hedy@example.org").await;
    let hedys = code_for(app, "hedy@example.org").await;
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(
        "UPDATE one_time_tokens SET expires_at = now() - interval '1 second'
          WHERE address = 'hedy@example.org'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let expired = verify(app, "hedy@example.org", &hedys, "hedy").await;
    let body = assert_envelope(expired, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["code"].is_string());

    // Every field is checked at once; nothing is stored.
    let bad = app
        .post_json(
            "/api/v1/onboarding/email-code/verify",
            json!({"email": "x", "code": "12", "username": "a", "first_name": ""}),
        )
        .await;
    let body = assert_envelope(bad, 422, "validation_failed").await;
    for field in ["email", "code", "username", "first_name"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}");
    }
    assert_eq!(
        count(app, "SELECT count(*) AS count FROM onboardings").await,
        0
    );

    // A proved sign-up holds its username against other people's sign-ups.
    proved(app, "ivy@example.org", "ivy").await;
    let held = json(
        app.post_json(
            "/api/v1/onboarding/validate",
            json!({"username": "Ivy", "email": "bob@example.org"}),
        )
        .await,
    )
    .await;
    assert_eq!(held["username"]["ok"], false);
    let own = json(
        app.post_json(
            "/api/v1/onboarding/validate",
            json!({"username": "ivy", "email": "ivy@example.org"}),
        )
        .await,
    )
    .await;
    assert_eq!(own["username"]["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_sells_only_what_the_catalog_offers_together() {
    let (_stripe, gatehouse) = world().await;
    let app = &gatehouse.app;
    let token = proved(app, "grace@example.org", "grace").await;
    let team = price(app, "team", "month").await;
    let starter = price(app, "starter", "month").await;
    let storage = price(app, "storage-100gb", "month").await;
    let storage_yearly = price(app, "storage-100gb", "year").await;
    let support = price(app, "priority-support", "month").await;
    let cases = [
        (json!({"price_id": uuid::Uuid::new_v4()}), "price_id"),
        (json!({"price_id": support}), "price_id"),
        (
            json!({"price_id": team, "add_ons": [{"price_id": starter}]}),
            "add_ons[0].price_id",
        ),
        (
            json!({"price_id": team, "add_ons": [{"price_id": storage_yearly}]}),
            "add_ons[0].price_id",
        ),
        // Team's storage does not go with another plan.
        (
            json!({"price_id": starter, "add_ons": [{"price_id": storage}]}),
            "add_ons[0].price_id",
        ),
        (
            json!({"price_id": team, "add_ons": [{"price_id": support}, {"price_id": support}]}),
            "add_ons[1].price_id",
        ),
        (
            json!({"price_id": team, "add_ons": [{"price_id": storage, "quantity": 0}]}),
            "add_ons[0].quantity",
        ),
        (
            json!({"price_id": team, "add_ons": [{"price_id": storage, "quantity": 101}]}),
            "add_ons[0].quantity",
        ),
        (
            json!({"price_id": team, "add_ons": [{"price_id": support, "quantity": 2}]}),
            "add_ons[0].quantity",
        ),
    ];
    for (mut body, field) in cases {
        body["onboarding_token"] = json!(token);
        let refused = app
            .post_json("/api/v1/onboarding/checkout", body.clone())
            .await;
        let answer = assert_envelope(refused, 422, "validation_failed").await;
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{body}: {answer}"
        );
    }
    // Amounts are never taken from the browser.
    let priced = app
        .post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team, "amount": 1}),
        )
        .await;
    assert_envelope(priced, 422, "validation_failed").await;
    let forged = app
        .post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": "forged", "price_id": team}),
        )
        .await;
    let answer = assert_envelope(forged, 422, "validation_failed").await;
    assert!(answer["error"]["fields"]["onboarding_token"].is_string());
    assert_eq!(
        count(app, "SELECT count(*) AS count FROM onboarding_checkouts").await,
        0
    );
    // An expired proof cannot pay either.
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE onboardings SET expires_at = now() - interval '1 second'")
        .execute(&mut conn)
        .await
        .unwrap();
    let expired = app
        .post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team}),
        )
        .await;
    assert_envelope(expired, 422, "validation_failed").await;
    assert_eq!(
        app.get("/api/v1/onboarding/checkout/cs_unknown")
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_address_buys_into_its_existing_user() {
    let (stripe, gatehouse) = world().await;
    let app = &gatehouse.app;
    let users_before = count(app, "SELECT count(*) AS count FROM users").await;
    let token = proved(app, "ada@example.org", "ada-two").await;
    let team = price(app, "team", "month").await;
    let started = json(
        app.post_json(
            "/api/v1/onboarding/checkout",
            json!({"onboarding_token": token, "price_id": team}),
        )
        .await,
    )
    .await;
    let session = started["session_id"].as_str().unwrap();
    stripe.fake.complete_checkout(session, None).unwrap();
    for event in events_of(&stripe, &MAIN_EVENTS) {
        gatehouse.deliver(&event).await;
    }
    gatehouse.settled().await;
    let done = status(app, session).await;
    assert_eq!(done["state"], "provisioned");
    assert_eq!(done["new_user"], false);
    assert_eq!(
        count(app, "SELECT count(*) AS count FROM users").await,
        users_before
    );
    assert!(mails(app, "ada@example.org", "set_password")
        .await
        .is_empty());
    // Ada's own account now holds the plan.
    let (access, _) = app.sign_in("ada").await;
    let billing = json(
        app.authed(Method::GET, "/api/v1/billing/subscription", &access, None)
            .await,
    )
    .await;
    assert_eq!(billing["subscription"]["items"][0]["product_slug"], "team");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_password_email_at_most_once_a_minute_and_the_same_answer_for_strangers() {
    let app = TestApp::builder().seeded().spawn().await;
    app.create_user("ada@example.org", "ada").await;
    for email in ["ada@example.org", "ada@example.org", "nobody@example.org"] {
        let answer = app
            .post_json(
                "/api/v1/onboarding/resend-password",
                json!({"email": email}),
            )
            .await;
        assert_eq!(answer.status(), 202);
        assert_eq!(json(answer).await, json!({"status": "sent_if_known"}));
    }
    assert_eq!(
        mails(&app, "ada@example.org", "set_password").await.len(),
        1
    );
    assert!(mails(&app, "nobody@example.org", "set_password")
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waitlist_keeps_each_address_once_and_staff_export_and_invite() {
    let app = TestApp::builder().seeded().spawn().await;
    let join = |body: Value| app.post_json("/api/v1/waitlist", body);
    let added = join(json!({"email": "Lin@Example.org", "name": "Lin", "product": "team"})).await;
    assert_eq!(added.status(), 201);
    assert_eq!(json(added).await["status"], "added");
    let again = join(json!({"email": "lin@example.org"})).await;
    assert_eq!(again.status(), 200);
    let again = json(again).await;
    assert_eq!(again["status"], "already_on_list");
    assert!(again["message"].as_str().unwrap().contains("already"));
    assert_eq!(
        mails(&app, "lin@example.org", "waitlist_joined")
            .await
            .len(),
        1
    );
    let bad = join(json!({"email": "nope", "product": "no-such-thing"})).await;
    let body = assert_envelope(bad, 422, "validation_failed").await;
    assert!(body["error"]["fields"]["email"].is_string());
    assert!(body["error"]["fields"]["product"].is_string());
    join(json!({"email": "=cmd@example.org", "name": "=HYPERLINK(\"x\")"})).await;

    // Staff only.
    app.create_user("ada@example.org", "ada").await;
    let (customer, _) = app.sign_in("ada").await;
    let refused = app
        .authed(Method::GET, "/api/v1/admin/waitlist", &customer, None)
        .await;
    assert_eq!(refused.status(), 403);
    let staff = app.staff_session().await;
    let page = json(
        app.authed(Method::GET, "/api/v1/admin/waitlist", &staff, None)
            .await,
    )
    .await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["entries"][0]["email"], "lin@example.org");
    assert_eq!(page["entries"][0]["product"], "team");
    let csv = app
        .authed(Method::GET, "/api/v1/admin/waitlist.csv", &staff, None)
        .await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "email,name,product,joined_at,invited_at");
    assert!(lines[1].starts_with("\"lin@example.org\",\"Lin\",\"team\","));
    assert!(lines[2].starts_with("\"'=cmd@example.org\",\"'=HYPERLINK(\"\"x\"\")\""));

    let id = page["entries"][0]["id"].as_str().unwrap();
    let invited = app
        .authed(
            Method::POST,
            &format!("/api/v1/admin/waitlist/{id}/invite"),
            &staff,
            None,
        )
        .await;
    assert_eq!(invited.status(), 200);
    assert!(json(invited).await["invited_at"].is_string());
    let invite = mails(&app, "lin@example.org", "waitlist_invite").await;
    assert_eq!(invite.len(), 1);
    assert!(invite[0]
        .text
        .contains("/onboarding?email=lin%40example.org&product=team"));
}
