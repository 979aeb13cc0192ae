//! The emails tickets cause, enqueued in the change's transaction.

use crate::db::instances::staff_emails_in_roles;
use crate::db::tickets::{self as q, TicketRow};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs;
use crate::mail::{templates, SendEmail};

/// The staff roles that handle tickets (the tickets area's writers, `admin::roles`).
const SUPPORT_ROLES: [&str; 2] = ["support", "admin"];

/// Tells every active support and admin staff member that a customer opened the ticket
/// (`opened`) or replied to it, with a link to the ticket's staff page.
pub(super) async fn staff(
    conn: &mut Conn,
    public_url: &url::Url,
    ticket: &TicketRow,
    opened: bool,
) -> AppResult<()> {
    let (email, first, last) = q::customer(conn, ticket.user_id).await?;
    let customer = format!("{first} {last} <{email}>");
    let link = public_url
        .join(&format!("admin/tickets/{}", ticket.id))
        .map_err(AppError::internal)?;
    for (to, name) in staff_emails_in_roles(conn, &SUPPORT_ROLES).await? {
        let message = templates::ticket_for_staff(
            &to,
            &name,
            opened,
            &ticket.subject,
            &ticket.priority,
            customer.trim(),
            link.as_str(),
        );
        jobs::enqueue(conn, &SendEmail(message)).await?;
    }
    Ok(())
}

/// Tells the customer that staff replied, with a link to the ticket's page.
pub(super) async fn customer(
    conn: &mut Conn,
    public_url: &url::Url,
    ticket: &TicketRow,
) -> AppResult<()> {
    let (email, first, _) = q::customer(conn, ticket.user_id).await?;
    let link = public_url
        .join(&format!("support/tickets/{}", ticket.id))
        .map_err(AppError::internal)?;
    let message = templates::ticket_reply(&email, &first, &ticket.subject, link.as_str());
    jobs::enqueue(conn, &SendEmail(message)).await?;
    Ok(())
}
