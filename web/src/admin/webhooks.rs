//! `/admin/webhooks`: what came in from Stripe and what the job queue is doing. Stripe's
//! events, newest first (all, or one status), each with its payload on demand, "Replay"
//! to process it again and, for waiting or failed ones, "Discard…" (confirmed); then the
//! background jobs by state and kind, newest first and older on demand, each with its
//! attempts and last error, and for dead ones (out of attempts) "Retry" and "Discard…"
//! (confirmed). Every change is audited by the API.

use gatehouse_shared::admin_ops::{JobList, JobSummary, StripeEventSummary};
use gloo_net::http::Method;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::IgnoredAny;

use super::audit::pretty;
use super::{time_text, AdminPage, Confirm, InputField, LoadError};
use crate::api::{ApiError, AuthorizedApi, EmptyBody};
use crate::auth::{use_auth, Auth};
use crate::browser::focus_id;
use crate::form::{FormStatus, SubmitButton};
use crate::guard::encode_query_value;

/// The webhooks and jobs page's own calls.
impl AuthorizedApi {
    /// `GET /api/v1/admin/jobs?{query}`: newest first (`422` on an unknown `state`).
    pub async fn jobs(&self, query: &str) -> Result<JobList, ApiError> {
        let path = format!("/admin/jobs?{query}");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/admin/jobs/{id}/discard`: a dead job is removed (`409 job_not_dead`).
    pub async fn discard_job(&self, id: i64) -> Result<(), ApiError> {
        let path = format!("/admin/jobs/{id}/discard");
        self.call::<_, IgnoredAny>(Method::POST, &path, Some(&EmptyBody {}))
            .await
            .map(drop)
    }

    /// `POST /api/v1/admin/webhooks/stripe/events/{id}/discard`: a waiting or failed event
    /// becomes `ignored` (`409 event_not_pending`).
    pub async fn discard_stripe_event(&self, id: &str) -> Result<StripeEventSummary, ApiError> {
        let path = format!(
            "/admin/webhooks/stripe/events/{}/discard",
            encode_query_value(id)
        );
        self.call(Method::POST, &path, Some(&EmptyBody {})).await
    }
}

/// The status filter's choices: value, label.
pub const STATUSES: [(&str, &str); 5] = [
    ("", "Any status"),
    ("failed", "Failed"),
    ("received", "Received (not processed yet)"),
    ("processed", "Processed"),
    ("ignored", "Ignored"),
];

/// The job state filter's choices: value, label (the states the API knows).
pub const JOB_STATES: [(&str, &str); 5] = [
    ("", "Any state"),
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("dead", "Dead (out of attempts)"),
];

/// The query of the jobs list: `state` and `kind` (empty for any) and the page of jobs
/// older than `before_id`.
pub fn jobs_query(state: &str, kind: &str, before_id: Option<i64>) -> String {
    let mut query = vec!["limit=50".to_owned()];
    if !state.is_empty() {
        query.push(format!("state={}", encode_query_value(state)));
    }
    let kind = kind.trim();
    if !kind.is_empty() {
        query.push(format!("kind={}", encode_query_value(kind)));
    }
    if let Some(before_id) = before_id {
        query.push(format!("before_id={before_id}"));
    }
    query.join("&")
}

/// The query of the events list: `status` (empty for all) and the page before `before`.
pub fn events_query(status: &str, before: Option<&str>) -> String {
    let mut query = vec!["limit=50".to_owned()];
    if !status.is_empty() {
        query.push(format!("status={}", encode_query_value(status)));
    }
    if let Some(before) = before {
        query.push(format!("before={}", encode_query_value(before)));
    }
    query.join("&")
}

#[component]
pub fn WebhooksRoute() -> impl IntoView {
    view! {
        <AdminPage title="Webhooks and jobs">
            <header class="account__intro">
                <h1>"Webhooks and jobs"</h1>
                <p class="lead">
                    "Stripe's events as they arrived, and the background jobs by state."
                </p>
            </header>
            <Events />
            <Jobs />
        </AdminPage>
    }
}

/// Stripe's events: a status filter, the list (more on demand), payloads, replays.
#[component]
fn Events() -> impl IntoView {
    let auth = use_auth();
    let status_filter = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Result<Vec<StripeEventSummary>, ApiError>>);
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let read = move |more: bool| {
        let before = if more { next.get_untracked() } else { None };
        if !more {
            list.set(None);
        }
        loading.set(true);
        let query = events_query(&status_filter.get_untracked(), before.as_deref());
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.stripe_events(&query).await })
                .await;
            if loading.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(page) => {
                    next.set(page.next_before);
                    list.update(|list| match list {
                        Some(Ok(known)) if more => known.extend(page.events),
                        _ => *list = Some(Ok(page.events)),
                    });
                }
                Err(failure) => list.set(Some(Err(failure))),
            }
        });
    };
    read(false);

    view! {
        <section class="card account__card" aria-labelledby="events-title">
            <h2 id="events-title" class="account__title" tabindex="-1">"Stripe events"</h2>
            <div class="field admin__filter">
                <label class="field__label" for="events-status">"Status"</label>
                <select
                    class="field__input"
                    id="events-status"
                    on:change=move |event| {
                        status_filter.set(event_target_value(&event));
                        status.set(None);
                        read(false);
                    }
                >
                    {STATUSES
                        .iter()
                        .map(|&(value, label)| view! {
                            <option value=value prop:selected=move || status_filter.get() == value>{label}</option>
                        })
                        .collect_view()}
                </select>
            </div>
            <FormStatus message=status.into() />
            {move || list.with(|found| match found {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading Stripe's events…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError what="Stripe's events" error=error.clone() retry=move || read(false) />
                }
                .into_any(),
                Some(Ok(events)) if events.is_empty() => view! {
                    <p class="account__text">"No events with this status."</p>
                }
                .into_any(),
                Some(Ok(events)) => view! {
                    <ul class="admin-list" role="list">
                        {events.iter().map(|event| event_item(auth, status, event.clone())).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
            <div class="account__actions" hidden=move || next.with(Option::is_none)>
                <button
                    class="button button--secondary"
                    type="button"
                    disabled=move || loading.get()
                    aria-busy=move || loading.get().then_some("true")
                    on:click=move |_| read(true)
                >
                    {move || if loading.get() { "Loading…" } else { "Show older events" }}
                </button>
            </div>
        </section>
    }
}

/// One event: its type, status and times; its payload on demand; "Replay".
fn event_item(
    auth: Auth,
    status: RwSignal<Option<String>>,
    event: StripeEventSummary,
) -> impl IntoView {
    let state = RwSignal::new(event.status.clone());
    let payload = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let id = StoredValue::new(event.id.clone());
    let discard_button = format!("discard-{}", event.id);
    let keep = move || {
        confirming.set(false);
        error.set(None);
        focus_id(&format!("discard-{}", id.get_value()));
    };
    // Replays or (confirmed) discards the event.
    let act = move |discard: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let id = id.get_value();
            let answer = {
                let id = id.clone();
                auth.call(|api| async move {
                    if discard {
                        api.discard_stripe_event(&id).await
                    } else {
                        api.replay_stripe_event(&id).await
                    }
                })
                .await
            };
            if busy.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(summary) => {
                    confirming.set(false);
                    state.set(summary.status);
                    status.set(Some(if discard {
                        format!("{id} is discarded: it will not be processed.")
                    } else {
                        format!("{id} is queued to be processed again.")
                    }));
                    if discard {
                        focus_id("events-title");
                    }
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let show_payload = move |_| {
        if payload.with_untracked(Option::is_some) {
            payload.set(None);
            return;
        }
        payload.set(Some(Ok("Loading…".into())));
        spawn_local(async move {
            let id = id.get_value();
            let answer = auth
                .call(|api| async move { api.stripe_event(&id).await })
                .await;
            _ = payload.try_set(Some(
                answer
                    .map(|detail| pretty(Some(&detail.payload)))
                    .map_err(|failure| failure.message()),
            ));
        });
    };
    let payload_id = format!("payload-{}", event.id);
    view! {
        <li class="admin-list__item">
            <div class="account__head">
                <h3 class="card__title admin-list__title"><code>{event.kind.clone()}</code></h3>
                <span class="tag" class:tag--warning=move || state.get() == "failed">{move || state.get()}</span>
            </div>
            <p class="admin-list__meta">
                <code>{event.id.clone()}</code>
                {event.object_id.clone().map(|object| view! { " · about "<code>{object}</code> })}
                " · received "
                <time datetime=event.received_at.clone()>{time_text(&event.received_at)}</time>
            </p>
            {event.last_error.clone().map(|last| view! { <p class="field__error">"Last error: "{last}</p> })}
            <div role="alert">
                {move || (!confirming.get()).then(|| error.get().map(|error| view! { <p class="form-error">{error}</p> }))}
            </div>
            <div class="account__actions">
                <button
                    class="button button--secondary button--small"
                    type="button"
                    aria-expanded=move || if payload.with(Option::is_some) { "true" } else { "false" }
                    aria-controls=payload_id.clone()
                    on:click=show_payload
                >
                    "Payload"
                    <span class="visually-hidden">" of "{event.id.clone()}</span>
                </button>
                <button
                    class="button button--secondary button--small"
                    type="button"
                    disabled=move || busy.get()
                    aria-busy=move || (busy.get() && !confirming.get()).then_some("true")
                    on:click=move |_| act(false)
                >
                    "Replay"
                    <span class="visually-hidden">" "{event.id.clone()}</span>
                </button>
                <button
                    id=discard_button
                    class="button button--danger-outline button--small"
                    type="button"
                    hidden=move || !matches!(state.get().as_str(), "received" | "failed") || confirming.get()
                    on:click=move |_| {
                        confirming.set(true);
                        focus_id(&format!("discard-confirm-{}-question", id.get_value()));
                    }
                >
                    "Discard…"
                    <span class="visually-hidden">" "{event.id.clone()}</span>
                </button>
            </div>
            {move || confirming.get().then(|| {
                let id = id.get_value();
                view! {
                    <Confirm
                        id=format!("discard-confirm-{id}")
                        question=format!("Discard {id}?")
                        explain="Gatehouse marks it ignored and never processes it; its subject is not read from Stripe again unless another event about it arrives. The audit log keeps who discarded it.".to_owned()
                        yes="Discard"
                        busy_label="Discarding…"
                        busy=busy
                        error=error
                        on_yes=move || act(true)
                        on_cancel=move || keep()
                    />
                }
            })}
            <div id=payload_id>
                {move || payload.get().map(|shown| match shown {
                    Ok(text) => view! { <pre class="audit__json">{text}</pre> }.into_any(),
                    Err(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                })}
            </div>
        </li>
    }
}

/// The background jobs by state (the dead ones first) and kind, newest first, older on
/// demand; "Retry" and "Discard…" for dead ones.
#[component]
fn Jobs() -> impl IntoView {
    let auth = use_auth();
    let state_filter = RwSignal::new("dead".to_owned());
    let kind_filter = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Result<Vec<JobSummary>, ApiError>>);
    let next = RwSignal::new(None::<i64>);
    let loading = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let read = move |more: bool| {
        let before = if more { next.get_untracked() } else { None };
        if !more {
            list.set(None);
        }
        loading.set(true);
        let query = jobs_query(
            &state_filter.get_untracked(),
            &kind_filter.get_untracked(),
            before,
        );
        spawn_local(async move {
            let answer = auth.call(|api| async move { api.jobs(&query).await }).await;
            if loading.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(page) => {
                    next.set(page.next_before_id);
                    list.update(|list| match list {
                        Some(Ok(known)) if more => known.extend(page.jobs),
                        _ => *list = Some(Ok(page.jobs)),
                    });
                }
                Err(failure) => list.set(Some(Err(failure))),
            }
        });
    };
    read(false);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        status.set(None);
        read(false);
    };

    view! {
        <section class="card account__card" aria-labelledby="jobs-title">
            <h2 id="jobs-title" class="account__title" tabindex="-1">"Jobs"</h2>
            <p class="account__text">
                "Background work, newest first. Dead jobs failed every attempt: retrying queues one again with fresh attempts, discarding removes it (the audit log keeps what it was)."
            </p>
            <form class="form" role="search" aria-label="Jobs" novalidate on:submit=on_submit>
                <div class="audit__fields">
                    <div class="field">
                        <label class="field__label" for="jobs-state">"State"</label>
                        <select
                            class="field__input"
                            id="jobs-state"
                            on:change=move |event| state_filter.set(event_target_value(&event))
                        >
                            {JOB_STATES
                                .iter()
                                .map(|&(value, label)| view! {
                                    <option value=value prop:selected=move || state_filter.get() == value>{label}</option>
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <InputField
                        id="jobs-kind"
                        label="Kind"
                        hint="Such as mail.send or instances.drain."
                        value=kind_filter
                        optional=true
                    />
                </div>
                <div class="account__actions">
                    <SubmitButton pending=loading.into() label="Show jobs" busy_label="Loading…" />
                </div>
            </form>
            <FormStatus message=status.into() />
            {move || list.with(|found| match found {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading jobs…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError what="The jobs" error=error.clone() retry=move || read(false) />
                }
                .into_any(),
                Some(Ok(jobs)) if jobs.is_empty() => view! {
                    <p class="account__text">"No jobs like that."</p>
                }
                .into_any(),
                Some(Ok(jobs)) => view! {
                    <ul class="admin-list" role="list" aria-label="Jobs, newest first">
                        {jobs.iter().map(|job| job_item(auth, list, status, job.clone())).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
            <div class="account__actions" hidden=move || next.with(Option::is_none)>
                <button
                    class="button button--secondary"
                    type="button"
                    disabled=move || loading.get()
                    aria-busy=move || loading.get().then_some("true")
                    on:click=move |_| read(true)
                >
                    {move || if loading.get() { "Loading…" } else { "Show older jobs" }}
                </button>
            </div>
        </section>
    }
}

/// One job: kind, state, attempts, when it runs, its last error; for a dead one "Retry"
/// and "Discard…".
fn job_item(
    auth: Auth,
    list: RwSignal<Option<Result<Vec<JobSummary>, ApiError>>>,
    status: RwSignal<Option<String>>,
    job: JobSummary,
) -> impl IntoView {
    let state = RwSignal::new(job.state.clone());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let (id, kind) = (job.id, StoredValue::new(job.kind.clone()));
    // Retries or (confirmed) discards the dead job.
    let act = move |discard: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move {
                    if discard {
                        api.discard_job(id).await
                    } else {
                        api.retry_job(id).await
                    }
                })
                .await;
            if busy.try_set(false).is_some() {
                return;
            }
            if let Err(failure) = answer {
                error.set(Some(failure.message()));
                return;
            }
            let kind = kind.get_value();
            if discard {
                status.set(Some(format!("Job {id} ({kind}) is discarded.")));
                list.update(|list| {
                    if let Some(Ok(jobs)) = list {
                        jobs.retain(|job| job.id != id);
                    }
                });
            } else {
                state.set("queued".into());
                status.set(Some(format!("Job {id} ({kind}) is queued again.")));
            }
            focus_id("jobs-title");
        });
    };
    let keep = move || {
        confirming.set(false);
        error.set(None);
        focus_id(&format!("discard-job-{id}"));
    };
    let dead = move || state.get() == "dead";
    view! {
        <li class="admin-list__item">
            <div class="account__head">
                <h3 class="card__title admin-list__title"><code>{job.kind.clone()}</code></h3>
                <span class="tag" class:tag--warning=dead>{move || state.get()}</span>
            </div>
            <p class="admin-list__meta">
                "Job "{job.id}" · attempts "{job.attempts}" of "{job.max_attempts}
                " · runs at "<time datetime=job.run_at.clone()>{time_text(&job.run_at)}</time>
                {job.finished_at.clone().map(|at| view! {
                    " · finished "<time datetime=at.clone()>{time_text(&at)}</time>
                })}
            </p>
            {job.last_error.clone().map(|last| view! { <pre class="audit__json">{last}</pre> })}
            <div role="alert">
                {move || (!confirming.get()).then(|| error.get().map(|error| view! { <p class="form-error">{error}</p> }))}
            </div>
            <div class="account__actions" hidden=move || !dead() || confirming.get()>
                <button
                    class="button button--secondary button--small"
                    type="button"
                    disabled=move || busy.get()
                    aria-busy=move || busy.get().then_some("true")
                    on:click=move |_| act(false)
                >
                    "Retry"
                    <span class="visually-hidden">" job "{job.id}</span>
                </button>
                <button
                    id=format!("discard-job-{id}")
                    class="button button--danger-outline button--small"
                    type="button"
                    disabled=move || busy.get()
                    on:click=move |_| {
                        confirming.set(true);
                        focus_id(&format!("discard-job-confirm-{id}-question"));
                    }
                >
                    "Discard…"
                    <span class="visually-hidden">" job "{job.id}</span>
                </button>
            </div>
            {move || confirming.get().then(|| view! {
                <Confirm
                    id=format!("discard-job-confirm-{id}")
                    question=format!("Discard job {id} ({})?", kind.get_value())
                    explain="It is removed from the queue and never runs again; the audit log keeps what it was. Retry it instead if the work still needs doing.".to_owned()
                    yes="Discard"
                    busy_label="Discarding…"
                    busy=busy
                    error=error
                    on_yes=move || act(true)
                    on_cancel=move || keep()
                />
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_events_query_has_only_what_is_chosen() {
        assert_eq!(events_query("", None), "limit=50");
        assert_eq!(
            events_query("failed", Some("2026-11-30T08:00:00+00:00")),
            "limit=50&status=failed&before=2026-11-30T08%3A00%3A00%2B00%3A00"
        );
    }

    #[test]
    fn the_jobs_query_has_only_what_is_chosen() {
        assert_eq!(jobs_query("", "  ", None), "limit=50");
        assert_eq!(
            jobs_query("dead", "mail.send", Some(42)),
            "limit=50&state=dead&kind=mail.send&before_id=42"
        );
        assert!(JOB_STATES.iter().any(|(value, _)| *value == "dead"));
    }

    #[test]
    fn api_answers_decode() {
        use gatehouse_shared::admin_ops::StripeEvents;
        let page: StripeEvents = serde_json::from_str(
            r#"{"events":[{"id":"evt_1","type":"invoice.paid","livemode":false,"status":"failed",
            "object_id":"in_1","last_error":"boom","created":"2026-11-30T08:00:00+00:00",
            "received_at":"2026-11-30T08:00:01+00:00","processed_at":null}],"next_before":null}"#,
        )
        .unwrap();
        assert_eq!(page.events[0].kind, "invoice.paid");
        let jobs: JobList = serde_json::from_str(
            r#"{"jobs":[{"id":7,"kind":"mail.send","state":"dead","attempts":8,"max_attempts":8,
            "last_error":"boom","run_at":"2026-11-30T08:00:00Z","created_at":"2026-11-30T08:00:00Z",
            "finished_at":null}],"next_before_id":7}"#,
        )
        .unwrap();
        assert_eq!((jobs.jobs[0].id, jobs.next_before_id), (7, Some(7)));
    }
}
