//! The admin area (`gatehouse-admin`, `web/admin.html`), its own Wasm bundle: the pages
//! staff use to run the installation, under `/admin`, in the same frame as the main app
//! ([`crate::shell`]). `/admin` is its home, the overview of key figures and charts
//! ([`overview`]), `/admin/audit` the audit log ([`audit`]), `/admin/webhooks` Stripe's
//! events and the background jobs ([`webhooks`]) and `/admin/waitlist` the waitlist
//! ([`waitlist`]). Four parts are pages of other bundles, in this area's frame and
//! navigation, because this bundle could not hold them within its budget:
//! `/admin/accounts` (customers' accounts, [`accounts`]) in the accounts bundle
//! ([`accounts::AccountsApp`]), `/admin/tickets` (support tickets,
//! [`crate::support::staff_tickets`]) in the support bundle, `/admin/catalog` (the products, prices, plan terms and entitlement keys,
//! [`catalog`]) and `/admin/instances` (the product instances with their seats and caps,
//! [`instances`]) in the catalog bundle.
//! Every page is behind sign-in and [`StaffOnly`]:
//! customers read that the area is for staff, and staff who must turn on two-factor
//! authentication are sent to their account settings. The API checks all of it again
//! (`403`), and what a staff role may do per area is the API's to say: pages show its
//! message.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod instances;
pub mod overview;
pub mod pager;
pub mod waitlist;
pub mod webhooks;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::guard::RequireSignIn;
use crate::shell::{provide_site, NotFound, Site};
use crate::title::Title;

/// This bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const BUNDLE: &str = "admin";

/// The admin area's pages, in the order of its navigation: path, label, what it is for.
pub const PAGES: [(&str, &str, &str); 8] = [
    (
        "/admin",
        "Overview",
        "Key figures, sign-ups, accounts by status and capacity; the parts of the admin area.",
    ),
    (
        "/admin/accounts",
        "Accounts",
        "Customers’ accounts: find one, see its members, billing and history, suspend or reactivate it, confirm bank transfers, view it as the customer.",
    ),
    (
        "/admin/tickets",
        "Tickets",
        "Customers' support tickets: read the thread, reply, close what is settled.",
    ),
    (
        "/admin/audit",
        "Audit log",
        "Who changed what, with the record before and after; filter and export as CSV.",
    ),
    (
        "/admin/catalog",
        "Catalog",
        "Products, prices and plan terms: add, edit, retire; the entitlement keys products grant.",
    ),
    (
        "/admin/instances",
        "Instances",
        "Product instances by product: seats and who holds them, moving seats, draining, caps.",
    ),
    (
        "/admin/webhooks",
        "Webhooks and jobs",
        "Stripe's events with their payloads, replays and discards, and the background jobs by state.",
    ),
    (
        "/admin/waitlist",
        "Waitlist",
        "People waiting to sign up: invite them, export the list as CSV.",
    ),
];

#[component]
pub fn AdminApp() -> impl IntoView {
    provide_site();
    view! {
        <Router>
            <Site>
                <Routes fallback=|| view! { <NotFound bundle=BUNDLE /> }>
                    <Route path=path!("/admin") view=overview::OverviewRoute />
                    <Route path=path!("/admin/audit") view=audit::AuditRoute />
                    <Route path=path!("/admin/webhooks") view=webhooks::WebhooksRoute />
                    <Route path=path!("/admin/waitlist") view=waitlist::WaitlistRoute />
                </Routes>
            </Site>
        </Router>
    }
}

/// A staff role in words.
pub fn role_label(role: &str) -> &str {
    match role {
        "support" => "Support",
        "billing" => "Billing",
        "admin" => "Administrator",
        other => other,
    }
}

/// What a staff role may do, in a sentence (the API's `admin::roles` table, read aloud).
pub fn role_summary(role: &str) -> &'static str {
    match role {
        "support" => "You may read every area and change accounts, instances and the waitlist.",
        "billing" => "You may read every area and change billing, the catalog and webhooks.",
        "admin" => "You may read and change every area.",
        _ => "Gatehouse decides per area what your role may do.",
    }
}

/// A page of the admin area: its title, the admin navigation, and `children` for staff
/// only (signed in first).
#[component]
pub fn AdminPage(title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! {
        <Title text=title />
        <div class="container admin">
            <RequireSignIn>
                <StaffOnly children=children.clone() />
            </RequireSignIn>
        </div>
    }
}

/// Shows `children` to staff who may use the admin area now. Everyone else reads why
/// not, and sees no data: the pages below never load for them.
#[component]
pub fn StaffOnly(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let standing = Memo::new(move |_| auth.me().map(|me| (me.staff, me.mfa_required)));
    move || match standing.get() {
        Some((true, false)) => view! {
            <AdminNav />
            {children()}
        }
        .into_any(),
        Some((true, true)) => view! {
            <div class="notice notice--warning admin__gate" role="alert">
                <h1 class="notice__title">"Turn on two-factor authentication first"</h1>
                <p>
                    "Staff use the admin area only after signing in with a second factor. "
                    <a href="/account">"Turn it on in your account settings"</a>
                    ", then sign out and in again."
                </p>
            </div>
        }
        .into_any(),
        _ => view! {
            <div class="notice notice--warning admin__gate" role="alert">
                <h1 class="notice__title">"This area is for staff"</h1>
                <p>
                    "Your account cannot use the admin area. "
                    <a href="/dashboard">"Go to your dashboard"</a>
                    "."
                </p>
            </div>
        }
        .into_any(),
    }
}

/// The admin area's navigation, above every page; it wraps on a phone.
#[component]
fn AdminNav() -> impl IntoView {
    let location = use_location();
    view! {
        <nav class="admin-nav" aria-label="Admin area">
            <ul role="list">
                {PAGES
                    .iter()
                    .map(|&(href, label, _)| {
                        let current = move || (location.pathname.get() == href).then_some("page");
                        view! {
                            <li>
                                <a class="admin-nav__link" href=href aria-current=current>
                                    {label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// A failed read of an admin page: the API's reason (for `403` its own message, such as
/// a role that may not see the area) and a way to try again.
#[component]
pub fn LoadError(
    what: &'static str,
    error: ApiError,
    #[prop(into)] retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="notice notice--error" role="alert">
            <h2 class="notice__title">{what}" could not be loaded"</h2>
            <p>{error.message()}</p>
            <button class="button button--primary" type="button" on:click=move |_| retry.run(())>
                "Retry"
            </button>
        </div>
    }
}

/// The confirmation step of an action that cannot be undone: its question (`<id>-question`,
/// which the caller focuses on opening), what will happen, the action and "Cancel"
/// (Escape too). The action's failure shows inside.
#[component]
pub fn Confirm(
    #[prop(into)] id: String,
    question: String,
    explain: String,
    yes: &'static str,
    busy_label: &'static str,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    #[prop(into)] on_yes: Callback<()>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let question_id = format!("{id}-question");
    let labelled_by = question_id.clone();
    view! {
        <div
            id=id
            class="billing__panel"
            role="group"
            aria-labelledby=labelled_by
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    on_cancel.run(());
                }
            }
        >
            <h4 id=question_id class="billing__panel-title" tabindex="-1">{question}</h4>
            <p class="account__text">{explain}</p>
            <crate::form::FormError message=error.into() />
            <div class="account__actions">
                <button
                    class="button button--danger"
                    type="button"
                    disabled=move || busy.get()
                    aria-busy=move || busy.get().then_some("true")
                    on:click=move |_| on_yes.run(())
                >
                    {move || if busy.get() { busy_label } else { yes }}
                </button>
                <button class="button button--secondary" type="button" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}

/// One labelled input with optional suggestions (a `<datalist>`), a hint and an inline
/// error, wired like [`crate::form::Field`] (whose ids are fixed at compile time).
#[component]
pub fn InputField(
    /// The input's id and name (its hint's and error's ids start with it).
    #[prop(into)]
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// Values to offer while typing (any other value may be typed too).
    #[prop(optional)]
    suggestions: Vec<String>,
    #[prop(optional)] error: Option<RwSignal<Option<String>>>,
    /// Marks the label "(optional)"; every other field is required.
    #[prop(optional)]
    optional: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| RwSignal::new(None));
    let list_id = (!suggestions.is_empty()).then(|| format!("{id}-suggestions"));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = crate::form::described_by(&hint_id, hint.is_some(), &error_id, move || {
        error.with(Option::is_some)
    });
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for=id.clone()>
                {label}
                {optional.then(|| view! { <span class="field__optional">" (optional)"</span> })}
            </label>
            <input
                class="field__input"
                id=id.clone()
                name=id
                type=input_type
                inputmode=inputmode
                autocomplete="off"
                spellcheck="false"
                autocapitalize="none"
                list=list_id.clone()
                aria-required=(!optional).then_some("true")
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |event| {
                    _ = error.try_set(None);
                    _ = value.try_set(event_target_value(&event));
                }
            />
            {list_id.map(|list_id| view! {
                <datalist id=list_id>
                    {suggestions.into_iter().map(|choice| view! { <option value=choice></option> }).collect_view()}
                </datalist>
            })}
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            <p class="field__error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A `<time>` for an RFC 3339 instant, shown as `2026-11-30 08:15 UTC`.
pub fn time_text(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(minute)) if rfc3339.ends_with('Z') || rfc3339.ends_with("+00:00") => {
            format!("{day} {minute} UTC")
        }
        (Some(day), Some(minute)) => format!("{day} {minute}"),
        _ => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_words() {
        assert_eq!(role_label("admin"), "Administrator");
        assert_eq!(role_label("support"), "Support");
        assert_eq!(role_label("billing"), "Billing");
        assert_eq!(role_label("auditor"), "auditor");
        assert!(role_summary("admin").contains("every area"));
    }

    #[test]
    fn times_are_short_and_say_utc() {
        assert_eq!(
            time_text("2026-11-30T08:15:43.123Z"),
            "2026-11-30 08:15 UTC"
        );
        assert_eq!(
            time_text("2026-11-30T08:15:43+00:00"),
            "2026-11-30 08:15 UTC"
        );
        assert_eq!(time_text("2026-11-30T08:15:43+02:00"), "2026-11-30 08:15");
        assert_eq!(time_text("soon"), "soon");
    }
}

/// "Export CSV": fetches `path()` (an admin CSV route, with the token) and saves it as
/// `file`; `saved` is announced in `status` afterwards, failures beside the button.
#[component]
pub fn ExportCsv(
    /// The API path to read now (`/admin/audit.csv?…`).
    path: impl Fn() -> String + Copy + Send + Sync + 'static,
    file: &'static str,
    saved: &'static str,
    status: RwSignal<Option<String>>,
    #[prop(default = "button button--secondary")] class: &'static str,
) -> impl IntoView {
    let auth = use_auth();
    let exporting = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let export = move |_| {
        if exporting.get_untracked() {
            return;
        }
        exporting.set(true);
        error.set(None);
        status.set(None);
        let path = path();
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.admin_csv(&path).await })
                .await;
            if exporting.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(csv) => {
                    crate::browser::save_file(file, "text/csv", &csv);
                    status.set(Some(saved.into()));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <button
            class=class
            type="button"
            on:click=export
            disabled=move || exporting.get()
            aria-busy=move || exporting.get().then_some("true")
        >
            {move || if exporting.get() { "Exporting…" } else { "Export CSV" }}
        </button>
        <crate::form::FormError message=error.into() />
    }
}
