//! Support tickets. A customer opens a ticket about their active account (optionally
//! about one of its orders or a Stripe subscription) and replies to it; staff with the
//! tickets area (support, admin) reply and close it.
//!
//! Status: `open` (staff's turn) → a staff reply → `waiting_on_customer` → a customer
//! reply → `open`; staff close from either (`closed`, no more replies: 409
//! `ticket_closed`). Every reply and close runs in one transaction with the ticket's row
//! locked, so concurrent replies and a close are decided one after another; the emails
//! they cause are jobs enqueued in that transaction, and staff changes are audited there.

pub mod customer;
mod notify;
pub mod staff;

/// Tickets one person may open: 10 at once, then one every six minutes (each new ticket
/// emails every support and admin staff member).
pub fn opening_rule() -> crate::ratelimit::Rule {
    crate::ratelimit::Rule::per(10, std::time::Duration::from_secs(3600))
}

/// Takes one of the person's ticket openings; 429 with `Retry-After` when none is left.
/// An unreachable limiter store lets the ticket through (and is logged).
pub async fn may_open(
    limiter: &crate::ratelimit::RateLimiter,
    user_id: Uuid,
) -> crate::error::AppResult<()> {
    match limiter
        .check(&format!("tickets:open:{user_id}"), opening_rule())
        .await
    {
        Ok(decision) if !decision.allowed => Err(crate::error::AppError::RateLimited {
            retry_after_secs: decision.retry_after.as_secs().max(1),
        }),
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, "rate limiter unavailable; allowing the ticket");
            Ok(())
        }
    }
}

use std::collections::{BTreeMap, HashMap};

use gatehouse_shared::tickets::{Ticket, TicketMessage, TicketSummary};
use uuid::Uuid;

use crate::db::tickets::{self as q, TicketRow};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// Longest message, in characters.
pub const MAX_BODY: usize = 10_000;
/// Longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;

/// The message's body, checked: 1–10,000 characters, not only blanks.
fn check_body(body: &str, fields: &mut BTreeMap<String, String>) {
    if body.trim().is_empty() {
        fields.insert("body".to_owned(), "must not be empty".to_owned());
    } else if body.chars().count() > MAX_BODY {
        fields.insert(
            "body".to_owned(),
            format!("must be at most {MAX_BODY} characters"),
        );
    }
}

/// A reply's body, or 422 on `body`.
fn valid_body(body: &str) -> AppResult<&str> {
    let mut fields = BTreeMap::new();
    check_body(body, &mut fields);
    if fields.is_empty() {
        Ok(body.trim_end())
    } else {
        Err(AppError::Validation { fields })
    }
}

fn ticket_closed(message: &str) -> AppError {
    AppError::Conflict {
        code: "ticket_closed",
        message: message.to_owned(),
    }
}

/// The ticket with its messages.
async fn view(conn: &mut Conn, row: &TicketRow) -> AppResult<Ticket> {
    let messages = q::messages(conn, row.id)
        .await?
        .into_iter()
        .map(|(message, author_name)| TicketMessage {
            id: message.id,
            from_staff: message.from_staff,
            author_name,
            body: message.body,
            created_at: message.created_at.to_rfc3339(),
        })
        .collect();
    Ok(Ticket {
        id: row.id,
        subject: row.subject.clone(),
        priority: row.priority.clone(),
        status: row.status.clone(),
        order_id: row.order_id,
        stripe_subscription_id: row.stripe_subscription_id.clone(),
        created_at: row.created_at.to_rfc3339(),
        updated_at: row.updated_at.to_rfc3339(),
        closed_at: row.closed_at.map(|at| at.to_rfc3339()),
        messages,
    })
}

/// The tickets as list entries, each with its newest message's time.
async fn summaries(conn: &mut Conn, rows: &[TicketRow]) -> AppResult<Vec<TicketSummary>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let last: HashMap<Uuid, _> = q::last_message_times(conn, &ids)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .iter()
        .map(|row| TicketSummary {
            id: row.id,
            subject: row.subject.clone(),
            priority: row.priority.clone(),
            status: row.status.clone(),
            order_id: row.order_id,
            stripe_subscription_id: row.stripe_subscription_id.clone(),
            created_at: row.created_at.to_rfc3339(),
            updated_at: row.updated_at.to_rfc3339(),
            closed_at: row.closed_at.map(|at| at.to_rfc3339()),
            last_message_at: last
                .get(&row.id)
                .copied()
                .flatten()
                .unwrap_or(row.created_at)
                .to_rfc3339(),
        })
        .collect())
}
