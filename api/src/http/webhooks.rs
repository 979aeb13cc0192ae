//! `POST /api/v1/webhooks/stripe`: Stripe's deliveries. Verified over the raw body,
//! kept in the inbox, answered at once; no request waits on what an event means.

use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use gatehouse_shared::ErrorEnvelope;
use serde::Serialize;

use crate::billing::inbox::{self, Received};
use crate::billing::signature;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Stripe's events can be larger than the API's usual request bodies.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookAccepted {
    /// `received`, or `duplicate` for an event already in the inbox.
    pub status: &'static str,
}

/// Receives a Stripe event (signed with `Stripe-Signature`).
#[utoipa::path(
    tag = "billing",
    request_body(content = String, content_type = "application/json", description = "A Stripe event, as Stripe sends it"),
    params(("Stripe-Signature" = String, Header, description = "`t=…,v1=…`: HMAC-SHA256 of `t.body` with an endpoint secret")),
    responses(
        (status = 200, description = "Kept (or already kept)", body = WebhookAccepted),
        (status = 400, description = "`invalid_signature` (missing, malformed, stale or wrong) or `malformed_event`; nothing stored", body = ErrorEnvelope),
        (status = 413, description = "Larger than 1 MiB", body = ErrorEnvelope),
        (status = 503, description = "`service_unavailable`: no signing secret is configured (Stripe retries later)", body = ErrorEnvelope),
    )
)]
#[post("/webhooks/stripe")]
pub async fn stripe(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    if state.stripe_webhook_secrets.is_empty() {
        tracing::error!("a Stripe webhook arrived but GATEHOUSE_STRIPE_WEBHOOK_SECRETS is not set");
        return Err(AppError::Unavailable {
            dependency: "stripe_webhook_secret",
        });
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|_| AppError::bad_request("malformed_event", "The body could not be read."))?;
        if body.len() + chunk.len() > MAX_EVENT_BYTES {
            return Err(AppError::PayloadTooLarge {
                limit: MAX_EVENT_BYTES,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let header = req
        .headers()
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(err) = signature::verify(header, &body, &state.stripe_webhook_secrets, now) {
        tracing::warn!(reason = %err, "Stripe webhook refused");
        return Err(AppError::bad_request(
            "invalid_signature",
            "The Stripe-Signature header does not verify.",
        ));
    }
    let mut conn = state.pool.get().await?;
    let status = match inbox::receive(&mut conn, &body).await? {
        Received::New => "received",
        Received::Duplicate => "duplicate",
    };
    Ok(HttpResponse::Ok().json(WebhookAccepted { status }))
}
