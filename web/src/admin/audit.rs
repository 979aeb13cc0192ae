//! `/admin/audit`: the audit log. Filters (an action or a whole area, the target, a range
//! of days), a table of the matching records, newest first, a page at a time (the API
//! counts and pages), each record opening to show the target before and after the change
//! as JSON, and "Export CSV" of the same selection (fetched with the session's token and
//! saved as `audit.csv`).

use gatehouse_shared::audit::{AuditPage, AuditRecord};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::pager::{position, Pager};
use super::{time_text, AdminPage, ExportCsv, InputField, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::browser::focus_id;
use crate::form::{server_errors, FormError, FormStatus, SubmitButton};
use crate::guard::encode_query_value;

/// Records per page.
pub const PER_PAGE: i64 = 25;

/// The areas of the log, offered as the action filter's suggestions (an area matches
/// every action in it, such as `instances.instance_changed`).
pub const AREAS: [&str; 6] = [
    "catalog",
    "instances",
    "jobs",
    "webhooks",
    "waitlist",
    "account",
];

/// The kinds of target records name, offered as suggestions.
pub const TARGET_TYPES: [&str; 6] = [
    "account",
    "product",
    "instance",
    "order",
    "job",
    "stripe_event",
];

/// The filters as typed: action or area, target type and id, and a range of days
/// (`YYYY-MM-DD`, as date inputs give them; both days included, in UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub since: String,
    pub until: String,
}

impl Filters {
    /// The query string of these filters (without paging): empty filters are left out,
    /// days become RFC 3339 instants.
    pub fn query(&self) -> String {
        let since = self.since.trim();
        let until = self.until.trim();
        let since = (!since.is_empty()).then(|| day_start(since));
        let until = (!until.is_empty()).then(|| day_after(until));
        [
            ("action", Some(self.action.trim().to_owned())),
            ("target_type", Some(self.target_type.trim().to_owned())),
            ("target_id", Some(self.target_id.trim().to_owned())),
            ("since", since),
            ("until", until),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.filter(|v| !v.is_empty()).map(|v| (name, v)))
        .map(|(name, value)| format!("{name}={}", encode_query_value(&value)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The filters as typed, for the page's own address (`/admin/audit?…`), so a search
    /// can be shared, bookmarked and linked to (an instance's history, say).
    pub fn address(&self, page: i64) -> String {
        let mut query: Vec<String> = [
            ("action", &self.action),
            ("target_type", &self.target_type),
            ("target_id", &self.target_id),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", encode_query_value(value.trim())))
        .collect();
        if page > 1 {
            query.push(format!("page={page}"));
        }
        if query.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{}", query.join("&"))
        }
    }

    /// The query string of one page of the selection.
    pub fn page_query(&self, page: i64) -> String {
        let filters = self.query();
        let paging = format!("page={page}&per_page={PER_PAGE}");
        if filters.is_empty() {
            paging
        } else {
            format!("{filters}&{paging}")
        }
    }
}

/// A day's first instant in UTC (`2026-11-30` → `2026-11-30T00:00:00Z`). Anything that
/// is not a day goes as it is, for the API to refuse next to its field.
pub fn day_start(day: &str) -> String {
    match parse_day(day) {
        Some(_) => format!("{day}T00:00:00Z"),
        None => day.to_owned(),
    }
}

/// The instant a day ends, in UTC: the next day's first (the API's `until` excludes it).
pub fn day_after(day: &str) -> String {
    let Some((year, month, date)) = parse_day(day) else {
        return day.to_owned();
    };
    let (year, month, date) = if date < days_in_month(year, month) {
        (year, month, date + 1)
    } else if month < 12 {
        (year, month + 1, 1)
    } else {
        (year + 1, 1, 1)
    };
    format!("{year:04}-{month:02}-{date:02}T00:00:00Z")
}

fn parse_day(day: &str) -> Option<(u32, u32, u32)> {
    let mut parts = day.split('-');
    let (Some(year), Some(month), Some(date), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if year.len() != 4 || month.len() != 2 || date.len() != 2 {
        return None;
    }
    let (year, month, date) = (year.parse().ok()?, month.parse().ok()?, date.parse().ok()?);
    ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&date))
        .then_some((year, month, date))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A JSON value as indented text; "—" when there is none (before a creation, say).
pub fn pretty(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(value) => serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()),
    }
}

/// Who acted, for the table: the person's address, else the kind of actor.
pub fn actor_text(record: &AuditRecord) -> String {
    match (&record.actor_email, record.actor_kind.as_str()) {
        (Some(email), _) => email.clone(),
        (None, "system") => "Gatehouse (system)".to_owned(),
        (None, kind) => kind.to_owned(),
    }
}

#[component]
pub fn AuditRoute() -> impl IntoView {
    view! {
        <AdminPage title="Audit log">
            <AuditLog />
        </AdminPage>
    }
}

/// The filters' inputs.
#[derive(Clone, Copy, Default)]
struct Typed {
    action: RwSignal<String>,
    target_type: RwSignal<String>,
    target_id: RwSignal<String>,
    since: RwSignal<String>,
    until: RwSignal<String>,
}

impl Typed {
    fn set(self, filters: &Filters) {
        self.action.set(filters.action.clone());
        self.target_type.set(filters.target_type.clone());
        self.target_id.set(filters.target_id.clone());
        self.since.set(filters.since.clone());
        self.until.set(filters.until.clone());
    }

    fn get(self) -> Filters {
        Filters {
            action: self.action.get_untracked(),
            target_type: self.target_type.get_untracked(),
            target_id: self.target_id.get_untracked(),
            since: self.since.get_untracked(),
            until: self.until.get_untracked(),
        }
    }
}

/// Reads the page's address.
type Here = Box<dyn Fn() -> String>;
/// Moves the page's address.
type Go = Box<dyn Fn(&str)>;

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Log {
    auth: Auth,
    /// The filters as typed.
    typed: Typed,
    /// The filters of the records shown (and of the export).
    applied: RwSignal<Filters>,
    page: RwSignal<i64>,
    /// The last page read; `None` before the first answer.
    list: RwSignal<Option<Result<AuditPage, ApiError>>>,
    loading: RwSignal<bool>,
    since_error: RwSignal<Option<String>>,
    until_error: RwSignal<Option<String>>,
    form_error: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
    /// The page's address now, and moving it (replacing the history entry).
    here: StoredValue<Here, LocalStorage>,
    go: StoredValue<Go, LocalStorage>,
}

impl Log {
    /// Reads page `page` of the selection `filters`; on success they become the ones shown.
    fn read(self, filters: Filters, page: i64) {
        let address = filters.address(page);
        let here = self.here.with_value(|here| here());
        if address != here {
            self.go.with_value(|go| go(&address));
        }
        self.loading.set(true);
        self.form_error.set(None);
        let query = filters.page_query(page);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.audit(&query).await })
                .await;
            if self.loading.try_set(false).is_some() {
                return; // the page is gone
            }
            match answer {
                Ok(found) => {
                    self.since_error.set(None);
                    self.until_error.set(None);
                    self.applied.set(filters);
                    self.page.set(page);
                    self.list.set(Some(Ok(found)));
                }
                Err(failure) if failure.fields().is_empty() => {
                    // Nothing to correct in the form: the page says what went wrong.
                    self.list.set(Some(Err(failure)));
                }
                Err(failure) => {
                    let (mut inline, summary) =
                        server_errors(&failure, &[("since", "From"), ("until", "Until")]);
                    self.since_error.set(inline.remove("since"));
                    self.until_error.set(inline.remove("until"));
                    self.form_error.set(Some(summary));
                    if self.list.with_untracked(Option::is_none) {
                        self.list.set(Some(Ok(AuditPage {
                            records: Vec::new(),
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

#[component]
fn AuditLog() -> impl IntoView {
    let location = use_location();
    let navigate = use_navigate();
    // The search in the address: what a shared link or an instance's history asks for.
    let asked = use_query_map().with_untracked(|query| {
        let text = |name: &str| query.get(name).unwrap_or_default();
        let page = query
            .get("page")
            .and_then(|page| page.parse::<i64>().ok())
            .filter(|page| *page >= 1)
            .unwrap_or(1);
        (
            Filters {
                action: text("action"),
                target_type: text("target_type"),
                target_id: text("target_id"),
                since: text("since"),
                until: text("until"),
            },
            page,
        )
    });
    let log = Log {
        auth: use_auth(),
        typed: Typed::default(),
        applied: RwSignal::new(Filters::default()),
        page: RwSignal::new(1),
        list: RwSignal::new(None),
        loading: RwSignal::new(false),
        since_error: RwSignal::new(None),
        until_error: RwSignal::new(None),
        form_error: RwSignal::new(None),
        status: RwSignal::new(None),
        here: StoredValue::new_local(Box::new(move || {
            let (path, search) = (
                location.pathname.get_untracked(),
                location.search.get_untracked(),
            );
            if search.is_empty() {
                path
            } else {
                format!("{path}?{}", search.trim_start_matches('?'))
            }
        })),
        go: StoredValue::new_local(Box::new(move |address: &str| {
            let replace = NavigateOptions {
                replace: true,
                scroll: false,
                ..NavigateOptions::default()
            };
            navigate(address, replace);
        })),
    };
    let (filters, page) = asked;
    log.typed.set(&filters);
    log.read(filters, page);

    view! {
        <header class="account__intro">
            <h1>"Audit log"</h1>
            <p class="lead">
                "Every change staff, customers and Gatehouse itself made, with the record before and after."
            </p>
        </header>
        <FilterForm log />
        <FormStatus message=log.status.into() />
        <section class="card account__card" aria-labelledby="records-title">
            <h2 id="records-title" class="account__title" tabindex="-1">"Records"</h2>
            {move || log.list.with(|list| match list {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading the audit log…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError
                        what="The audit log"
                        error=error.clone()
                        retry=move || log.read(log.applied.get_untracked(), log.page.get_untracked())
                    />
                }
                .into_any(),
                Some(Ok(found)) if found.records.is_empty() => view! {
                    <p class="account__text">"No records match these filters."</p>
                }
                .into_any(),
                Some(Ok(found)) => records_table(found).into_any(),
            })}
            <Pager
                shown=Signal::derive(move || {
                    log.list.with(|list| match list {
                        Some(Ok(found)) => Some(position(found.page, found.per_page, found.total)),
                        _ => None,
                    })
                })
                label="Audit log pages"
                noun=("record", "records")
                loading=log.loading
                go=move |page| {
                    log.status.set(None);
                    log.read(log.applied.get_untracked(), page);
                    focus_id("records-title");
                }
            />
        </section>
    }
}

/// The filters, "Search" and "Export CSV".
#[component]
fn FilterForm(log: Log) -> impl IntoView {
    let typed = log.typed;
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        log.status.set(None);
        log.read(typed.get(), 1);
    };
    view! {
        <section class="card account__card" aria-labelledby="filters-title">
            <h2 id="filters-title" class="account__title">"Filters"</h2>
            <form class="form audit__filters" novalidate on:submit=on_submit>
                <FormError message=log.form_error.into() />
                <div class="audit__fields">
                    <InputField
                        id="audit-action"
                        label="Action or area"
                        optional=true
                        hint="An area such as instances, or one action such as instances.instance_changed."
                        suggestions=AREAS.map(String::from).to_vec()
                        value=typed.action
                    />
                    <InputField
                        id="audit-target-type"
                        label="Target type"
                        optional=true
                        suggestions=TARGET_TYPES.map(String::from).to_vec()
                        value=typed.target_type
                    />
                    <InputField id="audit-target-id" label="Target id" optional=true value=typed.target_id />
                    <InputField
                        id="audit-since"
                        label="From"
                        optional=true
                        input_type="date"
                        hint="This day and later (UTC)."
                        error=log.since_error
                        value=typed.since
                    />
                    <InputField
                        id="audit-until"
                        label="Until"
                        optional=true
                        input_type="date"
                        hint="Up to the end of this day (UTC)."
                        error=log.until_error
                        value=typed.until
                    />
                </div>
                <div class="account__actions">
                    <SubmitButton pending=log.loading.into() label="Search" busy_label="Searching…" />
                    <ExportCsv
                        path=move || format!("/admin/audit.csv?{}", log.applied.get_untracked().query())
                        file="audit.csv"
                        saved="The records shown are saved as audit.csv (every page of them)."
                        status=log.status
                    />
                </div>
            </form>
        </section>
    }
}

/// The records as a table: one `<tbody>` per record, its second row the change, opened
/// on demand. On a phone each record stacks into a card, every cell labelled by its
/// column (`data-label`); the explicit roles keep it a table for screen readers, which
/// some browsers stop calling one once CSS changes its display.
fn records_table(found: &AuditPage) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-labelledby="audit-caption" tabindex="0">
            <table class="admin-table admin-table--stack" role="table">
                <caption id="audit-caption" class="visually-hidden">
                    "Audit records, newest first"
                </caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {COLUMNS
                            .iter()
                            .map(|column| view! { <th scope="col" role="columnheader">{*column}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                {found.records.iter().map(record_rows).collect_view()}
            </table>
        </div>
    }
}

/// The table's columns.
const COLUMNS: [&str; 5] = ["Time", "Who", "Action", "Target", "Request id"];

fn record_rows(record: &AuditRecord) -> impl IntoView {
    let when = time_text(&record.created_at);
    view! {
        <tbody class="audit__record" role="rowgroup">
            <tr role="row">
                <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[0]>
                    <time datetime=record.created_at.clone()>{when.clone()}</time>
                </td>
                <td class="admin-table__wrap" role="cell" data-label=COLUMNS[1]>{actor_text(record)}</td>
                <td role="cell" data-label=COLUMNS[2]><code>{record.action.clone()}</code></td>
                <td class="admin-table__wrap" role="cell" data-label=COLUMNS[3]>
                    {record.target_type.clone()}" "<code>{record.target_id.clone()}</code>
                </td>
                <td role="cell" data-label=COLUMNS[4]>
                    <code class="admin-table__small">{record.request_id.clone().unwrap_or_else(|| "—".into())}</code>
                </td>
            </tr>
            <tr class="audit__change" role="row">
                <td colspan="5" role="cell">
                    <details>
                        <summary>
                            "Before and after"
                            <span class="visually-hidden">" of "{record.action.clone()}" at "{when}</span>
                        </summary>
                        <div class="audit__diff">
                            <div>
                                <h3 class="audit__diff-title">"Before"</h3>
                                <pre class="audit__json">{pretty(record.before.as_ref())}</pre>
                            </div>
                            <div>
                                <h3 class="audit__diff-title">"After"</h3>
                                <pre class="audit__json">{pretty(record.after.as_ref())}</pre>
                            </div>
                        </div>
                    </details>
                </td>
            </tr>
        </tbody>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_instants_that_include_the_whole_day() {
        assert_eq!(day_start("2026-11-30"), "2026-11-30T00:00:00Z");
        assert_eq!(day_after("2026-11-30"), "2026-12-01T00:00:00Z");
        assert_eq!(day_after("2026-12-31"), "2027-01-01T00:00:00Z");
        assert_eq!(day_after("2028-02-28"), "2028-02-29T00:00:00Z");
        assert_eq!(day_after("2026-02-28"), "2026-03-01T00:00:00Z");
        // Not a day: the API refuses it next to the field.
        assert_eq!(day_start("yesterday"), "yesterday");
        assert_eq!(day_after("2026-02-30"), "2026-02-30");
    }

    #[test]
    fn filters_become_a_query_without_the_empty_ones() {
        assert_eq!(Filters::default().query(), "");
        assert_eq!(Filters::default().page_query(2), "page=2&per_page=25");
        let filters = Filters {
            action: " instances ".into(),
            target_type: String::new(),
            target_id: "a b".into(),
            since: "2026-11-01".into(),
            until: "2026-11-30".into(),
        };
        assert_eq!(
            filters.page_query(1),
            "action=instances&target_id=a%20b&since=2026-11-01T00%3A00%3A00Z\
             &until=2026-12-01T00%3A00%3A00Z&page=1&per_page=25"
        );
    }

    #[test]
    fn the_page_address_keeps_the_filters_as_typed() {
        assert_eq!(Filters::default().address(1), "/admin/audit");
        let filters = Filters {
            action: "instances".into(),
            target_type: "instance".into(),
            since: "2026-11-01".into(),
            ..Filters::default()
        };
        assert_eq!(
            filters.address(3),
            "/admin/audit?action=instances&target_type=instance&since=2026-11-01&page=3"
        );
    }

    #[test]
    fn pages_are_counted_and_json_is_pretty() {
        assert_eq!(pretty(None), "—");
        assert_eq!(
            pretty(Some(&serde_json::json!({"hard_cap": 25}))),
            "{\n  \"hard_cap\": 25\n}"
        );
    }
}
