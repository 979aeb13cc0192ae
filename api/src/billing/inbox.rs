//! Receiving Stripe's webhooks: verify the signature over the raw body, keep the event in
//! the inbox (once per event id, however often Stripe delivers it), answer at once.
//! What an event means is decided later, by processing that re-reads the object from
//! Stripe, so deliveries in any order and number converge.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::db::stripe_events::{self as q, NewStripeEvent};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// The parts of an event the inbox keeps beside the payload.
#[derive(Debug, Deserialize)]
struct EventHead {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    livemode: bool,
    #[serde(default)]
    api_version: Option<String>,
    created: i64,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: serde_json::Value,
}

fn malformed(detail: &str) -> AppError {
    AppError::bad_request("malformed_event", format!("Not a Stripe event: {detail}."))
}

/// Reads an event; 400 `malformed_event` unless it has the shape of one.
fn parse(body: &[u8]) -> AppResult<(EventHead, serde_json::Value)> {
    let payload: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| malformed("the body is not JSON"))?;
    let head: EventHead = serde_json::from_value(payload.clone())
        .map_err(|_| malformed("id, type, created or data.object is missing"))?;
    let id_ok = head.id.starts_with("evt_")
        && head.id.len() <= 254
        && head.id[4..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && head.id.len() > 4;
    if !id_ok || head.kind.is_empty() || head.kind.len() > 100 {
        return Err(malformed("the id or type is not one Stripe would send"));
    }
    Ok((head, payload))
}

/// Whether the delivery was new or a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    New,
    Duplicate,
}

/// Keeps a verified delivery in the inbox.
pub async fn receive(conn: &mut Conn, body: &[u8]) -> AppResult<Received> {
    let (head, payload) = parse(body)?;
    let created = DateTime::<Utc>::from_timestamp(head.created, 0)
        .ok_or_else(|| malformed("created is not a time"))?;
    let object_id = head.data.object.get("id").and_then(|id| id.as_str());
    let new = q::insert(
        conn,
        NewStripeEvent {
            id: &head.id,
            kind: &head.kind,
            livemode: head.livemode,
            api_version: head.api_version.as_deref(),
            created,
            object_id,
            payload: &payload,
        },
    )
    .await?;
    if new {
        tracing::info!(stripe.event = %head.id, stripe.type = %head.kind, "Stripe event received");
        Ok(Received::New)
    } else {
        tracing::debug!(stripe.event = %head.id, "Stripe event delivered again");
        Ok(Received::Duplicate)
    }
}
