//! What both sides of a support ticket show: its status and priority in words, the
//! message thread (oldest first, who wrote each message and when, staff's replies
//! marked) and the reply form, checked here against the API's limits before sending.

use gatehouse_shared::tickets::TicketMessage;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::admin::time_text;
use crate::browser::focus_id;
use crate::form::{FormError, SubmitButton, TextArea};

/// Longest subject, in characters (the API's limit).
pub const MAX_SUBJECT: usize = 200;
/// Longest message, in characters (the API's limit).
pub const MAX_BODY: usize = 10_000;

/// The priorities, as the API names them and in words, least urgent first.
pub const PRIORITY_CHOICES: [(&str, &str); 4] = [
    ("low", "Low"),
    ("normal", "Normal"),
    ("high", "High"),
    ("urgent", "Urgent"),
];

/// A priority in words.
pub fn priority_text(priority: &str) -> &str {
    PRIORITY_CHOICES
        .iter()
        .find(|(value, _)| *value == priority)
        .map_or(priority, |(_, text)| text)
}

/// A status in words, as the customer (`for_staff` false) or staff read it.
pub fn status_text(status: &str, for_staff: bool) -> &str {
    match (status, for_staff) {
        ("open", false) => "Open: with our support team",
        ("open", true) => "Open",
        ("waiting_on_customer", false) => "Waiting for your reply",
        ("waiting_on_customer", true) => "Waiting on the customer",
        ("closed", _) => "Closed",
        (other, _) => other,
    }
}

/// A status as a tag; highlighted when it is the reader's turn.
pub fn status_tag(status: &str, for_staff: bool) -> impl IntoView {
    let your_turn = if for_staff {
        status == "open"
    } else {
        status == "waiting_on_customer"
    };
    view! {
        <span class="tag" class:tag--warning=your_turn>{status_text(status, for_staff).to_owned()}</span>
    }
}

/// Why a message cannot be sent as it is: empty, or longer than the API takes.
pub fn body_problem(body: &str) -> Option<String> {
    let length = body.trim_end().chars().count();
    if body.trim().is_empty() {
        Some("Write your message.".to_owned())
    } else if length > MAX_BODY {
        Some(format!(
            "Keep the message to 10,000 characters or fewer; it has {length}."
        ))
    } else {
        None
    }
}

/// The messages, oldest first: author, when, and the text as written (line breaks kept).
/// `for_staff` names the customer's messages as the customer's; staff's replies are
/// marked on both sides.
#[component]
pub fn Thread(messages: Vec<TicketMessage>, for_staff: bool) -> impl IntoView {
    let count = messages.len();
    view! {
        <ol class="thread" role="list" aria-label=format!("Messages, oldest first ({count})")>
            {messages
                .into_iter()
                .map(|message| {
                    let when = time_text(&message.created_at);
                    let mark = match (message.from_staff, for_staff) {
                        (true, _) => Some("Support team"),
                        (false, true) => Some("Customer"),
                        (false, false) => None,
                    };
                    view! {
                        <li class="thread__message" class:thread__message--staff=message.from_staff>
                            <p class="thread__meta">
                                <strong class="thread__author">{message.author_name}</strong>
                                {mark.map(|mark| view! { <span class="tag thread__mark">{mark}</span> })}
                                <time class="thread__time" datetime=message.created_at.clone()>{when}</time>
                            </p>
                            <p class="thread__body">{message.body}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

/// The reply form under a thread: the message is checked here, then `on_send` gets it
/// (the page sends it and reports the outcome through `pending`, `error` and
/// `form_error`, and empties `body` once sent).
#[component]
pub fn ReplyForm(
    title: &'static str,
    body: RwSignal<String>,
    pending: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    form_error: RwSignal<Option<String>>,
    #[prop(into)] on_send: Callback<String>,
    #[prop(default = "Send reply")] label: &'static str,
) -> impl IntoView {
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let text = body.get_untracked();
        if let Some(problem) = body_problem(&text) {
            error.set(Some(problem));
            focus_id("body");
            return;
        }
        error.set(None);
        on_send.run(text);
    };
    view! {
        <section class="card account__card" aria-labelledby="reply-title">
            <h2 id="reply-title" class="account__title">{title}</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <TextArea
                    name="body"
                    label="Message"
                    value=body
                    error=error
                    hint="Up to 10,000 characters."
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label=label busy_label="Sending…" />
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_priorities_read_as_words() {
        assert_eq!(
            status_text("waiting_on_customer", false),
            "Waiting for your reply"
        );
        assert_eq!(
            status_text("waiting_on_customer", true),
            "Waiting on the customer"
        );
        assert_eq!(status_text("open", true), "Open");
        assert_eq!(status_text("closed", false), "Closed");
        assert_eq!(status_text("archived", true), "archived");
        assert_eq!(priority_text("urgent"), "Urgent");
        assert_eq!(priority_text("someday"), "someday");
    }

    #[test]
    fn messages_must_have_text_within_the_api_limit() {
        assert_eq!(body_problem("  \n ").unwrap(), "Write your message.");
        assert_eq!(body_problem("Hello"), None);
        assert_eq!(body_problem(&"a".repeat(MAX_BODY)), None);
        let long = body_problem(&"é".repeat(MAX_BODY + 1)).unwrap();
        assert!(long.contains("it has 10001"), "{long}");
    }
}
