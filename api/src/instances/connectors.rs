//! What a seat change means for the product, per instance (`instance_connectors`):
//!
//! - no connector: only the seat is recorded;
//! - `webhook`: a JSON event POSTed to the instance's URL, signed like Stripe's webhooks
//!   (`Gatehouse-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
//!   instance's secret); the event id is stable across retries, so the product can drop
//!   duplicates;
//! - `groups`: an identity provider's admin API that keeps group members: `PUT` the URL
//!   template (with `{group}` and `{user}` filled in) when a seat is placed, `DELETE` it
//!   when released (a 404 counts as done), with the instance's bearer token.
//!
//! Every event is a job enqueued in the transaction that changed the seat, so nothing is
//! sent for a change that rolled back; the job reads the connector as it is when it runs.
//! Failures retry with backoff; a job that runs out of attempts is `dead`, visible to
//! staff (`GET /api/v1/admin/jobs/dead`) and retryable there.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::instances::{self as q, ConnectorRow};
use crate::db::{identity, Conn};
use crate::jobs::{enqueue, Job, JobContext};

/// How long one call to a product may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "seat.placed")]
    SeatPlaced,
    #[serde(rename = "seat.released")]
    SeatReleased,
    #[serde(rename = "entitlements.changed")]
    EntitlementsChanged,
}

/// One event for one instance's product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectorEvent {
    pub instance_id: Uuid,
    pub user_id: Uuid,
    pub kind: EventKind,
    /// The account's entitlement keys when the event happened.
    pub entitlements: Vec<String>,
    /// Unix seconds.
    pub occurred_at: i64,
}

impl Job for ConnectorEvent {
    const KIND: &'static str = "instances.connector_event";
    const MAX_ATTEMPTS: i32 = 8;
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        let Some(connector) = q::connector(&mut conn, self.instance_id).await? else {
            return Ok(()); // nothing to tell (any more)
        };
        let instance = q::instance(&mut conn, self.instance_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("instance {} is gone", self.instance_id))?;
        let user = identity::find_user(&mut conn, self.user_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("user {} is gone", self.user_id))?;
        drop(conn);
        let http = &ctx.services.http;
        match connector.kind.as_str() {
            "webhook" => {
                let body = serde_json::to_vec(&serde_json::json!({
                    "id": format!("evt_{}", ctx.job_id),
                    "type": self.kind,
                    "created": self.occurred_at,
                    "instance": {"id": instance.id, "name": instance.name},
                    "user": {
                        "id": user.id,
                        "email": user.email,
                        "username": user.username,
                        "first_name": user.first_name,
                        "last_name": user.last_name,
                    },
                    "entitlements": self.entitlements,
                }))?;
                let secret = connector.secret.as_deref().unwrap_or_default();
                let signature =
                    crate::billing::signature::sign(secret, Utc::now().timestamp(), &body);
                let response = http
                    .post(&connector.url)
                    .timeout(CALL_TIMEOUT)
                    .header("content-type", "application/json")
                    .header("gatehouse-signature", signature)
                    .body(body)
                    .send()
                    .await?;
                expect_success(response, &connector).await
            }
            "groups" => {
                let url = member_url(&connector, self.user_id);
                let token = connector.token.as_deref().unwrap_or_default();
                let request = match self.kind {
                    EventKind::SeatPlaced => http.put(&url).json(&serde_json::json!({
                        "email": user.email,
                        "username": user.username,
                        "first_name": user.first_name,
                        "last_name": user.last_name,
                    })),
                    EventKind::SeatReleased => http.delete(&url),
                    EventKind::EntitlementsChanged => return Ok(()),
                };
                let response = request
                    .timeout(CALL_TIMEOUT)
                    .bearer_auth(token)
                    .send()
                    .await?;
                if self.kind == EventKind::SeatReleased && response.status() == 404 {
                    return Ok(()); // not a member: already done
                }
                expect_success(response, &connector).await
            }
            other => anyhow::bail!("unknown connector kind {other:?}"),
        }
    }
}

/// The groups connector's URL for `user_id` (the template filled in, path-escaped).
fn member_url(connector: &ConnectorRow, user_id: Uuid) -> String {
    let group = connector.group_name.as_deref().unwrap_or_default();
    let escaped: String = url::form_urlencoded::byte_serialize(group.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    connector
        .url
        .replace("{group}", &escaped)
        .replace("{user}", &user_id.to_string())
}

async fn expect_success(
    response: reqwest::Response,
    connector: &ConnectorRow,
) -> anyhow::Result<()> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    anyhow::bail!(
        "the {} connector of instance {} answered {status}: {body}",
        connector.kind,
        connector.instance_id
    )
}

/// Tells the instance's product about `kind` for `user_id`, by a job after commit, if the
/// instance has a connector.
pub async fn notify(
    tx: &mut Conn,
    instance_id: Uuid,
    user_id: Uuid,
    account_id: Uuid,
    kind: EventKind,
) -> anyhow::Result<()> {
    if q::connector(tx, instance_id).await?.is_none() {
        return Ok(());
    }
    let entitlements = crate::db::billing::entitlement_keys(tx, account_id).await?;
    enqueue(
        tx,
        &ConnectorEvent {
            instance_id,
            user_id,
            kind,
            entitlements,
            occurred_at: Utc::now().timestamp(),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_member_url_fills_in_the_group_and_the_user() {
        let connector = ConnectorRow {
            instance_id: Uuid::nil(),
            kind: "groups".into(),
            url: "https://idp.example/admin/groups/{group}/members/{user}".into(),
            group_name: Some("cloud users/eu".into()),
            secret: None,
            token: Some("t".into()),
        };
        assert_eq!(
            member_url(&connector, Uuid::nil()),
            "https://idp.example/admin/groups/cloud%20users%2Feu/members/00000000-0000-0000-0000-000000000000"
        );
    }
}
