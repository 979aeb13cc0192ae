//! `/admin/webhooks`: what came in from Stripe and what the job queue gave up on. Stripe's
//! events, newest first (all, or one status), each with its payload on demand and
//! "Replay" to process it again; then the dead jobs (out of attempts) with their last
//! error and "Retry" to queue them again. Both changes are audited by the API.

use gatehouse_shared::admin_ops::{DeadJob, StripeEventSummary};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::audit::pretty;
use super::{time_text, AdminPage, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::form::FormStatus;
use crate::guard::encode_query_value;

/// The status filter's choices: value, label.
pub const STATUSES: [(&str, &str); 5] = [
    ("", "Any status"),
    ("failed", "Failed"),
    ("received", "Received (not processed yet)"),
    ("processed", "Processed"),
    ("ignored", "Ignored"),
];

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
                    "Stripe's events as they arrived, and the background jobs that ran out of attempts."
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
            <h2 id="events-title" class="account__title">"Stripe events"</h2>
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
    let replaying = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(event.id.clone());
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
    let replay = move |_| {
        if replaying.get_untracked() {
            return;
        }
        replaying.set(true);
        error.set(None);
        spawn_local(async move {
            let id = id.get_value();
            let answer = {
                let id = id.clone();
                auth.call(|api| async move { api.replay_stripe_event(&id).await })
                    .await
            };
            if replaying.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(summary) => {
                    state.set(summary.status);
                    status.set(Some(format!("{id} is queued to be processed again.")));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
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
            <div role="alert">{move || error.get().map(|error| view! { <p class="form-error">{error}</p> })}</div>
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
                    disabled=move || replaying.get()
                    aria-busy=move || replaying.get().then_some("true")
                    on:click=replay
                >
                    {move || if replaying.get() { "Replaying…" } else { "Replay" }}
                    <span class="visually-hidden">" "{event.id.clone()}</span>
                </button>
            </div>
            <div id=payload_id>
                {move || payload.get().map(|shown| match shown {
                    Ok(text) => view! { <pre class="audit__json">{text}</pre> }.into_any(),
                    Err(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                })}
            </div>
        </li>
    }
}

/// The dead jobs, newest first, and "Retry".
#[component]
fn Jobs() -> impl IntoView {
    let auth = use_auth();
    let list = RwSignal::new(None::<Result<Vec<DeadJob>, ApiError>>);
    let status = RwSignal::new(None::<String>);
    let read = move || {
        list.set(None);
        spawn_local(async move {
            let answer = auth.call(|api| async move { api.dead_jobs().await }).await;
            _ = list.try_set(Some(answer.map(|found| found.jobs)));
        });
    };
    read();

    view! {
        <section class="card account__card" aria-labelledby="jobs-title">
            <h2 id="jobs-title" class="account__title" tabindex="-1">"Dead jobs"</h2>
            <p class="account__text">"Jobs that failed every attempt. Retrying queues one again with fresh attempts."</p>
            <FormStatus message=status.into() />
            {move || list.with(|found| match found {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading dead jobs…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError what="Dead jobs" error=error.clone() retry=move || read() />
                }
                .into_any(),
                Some(Ok(jobs)) if jobs.is_empty() => view! {
                    <p class="account__text">"No dead jobs. Everything ran."</p>
                }
                .into_any(),
                Some(Ok(jobs)) => view! {
                    <ul class="admin-list" role="list">
                        {jobs.iter().map(|job| job_item(auth, list, status, job.clone())).collect_view()}
                    </ul>
                }
                .into_any(),
            })}
        </section>
    }
}

fn job_item(
    auth: Auth,
    list: RwSignal<Option<Result<Vec<DeadJob>, ApiError>>>,
    status: RwSignal<Option<String>>,
    job: DeadJob,
) -> impl IntoView {
    let retrying = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let (id, kind) = (job.id, job.kind.clone());
    let retry = move |_| {
        if retrying.get_untracked() {
            return;
        }
        retrying.set(true);
        error.set(None);
        let kind = kind.clone();
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.retry_job(id).await })
                .await;
            if retrying.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(()) => {
                    status.set(Some(format!("Job {id} ({kind}) is queued again.")));
                    list.update(|list| {
                        if let Some(Ok(jobs)) = list {
                            jobs.retain(|job| job.id != id);
                        }
                    });
                    crate::browser::focus_id("jobs-title");
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <li class="admin-list__item">
            <div class="account__head">
                <h3 class="card__title admin-list__title"><code>{job.kind.clone()}</code></h3>
                <span class="tag tag--warning">{format!("{} attempts", job.attempts)}</span>
            </div>
            <p class="admin-list__meta">
                "Job "{job.id}
                {job.finished_at.clone().map(|at| view! {
                    " · gave up "<time datetime=at.clone()>{time_text(&at)}</time>
                })}
            </p>
            {job.last_error.clone().map(|last| view! { <pre class="audit__json">{last}</pre> })}
            <div role="alert">{move || error.get().map(|error| view! { <p class="form-error">{error}</p> })}</div>
            <div class="account__actions">
                <button
                    class="button button--secondary button--small"
                    type="button"
                    disabled=move || retrying.get()
                    aria-busy=move || retrying.get().then_some("true")
                    on:click=retry
                >
                    {move || if retrying.get() { "Retrying…" } else { "Retry" }}
                    <span class="visually-hidden">" job "{job.id}</span>
                </button>
            </div>
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
    fn api_answers_decode() {
        use gatehouse_shared::admin_ops::{DeadJobs, StripeEvents};
        let page: StripeEvents = serde_json::from_str(
            r#"{"events":[{"id":"evt_1","type":"invoice.paid","livemode":false,"status":"failed",
            "object_id":"in_1","last_error":"boom","created":"2026-11-30T08:00:00+00:00",
            "received_at":"2026-11-30T08:00:01+00:00","processed_at":null}],"next_before":null}"#,
        )
        .unwrap();
        assert_eq!(page.events[0].kind, "invoice.paid");
        let jobs: DeadJobs = serde_json::from_str(
            r#"{"jobs":[{"id":7,"kind":"send_email","attempts":8,"last_error":null,
            "created_at":"2026-11-30T08:00:00Z","finished_at":null}]}"#,
        )
        .unwrap();
        assert_eq!(jobs.jobs[0].id, 7);
    }
}
