//! `GET /api/v1/admin/webhooks/stripe/events[/{id}]`: the inbox of Stripe events, for
//! staff: what arrived, and where each stands.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::admin_ops::{StripeEventDetail, StripeEventSummary, StripeEvents};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::db::stripe_events::{self as q, StripeEventRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

impl From<&StripeEventRow> for StripeEventSummary {
    fn from(row: &StripeEventRow) -> Self {
        Self {
            id: row.id.clone(),
            kind: row.kind.clone(),
            livemode: row.livemode,
            status: row.status.clone(),
            object_id: row.object_id.clone(),
            last_error: row.last_error.clone(),
            created: row.created.to_rfc3339(),
            received_at: row.received_at.to_rfc3339(),
            processed_at: row.processed_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// Only events in this state.
    pub status: Option<String>,
    /// Only events received before this time (RFC 3339): the next page.
    pub before: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

const STATUSES: [&str; 4] = ["received", "processed", "ignored", "failed"];

/// The newest events first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(EventsQuery),
    responses(
        (status = 200, description = "Newest first", body = StripeEvents),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "Unknown status or a malformed `before`", body = ErrorEnvelope),
    )
)]
#[get("/admin/webhooks/stripe/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<EventsQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut fields = Vec::new();
    if query
        .status
        .as_deref()
        .is_some_and(|s| !STATUSES.contains(&s))
    {
        fields.push((
            "status".to_owned(),
            format!("must be one of: {}", STATUSES.join(", ")),
        ));
    }
    let before = match query
        .before
        .as_deref()
        .map(chrono::DateTime::parse_from_rfc3339)
    {
        None => None,
        Some(Ok(time)) => Some(time.with_timezone(&chrono::Utc)),
        Some(Err(_)) => {
            fields.push(("before".to_owned(), "must be an RFC 3339 time".to_owned()));
            None
        }
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let mut conn = state.pool.get().await?;
    let rows = q::list(&mut conn, query.status.as_deref(), before, limit).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|row| row.received_at.to_rfc3339()))
        .flatten();
    Ok(HttpResponse::Ok().json(StripeEvents {
        events: rows.iter().map(StripeEventSummary::from).collect(),
        next_before,
    }))
}

/// One event with its payload.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Stripe's event id (`evt_…`)")),
    responses(
        (status = 200, description = "The event", body = StripeEventDetail),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such event", body = ErrorEnvelope),
    )
)]
#[get("/admin/webhooks/stripe/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = q::find(&mut conn, &id).await?.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(StripeEventDetail {
        summary: StripeEventSummary::from(&row),
        payload: row.payload,
    }))
}

/// Processes an event again: its subject is re-read from Stripe and applied (harmless
/// when nothing changed). Events of types Gatehouse ignores cannot be replayed.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Stripe's event id (`evt_…`)")),
    responses(
        (status = 202, description = "Queued for processing", body = StripeEventSummary),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such event", body = ErrorEnvelope),
        (status = 409, description = "`event_not_processable`: a type Gatehouse ignores", body = ErrorEnvelope),
    )
)]
#[post("/admin/webhooks/stripe/events/{id}/replay")]
pub async fn replay_event(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let summary = audit
        .audited(
            &mut conn,
            "webhooks.event_replayed",
            "stripe_event",
            |_: &StripeEventSummary| id.clone(),
            None,
            async |tx| {
                let row = q::find(tx, &id).await?.ok_or(AppError::NotFound)?;
                let Some(subject) = row.subject_id.clone() else {
                    return Err(AppError::Conflict {
                        code: "event_not_processable",
                        message: format!("Gatehouse does not process `{}` events.", row.kind),
                    });
                };
                let row = q::mark_for_replay(tx, &id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                crate::jobs::enqueue(
                    tx,
                    &crate::billing::process::ProcessStripeSubject { subject },
                )
                .await?;
                Ok(StripeEventSummary::from(&row))
            },
        )
        .await?;
    tracing::info!(stripe.event = %id, staff.id = %staff.0.user.id, "Stripe event replayed by staff");
    Ok(HttpResponse::Accepted().json(summary))
}

/// Marks a waiting or failed event `ignored`: staff decided it is not to be processed.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Stripe's event id (`evt_…`)")),
    responses(
        (status = 200, description = "Discarded", body = StripeEventSummary),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such event", body = ErrorEnvelope),
        (status = 409, description = "`event_not_pending`: processed or ignored already", body = ErrorEnvelope),
    )
)]
#[post("/admin/webhooks/stripe/events/{id}/discard")]
pub async fn discard_event(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let before = q::find(&mut conn, &id).await?.ok_or(AppError::NotFound)?;
    let summary = audit
        .audited(
            &mut conn,
            "webhooks.event_discarded",
            "stripe_event",
            |_: &StripeEventSummary| id.clone(),
            serde_json::to_value(StripeEventSummary::from(&before)).ok(),
            async |tx| {
                q::discard(tx, &id)
                    .await?
                    .map(|row| StripeEventSummary::from(&row))
                    .ok_or_else(|| AppError::Conflict {
                        code: "event_not_pending",
                        message: format!(
                            "The event is {}; only waiting or failed events can be discarded.",
                            before.status
                        ),
                    })
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(summary))
}
