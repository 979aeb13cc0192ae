//! `/admin/instances`: the product instances, by product. Each shows its seats against
//! its three caps (a bar with a mark per cap, and the same in words), whether it is
//! active and open to automatic placement, and "Edit caps" (one instance at a time).
//! "Add instance" creates one. The caps must stay ordered (soft ≤ allocation ≤ hard),
//! checked here before sending and by the API again; a role that may not change
//! instances reads the API's reason.

use gatehouse_shared::ids::InstanceId;
use gatehouse_shared::instances::{InstanceUpdate, InstanceView, NewInstanceRequest};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AdminPage, InputField, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::browser::focus_id;
use crate::form::{server_errors, Checkbox, FieldErrors, FormError, FormStatus, SubmitButton};

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
}

impl Page {
    fn read(self) {
        self.list.set(None);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.instances().await })
                .await;
            _ = self.list.try_set(Some(answer.map(|list| list.instances)));
        });
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
    };
    page.read();
    let products = Memo::new(move |_| {
        page.list.with(|list| match list {
            Some(Ok(list)) => Some(by_product(list)),
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
                            {group.into_iter().map(|instance| instance_item(page, instance)).collect_view()}
                        </ul>
                    </section>
                })
                .collect_view()
        })}
        {move || products.with(Option::is_some).then(|| view! { <AddInstance page /> })}
    }
}

/// One instance: its name and address, flags, capacity, and editing its caps.
fn instance_item(page: Page, instance: InstanceView) -> impl IntoView {
    let id = instance.id;
    let title_id = format!("instance-{id}");
    let edit_id = format!("edit-caps-{id}");
    let editing = move || page.editing.get() == Some(id);
    let open = move |_| {
        page.status.set(None);
        page.editing.set(Some(id));
        focus_id("caps-soft_cap");
    };
    let flag = |on: bool, yes: &'static str, no: &'static str| {
        view! { <span class="tag" class:tag--warning=!on>{if on { yes } else { no }}</span> }
    };
    let for_form = instance.clone();
    view! {
        <li class="instance">
            <div class="account__head">
                <h3 id=title_id.clone() class="card__title" tabindex="-1">{instance.name.clone()}</h3>
                <span class="instance__flags">
                    {flag(instance.active, "Active", "Inactive")}
                    {flag(instance.auto_allocate, "Auto-allocate on", "Auto-allocate off")}
                </span>
            </div>
            <p class="instance__url"><code>{instance.base_url.clone()}</code></p>
            <CapacityBar caps=Caps::from(&instance) />
            <div class="account__actions" hidden=editing>
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
            </div>
            {move || editing().then(|| view! { <EditCaps page instance=for_form.clone() /> })}
        </li>
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
