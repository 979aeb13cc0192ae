//! `GET /api/v1/admin/jobs/dead` and `POST /api/v1/admin/jobs/{id}/retry`: background
//! jobs that ran out of attempts, for staff.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::ErrorEnvelope;
use serde::{Deserialize, Serialize};

use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::error::{AppError, AppResult};
use crate::jobs::queue;
use crate::state::AppState;

/// A job that ran out of attempts.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadJob {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadJobs {
    pub jobs: Vec<DeadJob>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeadJobsQuery {
    /// At most this many, newest first (1–500, default 50).
    pub limit: Option<i64>,
}

/// The newest dead jobs with their last error.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(DeadJobsQuery),
    responses(
        (status = 200, description = "Newest first", body = DeadJobs),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff) or `mfa_required` (staff without a second factor)", body = ErrorEnvelope),
    )
)]
#[get("/admin/jobs/dead")]
pub async fn dead_jobs(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<DeadJobsQuery>,
) -> AppResult<HttpResponse> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let mut conn = state.pool.get().await?;
    let jobs = queue::dead(&mut conn, limit)
        .await?
        .into_iter()
        .map(|job| DeadJob {
            id: job.id,
            kind: job.kind,
            attempts: job.attempts,
            last_error: job.last_error,
            created_at: job.created_at.to_rfc3339(),
            finished_at: job.finished_at.map(|t| t.to_rfc3339()),
        })
        .collect();
    Ok(HttpResponse::Ok().json(DeadJobs { jobs }))
}

/// Puts a dead job back in the queue with fresh attempts.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job")),
    responses(
        (status = 204, description = "Queued again"),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 409, description = "`job_not_dead`: not dead, or a queued copy exists", body = ErrorEnvelope),
    )
)]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    audit
        .audited(
            &mut conn,
            "jobs.job_retried",
            "job",
            |_: &serde_json::Value| id.to_string(),
            Some(serde_json::json!({ "state": "dead" })),
            async |tx| {
                if !queue::retry_dead(tx, id).await? {
                    return Err(AppError::Conflict {
                        code: "job_not_dead",
                        message: format!(
                            "Job {id} is not dead, or a queued copy of it already exists."
                        ),
                    });
                }
                Ok(serde_json::json!({ "state": "queued", "attempts": 0 }))
            },
        )
        .await?;
    tracing::info!(job.id = id, staff.id = %staff.0.user.id, "dead job queued again by staff");
    Ok(HttpResponse::NoContent().finish())
}
