//! The audit log as staff read it: `GET /api/v1/admin/audit` (search, filter, page) and
//! `GET /api/v1/admin/audit.csv` (the same selection as CSV).

use serde::{Deserialize, Serialize};

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub id: i64,
    /// `staff`, `user` or `system`.
    pub actor_kind: String,
    pub actor_user_id: Option<uuid::Uuid>,
    /// The actor's email address, when a person.
    pub actor_email: Option<String>,
    /// `area.verb`, e.g. `catalog.product_changed`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// The target before the change (absent for creations).
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    /// The target after it.
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A page of the log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Records matching the filters, on every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}
