//! The staff's ticket desk, in the admin area's frame: `/admin/tickets` (every ticket,
//! filtered by status and priority and in the order chosen (newest update, longest
//! waiting, or priority), all in the page's address, a page at a time from the API) and `/admin/tickets/{id}` (the thread, who opened it and
//! their account, a reply, which leaves the ticket waiting on the customer, and closing
//! it after a confirmation). The staff notification email links to the ticket's page;
//! a role that may only look (billing) reads the API's reason when it tries a change.

use gatehouse_shared::tickets::{AdminTicket, AdminTicketPage, AdminTicketSummary, NewMessage};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use super::thread::{priority_text, status_tag, ReplyForm, Thread};
use crate::admin::pager::{position, Pager};
use crate::admin::{time_text, AdminPage, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::browser::focus_id;
use crate::form::{server_errors, FormError, FormStatus, Select, SubmitButton};
use crate::guard::encode_query_value;

/// Tickets per page.
pub const PER_PAGE: i64 = 25;

/// The status filter's choices (the API's values; empty: any).
const STATUS_CHOICES: [(&str, &str); 4] = [
    ("", "Any status"),
    ("open", "Open"),
    ("waiting_on_customer", "Waiting on the customer"),
    ("closed", "Closed"),
];

/// The priority filter's choices (the API's values; empty: any).
const PRIORITY_CHOICES: [(&str, &str); 5] = [
    ("", "Any priority"),
    ("low", "Low"),
    ("normal", "Normal"),
    ("high", "High"),
    ("urgent", "Urgent"),
];

/// The orders the API can list tickets in (the first is its default).
const SORT_CHOICES: [(&str, &str); 3] = [
    ("", "Newest update first"),
    ("waiting", "Waiting longest first"),
    ("priority", "Most urgent first"),
];

/// The address of one ticket's staff page.
pub fn staff_ticket_path(id: impl std::fmt::Display) -> String {
    format!("/admin/tickets/{id}")
}

/// The filters: a status and a priority, each empty for any, and the order (empty: newest
/// update first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub status: String,
    pub priority: String,
    pub sort: String,
}

impl Filters {
    fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("status", self.status.trim()),
            ("priority", self.priority.trim()),
            ("sort", self.sort.trim()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
    }

    /// The page's own address (`/admin/tickets?status=open&page=2`), so a selection can
    /// be shared and bookmarked.
    pub fn address(&self, page: i64) -> String {
        let mut query: Vec<String> = self
            .pairs()
            .map(|(name, value)| format!("{name}={}", encode_query_value(value)))
            .collect();
        if page > 1 {
            query.push(format!("page={page}"));
        }
        if query.is_empty() {
            "/admin/tickets".to_owned()
        } else {
            format!("/admin/tickets?{}", query.join("&"))
        }
    }

    /// The API's query string of one page of the selection.
    pub fn page_query(&self, page: i64) -> String {
        self.pairs()
            .map(|(name, value)| format!("{name}={}", encode_query_value(value)))
            .chain([format!("page={page}&per_page={PER_PAGE}")])
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[component]
pub fn StaffTicketsRoute() -> impl IntoView {
    view! {
        <AdminPage title="Tickets">
            <StaffTickets />
        </AdminPage>
    }
}

/// Moves the page's address (replacing the history entry) when it is not there yet.
type Go = Box<dyn Fn(&str)>;

/// The list page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Desk {
    auth: Auth,
    /// The filters as chosen in the form.
    status: RwSignal<String>,
    priority: RwSignal<String>,
    sort: RwSignal<String>,
    /// The filters of the tickets shown.
    applied: RwSignal<Filters>,
    page: RwSignal<i64>,
    /// The last page read; `None` before the first answer.
    list: RwSignal<Option<Result<AdminTicketPage, ApiError>>>,
    loading: RwSignal<bool>,
    status_error: RwSignal<Option<String>>,
    priority_error: RwSignal<Option<String>>,
    sort_error: RwSignal<Option<String>>,
    form_error: RwSignal<Option<String>>,
    go: StoredValue<Go, LocalStorage>,
}

impl Desk {
    /// Reads page `page` of the selection `filters`, and puts both in the address.
    fn read(self, filters: Filters, page: i64) {
        self.go.with_value(|go| go(&filters.address(page)));
        self.loading.set(true);
        self.form_error.set(None);
        let query = filters.page_query(page);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.admin_tickets(&query).await })
                .await;
            if self.loading.try_set(false).is_some() {
                return; // the page is gone
            }
            match answer {
                Ok(found) => {
                    self.status_error.set(None);
                    self.priority_error.set(None);
                    self.sort_error.set(None);
                    self.applied.set(filters);
                    self.page.set(page);
                    self.list.set(Some(Ok(found)));
                }
                Err(failure) if failure.fields().is_empty() => self.list.set(Some(Err(failure))),
                Err(failure) => {
                    let (mut inline, summary) = server_errors(
                        &failure,
                        &[
                            ("status", "Status"),
                            ("priority", "Priority"),
                            ("sort", "Order"),
                        ],
                    );
                    self.status_error.set(inline.remove("status"));
                    self.priority_error.set(inline.remove("priority"));
                    self.sort_error.set(inline.remove("sort"));
                    self.form_error.set(Some(summary));
                    if self.list.with_untracked(Option::is_none) {
                        self.list.set(Some(Ok(AdminTicketPage {
                            tickets: Vec::new(),
                            total: 0,
                            page: 1,
                            per_page: PER_PAGE,
                        })));
                    }
                }
            }
        });
    }
}

/// `/admin/tickets`: the filters, the tickets and the pages.
#[component]
fn StaffTickets() -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    // The selection in the address: a shared link's, or the one shown before a reload.
    let (filters, page) = use_query_map().with_untracked(|query| {
        let page = query
            .get("page")
            .and_then(|page| page.parse::<i64>().ok())
            .filter(|page| *page >= 1)
            .unwrap_or(1);
        let filters = Filters {
            status: query.get("status").unwrap_or_default(),
            priority: query.get("priority").unwrap_or_default(),
            sort: query.get("sort").unwrap_or_default(),
        };
        (filters, page)
    });
    let desk = Desk {
        auth: use_auth(),
        status: RwSignal::new(filters.status.clone()),
        priority: RwSignal::new(filters.priority.clone()),
        sort: RwSignal::new(filters.sort.clone()),
        applied: RwSignal::new(Filters::default()),
        page: RwSignal::new(1),
        list: RwSignal::new(None),
        loading: RwSignal::new(false),
        status_error: RwSignal::new(None),
        priority_error: RwSignal::new(None),
        sort_error: RwSignal::new(None),
        form_error: RwSignal::new(None),
        go: StoredValue::new_local(Box::new(move |address: &str| {
            let search = location.search.get_untracked();
            let here = match search.trim_start_matches('?') {
                "" => location.pathname.get_untracked(),
                search => format!("{}?{search}", location.pathname.get_untracked()),
            };
            if here == address {
                return;
            }
            let replace = NavigateOptions {
                replace: true,
                scroll: false,
                ..NavigateOptions::default()
            };
            navigate(address, replace);
        })),
    };
    desk.read(filters, page);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let filters = Filters {
            status: desk.status.get_untracked(),
            priority: desk.priority.get_untracked(),
            sort: desk.sort.get_untracked(),
        };
        desk.read(filters, 1);
    };

    view! {
        <header class="account__intro">
            <h1>"Tickets"</h1>
            <p class="lead">"Customers' questions, in the order you choose. Reply, and close what is settled."</p>
        </header>
        <section class="card account__card" aria-labelledby="filters-title">
            <h2 id="filters-title" class="account__title">"Filters"</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=desk.form_error.into() />
                <div class="audit__fields">
                    <Select
                        id="filter-status"
                        name="status"
                        label="Status"
                        choices=&STATUS_CHOICES
                        value=desk.status
                        error=desk.status_error
                    />
                    <Select
                        id="filter-priority"
                        name="priority"
                        label="Priority"
                        choices=&PRIORITY_CHOICES
                        value=desk.priority
                        error=desk.priority_error
                    />
                    <Select
                        id="filter-sort"
                        name="sort"
                        label="Order"
                        choices=&SORT_CHOICES
                        value=desk.sort
                        error=desk.sort_error
                    />
                </div>
                <div class="account__actions">
                    <SubmitButton pending=desk.loading.into() label="Show tickets" busy_label="Loading…" />
                </div>
            </form>
        </section>
        <section class="card account__card" aria-labelledby="tickets-title">
            <h2 id="tickets-title" class="account__title" tabindex="-1">"Tickets"</h2>
            {move || desk.list.with(|list| match list {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading tickets…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError
                        what="The tickets"
                        error=error.clone()
                        retry=move || desk.read(desk.applied.get_untracked(), desk.page.get_untracked())
                    />
                }
                .into_any(),
                Some(Ok(found)) if found.tickets.is_empty() => view! {
                    <p class="account__text">"No tickets match these filters."</p>
                }
                .into_any(),
                Some(Ok(found)) => tickets_table(&found.tickets).into_any(),
            })}
            <Pager
                shown=Signal::derive(move || {
                    desk.list.with(|list| match list {
                        Some(Ok(found)) => Some(position(found.page, found.per_page, found.total)),
                        _ => None,
                    })
                })
                label="Ticket pages"
                noun=("ticket", "tickets")
                loading=desk.loading
                go=move |page| {
                    desk.read(desk.applied.get_untracked(), page);
                    focus_id("tickets-title");
                }
            />
        </section>
    }
}

/// The table's columns.
const COLUMNS: [&str; 5] = ["Subject", "Customer", "Status", "Priority", "Updated"];

/// The tickets as a table that stacks into labelled blocks on a phone.
fn tickets_table(tickets: &[AdminTicketSummary]) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-labelledby="desk-caption" tabindex="0">
            <table class="admin-table admin-table--stack" role="table">
                <caption id="desk-caption" class="visually-hidden">"Tickets, in the order chosen"</caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {COLUMNS
                            .iter()
                            .map(|column| view! { <th scope="col" role="columnheader">{*column}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody role="rowgroup">
                    {tickets
                        .iter()
                        .map(|row| {
                            let ticket = &row.ticket;
                            view! {
                                <tr role="row">
                                    <td class="admin-table__wrap" role="cell" data-label=COLUMNS[0]>
                                        <a href=staff_ticket_path(ticket.id)>{ticket.subject.clone()}</a>
                                    </td>
                                    <td class="admin-table__wrap" role="cell" data-label=COLUMNS[1]>
                                        {row.customer_name.clone()}
                                        <br />
                                        <span class="admin-table__small">{row.customer_email.clone()}</span>
                                    </td>
                                    <td role="cell" data-label=COLUMNS[2]>{status_tag(&ticket.status, true)}</td>
                                    <td role="cell" data-label=COLUMNS[3]>{priority_text(&ticket.priority).to_owned()}</td>
                                    <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[4]>
                                        <time datetime=ticket.updated_at.clone()>{time_text(&ticket.updated_at)}</time>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn StaffTicketRoute() -> impl IntoView {
    view! {
        <AdminPage title="Ticket">
            <StaffTicket />
        </AdminPage>
    }
}

/// `/admin/tickets/{id}`: one ticket for staff.
#[component]
fn StaffTicket() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let ticket = RwSignal::new(None::<Result<AdminTicket, ApiError>>);
    let status = RwSignal::new(None::<String>);
    let read = move || {
        ticket.set(None);
        let id = id.get_untracked();
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.admin_ticket(&id).await })
                .await;
            _ = ticket.try_set(Some(answer));
        });
    };
    Effect::new(move |_| {
        id.track();
        status.set(None);
        read();
    });

    view! {
        <p><a href="/admin/tickets">"← All tickets"</a></p>
        <FormStatus message=status.into() />
        {move || ticket.with(|answer| match answer {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading the ticket…"
                </div>
            }
            .into_any(),
            Some(Err(ApiError::Api { status: 404, .. })) => view! {
                <div class="notice notice--warning support__gone" role="alert">
                    <h1 class="notice__title">"Ticket not found"</h1>
                    <p>"There is no ticket at this address."</p>
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <LoadError what="The ticket" error=error.clone() retry=move || read() />
            }
            .into_any(),
            Some(Ok(found)) => view! {
                <StaffTicketView ticket=found.clone() page_ticket=ticket status read=Callback::new(move |()| read()) />
            }
            .into_any(),
        })}
    }
}

/// A ticket as staff see it: who opened it, the thread, a reply and closing.
#[component]
fn StaffTicketView(
    ticket: AdminTicket,
    /// The page's ticket, replaced by the API's answer to a reply or the close.
    page_ticket: RwSignal<Option<Result<AdminTicket, ApiError>>>,
    status: RwSignal<Option<String>>,
    /// Reads the ticket again (closed meanwhile by someone else, say).
    read: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let id = ticket.ticket.id.to_string();
    let closed = ticket.ticket.status == "closed";
    let body = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let reply_id = id.clone();
    let send = move |text: String| {
        pending.set(true);
        status.set(None);
        let id = reply_id.clone();
        spawn_local(async move {
            let request = NewMessage { body: text };
            let answer = auth
                .call(|api| async move { api.staff_reply_to_ticket(&id, &request).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(updated) => {
                    status.set(Some(
                        "Reply sent. The ticket now waits on the customer, who is emailed."
                            .to_owned(),
                    ));
                    page_ticket.set(Some(Ok(updated)));
                    focus_id("messages-title");
                }
                Err(failure) if failure.code() == Some("ticket_closed") => {
                    status.set(Some(failure.message()));
                    read.run(());
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(&failure, &[("body", "Message")]);
                    error.set(inline.remove("body"));
                    form_error.set(Some(summary));
                }
            }
        });
    };
    let TicketFacts {
        customer,
        email,
        account,
        order,
        subscription,
    } = TicketFacts::of(&ticket);
    let summary = ticket.ticket;
    view! {
        <header class="account__intro">
            <p class="eyebrow">"Ticket"</p>
            <h1 id="ticket-title" tabindex="-1">{summary.subject.clone()}</h1>
            <p class="support__facts">
                {status_tag(&summary.status, true)}
                <span>"Priority: "{priority_text(&summary.priority).to_owned()}</span>
                <span>"Opened "{time_text(&summary.created_at)}</span>
            </p>
        </header>
        <section class="card account__card" aria-labelledby="customer-title">
            <h2 id="customer-title" class="account__title">"Customer"</h2>
            <dl class="details">
                <div class="details__row">
                    <dt>"Name"</dt>
                    <dd class="details__value">{customer}</dd>
                </div>
                <div class="details__row">
                    <dt>"Email"</dt>
                    <dd class="details__value">{email}</dd>
                </div>
                <div class="details__row">
                    <dt>"Account"</dt>
                    <dd class="details__value">
                        <a href=format!("/admin/accounts/{account}")>"Open the account "<code>{account.clone()}</code></a>
                    </dd>
                </div>
                {order.map(|order| view! {
                    <div class="details__row">
                        <dt>"About order"</dt>
                        <dd class="details__value"><code>{order}</code></dd>
                    </div>
                })}
                {subscription.map(|subscription| view! {
                    <div class="details__row">
                        <dt>"About subscription"</dt>
                        <dd class="details__value"><code>{subscription}</code></dd>
                    </div>
                })}
            </dl>
        </section>
        <section class="card account__card" aria-labelledby="messages-title">
            <h2 id="messages-title" class="account__title" tabindex="-1">"Messages"</h2>
            <Thread messages=summary.messages.clone() for_staff=true />
        </section>
        {if closed {
            let when = summary.closed_at.as_deref().map(time_text).unwrap_or_default();
            view! {
                <div class="notice notice--warning support__closed" role="note">
                    <h2 class="notice__title">"Closed"</h2>
                    <p>"This ticket was closed "{when}" and takes no more replies."</p>
                </div>
            }
            .into_any()
        } else {
            view! {
                <ReplyForm
                    title="Reply to the customer"
                    body
                    pending
                    error
                    form_error
                    on_send=send
                />
                <CloseTicket id page_ticket status />
            }
            .into_any()
        }}
    }
}

/// What the staff page says about who opened a ticket and what it is about.
struct TicketFacts {
    customer: String,
    email: String,
    account: String,
    order: Option<String>,
    subscription: Option<String>,
}

impl TicketFacts {
    fn of(ticket: &AdminTicket) -> Self {
        Self {
            customer: ticket.customer_name.clone(),
            email: ticket.customer_email.clone(),
            account: ticket.account_id.to_string(),
            order: ticket.ticket.order_id.map(|id| id.to_string()),
            subscription: ticket.ticket.stripe_subscription_id.clone(),
        }
    }
}

/// "Close ticket…", then a confirmation (Escape keeps it open); the outcome is
/// announced in the page's status region.
#[component]
fn CloseTicket(
    id: String,
    page_ticket: RwSignal<Option<Result<AdminTicket, ApiError>>>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let auth = use_auth();
    let confirming = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let open = move |_| {
        error.set(None);
        confirming.set(true);
        focus_id("close-title");
    };
    let keep = move || {
        confirming.set(false);
        focus_id("close-button");
    };
    let close = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        status.set(None);
        let id = id.clone();
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.close_ticket(&id).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(closed) => {
                    status.set(Some(
                        "The ticket is closed. The customer can no longer reply to it.".to_owned(),
                    ));
                    page_ticket.set(Some(Ok(closed)));
                    focus_id("ticket-title");
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <section class="card account__card" aria-labelledby="close-section-title">
            <h2 id="close-section-title" class="account__title">"Close"</h2>
            <p class="account__text">"Close the ticket when the question is settled; the customer can open a new one."</p>
            <div class="account__actions" hidden=move || confirming.get()>
                <button
                    id="close-button"
                    class="button button--danger-outline"
                    type="button"
                    aria-expanded="false"
                    aria-controls="close-ticket"
                    on:click=open
                >
                    "Close ticket…"
                </button>
            </div>
            {move || confirming.get().then(|| view! {
                <div
                    id="close-ticket"
                    class="billing__panel"
                    role="group"
                    aria-labelledby="close-title"
                    on:keydown=move |event| {
                        if event.key() == "Escape" {
                            keep();
                        }
                    }
                >
                    <h3 id="close-title" class="billing__panel-title" tabindex="-1">"Close this ticket?"</h3>
                    <p class="account__text">
                        "The customer can no longer reply to it, only open a new ticket. This cannot be undone."
                    </p>
                    <FormError message=error.into() />
                    <div class="account__actions">
                        <button
                            class="button button--danger"
                            type="button"
                            disabled=move || pending.get()
                            aria-busy=move || pending.get().then_some("true")
                            on:click=close.clone()
                        >
                            {move || if pending.get() { "Closing…" } else { "Close ticket" }}
                        </button>
                        <button class="button button--secondary" type="button" on:click=move |_| keep()>
                            "Keep it open"
                        </button>
                    </div>
                </div>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_keeps_the_filters_and_the_page() {
        assert_eq!(Filters::default().address(1), "/admin/tickets");
        let open = Filters {
            status: "open".into(),
            priority: String::new(),
            sort: String::new(),
        };
        assert_eq!(open.address(1), "/admin/tickets?status=open");
        let both = Filters {
            status: "waiting_on_customer".into(),
            priority: "urgent".into(),
            sort: String::new(),
        };
        assert_eq!(
            both.address(3),
            "/admin/tickets?status=waiting_on_customer&priority=urgent&page=3"
        );
    }

    #[test]
    fn the_api_query_pages_the_selection() {
        assert_eq!(Filters::default().page_query(1), "page=1&per_page=25");
        let urgent = Filters {
            status: String::new(),
            priority: "urgent".into(),
            sort: String::new(),
        };
        assert_eq!(urgent.page_query(2), "priority=urgent&page=2&per_page=25");
        let waiting = Filters {
            sort: "waiting".into(),
            ..Filters::default()
        };
        assert_eq!(waiting.page_query(1), "sort=waiting&page=1&per_page=25");
        assert_eq!(waiting.address(1), "/admin/tickets?sort=waiting");
        assert_eq!(staff_ticket_path("x"), "/admin/tickets/x");
    }
}
