//! Provisioning connectors against a fake product: a signed webhook per seat change, a
//! group membership kept at an admin API, retries with backoff until the job is dead
//! (visible to staff), and the connector's settings validated.

use std::time::Duration;

use diesel_async::AsyncConnection;
use gatehouse::db::{catalog, identity, Pool};
use gatehouse::error::AppError;
use gatehouse::instances::{manage, placement};
use gatehouse::jobs::Registry;
use gatehouse_fakes::products::{FakeProducts, GROUPS_TOKEN};
use gatehouse_shared::instances::{
    ConnectorInput, InstanceUpdate, InstanceView, NewInstanceRequest,
};
use secrecy::SecretString;
use serde_json::Value;
use uuid::Uuid;

use crate::harness::TestDb;
use crate::jobs::{eventually, fast_config, RunningWorker};

struct World {
    _db: TestDb,
    pool: Pool,
    fake: FakeProducts,
    base: String,
    worker: RunningWorker,
}

async fn world() -> World {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    crate::instances::cloud_product(&mut conn).await;
    let fake = FakeProducts::default();
    let base = fake.spawn();
    let worker = RunningWorker::start(&pool, Registry::standard(), fast_config());
    World {
        _db: db,
        pool,
        fake,
        base,
        worker,
    }
}

fn connector(kind: &str, url: String, group: Option<&str>, token: Option<&str>) -> ConnectorInput {
    ConnectorInput {
        kind: kind.into(),
        url: Some(url),
        group: group.map(str::to_owned),
        token: token.map(str::to_owned),
    }
}

impl World {
    async fn instance(&self, connector: Option<ConnectorInput>) -> Result<InstanceView, AppError> {
        let mut conn = self.pool.get().await.unwrap();
        manage::create(
            &mut conn,
            &NewInstanceRequest {
                product: "cloud".into(),
                name: "cloud-1".into(),
                base_url: "https://cloud-1.example.org".into(),
                active: true,
                auto_allocate: true,
                soft_cap: 10,
                allocation_cap: 10,
                hard_cap: 10,
                connector,
            },
        )
        .await
    }

    async fn user(&self) -> (Uuid, Uuid) {
        let mut conn = self.pool.get().await.unwrap();
        let user = identity::insert_user(
            &mut conn,
            &identity::NewUser {
                email: "ada@example.org",
                username: "ada",
                password_hash: None,
                first_name: "Ada",
                last_name: "Lovelace",
            },
        )
        .await
        .unwrap();
        let account = identity::insert_account_with_owner(&mut conn, "Ada", true, user.id)
            .await
            .unwrap();
        (user.id, account)
    }

    async fn product(&self) -> Uuid {
        let mut conn = self.pool.get().await.unwrap();
        catalog::find_product_by_slug(&mut conn, "cloud")
            .await
            .unwrap()
            .unwrap()
            .id
    }

    async fn place(&self, (user, account): (Uuid, Uuid)) {
        let product = self.product().await;
        let mut conn = self.pool.get().await.unwrap();
        conn.transaction::<_, AppError, _>(async |tx| {
            placement::place(tx, user, account, product).await
        })
        .await
        .unwrap();
    }

    async fn release(&self, (user, _): (Uuid, Uuid)) {
        let product = self.product().await;
        let mut conn = self.pool.get().await.unwrap();
        conn.transaction::<_, AppError, _>(async |tx| placement::release(tx, user, product).await)
            .await
            .unwrap();
    }

    async fn connector_jobs(&self, state: &str) -> Vec<(i32, Option<String>)> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            attempts: i32,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            last_error: Option<String>,
        }
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.unwrap();
        diesel::sql_query("SELECT attempts, last_error FROM jobs WHERE kind = 'instances.connector_event' AND state = $1")
            .bind::<diesel::sql_types::Text, _>(state)
            .load::<Row>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.attempts, r.last_error))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_seat_change_reaches_the_product_as_a_signed_webhook() {
    let w = world().await;
    let created = w
        .instance(Some(connector(
            "webhook",
            format!("{}/hooks", w.base),
            None,
            None,
        )))
        .await
        .unwrap();
    assert_eq!(created.connector.kind, "webhook");
    let secret = created.connector.webhook_secret.clone().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let ada = w.user().await;

    w.place(ada).await;
    eventually(Duration::from_secs(20), || async {
        w.fake.deliveries().len() == 1
    })
    .await;
    w.release(ada).await;
    eventually(Duration::from_secs(20), || async {
        w.fake.deliveries().len() == 2
    })
    .await;

    let deliveries = w.fake.deliveries();
    let secrets = [SecretString::from(secret)];
    let mut ids = Vec::new();
    for (delivery, kind) in deliveries.iter().zip(["seat.placed", "seat.released"]) {
        // The product checks it the way Gatehouse checks Stripe's.
        gatehouse::billing::signature::verify(
            delivery.signature.as_deref(),
            delivery.body.as_bytes(),
            &secrets,
            chrono::Utc::now().timestamp(),
        )
        .unwrap();
        let event: Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(event["type"], kind);
        assert_eq!(event["user"]["email"], "ada@example.org");
        assert_eq!(event["user"]["id"], ada.0.to_string());
        assert_eq!(event["instance"]["id"], created.id.to_string());
        assert!(event["entitlements"].is_array());
        ids.push(event["id"].as_str().unwrap().to_owned());
    }
    assert_ne!(ids[0], ids[1]);
    // A forged body does not verify.
    let forged = deliveries[0]
        .body
        .replace("ada@example.org", "eve@example.org");
    assert!(gatehouse::billing::signature::verify(
        deliveries[0].signature.as_deref(),
        forged.as_bytes(),
        &secrets,
        chrono::Utc::now().timestamp(),
    )
    .is_err());
    w.worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_connector_keeps_the_group_members_in_step_with_the_seats() {
    let w = world().await;
    let template = format!("{}/admin/groups/{{group}}/members/{{user}}", w.base);
    let created = w
        .instance(Some(connector(
            "groups",
            template,
            Some("cloud-users"),
            Some(GROUPS_TOKEN),
        )))
        .await
        .unwrap();
    assert!(created.connector.has_token);
    assert_eq!(created.connector.webhook_secret, None);
    let ada = w.user().await;

    w.place(ada).await;
    eventually(Duration::from_secs(20), || async {
        w.fake.members("cloud-users") == [ada.0.to_string()]
    })
    .await;
    assert_eq!(
        w.fake.profile(&ada.0.to_string()).unwrap()["email"],
        "ada@example.org"
    );
    w.release(ada).await;
    eventually(Duration::from_secs(20), || async {
        w.fake.members("cloud-users").is_empty()
    })
    .await;
    eventually(Duration::from_secs(20), || async {
        w.connector_jobs("done").await.len() == 2
    })
    .await;
    w.worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_that_stays_down_gets_retries_with_backoff_until_the_event_is_dead() {
    let w = world().await;
    w.instance(Some(connector(
        "webhook",
        format!("{}/hooks", w.base),
        None,
        None,
    )))
    .await
    .unwrap();
    w.fake.fail_next(1_000);
    w.place(w.user().await).await;
    eventually(Duration::from_secs(30), || async {
        !w.connector_jobs("dead").await.is_empty()
    })
    .await;
    let dead = w.connector_jobs("dead").await;
    assert_eq!(dead[0].0, 8, "every attempt was made");
    assert!(
        dead[0].1.as_deref().unwrap_or_default().contains("503"),
        "{dead:?}"
    );
    assert_eq!(w.fake.requests(), 8);
    assert!(w.fake.deliveries().is_empty());
    w.worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_settings_are_checked_and_secrets_survive_changes() {
    let w = world().await;
    let refused = w
        .instance(Some(connector(
            "groups",
            "https://idp.example/no-user".into(),
            None,
            None,
        )))
        .await
        .unwrap_err();
    let AppError::Validation { fields } = refused else {
        panic!("{refused:?}")
    };
    assert!(fields.contains_key("connector.url"), "{fields:?}");
    assert!(fields.contains_key("connector.group"), "{fields:?}");
    assert!(fields.contains_key("connector.token"), "{fields:?}");
    let refused = w
        .instance(Some(connector("ftp", "ftp://x".into(), None, None)))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "validation_failed");

    let created = w
        .instance(Some(connector(
            "webhook",
            "https://cloud-1.example.org/hooks".into(),
            None,
            None,
        )))
        .await
        .unwrap();
    let secret = created.connector.webhook_secret.clone();
    let mut conn = w.pool.get().await.unwrap();
    let moved = manage::update(
        &mut conn,
        created.id.0,
        &InstanceUpdate {
            connector: Some(connector(
                "webhook",
                "https://cloud-1.example.org/v2/hooks".into(),
                None,
                None,
            )),
            ..InstanceUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        moved.connector.webhook_secret, secret,
        "the secret stays while it stays a webhook"
    );
    assert_eq!(
        moved.connector.url.as_deref(),
        Some("https://cloud-1.example.org/v2/hooks")
    );
    let groups = |token: Option<&str>| InstanceUpdate {
        connector: Some(connector(
            "groups",
            "https://idp.example/groups/{group}/members/{user}".into(),
            Some("g"),
            token,
        )),
        ..InstanceUpdate::default()
    };
    let refused = manage::update(&mut conn, created.id.0, &groups(None))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        "validation_failed",
        "a new groups connector needs its token"
    );
    let switched = manage::update(&mut conn, created.id.0, &groups(Some("secret-token")))
        .await
        .unwrap();
    assert!(switched.connector.has_token && switched.connector.webhook_secret.is_none());
    let kept = manage::update(&mut conn, created.id.0, &groups(None))
        .await
        .unwrap();
    assert!(
        kept.connector.has_token,
        "the token stays unless a new one is given"
    );
    let none = manage::update(
        &mut conn,
        created.id.0,
        &InstanceUpdate {
            connector: Some(ConnectorInput {
                kind: "none".into(),
                url: None,
                group: None,
                token: None,
            }),
            ..InstanceUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(none.connector.kind, "none");
    w.worker.stop().await;
}
