//! Support tickets: customers open them and reply, staff reply and close them.

use serde::{Deserialize, Serialize};

/// How urgent a ticket is.
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// Where a ticket stands: `open` (staff's turn), `waiting_on_customer` (staff replied),
/// `closed` (no more replies).
pub const STATUSES: [&str; 3] = ["open", "waiting_on_customer", "closed"];

fn normal() -> String {
    "normal".to_owned()
}

/// `POST /api/v1/tickets`: opens a ticket about the caller's active account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// 1–200 characters, one line.
    pub subject: String,
    /// The first message, 1–10,000 characters.
    pub body: String,
    /// `low`, `normal` (the default), `high` or `urgent`.
    #[serde(default = "normal")]
    pub priority: String,
    /// An order of the caller's active account the ticket is about.
    #[serde(default)]
    pub order_id: Option<uuid::Uuid>,
    /// A Stripe subscription the ticket is about (`sub_…`), at most 255 characters.
    #[serde(default)]
    pub stripe_subscription_id: Option<String>,
}

/// `POST /api/v1/tickets/{id}/messages` and `POST /api/v1/admin/tickets/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// 1–10,000 characters.
    pub body: String,
}

/// One message of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketMessage {
    pub id: i64,
    /// Written by staff (else by the customer).
    pub from_staff: bool,
    /// The author's first name (staff are shown by first name only).
    pub author_name: String,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A ticket with its messages, oldest message first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: uuid::Uuid,
    pub subject: String,
    pub priority: String,
    pub status: String,
    pub order_id: Option<uuid::Uuid>,
    pub stripe_subscription_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; the last message or status change.
    pub updated_at: String,
    /// RFC 3339; set while the ticket is closed.
    pub closed_at: Option<String>,
    pub messages: Vec<TicketMessage>,
}

/// A ticket in a list (no messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketSummary {
    pub id: uuid::Uuid,
    pub subject: String,
    pub priority: String,
    pub status: String,
    pub order_id: Option<uuid::Uuid>,
    pub stripe_subscription_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339.
    pub closed_at: Option<String>,
    /// RFC 3339; when the newest message was written.
    pub last_message_at: String,
}

/// `GET /api/v1/tickets`: the caller's tickets, newest update first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketList {
    pub tickets: Vec<TicketSummary>,
}

/// A ticket in staff's list: the summary and who opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminTicketSummary {
    #[serde(flatten)]
    pub ticket: TicketSummary,
    pub account_id: uuid::Uuid,
    pub customer_email: String,
    pub customer_name: String,
}

/// `GET /api/v1/admin/tickets`: one page, newest update first, with the total matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminTicketPage {
    pub tickets: Vec<AdminTicketSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// `GET /api/v1/admin/tickets/{id}`: the ticket and who opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminTicket {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub account_id: uuid::Uuid,
    pub customer_email: String,
    pub customer_name: String,
}
