//! `GET /health`: 200 when every configured dependency answers, 503 naming the ones
//! that do not.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use gatehouse_shared::ErrorEnvelope;
use serde::Serialize;

use crate::state::{check_postgres, check_redis, AppState};

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Every dependency is reachable.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthReport {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
    /// Each dependency: `ok`, or `not_configured` for an optional one that is unset.
    pub checks: BTreeMap<String, String>,
}

#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Every dependency answers", body = HealthReport),
        (status = 503, description = "A dependency is down; `fields` names each failing one", body = ErrorEnvelope),
    )
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let postgres = async {
        match tokio::time::timeout(CHECK_TIMEOUT, check_postgres(&state.pool)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err("timed out".to_owned()),
        }
    };
    let redis = async {
        match &state.redis {
            None => None,
            Some(pool) => Some(
                match tokio::time::timeout(CHECK_TIMEOUT, check_redis(pool)).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(err)) => Err(err.to_string()),
                    Err(_) => Err("timed out".to_owned()),
                },
            ),
        }
    };
    let (postgres, redis) = tokio::join!(postgres, redis);

    let mut checks = BTreeMap::new();
    let mut failing = Vec::new();
    for (name, result) in [("postgres", Some(postgres)), ("redis", redis)] {
        let status = match result {
            None => "not_configured".to_owned(),
            Some(Ok(())) => "ok".to_owned(),
            Some(Err(cause)) => {
                tracing::warn!(dependency = name, %cause, "health check failed");
                failing.push(name);
                "unavailable".to_owned()
            }
        };
        checks.insert(name.to_owned(), status);
    }
    if failing.is_empty() {
        return HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(HealthReport {
                status: "ok".to_owned(),
                checks,
            });
    }
    let mut envelope = ErrorEnvelope::new(
        "dependency_unavailable",
        format!("Unavailable: {}.", failing.join(", ")),
    );
    envelope.error.fields = checks
        .into_iter()
        .filter(|(_, s)| s == "unavailable")
        .collect();
    HttpResponse::ServiceUnavailable()
        .insert_header(("cache-control", "no-store"))
        .json(envelope)
}
