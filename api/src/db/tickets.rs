//! Support tickets and their messages.

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{ticket_messages, tickets, users};
use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
pub struct TicketRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub subject: String,
    pub priority: String,
    pub status: String,
    pub order_id: Option<Uuid>,
    pub stripe_subscription_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tickets)]
pub struct NewTicketRow<'a> {
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub subject: &'a str,
    pub priority: &'a str,
    pub order_id: Option<Uuid>,
    pub stripe_subscription_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ticket_messages, check_for_backend(diesel::pg::Pg))]
pub struct MessageRow {
    pub id: i64,
    pub ticket_id: Uuid,
    pub author_user_id: Uuid,
    pub from_staff: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ticket_messages)]
pub struct NewMessageRow<'a> {
    pub ticket_id: Uuid,
    pub author_user_id: Uuid,
    pub from_staff: bool,
    pub body: &'a str,
}

/// The opener of a ticket, as staff see them: `(email, first name, last name)`.
pub type Customer = (String, String, String);

pub async fn insert_ticket(conn: &mut Conn, new: &NewTicketRow<'_>) -> QueryResult<TicketRow> {
    diesel::insert_into(tickets::table)
        .values(new)
        .returning(TicketRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn insert_message(conn: &mut Conn, new: &NewMessageRow<'_>) -> QueryResult<MessageRow> {
    diesel::insert_into(ticket_messages::table)
        .values(new)
        .returning(MessageRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: Uuid) -> QueryResult<Option<TicketRow>> {
    tickets::table
        .find(id)
        .select(TicketRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The ticket, row-locked: replies and closing of one ticket are decided one at a time.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<TicketRow>> {
    tickets::table
        .find(id)
        .select(TicketRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Sets the status (and `closed_at` for `closed`) and marks the ticket updated now (the
/// clock's now, read after the caller took the row lock, not the transaction's start).
pub async fn set_status(conn: &mut Conn, id: Uuid, status: &str) -> QueryResult<TicketRow> {
    let now = Utc::now();
    diesel::update(tickets::table.find(id))
        .set((
            tickets::status.eq(status),
            tickets::closed_at.eq((status == "closed").then_some(now)),
            tickets::updated_at.eq(now),
        ))
        .returning(TicketRow::as_returning())
        .get_result(conn)
        .await
}

/// The ticket's messages, oldest first, each with its author's first name.
pub async fn messages(conn: &mut Conn, ticket_id: Uuid) -> QueryResult<Vec<(MessageRow, String)>> {
    ticket_messages::table
        .inner_join(users::table)
        .filter(ticket_messages::ticket_id.eq(ticket_id))
        .order(ticket_messages::id.asc())
        .select((MessageRow::as_select(), users::first_name))
        .load(conn)
        .await
}

/// When the newest message of each ticket was written.
pub async fn last_message_times(
    conn: &mut Conn,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Option<DateTime<Utc>>)>> {
    ticket_messages::table
        .filter(ticket_messages::ticket_id.eq_any(ids))
        .group_by(ticket_messages::ticket_id)
        .select((ticket_messages::ticket_id, max(ticket_messages::created_at)))
        .load(conn)
        .await
}

/// The user's tickets, newest update first.
pub async fn of_user(conn: &mut Conn, user_id: Uuid) -> QueryResult<Vec<TicketRow>> {
    tickets::table
        .filter(tickets::user_id.eq(user_id))
        .order((tickets::updated_at.desc(), tickets::id.desc()))
        .select(TicketRow::as_select())
        .load(conn)
        .await
}

/// Staff's filters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub status: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub sort: TicketSort,
}

/// The orders staff can list tickets in; each ends with the id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketSort {
    /// Newest update first.
    #[default]
    Updated,
    /// Oldest update first: who has waited longest.
    Waiting,
    /// Urgent, high, normal, low; newest update first within each.
    Priority,
}

impl TicketSort {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "updated" => Some(Self::Updated),
            "waiting" => Some(Self::Waiting),
            "priority" => Some(Self::Priority),
            _ => None,
        }
    }
}

/// One page of every ticket matching `filter`, in its order, with its opener; and how
/// many match in all.
pub async fn page(
    conn: &mut Conn,
    filter: Filter<'_>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<(TicketRow, Customer)>, i64)> {
    let filtered = || {
        let mut query = tickets::table.inner_join(users::table).into_boxed();
        if let Some(status) = filter.status {
            query = query.filter(tickets::status.eq(status));
        }
        if let Some(priority) = filter.priority {
            query = query.filter(tickets::priority.eq(priority));
        }
        query
    };
    let total = filtered().select(count_star()).get_result(conn).await?;
    let ordered = match filter.sort {
        TicketSort::Updated => filtered().order(tickets::updated_at.desc()),
        TicketSort::Waiting => filtered().order(tickets::updated_at.asc()),
        TicketSort::Priority => filtered()
            .order(diesel::dsl::sql::<diesel::sql_types::Integer>(
                "CASE tickets.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
                 WHEN 'normal' THEN 2 ELSE 3 END",
            ))
            .then_order_by(tickets::updated_at.desc()),
    };
    let rows = ordered
        .then_order_by(tickets::id.desc())
        .limit(limit)
        .offset(offset)
        .select((
            TicketRow::as_select(),
            (users::email, users::first_name, users::last_name),
        ))
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// Who opened the ticket.
pub async fn customer(conn: &mut Conn, user_id: Uuid) -> QueryResult<Customer> {
    users::table
        .find(user_id)
        .select((users::email, users::first_name, users::last_name))
        .first(conn)
        .await
}
