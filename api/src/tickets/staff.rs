//! What staff do with tickets: list (filters, pages), read, reply, close. Each change is
//! audited in its transaction (`tickets.replied`, `tickets.closed`).

use diesel_async::AsyncConnection;
use gatehouse_shared::tickets::{
    AdminTicket, AdminTicketPage, AdminTicketSummary, NewMessage, PRIORITIES, STATUSES,
};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::{notify, ticket_closed, valid_body, view};
use crate::admin::audit::Audit;
use crate::db::tickets::{self as q, Filter, NewMessageRow, TicketRow};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// Largest page.
pub const MAX_PER_PAGE: i64 = 100;
/// Page size when none is asked for.
pub const DEFAULT_PER_PAGE: i64 = 25;

/// What staff asked the list for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub status: Option<String>,
    pub priority: Option<String>,
    /// `updated` (the default), `waiting` or `priority`.
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// One page of tickets in the order asked for, with the total matching.
pub async fn list(conn: &mut Conn, query: &Query) -> AppResult<AdminTicketPage> {
    let mut fields = BTreeMap::new();
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    let priority = query.priority.as_deref().filter(|p| !p.is_empty());
    if status.is_some_and(|s| !STATUSES.contains(&s)) {
        fields.insert(
            "status".to_owned(),
            format!("must be one of {}", STATUSES.join(", ")),
        );
    }
    if priority.is_some_and(|p| !PRIORITIES.contains(&p)) {
        fields.insert(
            "priority".to_owned(),
            format!("must be one of {}", PRIORITIES.join(", ")),
        );
    }
    let sort = match query.sort.as_deref().filter(|s| !s.is_empty()) {
        None => Some(q::TicketSort::Updated),
        Some(name) => q::TicketSort::parse(name),
    };
    if sort.is_none() {
        fields.insert(
            "sort".to_owned(),
            "must be one of updated, waiting, priority".to_owned(),
        );
    }
    let page = query.page.unwrap_or(1);
    if page < 1 {
        fields.insert("page".to_owned(), "must be at least 1".to_owned());
    }
    let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        fields.insert("per_page".to_owned(), format!("must be 1–{MAX_PER_PAGE}"));
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let offset = (page - 1).saturating_mul(per_page);
    let sort = sort.unwrap_or(q::TicketSort::Updated);
    let filter = Filter {
        status,
        priority,
        sort,
    };
    let (rows, total) = q::page(conn, filter, per_page, offset).await?;
    let tickets: Vec<TicketRow> = rows.iter().map(|(ticket, _)| ticket.clone()).collect();
    let summaries = super::summaries(conn, &tickets).await?;
    Ok(AdminTicketPage {
        tickets: summaries
            .into_iter()
            .zip(rows)
            .map(|(ticket, (row, (email, first, last)))| AdminTicketSummary {
                ticket,
                account_id: row.account_id,
                customer_email: email,
                customer_name: format!("{first} {last}").trim().to_owned(),
            })
            .collect(),
        total,
        page,
        per_page,
    })
}

async fn admin_view(conn: &mut Conn, row: &TicketRow) -> AppResult<AdminTicket> {
    let (email, first, last) = q::customer(conn, row.user_id).await?;
    Ok(AdminTicket {
        ticket: view(conn, row).await?,
        account_id: row.account_id,
        customer_email: email,
        customer_name: format!("{first} {last}").trim().to_owned(),
    })
}

/// Any ticket with its messages and its opener.
pub async fn get(conn: &mut Conn, id: Uuid) -> AppResult<AdminTicket> {
    let ticket = q::find(conn, id).await?.ok_or(AppError::NotFound)?;
    admin_view(conn, &ticket).await
}

/// A staff reply: the ticket waits on the customer, who is emailed. A closed ticket
/// takes no replies (409 `ticket_closed`, nothing written).
pub async fn reply(
    conn: &mut Conn,
    public_url: &url::Url,
    audit: &Audit,
    id: Uuid,
    request: &NewMessage,
) -> AppResult<AdminTicket> {
    let staff = audit
        .user_id()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a staff reply needs a staff member")))?;
    let body = valid_body(&request.body)?;
    let ticket = conn
        .transaction::<_, AppError, _>(async |tx| {
            let before = q::lock(tx, id).await?.ok_or(AppError::NotFound)?;
            if before.status == "closed" {
                return Err(ticket_closed(
                    "This ticket is closed and takes no more replies.",
                ));
            }
            let message = q::insert_message(
                tx,
                &NewMessageRow {
                    ticket_id: id,
                    author_user_id: staff,
                    from_staff: true,
                    body,
                },
            )
            .await?;
            let ticket = q::set_status(tx, id, "waiting_on_customer").await?;
            audit
                .record(
                    tx,
                    "tickets.replied",
                    ("ticket", &id.to_string()),
                    Some(&json!({ "status": before.status })),
                    Some(&json!({ "status": ticket.status, "message_id": message.id })),
                )
                .await?;
            notify::customer(tx, public_url, &ticket).await?;
            Ok(ticket)
        })
        .await?;
    tracing::info!(ticket.id = %id, staff.id = %staff, "ticket replied to by staff");
    admin_view(conn, &ticket).await
}

/// Closes the ticket; closing a closed ticket is 409 `ticket_closed`.
pub async fn close(conn: &mut Conn, audit: &Audit, id: Uuid) -> AppResult<AdminTicket> {
    let ticket = conn
        .transaction::<_, AppError, _>(async |tx| {
            let before = q::lock(tx, id).await?.ok_or(AppError::NotFound)?;
            if before.status == "closed" {
                return Err(ticket_closed("This ticket is already closed."));
            }
            let ticket = q::set_status(tx, id, "closed").await?;
            audit
                .record(
                    tx,
                    "tickets.closed",
                    ("ticket", &id.to_string()),
                    Some(&json!({ "status": before.status })),
                    Some(&json!({ "status": ticket.status, "closed_at": ticket.closed_at })),
                )
                .await?;
            Ok(ticket)
        })
        .await?;
    tracing::info!(ticket.id = %id, "ticket closed");
    admin_view(conn, &ticket).await
}
