//! What customers do with their tickets: open, list, read, reply. Another user's ticket
//! is not found (404), whoever asks.

use std::collections::BTreeMap;

use diesel_async::AsyncConnection;
use gatehouse_shared::tickets::{NewMessage, NewTicket, Ticket, TicketList, PRIORITIES};
use uuid::Uuid;

use super::{check_body, notify, ticket_closed, valid_body, view, MAX_SUBJECT};
use crate::db::tickets::{self as q, NewMessageRow, NewTicketRow};
use crate::db::{orders, Conn};
use crate::error::{AppError, AppResult};

/// Longest Stripe subscription id accepted.
const MAX_SUBSCRIPTION_ID: usize = 255;

/// Opens a ticket about the caller's active account: status `open`, the body its first
/// message; support staff are emailed. A valid request takes one of the person's
/// openings (`super::may_open`): 429 when none is left.
pub async fn open(
    conn: &mut Conn,
    limiter: &crate::ratelimit::RateLimiter,
    public_url: &url::Url,
    user_id: Uuid,
    account_id: Uuid,
    request: &NewTicket,
) -> AppResult<Ticket> {
    let subject = request.subject.trim();
    let subscription = request
        .stripe_subscription_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty());
    let mut fields = BTreeMap::new();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        fields.insert(
            "subject".to_owned(),
            format!("must be 1–{MAX_SUBJECT} characters"),
        );
    } else if subject.chars().any(char::is_control) {
        // It becomes an email subject line.
        fields.insert("subject".to_owned(), "must be one line".to_owned());
    }
    check_body(&request.body, &mut fields);
    if !PRIORITIES.contains(&request.priority.as_str()) {
        fields.insert(
            "priority".to_owned(),
            format!("must be one of {}", PRIORITIES.join(", ")),
        );
    }
    if subscription.is_some_and(|id| id.chars().count() > MAX_SUBSCRIPTION_ID) {
        fields.insert(
            "stripe_subscription_id".to_owned(),
            format!("must be at most {MAX_SUBSCRIPTION_ID} characters"),
        );
    }
    if let Some(order_id) = request.order_id {
        let ours = orders::find(conn, order_id)
            .await?
            .is_some_and(|order| order.account_id == account_id);
        if !ours {
            fields.insert(
                "order_id".to_owned(),
                "is not an order of your account".to_owned(),
            );
        }
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    super::may_open(limiter, user_id).await?;
    let body = request.body.trim_end();
    let ticket = conn
        .transaction::<_, AppError, _>(async |tx| {
            let ticket = q::insert_ticket(
                tx,
                &NewTicketRow {
                    user_id,
                    account_id,
                    subject,
                    priority: &request.priority,
                    order_id: request.order_id,
                    stripe_subscription_id: subscription,
                },
            )
            .await?;
            q::insert_message(
                tx,
                &NewMessageRow {
                    ticket_id: ticket.id,
                    author_user_id: user_id,
                    from_staff: false,
                    body,
                },
            )
            .await?;
            notify::staff(tx, public_url, &ticket, true).await?;
            Ok(ticket)
        })
        .await?;
    tracing::info!(ticket.id = %ticket.id, user.id = %user_id, priority = %ticket.priority, "ticket opened");
    view(conn, &ticket).await
}

/// The user's tickets, newest update first.
pub async fn list(conn: &mut Conn, user_id: Uuid) -> AppResult<TicketList> {
    let rows = q::of_user(conn, user_id).await?;
    Ok(TicketList {
        tickets: super::summaries(conn, &rows).await?,
    })
}

/// One of the user's tickets with its messages.
pub async fn get(conn: &mut Conn, user_id: Uuid, id: Uuid) -> AppResult<Ticket> {
    let ticket = q::find(conn, id)
        .await?
        .filter(|ticket| ticket.user_id == user_id)
        .ok_or(AppError::NotFound)?;
    view(conn, &ticket).await
}

/// The customer replies: the ticket is (again) `open`, support staff are emailed. A
/// closed ticket takes no replies (409 `ticket_closed`, nothing written).
pub async fn reply(
    conn: &mut Conn,
    public_url: &url::Url,
    user_id: Uuid,
    id: Uuid,
    request: &NewMessage,
) -> AppResult<Ticket> {
    let body = valid_body(&request.body)?;
    let ticket = conn
        .transaction::<_, AppError, _>(async |tx| {
            let ticket = q::lock(tx, id)
                .await?
                .filter(|ticket| ticket.user_id == user_id)
                .ok_or(AppError::NotFound)?;
            if ticket.status == "closed" {
                return Err(ticket_closed(
                    "This ticket is closed and takes no more replies; open a new ticket instead.",
                ));
            }
            q::insert_message(
                tx,
                &NewMessageRow {
                    ticket_id: id,
                    author_user_id: user_id,
                    from_staff: false,
                    body,
                },
            )
            .await?;
            let ticket = q::set_status(tx, id, "open").await?;
            notify::staff(tx, public_url, &ticket, false).await?;
            Ok(ticket)
        })
        .await?;
    view(conn, &ticket).await
}
