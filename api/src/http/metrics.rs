//! `GET /metrics`: Prometheus text behind a bearer token (404 when no token is
//! configured, 401 without the right one).

use std::sync::OnceLock;

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;

use crate::error::{AppError, AppResult};
use crate::jobs::queue;
use crate::state::AppState;

const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide recorder, installed on first use.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("duration_seconds".to_owned()),
                DURATION_BUCKETS,
            )
            .expect("buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

#[utoipa::path(
    tag = "operations",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String),
        (status = 401, description = "Missing or wrong bearer token", body = gatehouse_shared::ErrorEnvelope),
        (status = 404, description = "Metrics are disabled (no token configured)", body = gatehouse_shared::ErrorEnvelope),
    )
)]
#[get("/metrics")]
pub async fn get_metrics(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(token) = &state.metrics_token else {
        return Err(AppError::NotFound);
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::constant_time::eq(presented.as_bytes(), token.expose_secret().as_bytes()) {
        return Err(AppError::Unauthorized);
    }
    record_gauges(&state).await;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(recorder().render()))
}

/// Pool and queue gauges are read at scrape time.
async fn record_gauges(state: &AppState) {
    let status = state.pool.status();
    ::metrics::gauge!("db_pool_connections").set(status.size as f64);
    ::metrics::gauge!("db_pool_available").set(status.available as f64);
    ::metrics::gauge!("db_pool_waiting").set(status.waiting as f64);
    if let Some(redis) = &state.redis {
        let status = redis.status();
        ::metrics::gauge!("redis_pool_connections").set(status.size as f64);
        ::metrics::gauge!("redis_pool_available").set(status.available as f64);
    }
    let counts = async {
        let mut conn = state.pool.get().await?;
        anyhow::Ok(queue::count_by_state(&mut conn).await?)
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), counts).await {
        Ok(Ok(counts)) => {
            for job_state in ["queued", "running", "done", "dead"] {
                let count = counts
                    .iter()
                    .find(|(s, _)| s == job_state)
                    .map_or(0, |(_, n)| *n);
                ::metrics::gauge!("jobs", "state" => job_state).set(count as f64);
            }
        }
        Ok(Err(err)) => tracing::warn!(error = %err, "could not count jobs for metrics"),
        Err(_) => tracing::warn!("counting jobs for metrics timed out"),
    }
}
