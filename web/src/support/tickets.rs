//! The customer's support tickets, behind sign-in: `/support` (their tickets, newest
//! update first), `/support/tickets/new` (opening one, optionally about one of the
//! account's orders; checked here against the API's limits, and ten an hour at most) and
//! `/support/tickets/{id}` (the thread, replying while it is not closed; the reply email
//! links here). Another person's ticket is "not found", as the API says.

use gatehouse_shared::instances::OrderView;
use gatehouse_shared::tickets::{NewMessage, NewTicket, Ticket, TicketSummary};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use super::thread::{
    body_problem, priority_text, status_tag, ReplyForm, Thread, MAX_SUBJECT, PRIORITY_CHOICES,
};
use crate::admin::{time_text, LoadError};
use crate::api::ApiError;
use crate::auth::use_auth;
use crate::billing::format::format_date;
use crate::browser::focus_id;
use crate::form::{
    server_errors, Field, FieldErrors, FormError, FormStatus, Select, SubmitButton, TextArea,
};
use crate::guard::RequireSignIn;
use crate::home::dashboard::order_state;
use crate::notice::use_notice;
use crate::title::Title;

/// The address of one ticket's page.
pub fn ticket_path(id: impl std::fmt::Display) -> String {
    format!("/support/tickets/{id}")
}

/// Why a subject cannot be sent as it is: empty, or longer than the API takes.
pub fn subject_problem(subject: &str) -> Option<String> {
    let length = subject.trim().chars().count();
    if length == 0 {
        Some("Enter a subject: what is the ticket about?".to_owned())
    } else if length > MAX_SUBJECT {
        Some(format!(
            "Keep the subject to {MAX_SUBJECT} characters or fewer; it has {length}."
        ))
    } else {
        None
    }
}

/// What a `429 rate_limited` answer to opening a ticket means, with when to try again:
/// the API's message ends "Try again in N s." (its `Retry-After`), read as minutes.
pub fn rate_limited_text(message: &str) -> String {
    let seconds = message
        .rsplit("in ")
        .next()
        .and_then(|rest| rest.trim_end_matches(" s.").trim().parse::<u64>().ok());
    match seconds {
        Some(seconds) => {
            let minutes = seconds.div_ceil(60).max(1);
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            format!(
                "You have opened ten tickets in the last hour, the most we take. \
                 You can open another in {minutes} {unit}; until then, reply on one of your open tickets."
            )
        }
        None => message.to_owned(),
    }
}

/// An order as the "about order" choice reads: when, how far, and its id's start.
pub fn order_choice(order: &OrderView) -> String {
    let id = order.id.to_string();
    format!(
        "{} · {} · {}",
        format_date(&order.created_at),
        order_state(&order.state),
        id.get(..8).unwrap_or(&id)
    )
}

/// The frame of a customer's support page: its title, sign-in first.
#[component]
fn SupportPage(title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! {
        <Title text=title />
        <div class="container account support">
            <RequireSignIn children=children />
        </div>
    }
}

#[component]
pub fn MyTicketsRoute() -> impl IntoView {
    view! {
        <SupportPage title="Support">
            <MyTickets />
        </SupportPage>
    }
}

/// `/support`: the person's tickets and "New ticket".
#[component]
fn MyTickets() -> impl IntoView {
    let auth = use_auth();
    let list = RwSignal::new(None::<Result<Vec<TicketSummary>, ApiError>>);
    let read = move || {
        list.set(None);
        spawn_local(async move {
            let answer = auth.call(|api| async move { api.tickets().await }).await;
            _ = list.try_set(Some(answer.map(|found| found.tickets)));
        });
    };
    read();
    view! {
        <header class="account__intro">
            <p class="eyebrow">"Support"</p>
            <h1>"Your tickets"</h1>
            <p class="lead">
                "Ask our support team about your account, billing or products. We email you when they reply."
            </p>
        </header>
        <div class="account__actions">
            <a class="button button--primary" href="/support/tickets/new">"New ticket"</a>
        </div>
        <section class="card account__card" aria-labelledby="tickets-title">
            <h2 id="tickets-title" class="account__title">"Tickets"</h2>
            {move || list.with(|list| match list {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading your tickets…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError what="Your tickets" error=error.clone() retry=move || read() />
                }
                .into_any(),
                Some(Ok(tickets)) if tickets.is_empty() => view! {
                    <p class="account__text">
                        "You have no tickets yet. When something is not right, open one and our support team will answer."
                    </p>
                }
                .into_any(),
                Some(Ok(tickets)) => tickets_table(tickets).into_any(),
            })}
        </section>
    }
}

/// The table's columns.
const COLUMNS: [&str; 4] = ["Subject", "Status", "Priority", "Last update"];

/// The tickets as a table that stacks into labelled blocks on a phone.
fn tickets_table(tickets: &[TicketSummary]) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-labelledby="my-tickets-caption" tabindex="0">
            <table class="admin-table admin-table--stack" role="table">
                <caption id="my-tickets-caption" class="visually-hidden">
                    "Your tickets, newest update first"
                </caption>
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
                        .map(|ticket| view! {
                            <tr role="row">
                                <td class="admin-table__wrap" role="cell" data-label=COLUMNS[0]>
                                    <a href=ticket_path(ticket.id)>{ticket.subject.clone()}</a>
                                </td>
                                <td role="cell" data-label=COLUMNS[1]>{status_tag(&ticket.status, false)}</td>
                                <td role="cell" data-label=COLUMNS[2]>
                                    {priority_text(&ticket.priority).to_owned()}
                                </td>
                                <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[3]>
                                    <time datetime=ticket.updated_at.clone()>{time_text(&ticket.updated_at)}</time>
                                </td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn NewTicketRoute() -> impl IntoView {
    view! {
        <SupportPage title="New ticket">
            <NewTicketForm />
        </SupportPage>
    }
}

/// The form's fields, labelled for [`server_errors`].
const FIELDS: [(&str, &str); 4] = [
    ("subject", "Subject"),
    ("priority", "Priority"),
    ("order_id", "Order"),
    ("body", "Message"),
];

/// `/support/tickets/new`: subject, priority, optionally an order, and the message.
#[component]
fn NewTicketForm() -> impl IntoView {
    let auth = use_auth();
    let notice = use_notice();
    let navigate = use_navigate();
    let subject = RwSignal::new(String::new());
    let priority = RwSignal::new("normal".to_owned());
    let order = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // The account's orders, for "About an order"; the form works without them.
    let orders = RwSignal::new(None::<Result<Vec<OrderView>, ApiError>>);
    spawn_local(async move {
        let answer = auth.call(|api| async move { api.orders().await }).await;
        _ = orders.try_set(Some(answer.map(|list| list.orders)));
    });
    let show = move |found: &FieldErrors| {
        for ((field, _), error) in FIELDS.iter().zip(errors) {
            error.set(found.get(field).cloned());
        }
        if let Some((field, _)) = FIELDS.iter().find(|(f, _)| found.contains_key(f)) {
            focus_id(field);
        }
    };

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let mut found = FieldErrors::new();
        if let Some(problem) = subject.with_untracked(|s| subject_problem(s)) {
            found.insert("subject", problem);
        }
        if let Some(problem) = body.with_untracked(|b| body_problem(b)) {
            found.insert("body", problem);
        }
        show(&found);
        if !found.is_empty() {
            return;
        }
        let chosen = order.get_untracked();
        let order_id = orders.with_untracked(|orders| match orders {
            Some(Ok(orders)) => orders
                .iter()
                .find(|o| o.id.to_string() == chosen)
                .map(|o| o.id.0),
            _ => None,
        });
        let request = NewTicket {
            subject: subject.get_untracked().trim().to_owned(),
            body: body.get_untracked(),
            priority: priority.get_untracked(),
            order_id,
            stripe_subscription_id: None,
        };
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.open_ticket(&request).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(ticket) => {
                    let path = ticket_path(ticket.id);
                    notice.show_on(
                        &path,
                        "Your ticket is open. Our support team has it, and we email you when they reply.",
                    );
                    navigate(&path, NavigateOptions::default());
                }
                Err(failure) if failure.code() == Some("rate_limited") => {
                    form_error.set(Some(rate_limited_text(&failure.message())));
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &FIELDS);
                    show(&inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };

    view! {
        <header class="account__intro">
            <p class="eyebrow"><a href="/support">"Support"</a></p>
            <h1>"New ticket"</h1>
            <p class="lead">"Tell us what is wrong or what you need; the more we know, the faster we can help."</p>
        </header>
        <section class="card account__card" aria-labelledby="new-ticket-title">
            <h2 id="new-ticket-title" class="account__title">"Your question"</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <Field
                    name="subject"
                    label="Subject"
                    value=subject
                    error=errors[0]
                    autocomplete="off"
                    hint="One line, up to 200 characters."
                    on_blur=move || {
                        if errors[0].with_untracked(Option::is_some) || !subject.with_untracked(String::is_empty) {
                            errors[0].set(subject.with_untracked(|s| subject_problem(s)));
                        }
                    }
                />
                <Select
                    id="priority"
                    name="priority"
                    label="Priority"
                    choices=&PRIORITY_CHOICES
                    value=priority
                    error=errors[1]
                />
                <OrderSelect orders order error=errors[2] />
                <TextArea
                    name="body"
                    label="Message"
                    value=body
                    error=errors[3]
                    hint="Up to 10,000 characters."
                    rows=8
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Open ticket" busy_label="Opening…" />
                    <a class="button button--secondary" href="/support">"Cancel"</a>
                </div>
            </form>
        </section>
    }
}

/// "About an order (optional)": the account's orders, newest first.
#[component]
fn OrderSelect(
    orders: RwSignal<Option<Result<Vec<OrderView>, ApiError>>>,
    order: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let hint = move || {
        orders.with(|orders| match orders {
            None => "Loading your orders…".to_owned(),
            Some(Err(failure)) => format!(
                "Your orders could not be loaded ({}), but you can open the ticket without one.",
                failure.message()
            ),
            Some(Ok(list)) if list.is_empty() => "Your account has no orders yet.".to_owned(),
            Some(Ok(_)) => "If the ticket is about one of your account's orders.".to_owned(),
        })
    };
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for="order_id">
                "About an order"
                <span class="field__optional">" (optional)"</span>
            </label>
            <select
                class="field__input"
                id="order_id"
                name="order_id"
                aria-describedby=move || {
                    if error.with(Option::is_some) { "order_id-hint order_id-error" } else { "order_id-hint" }
                }
                aria-busy=move || orders.with(Option::is_none).then_some("true")
                on:change=move |event| order.set(event_target_value(&event))
            >
                <option value="" prop:selected=move || order.with(String::is_empty)>"No particular order"</option>
                {move || orders.with(|orders| match orders {
                    Some(Ok(list)) => list
                        .iter()
                        .map(|o| {
                            let value = o.id.to_string();
                            let chosen = value.clone();
                            view! {
                                <option value=value prop:selected=move || order.with(|v| *v == chosen)>
                                    {order_choice(o)}
                                </option>
                            }
                        })
                        .collect_view()
                        .into_any(),
                    _ => ().into_any(),
                })}
            </select>
            <p class="field__hint" id="order_id-hint" role="status">{hint}</p>
            <p class="field__error" id="order_id-error" hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

#[component]
pub fn TicketRoute() -> impl IntoView {
    view! {
        <SupportPage title="Ticket">
            <MyTicket />
        </SupportPage>
    }
}

/// `/support/tickets/{id}`: one of the person's tickets, its thread and a reply.
#[component]
fn MyTicket() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let ticket = RwSignal::new(None::<Result<Ticket, ApiError>>);
    let status = RwSignal::new(None::<String>);
    let read = move || {
        ticket.set(None);
        let id = id.get_untracked();
        spawn_local(async move {
            let answer = auth.call(|api| async move { api.ticket(&id).await }).await;
            _ = ticket.try_set(Some(answer));
        });
    };
    Effect::new(move |_| {
        id.track();
        status.set(None);
        read();
    });

    view! {
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
                    <p>"There is no ticket of yours at this address. It may belong to someone else, or the link may be mistyped."</p>
                    <a class="button button--primary" href="/support">"See your tickets"</a>
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <LoadError what="The ticket" error=error.clone() retry=move || read() />
            }
            .into_any(),
            Some(Ok(found)) => view! {
                <TicketView ticket=found.clone() page_ticket=ticket status read=Callback::new(move |()| read()) />
            }
            .into_any(),
        })}
    }
}

/// A ticket the person may read: its heading, the thread, and the reply form while it
/// is not closed (else why not, and a way to open a new one).
#[component]
fn TicketView(
    ticket: Ticket,
    /// The page's ticket, replaced by the API's answer to a reply.
    page_ticket: RwSignal<Option<Result<Ticket, ApiError>>>,
    status: RwSignal<Option<String>>,
    /// Reads the ticket again.
    read: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let id = ticket.id.to_string();
    let closed = ticket.status == "closed";
    let body = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let send = move |text: String| {
        pending.set(true);
        status.set(None);
        let id = id.clone();
        spawn_local(async move {
            let request = NewMessage { body: text };
            let answer = auth
                .call(|api| async move { api.reply_to_ticket(&id, &request).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(updated) => {
                    body.set(String::new());
                    status.set(Some(
                        "Your reply is sent. The ticket is open again, with our support team."
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
    let opened = format_date(&ticket.created_at);
    view! {
        <header class="account__intro">
            <p class="eyebrow"><a href="/support">"Support"</a></p>
            <h1>{ticket.subject.clone()}</h1>
            <p class="support__facts">
                {status_tag(&ticket.status, false)}
                <span>"Priority: "{priority_text(&ticket.priority).to_owned()}</span>
                <span>"Opened "{opened}</span>
            </p>
        </header>
        <section class="card account__card" aria-labelledby="messages-title">
            <h2 id="messages-title" class="account__title" tabindex="-1">"Messages"</h2>
            <Thread messages=ticket.messages.clone() for_staff=false />
        </section>
        {if closed {
            view! {
                <div class="notice notice--warning support__closed" role="note" aria-labelledby="closed-title">
                    <h2 id="closed-title" class="notice__title">"This ticket is closed"</h2>
                    <p>
                        "Our support team closed it, so it takes no more replies. "
                        "If you still need help, open a new ticket and tell us what is left."
                    </p>
                    <a class="button button--primary" href="/support/tickets/new">"Open a new ticket"</a>
                </div>
            }
            .into_any()
        } else {
            view! {
                <ReplyForm
                    title="Reply"
                    body
                    pending
                    error
                    form_error
                    on_send=send
                />
            }
            .into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_needed_and_kept_to_the_api_limit() {
        assert!(subject_problem("  ")
            .unwrap()
            .starts_with("Enter a subject"));
        assert_eq!(subject_problem("Refund"), None);
        assert_eq!(subject_problem(&"x".repeat(MAX_SUBJECT)), None);
        assert!(subject_problem(&"x".repeat(MAX_SUBJECT + 1))
            .unwrap()
            .contains("it has 201"));
    }

    #[test]
    fn too_many_tickets_say_when_to_try_again() {
        let text = rate_limited_text("Too many requests. Try again in 301 s.");
        assert!(text.contains("in 6 minutes"), "{text}");
        let text = rate_limited_text("Too many requests. Try again in 20 s.");
        assert!(text.contains("in 1 minute;"), "{text}");
        assert_eq!(rate_limited_text("Slow down."), "Slow down.");
        assert_eq!(ticket_path("abc"), "/support/tickets/abc");
    }
}
