//! Receiving Stripe's webhooks: verify the signature over the raw body, keep the event in
//! the inbox (once per event id, however often Stripe delivers it), answer at once.
//! What an event means is decided later, by processing that re-reads the object from
//! Stripe, so deliveries in any order and number converge.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::process::{ProcessStripeSubject, HANDLED};
use crate::db::stripe_events::{self as q, NewStripeEvent};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::new_job;

/// The parts of an event the inbox keeps beside the payload, read without building the
/// whole document (the payload is stored as received).
#[derive(Debug, Deserialize)]
struct EventHead<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default)]
    livemode: bool,
    #[serde(default, borrow)]
    api_version: Option<std::borrow::Cow<'a, str>>,
    created: i64,
    #[serde(borrow)]
    data: EventData<'a>,
}

#[derive(Debug, Deserialize)]
struct EventData<'a> {
    #[serde(borrow)]
    object: ObjectHead<'a>,
}

#[derive(Debug, Deserialize)]
struct ObjectHead<'a> {
    #[serde(default, borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    /// A checkout session's or (older API versions) an invoice's subscription.
    #[serde(default)]
    subscription: Option<IdOrObject<'a>>,
    /// An invoice's parent (API 2025-03-31 and later).
    #[serde(default)]
    parent: Option<InvoiceParent<'a>>,
}

/// An expandable reference: an id, or the object with its id.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdOrObject<'a> {
    #[serde(borrow)]
    Id(std::borrow::Cow<'a, str>),
    Object {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    },
}

impl IdOrObject<'_> {
    fn id(&self) -> &str {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

#[derive(Debug, Deserialize)]
struct InvoiceParent<'a> {
    #[serde(default, borrow)]
    subscription_details: Option<SubscriptionDetails<'a>>,
}

#[derive(Debug, Deserialize)]
struct SubscriptionDetails<'a> {
    #[serde(borrow)]
    subscription: IdOrObject<'a>,
}

/// What processing re-reads for the event: its subscription, else the invoice itself.
fn subject<'a>(kind: &str, object: &'a ObjectHead<'_>) -> Option<&'a str> {
    let subscription = object
        .parent
        .as_ref()
        .and_then(|parent| parent.subscription_details.as_ref())
        .map(|details| details.subscription.id())
        .or_else(|| object.subscription.as_ref().map(IdOrObject::id));
    match kind {
        k if k.starts_with("customer.subscription.") => object.id.as_deref(),
        "checkout.session.completed" => subscription,
        k if k.starts_with("invoice.") => subscription.or(object.id.as_deref()),
        _ => None,
    }
}

fn malformed(detail: &str) -> AppError {
    AppError::bad_request("malformed_event", format!("Not a Stripe event: {detail}."))
}

/// Reads an event; 400 `malformed_event` unless it has the shape of one.
fn parse(body: &[u8]) -> AppResult<(EventHead<'_>, &str)> {
    let text = std::str::from_utf8(body).map_err(|_| malformed("the body is not UTF-8"))?;
    let head: EventHead = serde_json::from_str(text).map_err(|err| {
        if err.is_syntax() || err.is_eof() {
            malformed("the body is not JSON")
        } else {
            malformed("id, type, created or data.object is missing")
        }
    })?;
    let id_ok = head.id.len() > 4
        && head.id.len() <= 254
        && head.id.starts_with("evt_")
        && head.id[4..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !id_ok || head.kind.is_empty() || head.kind.len() > 100 {
        return Err(malformed("the id or type is not one Stripe would send"));
    }
    Ok((head, text))
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
    let subject = subject(&head.kind, &head.data.object)
        .filter(|_| HANDLED.contains(&head.kind.as_ref()))
        .filter(|s| s.len() <= 255);
    let job = match subject {
        Some(subject) => Some(
            new_job(
                &ProcessStripeSubject {
                    subject: subject.to_owned(),
                },
                None,
            )
            .map_err(AppError::internal)?,
        ),
        None => None,
    };
    // The event and its processing job in one statement: one round trip.
    let new = q::insert_with_job(
        conn,
        NewStripeEvent {
            id: &head.id,
            kind: &head.kind,
            livemode: head.livemode,
            api_version: head.api_version.as_deref(),
            created,
            object_id: head.data.object.id.as_deref(),
            subject_id: subject,
            status: if subject.is_some() {
                "received"
            } else {
                "ignored"
            },
            payload_json: payload,
        },
        job,
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
