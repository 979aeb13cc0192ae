//! `/admin/instances`: the product instances, by product. Each shows its seats against
//! its three caps (a bar with a mark per cap, and the same in words), whether it is
//! active, open to automatic placement or being drained, and "Edit caps" (one instance
//! at a time). "Seats (N)" lists who holds them, each with "Move to…" another active
//! instance of the product; "Drain…" (confirmed) has a job move every seat away, and the
//! page follows the count down. "Add instance" creates one. The caps must stay ordered
//! (soft ≤ allocation ≤ hard), checked here before sending and by the API again; a role
//! that may not change instances reads the API's reason.

use std::time::Duration;

use gatehouse_shared::ids::InstanceId;
use gatehouse_shared::instances::{
    InstanceSeats, InstanceUpdate, InstanceView, NewInstanceRequest, PlaceRequest, SeatView,
};
use gloo_net::http::Method;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::IgnoredAny;

use super::{time_text, AdminPage, Confirm, InputField, LoadError};
use crate::api::{ApiError, AuthorizedApi, EmptyBody};
use crate::auth::{use_auth, Auth};
use crate::browser::{focus_id, sleep};
use crate::form::{server_errors, Checkbox, FieldErrors, FormError, FormStatus, SubmitButton};

/// The instances page's own calls.
impl AuthorizedApi {
    /// `GET /api/v1/admin/instances/{id}/seats`: who holds its live seats, oldest first.
    pub async fn instance_seats(&self, id: InstanceId) -> Result<InstanceSeats, ApiError> {
        let path = format!("/admin/instances/{id}/seats");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/admin/instances/{id}/seats`: the user's seat of the product moves
    /// here (`409 instance_full` at the hard cap). The page reads the instances again
    /// afterwards, so the answer is not decoded.
    pub async fn place_seat(&self, id: InstanceId, body: &PlaceRequest) -> Result<(), ApiError> {
        let path = format!("/admin/instances/{id}/seats");
        self.call::<_, IgnoredAny>(Method::POST, &path, Some(body))
            .await
            .map(drop)
    }

    /// `POST /api/v1/admin/instances/{id}/drain`: automatic placement stops choosing it
    /// and a job moves its seats away (`202`, the instance as it is now).
    pub async fn drain_instance(&self, id: InstanceId) -> Result<InstanceView, ApiError> {
        let path = format!("/admin/instances/{id}/drain");
        self.call(Method::POST, &path, Some(&EmptyBody {})).await
    }
}

/// The instances grouped by product (slug), in the order the API lists them.
pub fn by_product(instances: &[InstanceView]) -> Vec<(String, Vec<InstanceView>)> {
    let mut groups: Vec<(String, Vec<InstanceView>)> = Vec::new();
    for instance in instances {
        match groups
            .iter_mut()
            .find(|(slug, _)| *slug == instance.product_slug)
        {
            Some((_, group)) => group.push(instance.clone()),
            None => groups.push((instance.product_slug.clone(), vec![instance.clone()])),
        }
    }
    groups
}

/// Seats in use against the three caps: of one instance, or of a product's instances
/// together (the overview's capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub seats: i64,
    pub soft: i64,
    pub allocation: i64,
    pub hard: i64,
}

impl From<&InstanceView> for Caps {
    fn from(instance: &InstanceView) -> Self {
        Self {
            seats: instance.allocated_seats.into(),
            soft: instance.soft_cap.into(),
            allocation: instance.allocation_cap.into(),
            hard: instance.hard_cap.into(),
        }
    }
}

/// The capacity bar in words, for screen readers (and the bar's tooltip).
pub fn capacity_text(caps: Caps) -> String {
    format!(
        "{} of {} seats; soft cap {}, allocation cap {}, hard cap {}",
        caps.seats, caps.hard, caps.soft, caps.allocation, caps.hard
    )
}

/// Where `value` sits on a bar that ends at `end`, in percent (0–100).
pub fn percent(value: i64, end: i64) -> f64 {
    if end <= 0 {
        return 0.0;
    }
    (value.max(0) as f64 * 100.0 / end as f64).min(100.0)
}

/// How full seats are against their caps: `ok`, `over-soft` (staff are alerted),
/// `over-allocation` (automatic placement stopped) or `full` (at the hard cap).
pub fn fullness(caps: Caps) -> &'static str {
    if caps.seats >= caps.hard {
        "full"
    } else if caps.seats >= caps.allocation {
        "over-allocation"
    } else if caps.seats > caps.soft {
        "over-soft"
    } else {
        "ok"
    }
}

/// Where a seat of `from` may move: the product's other active instances, each with its
/// room up to the hard cap (as far as staff may fill it), as (id, label).
pub fn move_targets(instances: &[InstanceView], from: InstanceId) -> Vec<(InstanceId, String)> {
    let Some(product) = instances
        .iter()
        .find(|i| i.id == from)
        .map(|i| i.product_id)
    else {
        return Vec::new();
    };
    instances
        .iter()
        .filter(|i| i.product_id == product && i.id != from && i.active)
        .map(|i| {
            let room = (i.hard_cap - i.allocated_seats).max(0);
            let label = format!(
                "{}: room for {room} ({} of {} seats)",
                i.name, i.allocated_seats, i.hard_cap
            );
            (i.id, label)
        })
        .collect()
}

/// "1 seat", "3 seats".
pub fn seats_text(seats: i32) -> String {
    if seats == 1 {
        "1 seat".to_owned()
    } else {
        format!("{seats} seats")
    }
}

/// How often the page reads the instances while it follows a drain.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// Polls in a row without a seat moving after which the page stops following a drain.
pub const STALLED_POLLS: u8 = 3;

/// A drain the page follows: the seats at its start (or the most seen since), the seats
/// left, and how many polls in a row saw none move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainProgress {
    pub total: i32,
    pub left: i32,
    pub still: u8,
}

impl DrainProgress {
    pub fn start(seats: i32) -> Self {
        Self {
            total: seats,
            left: seats,
            still: 0,
        }
    }

    /// After a poll that found `seats` left.
    pub fn next(self, seats: i32) -> Self {
        Self {
            total: self.total.max(seats),
            left: seats,
            still: if seats < self.left { 0 } else { self.still + 1 },
        }
    }

    pub fn done(self) -> bool {
        self.left <= 0
    }

    /// Seats are left and none moved for [`STALLED_POLLS`] polls: no room elsewhere.
    pub fn stuck(self) -> bool {
        !self.done() && self.still >= STALLED_POLLS
    }

    pub fn running(self) -> bool {
        !self.done() && !self.stuck()
    }

    pub fn label(self) -> String {
        format!("Moving seats: {} left", self.left.max(0))
    }
}

/// The three caps as typed, checked: whole numbers from 0, soft ≤ allocation ≤ hard, and
/// a hard cap no lower than the seats in use. Errors by the API's field names.
pub fn check_caps(
    soft: &str,
    allocation: &str,
    hard: &str,
    seats: i32,
) -> Result<(i32, i32, i32), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut number = |name: &'static str, label: &str, text: &str| {
        let parsed = text.trim().parse::<i32>().ok().filter(|n| *n >= 0);
        if parsed.is_none() {
            errors.insert(
                name,
                format!("Enter the {label} as a whole number, 0 or more."),
            );
        }
        parsed
    };
    let soft = number("soft_cap", "soft cap", soft);
    let allocation = number("allocation_cap", "allocation cap", allocation);
    let hard = number("hard_cap", "hard cap", hard);
    let (Some(soft), Some(allocation), Some(hard)) = (soft, allocation, hard) else {
        return Err(errors);
    };
    if soft > allocation {
        errors.insert(
            "soft_cap",
            "The soft cap may not be above the allocation cap.".into(),
        );
    }
    if allocation > hard {
        errors.insert(
            "allocation_cap",
            "The allocation cap may not be above the hard cap.".into(),
        );
    }
    if hard < seats {
        errors.insert(
            "hard_cap",
            format!("The hard cap may not be below the {seats} seats in use."),
        );
    }
    if errors.is_empty() {
        Ok((soft, allocation, hard))
    } else {
        Err(errors)
    }
}

/// The caps' fields, labelled for [`server_errors`].
const CAP_LABELS: [(&str, &str); 3] = [
    ("soft_cap", "Soft cap"),
    ("allocation_cap", "Allocation cap"),
    ("hard_cap", "Hard cap"),
];

#[component]
pub fn InstancesRoute() -> impl IntoView {
    view! {
        <AdminPage title="Instances">
            <Instances />
        </AdminPage>
    }
}

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Page {
    auth: Auth,
    list: RwSignal<Option<Result<Vec<InstanceView>, ApiError>>>,
    /// The instance whose caps are being edited.
    editing: RwSignal<Option<InstanceId>>,
    status: RwSignal<Option<String>>,
    /// Counts seat moves: open seat lists read again when it changes.
    moved: RwSignal<u32>,
}

impl Page {
    fn read(self) {
        self.list.set(None);
        spawn_local(async move {
            if let Err(failure) = self.refresh(None).await {
                _ = self.list.try_set(Some(Err(failure)));
            }
        });
    }

    /// Reads the list again without emptying it first (the page stays as it is meanwhile);
    /// answers the seats of `id`.
    async fn refresh(self, id: Option<InstanceId>) -> Result<i32, ApiError> {
        let list = self
            .auth
            .call(|api| async move { api.instances().await })
            .await?
            .instances;
        let seats = list
            .iter()
            .find(|i| Some(i.id) == id)
            .map_or(0, |i| i.allocated_seats);
        _ = self.list.try_set(Some(Ok(list)));
        Ok(seats)
    }

    /// The instance with `id`, as the list has it now.
    fn instance(self, id: InstanceId) -> Option<InstanceView> {
        self.list.with(|list| match list {
            Some(Ok(list)) => list.iter().find(|i| i.id == id).cloned(),
            _ => None,
        })
    }

    /// Puts `instance` in the list, in place of the one with its id or at the end.
    fn keep(self, instance: InstanceView) {
        self.list.update(|list| {
            if let Some(Ok(list)) = list {
                match list.iter_mut().find(|known| known.id == instance.id) {
                    Some(known) => *known = instance,
                    None => list.push(instance),
                }
            }
        });
    }
}

#[component]
fn Instances() -> impl IntoView {
    let page = Page {
        auth: use_auth(),
        list: RwSignal::new(None),
        editing: RwSignal::new(None),
        status: RwSignal::new(None),
        moved: RwSignal::new(0),
    };
    page.read();
    // Only which instances there are: their seats change without drawing them anew.
    let products = Memo::new(move |_| {
        page.list.with(|list| match list {
            Some(Ok(list)) => Some(
                by_product(list)
                    .into_iter()
                    .map(|(slug, group)| (slug, group.iter().map(|i| i.id).collect::<Vec<_>>()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
    });

    view! {
        <header class="account__intro">
            <h1>"Instances"</h1>
            <p class="lead">
                "Where customers' seats live. Past the soft cap staff are alerted, at the allocation cap automatic placement stops, and nobody goes past the hard cap."
            </p>
        </header>
        <FormStatus message=page.status.into() />
        {move || page.list.with(|list| match list {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading instances…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <LoadError what="The instances" error=error.clone() retry=move || page.read() />
            }
            .into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <p class="account__text">"There are no instances yet. Add the first one below."</p>
            }
            .into_any(),
            Some(Ok(_)) => ().into_any(),
        })}
        {move || products.get().map(|groups| {
            groups
                .into_iter()
                .map(|(slug, group)| view! {
                    <section class="card account__card" aria-labelledby=format!("product-{slug}")>
                        <h2 id=format!("product-{slug}") class="account__title">
                            <span class="visually-hidden">"Product "</span>
                            <code>{slug.clone()}</code>
                        </h2>
                        <ul class="instances" role="list">
                            {group.into_iter().map(|id| instance_item(page, id)).collect_view()}
                        </ul>
                    </section>
                })
                .collect_view()
        })}
        {move || products.with(Option::is_some).then(|| view! { <AddInstance page /> })}
    }
}

/// One instance: its name and address, flags, capacity, its seats, draining it, and
/// editing its caps. What changes (seats, flags) follows the list.
fn instance_item(page: Page, id: InstanceId) -> impl IntoView {
    let Some(instance) = page.list.with_untracked(|list| match list {
        Some(Ok(list)) => list.iter().find(|i| i.id == id).cloned(),
        _ => None,
    }) else {
        return ().into_any();
    };
    let current = move || page.instance(id);
    let title_id = format!("instance-{id}");
    let edit_id = format!("edit-caps-{id}");
    let editing = move || page.editing.get() == Some(id);
    let seats_open = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let drain = RwSignal::new(None::<DrainProgress>);
    let drain_busy = RwSignal::new(false);
    let drain_error = RwSignal::new(None::<String>);
    let drain_status = RwSignal::new(None::<String>);
    let draining = move || drain.get().is_some_and(DrainProgress::running);
    let name = StoredValue::new(instance.name.clone());
    let open = move |_| {
        page.status.set(None);
        page.editing.set(Some(id));
        focus_id("caps-soft_cap");
    };
    let flag = |on: bool, yes: &'static str, no: &'static str| {
        view! { <span class="tag" class:tag--warning=!on>{if on { yes } else { no }}</span> }
    };
    let cancel_drain = move || {
        confirming.set(false);
        drain_error.set(None);
        focus_id(&format!("drain-{id}"));
    };
    let start_drain = move || {
        if drain_busy.get_untracked() {
            return;
        }
        drain_busy.set(true);
        drain_error.set(None);
        drain_status.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.drain_instance(id).await })
                .await;
            if drain_busy.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(now) => {
                    confirming.set(false);
                    let progress = DrainProgress::start(now.allocated_seats);
                    page.keep(now);
                    drain.set(Some(progress));
                    focus_id(&format!("instance-{id}"));
                    follow_drain(page, id, name.get_value(), drain, drain_status).await;
                }
                Err(failure) => drain_error.set(Some(failure.message())),
            }
        });
    };
    let seats_label = move || current().map_or(0, |i| i.allocated_seats);
    let panel_id = format!("seats-{id}");
    view! {
        <li class="instance">
            <div class="account__head">
                <h3 id=title_id.clone() class="card__title" tabindex="-1">{instance.name.clone()}</h3>
                <span class="instance__flags">
                    {move || current().map(|i| view! {
                        {flag(i.active, "Active", "Inactive")}
                        {flag(i.auto_allocate, "Auto-allocate on", "Auto-allocate off")}
                        {draining().then(|| view! { <span class="tag tag--warning">"Draining"</span> })}
                    })}
                </span>
            </div>
            <p class="instance__url"><code>{instance.base_url.clone()}</code></p>
            {move || current().map(|instance| view! { <CapacityBar caps=Caps::from(&instance) /> })}
            <div class="instance__drain form-status-region" role="status" aria-live="polite">
                {move || drain.get().map(|progress| {
                    let label_id = format!("drain-label-{id}");
                    let labelled_by = label_id.clone();
                    let (max, moved) = if progress.total > 0 {
                        (progress.total, progress.total - progress.left.max(0))
                    } else {
                        (1, 1)
                    };
                    view! {
                        <p id=label_id class="instance__drain-label">{progress.label()}</p>
                        <progress aria-labelledby=labelled_by max=max value=moved></progress>
                    }
                })}
            </div>
            <FormStatus message=drain_status.into() />
            <div class="account__actions" hidden=move || editing() || confirming.get()>
                <button
                    id=format!("seats-toggle-{id}")
                    class="button button--secondary button--small"
                    type="button"
                    aria-expanded=move || if seats_open.get() { "true" } else { "false" }
                    aria-controls=panel_id.clone()
                    on:click=move |_| seats_open.update(|open| *open = !*open)
                >
                    "Seats ("{seats_label}")"
                    <span class="visually-hidden">" on "{instance.name.clone()}</span>
                </button>
                <a
                    class="button button--secondary button--small"
                    href=format!("/admin/audit?target_type=instance&target_id={id}")
                >
                    "History"
                    <span class="visually-hidden">" of "{instance.name.clone()}</span>
                </a>
                <button
                    id=edit_id.clone()
                    class="button button--secondary button--small"
                    type="button"
                    on:click=open
                >
                    "Edit caps"
                    <span class="visually-hidden">" of "{instance.name.clone()}</span>
                </button>
                <button
                    id=format!("drain-{id}")
                    class="button button--danger-outline button--small"
                    type="button"
                    disabled=draining
                    on:click=move |_| {
                        confirming.set(true);
                        focus_id(&format!("drain-confirm-{id}-question"));
                    }
                >
                    "Drain…"
                    <span class="visually-hidden">" "{instance.name.clone()}</span>
                </button>
            </div>
            {move || confirming.get().then(|| {
                // Read once: the list changing meanwhile must not draw the question anew.
                let seats = untrack(seats_label);
                let name = name.get_value();
                view! {
                    <Confirm
                        id=format!("drain-confirm-{id}")
                        question=format!("Drain {name}?")
                        explain=format!(
                            "Automatic placement stops choosing {name}, and a background job moves its {} one at a time to the product’s other instances with room. Seats with nowhere to go stay here and staff are alerted; drain again once there is room.",
                            seats_text(seats)
                        )
                        yes="Drain"
                        busy_label="Starting…"
                        busy=drain_busy
                        error=drain_error
                        on_yes=move || start_drain()
                        on_cancel=move || cancel_drain()
                    />
                }
            })}
            <div id=format!("seats-{id}")>
                {move || seats_open.get().then(|| view! { <Seats page id name=name.get_value() /> })}
            </div>
            {move || editing()
                .then(|| untrack(current))
                .flatten()
                .map(|instance| view! { <EditCaps page instance /> })}
        </li>
    }
    .into_any()
}

/// Reads the instances every [`POLL_EVERY`] while the drained instance `id` still has
/// seats and they keep going; says how it ended in `status`.
async fn follow_drain(
    page: Page,
    id: InstanceId,
    name: String,
    drain: RwSignal<Option<DrainProgress>>,
    status: RwSignal<Option<String>>,
) {
    loop {
        let Some(progress) = drain.try_get_untracked().flatten() else {
            return; // the page is gone
        };
        if !progress.running() {
            let said = if progress.done() {
                format!("{name} is drained: it holds no seats.")
            } else {
                format!(
                    "{} could not move: the product’s other instances have no room. Staff were alerted; add room, then drain {name} again.",
                    seats_text(progress.left)
                )
            };
            _ = status.try_set(Some(said));
            page.moved.update(|n| *n += 1);
            return;
        }
        sleep(POLL_EVERY).await;
        if drain.is_disposed() {
            return;
        }
        match page.refresh(Some(id)).await {
            Ok(seats) => {
                _ = drain.try_update(|drain| *drain = drain.map(|p| p.next(seats)));
            }
            Err(failure) => {
                _ = drain.try_set(None);
                _ = status.try_set(Some(format!(
                    "The drain goes on, but the page could not follow it: {}",
                    failure.message()
                )));
                return;
            }
        }
    }
}

/// The seat list's columns (also each cell's label on a phone).
const SEAT_COLUMNS: [&str; 4] = ["Person", "Account", "Since", "Move"];

/// Who holds the instance's seats, read on opening and again after every move.
#[component]
fn Seats(page: Page, id: InstanceId, name: String) -> impl IntoView {
    let seats = RwSignal::new(None::<Result<Vec<SeatView>, ApiError>>);
    let status = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.instance_seats(id).await })
                .await;
            _ = seats.try_set(Some(answer.map(|found| found.seats)));
        });
    };
    Effect::new(move |_| {
        page.moved.track();
        load();
    });
    let caption_id = format!("seats-caption-{id}");
    let place_name = name.clone();
    view! {
        <FormStatus message=status.into() />
        {move || seats.with(|found| match found {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading seats…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <LoadError
                    what="The seats"
                    error=error.clone()
                    retry=move || {
                        seats.set(None);
                        load();
                    }
                />
            }
            .into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <p class="account__text">"Nobody holds a seat here."</p>
            }
            .into_any(),
            Some(Ok(list)) => view! {
                <div class="table-scroll" role="region" aria-labelledby=caption_id.clone() tabindex="0">
                    <table class="admin-table admin-table--stack" role="table">
                        <caption id=caption_id.clone() class="visually-hidden">
                            "Seats on "{name.clone()}", oldest first"
                        </caption>
                        <thead role="rowgroup">
                            <tr role="row">
                                {SEAT_COLUMNS
                                    .iter()
                                    .map(|column| view! { <th scope="col" role="columnheader">{*column}</th> })
                                    .collect_view()}
                            </tr>
                        </thead>
                        <tbody role="rowgroup">
                            {list.iter().map(|seat| seat_row(page, id, status, seat.clone())).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        })}
        <PlaceSomeone page id name=place_name status />
    }
}

/// "Place someone here": a person named by email or username (and the account that pays,
/// their own when left empty) gets a seat on this instance, or theirs moves here. Staff
/// may fill it past the allocation cap, never past the hard cap (the API says so).
#[component]
fn PlaceSomeone(
    page: Page,
    id: InstanceId,
    name: String,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let login = RwSignal::new(String::new());
    let account = RwSignal::new(String::new());
    let login_error = RwSignal::new(None::<String>);
    let account_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let login_id = format!("place-login-{id}");
    let account_id = format!("place-account-{id}");
    let title_id = format!("place-title-{id}");
    let labelled_by = title_id.clone();
    let focus_login = login_id.clone();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let who = login.get_untracked().trim().to_owned();
        if who.is_empty() {
            login_error.set(Some("Enter the person’s email address or username.".into()));
            focus_id(&focus_login);
            return;
        }
        let paying = account.get_untracked().trim().to_owned();
        let account_id = match paying.parse() {
            _ if paying.is_empty() => None,
            Ok(uuid) => Some(gatehouse_shared::ids::AccountId(uuid)),
            Err(_) => {
                account_error.set(Some(
                    "Enter an account id (from the account’s page), or leave it empty.".into(),
                ));
                return;
            }
        };
        let body = PlaceRequest {
            user_id: None,
            login: Some(who.clone()),
            account_id,
        };
        pending.set(true);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.place_seat(id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(()) => {
                    _ = page.refresh(Some(id)).await;
                    login.set(String::new());
                    account.set(String::new());
                    let here = untrack(|| page.instance(id)).map(|i| i.name);
                    status.set(Some(format!(
                        "{who} has a seat on {}.",
                        here.unwrap_or_default()
                    )));
                    page.moved.update(|n| *n += 1);
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(
                        &failure,
                        &[
                            ("login", "Person"),
                            ("user_id", "Person"),
                            ("account_id", "Paying account"),
                        ],
                    );
                    login_error.set(inline.remove("login").or_else(|| inline.remove("user_id")));
                    account_error.set(inline.remove("account_id"));
                    form_error.set(Some(summary));
                }
            }
        });
    };
    view! {
        <form class="form instance__place" aria-labelledby=labelled_by novalidate on:submit=on_submit>
            <h4 class="instance__place-title" id=title_id>"Place someone on "{name}</h4>
            <FormError message=form_error.into() />
            <div class="audit__fields">
                <InputField
                    id=login_id
                    label="Email or username"
                    value=login
                    error=login_error
                />
                <InputField
                    id=account_id
                    label="Paying account id"
                    optional=true
                    hint="Their own account when empty."
                    value=account
                    error=account_error
                />
            </div>
            <SubmitButton pending=pending.into() label="Place here" busy_label="Placing…" />
        </form>
    }
}

/// One seat: who, which account pays, since when, and "Move to…".
fn seat_row(
    page: Page,
    from: InstanceId,
    status: RwSignal<Option<String>>,
    seat: SeatView,
) -> impl IntoView {
    let target = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let select_id = format!("move-{from}-{}", seat.user_id);
    let error_id = format!("{select_id}-error");
    let described = error_id.clone();
    let person = if seat.name.is_empty() {
        seat.email.clone()
    } else {
        seat.name.clone()
    };
    let request = PlaceRequest {
        user_id: Some(seat.user_id),
        login: None,
        account_id: Some(seat.account_id),
    };
    // Where it may go, with their room as the list has it now (read again after a move).
    let targets = page.list.with_untracked(|list| match list {
        Some(Ok(list)) => move_targets(list, from),
        _ => Vec::new(),
    });
    let who = person.clone();
    let focus_select = select_id.clone();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let chosen = target.with_untracked(|t| t.parse().ok().map(InstanceId));
        let Some(to) = chosen else {
            error.set(Some("Choose the instance to move the seat to.".into()));
            focus_id(&focus_select);
            return;
        };
        error.set(None);
        pending.set(true);
        let (who, body) = (who.clone(), request.clone());
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.place_seat(to, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(()) => {
                    _ = page.refresh(None).await;
                    let name = untrack(|| page.instance(to)).map(|i| i.name);
                    status.set(Some(format!(
                        "{who} moved to {}.",
                        name.unwrap_or_default()
                    )));
                    page.moved.update(|n| *n += 1);
                    focus_id(&format!("seats-toggle-{from}"));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <tr role="row">
            <td class="admin-table__wrap" role="cell" data-label=SEAT_COLUMNS[0]>
                {person.clone()}
                <span class="admin-list__meta instance__email">{seat.email.clone()}</span>
            </td>
            <td class="admin-table__wrap" role="cell" data-label=SEAT_COLUMNS[1]>{seat.account_name.clone()}</td>
            <td class="admin-table__nowrap" role="cell" data-label=SEAT_COLUMNS[2]>
                <time datetime=seat.placed_at.clone()>{time_text(&seat.placed_at)}</time>
            </td>
            <td role="cell" data-label=SEAT_COLUMNS[3]>
                <form class="instance__move" novalidate on:submit=on_submit>
                    <div class="field" class:field--invalid=move || error.with(Option::is_some)>
                        <label class="field__label" for=select_id.clone()>
                            "Move "<span class="visually-hidden">{person.clone()}" "</span>"to…"
                        </label>
                        <select
                            class="field__input"
                            id=select_id.clone()
                            aria-invalid=move || error.with(Option::is_some).then_some("true")
                            aria-describedby=move || error.with(Option::is_some).then(|| described.clone())
                            on:change=move |event| {
                                error.set(None);
                                target.set(event_target_value(&event));
                            }
                        >
                            <option value="">"Choose an instance"</option>
                            {targets
                                .into_iter()
                                .map(|(id, label)| view! { <option value=id.to_string()>{label}</option> })
                                .collect_view()}
                        </select>
                        <p class="field__error" id=error_id role="alert" hidden=move || error.with(Option::is_none)>
                            {move || error.get()}
                        </p>
                    </div>
                    <SubmitButton pending=pending.into() label="Move" busy_label="Moving…" />
                </form>
            </td>
        </tr>
    }
}

/// Seats against the caps: the fill (coloured past the soft cap) and a mark per cap, on
/// a scale that ends at the hard cap; the same in words for screen readers. The overview
/// draws each product's capacity with it too.
#[component]
pub fn CapacityBar(caps: Caps) -> impl IntoView {
    let end = caps.hard.max(caps.seats).max(1);
    let at = |value: i64| format!("left: {:.2}%", percent(value, end));
    let marks = [
        ("soft", "Soft cap", caps.soft),
        ("allocation", "Allocation cap", caps.allocation),
        ("hard", "Hard cap", caps.hard),
    ];
    let words = capacity_text(caps);
    view! {
        <div class="capacity">
            <div
                class=format!("capacity__bar capacity__bar--{}", fullness(caps))
                role="img"
                aria-label=words.clone()
                title=words
            >
                <div
                    class="capacity__fill"
                    style=format!("width: {:.2}%", percent(caps.seats, end))
                ></div>
                {marks
                    .into_iter()
                    .map(|(kind, _, value)| view! {
                        <span class=format!("capacity__mark capacity__mark--{kind}") style=at(value)></span>
                    })
                    .collect_view()}
            </div>
            <p class="capacity__legend" aria-hidden="true">
                <span><strong>{caps.seats}</strong>" seats"</span>
                {marks
                    .into_iter()
                    .map(|(kind, label, value)| view! {
                        <span class=format!("capacity__key capacity__key--{kind}")>{label}" "{value}</span>
                    })
                    .collect_view()}
            </p>
        </div>
    }
}

/// The caps form of one instance: checked here, then `PATCH`ed.
#[component]
fn EditCaps(page: Page, instance: InstanceView) -> impl IntoView {
    let id = instance.id;
    let name = instance.name.clone();
    let seats = instance.allocated_seats;
    let soft = RwSignal::new(instance.soft_cap.to_string());
    let allocation = RwSignal::new(instance.allocation_cap.to_string());
    let hard = RwSignal::new(instance.hard_cap.to_string());
    let errors = CAP_LABELS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let show = move |found: &FieldErrors| {
        for ((field, _), error) in CAP_LABELS.iter().zip(errors) {
            error.set(found.get(field).cloned());
        }
    };
    let close = move || {
        page.editing.set(None);
        focus_id(&format!("edit-caps-{id}"));
    };
    let title_id = format!("caps-title-{id}");
    let labelled_by = title_id.clone();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let checked = check_caps(
            &soft.get_untracked(),
            &allocation.get_untracked(),
            &hard.get_untracked(),
            seats,
        );
        let (soft_cap, allocation_cap, hard_cap) = match checked {
            Ok(caps) => caps,
            Err(found) => {
                show(&found);
                if let Some((field, _)) = CAP_LABELS.iter().find(|(f, _)| found.contains_key(f)) {
                    focus_id(&format!("caps-{field}"));
                }
                return;
            }
        };
        show(&FieldErrors::new());
        let body = InstanceUpdate {
            soft_cap: Some(soft_cap),
            allocation_cap: Some(allocation_cap),
            hard_cap: Some(hard_cap),
            ..InstanceUpdate::default()
        };
        pending.set(true);
        let name = name.clone();
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.update_instance(id, &body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(changed) => {
                    page.status.set(Some(format!(
                        "{name} saved: {}.",
                        capacity_text((&changed).into())
                    )));
                    page.editing.set(None);
                    page.keep(changed);
                    focus_id(&format!("instance-{id}"));
                }
                Err(failure) => {
                    let (inline, summary) = server_errors(&failure, &CAP_LABELS);
                    show(&inline);
                    form_error.set(Some(summary));
                }
            }
        });
    };

    view! {
        <form
            class="form billing__panel"
            novalidate
            aria-labelledby=labelled_by
            on:submit=on_submit
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    close();
                }
            }
        >
            <h4 id=title_id class="billing__panel-title">"Caps of "{instance.name.clone()}</h4>
            <FormError message=form_error.into() />
            <div class="instance__caps">
                {CAP_LABELS
                    .iter()
                    .zip(errors)
                    .zip([soft, allocation, hard])
                    .map(|(((field, label), error), value)| view! {
                        <InputField
                            id=format!("caps-{field}")
                            label=label
                            value=value
                            error=error
                            input_type="number"
                            inputmode="numeric"
                        />
                    })
                    .collect_view()}
            </div>
            <p class="field__hint">
                "Soft ≤ allocation ≤ hard; the hard cap may not go below the "{seats}" seats in use."
            </p>
            <div class="account__actions">
                <SubmitButton pending=pending.into() label="Save caps" busy_label="Saving…" />
                <button class="button button--secondary" type="button" on:click=move |_| close()>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// "Add instance": a product (one that runs on instances), name, address, caps, flags.
#[component]
fn AddInstance(page: Page) -> impl IntoView {
    let products = page.list.with_untracked(|list| match list {
        Some(Ok(list)) => by_product(list).into_iter().map(|(slug, _)| slug).collect(),
        _ => Vec::new(),
    });
    let product = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let base_url = RwSignal::new(String::new());
    let soft = RwSignal::new("80".to_owned());
    let allocation = RwSignal::new("90".to_owned());
    let hard = RwSignal::new("100".to_owned());
    let active = RwSignal::new(true);
    let auto_allocate = RwSignal::new(true);
    const FIELDS: [(&str, &str); 6] = [
        ("product", "Product"),
        ("name", "Name"),
        ("base_url", "Address"),
        ("soft_cap", "Soft cap"),
        ("allocation_cap", "Allocation cap"),
        ("hard_cap", "Hard cap"),
    ];
    let errors = FIELDS.map(|_| RwSignal::new(None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let show = move |found: &FieldErrors| {
        for ((field, _), error) in FIELDS.iter().zip(errors) {
            error.set(found.get(field).cloned());
        }
    };

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let mut found = match check_caps(
            &soft.get_untracked(),
            &allocation.get_untracked(),
            &hard.get_untracked(),
            0,
        ) {
            Ok(_) => FieldErrors::new(),
            Err(found) => found,
        };
        for (field, value, problem) in [
            ("product", product, "Enter the product’s slug."),
            ("name", name, "Enter a name for the instance."),
            (
                "base_url",
                base_url,
                "Enter the instance's address, starting with https://.",
            ),
        ] {
            if value.with_untracked(|v| v.trim().is_empty()) {
                found.insert(field, problem.to_owned());
            }
        }
        show(&found);
        if let Some((field, _)) = FIELDS.iter().find(|(f, _)| found.contains_key(f)) {
            focus_id(&format!("new-{field}"));
            return;
        }
        let Ok((soft_cap, allocation_cap, hard_cap)) = check_caps(
            &soft.get_untracked(),
            &allocation.get_untracked(),
            &hard.get_untracked(),
            0,
        ) else {
            return;
        };
        let body = NewInstanceRequest {
            product: product.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            base_url: base_url.get_untracked().trim().to_owned(),
            active: active.get_untracked(),
            auto_allocate: auto_allocate.get_untracked(),
            soft_cap,
            allocation_cap,
            hard_cap,
            connector: None,
        };
        pending.set(true);
        page.status.set(None);
        spawn_local(async move {
            let answer = page
                .auth
                .call(|api| async move { api.create_instance(&body).await })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(created) => {
                    page.status.set(Some(format!(
                        "{} added to {}.",
                        created.name, created.product_slug
                    )));
                    let id = created.id;
                    page.keep(created);
                    name.set(String::new());
                    base_url.set(String::new());
                    focus_id(&format!("instance-{id}"));
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
        <section class="card account__card" aria-labelledby="add-title">
            <h2 id="add-title" class="account__title">"Add instance"</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormError message=form_error.into() />
                <InputField
                    id="new-product"
                    label="Product"
                    hint="The slug of a product that runs on instances."
                    suggestions=products
                    value=product
                    error=errors[0]
                />
                <InputField id="new-name" label="Name" value=name error=errors[1] />
                <InputField
                    id="new-base_url"
                    label="Address"
                    input_type="url"
                    hint="Where the instance runs, such as https://eu-2.example.com."
                    value=base_url
                    error=errors[2]
                />
                <div class="instance__caps">
                    <InputField id="new-soft_cap" label="Soft cap" input_type="number" inputmode="numeric" value=soft error=errors[3] />
                    <InputField id="new-allocation_cap" label="Allocation cap" input_type="number" inputmode="numeric" value=allocation error=errors[4] />
                    <InputField id="new-hard_cap" label="Hard cap" input_type="number" inputmode="numeric" value=hard error=errors[5] />
                </div>
                <Checkbox name="new-active" label="Active" checked=active />
                <Checkbox
                    name="new-auto_allocate"
                    label="Automatic placement may choose it"
                    checked=auto_allocate
                />
                <div class="account__actions">
                    <SubmitButton pending=pending.into() label="Add instance" busy_label="Adding…" />
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(product: &str, name: &str, seats: i32, caps: (i32, i32, i32)) -> InstanceView {
        serde_json::from_value(serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000001",
            "product_id": "00000000-0000-0000-0000-000000000002",
            "product_slug": product,
            "name": name,
            "base_url": "https://x.example",
            "active": true,
            "auto_allocate": true,
            "soft_cap": caps.0,
            "allocation_cap": caps.1,
            "hard_cap": caps.2,
            "allocated_seats": seats,
            "connector": {"kind": "none", "url": null, "group": null, "webhook_secret": null, "has_token": false},
        }))
        .unwrap()
    }

    #[test]
    fn instances_group_by_product_in_order() {
        let list = [
            instance("chat", "a", 0, (1, 2, 3)),
            instance("wiki", "b", 0, (1, 2, 3)),
            instance("chat", "c", 0, (1, 2, 3)),
        ];
        let groups = by_product(&list);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "chat");
        assert_eq!(groups[0].1.len(), 2);
        assert_eq!(groups[1].0, "wiki");
    }

    #[test]
    fn capacity_reads_as_words_and_colours_past_the_soft_cap() {
        let one = instance("chat", "a", 12, (15, 18, 20));
        assert_eq!(
            capacity_text((&one).into()),
            "12 of 20 seats; soft cap 15, allocation cap 18, hard cap 20"
        );
        assert_eq!(fullness((&one).into()), "ok");
        assert_eq!(
            fullness((&instance("chat", "a", 16, (15, 18, 20))).into()),
            "over-soft"
        );
        assert_eq!(
            fullness((&instance("chat", "a", 18, (15, 18, 20))).into()),
            "over-allocation"
        );
        assert_eq!(
            fullness((&instance("chat", "a", 20, (15, 18, 20))).into()),
            "full"
        );
        assert_eq!(percent(5, 20), 25.0);
        assert_eq!(percent(30, 20), 100.0);
        assert_eq!(percent(1, 0), 0.0);
    }

    #[test]
    fn seats_move_to_the_products_other_active_instances_with_their_room() {
        let mut list = vec![
            instance("chat", "a", 3, (5, 8, 10)),
            instance("chat", "b", 7, (5, 8, 10)),
            instance("chat", "c", 0, (5, 8, 10)),
            instance("wiki", "d", 0, (5, 8, 10)),
        ];
        for (n, one) in list.iter_mut().enumerate() {
            one.id = id_of(n + 10);
        }
        list[2].active = false;
        list[3].product_id = id_of(99);
        let targets = move_targets(&list, list[0].id);
        assert_eq!(
            targets,
            vec![(list[1].id, "b: room for 3 (7 of 10 seats)".to_owned())]
        );
        assert!(move_targets(&list, id_of(1)).is_empty());
    }

    /// An id (of any kind) ending in `n`.
    fn id_of<T: serde::de::DeserializeOwned>(n: usize) -> T {
        serde_json::from_value(serde_json::json!(format!(
            "00000000-0000-0000-0000-{n:012}"
        )))
        .unwrap()
    }

    #[test]
    fn a_drain_is_followed_until_empty_or_three_polls_without_a_move() {
        let start = DrainProgress::start(12);
        assert!(start.running());
        assert_eq!(start.label(), "Moving seats: 12 left");
        let moving = start.next(9).next(9).next(4);
        assert_eq!((moving.left, moving.still, moving.total), (4, 0, 12));
        assert!(moving.running());
        assert!(moving.next(0).done());
        assert!(!moving.next(0).stuck());
        let stalled = moving.next(4).next(4);
        assert!(stalled.running());
        assert!(stalled.next(4).stuck());
        assert!(DrainProgress::start(0).done());
        assert_eq!(seats_text(1), "1 seat");
        assert_eq!(seats_text(3), "3 seats");
    }

    #[test]
    fn caps_must_be_ordered_numbers_above_the_seats_in_use() {
        assert_eq!(check_caps("15", "18", "20", 12), Ok((15, 18, 20)));
        let errors = check_caps("19", "18", "20", 12).unwrap_err();
        assert!(errors.contains_key("soft_cap"));
        let errors = check_caps("15", "21", "20", 12).unwrap_err();
        assert!(errors.contains_key("allocation_cap"));
        let errors = check_caps("5", "8", "10", 12).unwrap_err();
        assert!(errors["hard_cap"].contains("12 seats"));
        let errors = check_caps("x", "-1", "", 0).unwrap_err();
        assert_eq!(errors.len(), 3);
    }
}
