//! `GET /api/v1/admin/audit` and `GET /api/v1/admin/audit.csv`: staff search the audit
//! log (who changed what, before and after) and export it.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use gatehouse_shared::audit::AuditPage;
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;
use uuid::Uuid;

use super::staff::Staff;
use crate::admin::audit;
use crate::db::audit::Filter;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Filters, all optional; they narrow together.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The staff member or user who acted.
    pub actor: Option<Uuid>,
    /// An action (`catalog.product_changed`) or an area (`catalog`).
    pub action: Option<String>,
    /// `account`, `product`, `instance`, `order`, `job`, `stripe_event`, …
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// RFC 3339: records at or after.
    pub since: Option<String>,
    /// RFC 3339: records before.
    pub until: Option<String>,
    /// From 1 (default 1).
    pub page: Option<i64>,
    /// 1–200 (default 50).
    pub per_page: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> AppResult<Filter> {
        let mut fields = std::collections::BTreeMap::new();
        let mut time = |name: &str, value: &Option<String>| {
            value.as_deref().and_then(|text| {
                let parsed = DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc));
                if parsed.is_err() {
                    fields.insert(name.to_owned(), "must be an RFC 3339 time".to_owned());
                }
                parsed.ok()
            })
        };
        let since = time("since", &self.since);
        let until = time("until", &self.until);
        if !fields.is_empty() {
            return Err(AppError::Validation { fields });
        }
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Filter {
            actor_user_id: self.actor,
            action: text(&self.action),
            target_type: text(&self.target_type),
            target_id: text(&self.target_id),
            since,
            until,
        })
    }
}

/// A page of the audit log, newest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Newest first, with the total matching", body = AuditPage),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "`fields`: since, until", body = ErrorEnvelope),
    )
)]
#[get("/admin/audit")]
pub async fn search(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let filter = query.filter()?;
    let mut conn = state.pool.get().await?;
    let page = audit::search(
        &mut conn,
        &filter,
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(50),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(page))
}

/// The matching records (the newest 50,000) as CSV, for auditors and spreadsheets.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "CSV with a header row", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "`fields`: since, until", body = ErrorEnvelope),
    )
)]
#[get("/admin/audit.csv")]
pub async fn export(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let filter = query.filter()?;
    let mut conn = state.pool.get().await?;
    let body = audit::csv(&mut conn, &filter).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"audit.csv\""))
        .insert_header(("cache-control", "no-store"))
        .body(body))
}
