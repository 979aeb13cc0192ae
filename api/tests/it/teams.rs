//! Accounts as teams: invitations (single use, expiring, for the invited address only),
//! roles checked on every change, the last owner kept, ownership transferred, and
//! another account out of reach.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::harness::{assert_envelope, TestApp};

/// The secret of the newest invitation emailed to `to` (from the queued email).
async fn invitation_token(app: &TestApp, to: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Mail {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = app.db.pool().get().await.unwrap();
    let mail: Mail = diesel::sql_query(
        "SELECT payload->>'text' AS text FROM jobs WHERE kind = 'mail.send'
            AND payload->>'template' = 'invitation' AND payload->>'to' = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(to)
    .get_result(&mut conn)
    .await
    .unwrap();
    let start = mail.text.find("token=").unwrap() + "token=".len();
    mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Ada owns a team account; Grace is signed in too.
async fn team() -> (TestApp, Uuid, String, Uuid, String) {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada").await;
    let (grace, _) = app.create_user("grace@example.org", "grace").await;
    let (ada, _) = app.sign_in("ada").await;
    let (grace_token, _) = app.sign_in("grace").await;
    let (status, created) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            &ada,
            Some(json!({"name": "Analytical Engines"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let account: Uuid = created["id"].as_str().unwrap().parse().unwrap();
    (app, account, ada, grace, grace_token)
}

async fn invite_and_accept(
    app: &TestApp,
    account: Uuid,
    inviter: &str,
    email: &str,
    role: &str,
    invitee: &str,
) {
    let (status, invited) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/invitations"),
            inviter,
            Some(json!({"email": email, "role": role})),
        )
        .await;
    assert_eq!(status, 201, "{invited}");
    let token = invitation_token(app, email).await;
    let (status, joined) = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            invitee,
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(status, 200, "{joined}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_works_once_for_its_address_until_it_expires() {
    let (app, account, ada, _, grace) = team().await;
    let invitations = format!("/api/v1/accounts/{account}/invitations");
    let (status, invited) = app
        .call(
            Method::POST,
            &invitations,
            &ada,
            Some(json!({"email": " Grace@Example.org ", "role": "member"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(invited["email"], "grace@example.org");
    let (_, open) = app.call(Method::GET, &invitations, &ada, None).await;
    assert_eq!(open["invitations"].as_array().unwrap().len(), 1);
    let token = invitation_token(&app, "grace@example.org").await;

    // Someone else signed in cannot use Grace's link.
    app.create_user("eve@example.org", "eve").await;
    let (eve, _) = app.sign_in("eve").await;
    let (status, refused) = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &eve,
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (403, json!("invitation_for_another_address"))
    );

    let (status, joined) = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &grace,
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!((status, joined["role"].clone()), (200, json!("member")));
    let (status, again) = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &grace,
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (400, json!("invalid_or_expired_invitation"))
    );
    let (_, accounts) = app
        .call(Method::GET, "/api/v1/accounts", &grace, None)
        .await;
    assert_eq!(
        accounts["accounts"].as_array().unwrap().len(),
        2,
        "personal and the team"
    );
    let (_, members) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/members"),
            &grace,
            None,
        )
        .await;
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    let (status, dup) = app
        .call(
            Method::POST,
            &invitations,
            &ada,
            Some(json!({"email": "grace@example.org", "role": "admin"})),
        )
        .await;
    assert_eq!(
        (status, dup["error"]["code"].clone()),
        (409, json!("already_member"))
    );

    // Expired and withdrawn links do not work.
    let (_, late) = app
        .call(
            Method::POST,
            &invitations,
            &ada,
            Some(json!({"email": "eve@example.org", "role": "member"})),
        )
        .await;
    let late_token = invitation_token(&app, "eve@example.org").await;
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'eve@example.org'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &eve,
            Some(json!({"token": late_token})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(late["id"].is_string());
    let (_, fresh) = app
        .call(
            Method::POST,
            &invitations,
            &ada,
            Some(json!({"email": "eve@example.org", "role": "member"})),
        )
        .await;
    let fresh_token = invitation_token(&app, "eve@example.org").await;
    let id = fresh["id"].as_str().unwrap();
    let (status, _) = app
        .call(Method::DELETE, &format!("{invitations}/{id}"), &ada, None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &eve,
            Some(json!({"token": fresh_token})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, bad) = app
        .call(
            Method::POST,
            &invitations,
            &ada,
            Some(json!({"email": "nope", "role": "owner"})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        bad["error"]["fields"]["email"].is_string() && bad["error"]["fields"]["role"].is_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_checked_the_last_owner_stays_and_ownership_moves_by_transfer() {
    let (app, account, ada, grace_id, grace) = team().await;
    invite_and_accept(&app, account, &ada, "grace@example.org", "member", &grace).await;
    let (ada_id, _) = {
        let mut conn = app.db.pool().get().await.unwrap();
        let ada = gatehouse::db::identity::find_user_by_login(&mut conn, "ada")
            .await
            .unwrap()
            .unwrap();
        (ada.id, ())
    };
    let member = |user: Uuid| format!("/api/v1/accounts/{account}/members/{user}");

    // A member changes nothing.
    let (status, _) = app
        .call(
            Method::PATCH,
            &member(ada_id),
            &grace,
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/invitations"),
            &grace,
            Some(json!({"email": "x@example.org", "role": "member"})),
        )
        .await;
    assert_eq!(status, 403);
    // The owner promotes Grace; an owner's own role moves only by transfer.
    let (status, _) = app
        .call(
            Method::PATCH,
            &member(grace_id),
            &ada,
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, owner) = app
        .call(
            Method::PATCH,
            &member(ada_id),
            &grace,
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(
        (status, owner["error"]["code"].clone()),
        (409, json!("owner_role"))
    );
    // An admin cannot remove the owner; the last owner cannot leave.
    let (status, _) = app
        .call(Method::DELETE, &member(ada_id), &grace, None)
        .await;
    assert_eq!(status, 403);
    let (status, last) = app.call(Method::DELETE, &member(ada_id), &ada, None).await;
    assert_eq!(
        (status, last["error"]["code"].clone()),
        (409, json!("last_owner"))
    );
    // Transfer, then the former owner (now an admin) may leave.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/transfer-ownership"),
            &grace,
            Some(json!({"user_id": ada_id})),
        )
        .await;
    assert_eq!(status, 403, "only an owner transfers");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/transfer-ownership"),
            &ada,
            Some(json!({"user_id": grace_id})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, members) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/members"),
            &ada,
            None,
        )
        .await;
    let roles: Vec<(String, String)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        roles.contains(&("grace@example.org".into(), "owner".into()))
            && roles.contains(&("ada@example.org".into(), "admin".into())),
        "{roles:?}"
    );
    let (status, _) = app.call(Method::DELETE, &member(ada_id), &ada, None).await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{account}/members"),
            &ada,
            None,
        )
        .await;
    assert_eq!(status, 404, "gone, so out of reach");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_is_not_found_on_every_team_route_and_personal_accounts_stay_personal() {
    let (app, account, ada, grace_id, grace) = team().await;
    let routes = [
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/members"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{account}/members/{grace_id}"),
            Some(json!({"role": "member"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/accounts/{account}/members/{grace_id}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account}/transfer-ownership"),
            Some(json!({"user_id": grace_id})),
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account}/invitations"),
            Some(json!({"email": "grace@example.org", "role": "admin"})),
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/invitations"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/accounts/{account}/invitations/{}", Uuid::new_v4()),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/api-keys"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/credits"),
            None,
        ),
    ];
    for (method, path, body) in routes {
        let refused = app.authed(method.clone(), &path, &grace, body).await;
        assert_envelope(refused, 404, "not_found").await;
    }
    let (_, accounts) = app.call(Method::GET, "/api/v1/accounts", &ada, None).await;
    let personal = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["personal"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, refused) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{personal}/invitations"),
            &ada,
            Some(json!({"email": "grace@example.org", "role": "member"})),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].clone()),
        (409, json!("personal_account"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_accounts_gives_tokens_for_the_other_account_and_ends_the_old_session() {
    let (app, account, ada, _, grace) = team().await;
    invite_and_accept(&app, account, &ada, "grace@example.org", "billing", &grace).await;
    let before = app.state.keys.verify(&grace).await.unwrap();
    assert_ne!(
        before.acc,
        account.to_string(),
        "signing in acts for the personal account"
    );

    let (status, tokens) = app
        .call(
            Method::POST,
            "/api/v1/auth/switch-account",
            &grace,
            Some(json!({"account_id": account})),
        )
        .await;
    assert_eq!(status, 200, "{tokens}");
    let switched = tokens["access_token"].as_str().unwrap();
    assert!(tokens["refresh_token"].is_string());
    let claims = app.state.keys.verify(switched).await.unwrap();
    assert_eq!(claims.acc, account.to_string());
    assert_eq!(claims.roles, ["billing"]);
    // The session that asked is over; the new one works.
    assert_envelope(
        app.authed(Method::GET, "/api/v1/me", &grace, None).await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.authed(Method::GET, "/api/v1/me", switched, None)
            .await
            .status(),
        200
    );

    // Not an account of hers: not found, and nothing changes.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/switch-account",
            switched,
            Some(json!({"account_id": Uuid::new_v4()})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.authed(Method::GET, "/api/v1/me", switched, None)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_leaving_at_once_leave_one_owner_behind() {
    let (app, account, ada, grace_id, grace) = team().await;
    invite_and_accept(&app, account, &ada, "grace@example.org", "admin", &grace).await;
    let ada_id = {
        let mut conn = app.db.pool().get().await.unwrap();
        gatehouse::db::identity::find_user_by_login(&mut conn, "ada")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    // Two owners.
    let mut conn = app.db.pool().get().await.unwrap();
    diesel::sql_query(format!(
        "UPDATE account_members SET role = 'owner' WHERE account_id = '{account}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    for _ in 0..5 {
        let leave = |token: String, user: Uuid| {
            let client = reqwest::Client::new();
            let url = app.url(&format!("/api/v1/accounts/{account}/members/{user}"));
            tokio::spawn(async move {
                client
                    .delete(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        };
        let (a, b) = (leave(ada.clone(), ada_id), leave(grace.clone(), grace_id));
        let mut statuses = [a.await.unwrap(), b.await.unwrap()];
        statuses.sort();
        assert_eq!(statuses, [204, 409], "exactly one owner may go");
        // Put things back for the next round.
        diesel::sql_query(format!(
            "INSERT INTO account_members (account_id, user_id, role) VALUES ('{account}', '{ada_id}', 'owner'), ('{account}', '{grace_id}', 'owner') ON CONFLICT (account_id, user_id) DO NOTHING"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}
