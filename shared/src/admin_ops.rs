//! The operations side of the admin area: Stripe's webhook events as Gatehouse received
//! them, and background jobs (`/api/v1/admin/webhooks/…`, `/api/v1/admin/jobs…`).

use serde::{Deserialize, Serialize};

/// One event as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StripeEventSummary {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub livemode: bool,
    /// `received`, `processed`, `ignored` or `failed`.
    pub status: String,
    /// The id of the object the event is about.
    pub object_id: Option<String>,
    pub last_error: Option<String>,
    /// RFC 3339: when Stripe created it, when it arrived, when it was processed.
    pub created: String,
    pub received_at: String,
    pub processed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StripeEvents {
    pub events: Vec<StripeEventSummary>,
    /// Pass as `before` for the next page; absent on the last one.
    pub next_before: Option<String>,
}

/// An event with Stripe's payload as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StripeEventDetail {
    #[serde(flatten)]
    pub summary: StripeEventSummary,
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// A job that ran out of attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DeadJob {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DeadJobs {
    pub jobs: Vec<DeadJob>,
}

/// A job as operators see it (never its payload: it may hold one-time links).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JobSummary {
    pub id: i64,
    pub kind: String,
    /// `queued`, `running`, `done` or `dead`.
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    /// RFC 3339: when it runs (next).
    pub run_at: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JobList {
    pub jobs: Vec<JobSummary>,
    /// Pass as `before_id` for the next page; absent on the last.
    pub next_before_id: Option<i64>,
}
