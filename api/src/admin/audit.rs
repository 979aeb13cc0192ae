//! The audit record of a change: who (staff, a user, the system), what (`area.verb`), on
//! which target, the state before and after, and the request it came with. Written with
//! [`Audit::record`] inside the transaction of the change, so the record exists exactly
//! when the change does.

use serde::Serialize;
use uuid::Uuid;

use gatehouse_shared::audit::{AuditPage, AuditRecord};

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

    /// Appends one record (in the caller's transaction). `before` and `after` are turned
    /// into JSON at once, so the returned future holds no reference to them.
    pub fn record<'a, B: Serialize, A: Serialize>(
        &'a self,
        tx: &'a mut Conn,
        action: &'a str,
        target: (&'a str, &'a str),
        before: Option<&B>,
        after: Option<&A>,
    ) -> impl std::future::Future<Output = AppResult<i64>> + Send + 'a {
        let before = before.map(serde_json::to_value).transpose();
        let after = after.map(serde_json::to_value).transpose();
        async move {
            let before = before.map_err(AppError::internal)?;
            let after = after.map_err(AppError::internal)?;
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
}

impl Audit {
    /// Runs `change` and records it, in one transaction (the change's own transaction
    /// becomes a savepoint inside it): the record exists exactly when the change does.
    /// `before` is the target as it was (`None` for a creation); the record's `after` is
    /// what `change` returns, and its target id comes from it through `target_id`.
    pub async fn audited<T, F, I>(
        &self,
        conn: &mut Conn,
        action: &str,
        target_type: &str,
        target_id: I,
        before: Option<serde_json::Value>,
        change: F,
    ) -> AppResult<T>
    where
        T: Serialize,
        F: AsyncFnOnce(&mut Conn) -> AppResult<T>,
        I: FnOnce(&T) -> String,
    {
        // Driven by hand rather than by `conn.transaction`, whose future must be `Send`
        // (an async closure's future cannot promise that); the effect is the same.
        use diesel_async::{AsyncConnection, TransactionManager};
        type Manager = <Conn as AsyncConnection>::TransactionManager;
        Manager::begin_transaction(conn).await?;
        let outcome = async {
            let after = change(conn).await?;
            let id = target_id(&after);
            self.record(
                conn,
                action,
                (target_type, &id),
                before.as_ref(),
                Some(&after),
            )
            .await?;
            Ok::<_, AppError>(after)
        }
        .await;
        match outcome {
            Ok(after) => match Manager::commit_transaction(conn).await {
                Ok(()) => Ok(after),
                Err(err) => {
                    // A failed commit leaves the transaction to roll back (as
                    // `conn.transaction` does).
                    let _ = Manager::rollback_transaction(conn).await;
                    Err(err.into())
                }
            },
            Err(err) => {
                Manager::rollback_transaction(conn).await?;
                Err(err)
            }
        }
    }
}

/// Largest page of the log.
pub const MAX_PER_PAGE: i64 = 200;
/// Most records one CSV export holds (the newest).
pub const MAX_EXPORT: i64 = 50_000;

fn view((record, email): (q::Record, Option<String>)) -> AuditRecord {
    AuditRecord {
        id: record.id,
        actor_kind: record.actor_kind,
        actor_user_id: record.actor_user_id,
        actor_email: email,
        action: record.action,
        target_type: record.target_type,
        target_id: record.target_id,
        before: record.before,
        after: record.after,
        request_id: record.request_id,
        created_at: record.created_at.to_rfc3339(),
    }
}

/// A page (from 1) of the records matching `filter`, newest first.
pub async fn search(
    conn: &mut Conn,
    filter: &q::Filter,
    page: i64,
    per_page: i64,
) -> AppResult<AuditPage> {
    let page = page.max(1);
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let (records, total) = q::search(conn, filter, per_page, (page - 1) * per_page).await?;
    Ok(AuditPage {
        records: records.into_iter().map(view).collect(),
        total,
        page,
        per_page,
    })
}

/// The records matching `filter` (the newest [`MAX_EXPORT`]) as CSV with a header row.
pub async fn csv(conn: &mut Conn, filter: &q::Filter) -> AppResult<String> {
    let mut out = String::new();
    crate::csv::push_row(
        &mut out,
        &[
            "id",
            "created_at",
            "actor_kind",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "before",
            "after",
            "request_id",
        ],
    );
    let mut offset = 0;
    while offset < MAX_EXPORT {
        let (records, _) = q::search(conn, filter, 1_000, offset).await?;
        if records.is_empty() {
            break;
        }
        offset += records.len() as i64;
        for record in records.into_iter().map(view) {
            let json = |value: &Option<serde_json::Value>| {
                value.as_ref().map(ToString::to_string).unwrap_or_default()
            };
            crate::csv::push_row(
                &mut out,
                &[
                    &record.id.to_string(),
                    &record.created_at,
                    &record.actor_kind,
                    record.actor_email.as_deref().unwrap_or_default(),
                    &record.action,
                    &record.target_type,
                    &record.target_id,
                    &json(&record.before),
                    &json(&record.after),
                    record.request_id.as_deref().unwrap_or_default(),
                ],
            );
        }
    }
    Ok(out)
}
