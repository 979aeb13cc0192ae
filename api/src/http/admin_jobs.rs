//! Background jobs for staff: `GET /api/v1/admin/jobs` (by state and kind), `GET …/jobs/dead`,
//! `POST …/jobs/{id}/retry` and `POST …/jobs/{id}/discard` (dead ones).

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::admin_ops::{DeadJob, DeadJobs, JobList, JobSummary};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::error::{AppError, AppResult};
use crate::jobs::queue;
use crate::state::AppState;

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

impl From<queue::JobRow> for JobSummary {
    fn from(job: queue::JobRow) -> Self {
        Self {
            id: job.id,
            kind: job.kind,
            state: job.state,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error,
            run_at: job.run_at.to_rfc3339(),
            created_at: job.created_at.to_rfc3339(),
            finished_at: job.finished_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct JobsQuery {
    /// `queued`, `running`, `done` or `dead`.
    pub state: Option<String>,
    /// A job kind, e.g. `mail.send`.
    pub kind: Option<String>,
    /// Only jobs with a smaller id: the next page.
    pub before_id: Option<i64>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

const JOB_STATES: [&str; 4] = ["queued", "running", "done", "dead"];

/// Jobs by state and kind, newest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(JobsQuery),
    responses(
        (status = 200, description = "Newest first", body = JobList),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "`fields.state`", body = ErrorEnvelope),
    )
)]
#[get("/admin/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<JobsQuery>,
) -> AppResult<HttpResponse> {
    let wanted = query.state.as_deref().filter(|s| !s.is_empty());
    if wanted.is_some_and(|s| !JOB_STATES.contains(&s)) {
        return Err(AppError::validation([(
            "state".to_owned(),
            format!("must be one of: {}", JOB_STATES.join(", ")),
        )]));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let kind = query.kind.as_deref().filter(|k| !k.is_empty());
    let mut conn = state.pool.get().await?;
    let rows = queue::list(&mut conn, wanted, kind, query.before_id, limit).await?;
    let next_before_id = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|job| job.id))
        .flatten();
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(JobList {
            jobs: rows.into_iter().map(JobSummary::from).collect(),
            next_before_id,
        }))
}

/// Removes a dead job staff gave up on (the audit log keeps what it was).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job")),
    responses(
        (status = 200, description = "Discarded", body = JobSummary),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 409, description = "`job_not_dead`", body = ErrorEnvelope),
    )
)]
#[post("/admin/jobs/{id}/discard")]
pub async fn discard_job(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let discarded = audit
        .audited(
            &mut conn,
            "jobs.job_discarded",
            "job",
            |_: &JobSummary| id.to_string(),
            None,
            async |tx| {
                queue::discard_dead(tx, id)
                    .await?
                    .map(JobSummary::from)
                    .ok_or_else(|| AppError::Conflict {
                        code: "job_not_dead",
                        message: format!("Job {id} is not dead."),
                    })
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(discarded))
}
