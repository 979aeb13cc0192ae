//! The audit record of a change: who (staff, a user, the system), what (`area.verb`), on
//! which target, the state before and after, and the request it came with. Written with
//! [`Audit::record`] inside the transaction of the change, so the record exists exactly
//! when the change does.

use serde::Serialize;
use uuid::Uuid;

use crate::db::audit::{self as q, NewRecord};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// Who is acting, and under which request.
#[derive(Debug, Clone)]
pub struct Audit {
    actor_kind: &'static str,
    actor_user_id: Option<Uuid>,
    request_id: Option<String>,
}

impl Audit {
    pub fn staff(user_id: Uuid, request_id: Option<String>) -> Self {
        Self {
            actor_kind: "staff",
            actor_user_id: Some(user_id),
            request_id,
        }
    }

    pub fn user(user_id: Uuid, request_id: Option<String>) -> Self {
        Self {
            actor_kind: "user",
            actor_user_id: Some(user_id),
            request_id,
        }
    }

    pub fn system() -> Self {
        Self {
            actor_kind: "system",
            actor_user_id: None,
            request_id: None,
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.actor_user_id
    }

    /// Appends one record (in the caller's transaction).
    pub async fn record<B: Serialize, A: Serialize>(
        &self,
        tx: &mut Conn,
        action: &str,
        target: (&str, &str),
        before: Option<&B>,
        after: Option<&A>,
    ) -> AppResult<i64> {
        let before = before
            .map(serde_json::to_value)
            .transpose()
            .map_err(AppError::internal)?;
        let after = after
            .map(serde_json::to_value)
            .transpose()
            .map_err(AppError::internal)?;
        Ok(q::insert(
            tx,
            &NewRecord {
                actor_kind: self.actor_kind,
                actor_user_id: self.actor_user_id,
                action,
                target_type: target.0,
                target_id: target.1,
                before,
                after,
                request_id: self.request_id.as_deref(),
            },
        )
        .await?)
    }
}
