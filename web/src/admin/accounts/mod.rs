//! `/admin/accounts`: customers' accounts for staff. A search (part of a name, a member's
//! email, username or last name, a Stripe customer id or account id) and a status,
//! kept in the page's address so a search can be shared; the API counts and pages, and
//! each account opens its page ([`detail`]): everything about it and what staff may do
//! to it and its members. These pages are a bundle of their own ([`AccountsApp`],
//! `web/accounts.html`): neither the admin nor the support bundle could hold them within
//! its budget.

mod credits;
pub mod detail;
mod members;
mod transfers;

use std::fmt;

use gatehouse_shared::admin_accounts::{
    AccountResync, AdminAccount, AdminAccountDetail, AdminAccountPage, StaffReason, UserActionDone,
    ViewAs, ViewAsToken,
};
use gatehouse_shared::credits::{AdjustCredits, CreditTransaction};
use gatehouse_shared::plans::{BankTransfer, ConfirmBankTransfer};
use gloo_net::http::Method;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::admin::pager::{position, Pager};
use crate::admin::{time_text, AdminPage, InputField, LoadError};
use crate::api::{ApiError, AuthorizedApi};
use crate::auth::{use_auth, Auth};
use crate::browser::focus_id;
use crate::form::{server_errors, FormError, Select, SubmitButton};
use crate::guard::encode_query_value;

/// This bundle's name in [`gatehouse_shared::spa::BUNDLES`].
pub const BUNDLE: &str = "accounts";

/// The accounts bundle's app: `/admin/accounts` and each account's page, in the admin
/// area's frame; every other path is handed to the bundle that owns it.
#[component]
pub fn AccountsApp() -> impl IntoView {
    crate::shell::provide_site();
    view! {
        <leptos_router::components::Router>
            <crate::shell::Site>
                <leptos_router::components::Routes fallback=|| {
                    view! { <crate::shell::NotFound bundle=BUNDLE /> }
                }>
                    <leptos_router::components::Route
                        path=leptos_router::path!("/admin/accounts")
                        view=AccountsRoute
                    />
                    <leptos_router::components::Route
                        path=leptos_router::path!("/admin/accounts/:id")
                        view=detail::AccountRoute
                    />
                </leptos_router::components::Routes>
            </crate::shell::Site>
        </leptos_router::components::Router>
    }
}

/// Accounts per page.
pub const PER_PAGE: i64 = 25;

/// The status filter's choices: the API's statuses, and any.
pub const STATUSES: [(&str, &str); 7] = [
    ("", "Any status"),
    ("trial", "Trial"),
    ("active", "Active"),
    ("past_due", "Past due"),
    ("pending_payment", "Pending payment"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
];

/// The orders the API can list accounts in (the first is its default).
pub const SORTS: [(&str, &str); 4] = [
    ("", "Newest first"),
    ("oldest", "Oldest first"),
    ("name", "Name"),
    ("status", "Status, then name"),
];

/// An account's status in words; one this page does not know shows as it came.
pub fn status_label(status: &str) -> &str {
    STATUSES
        .iter()
        .skip(1)
        .find(|(value, _)| *value == status)
        .map_or(status, |(_, label)| label)
}

/// The search as typed: words to look for, one status (empty: any) and the order
/// (empty: newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub q: String,
    pub status: String,
    pub sort: String,
}

impl Search {
    fn pairs(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| (name, encode_query_value(value.trim())))
    }

    /// The query string of one page of the search, for the API.
    pub fn page_query(&self, page: i64) -> String {
        self.pairs()
            .map(|(name, value)| format!("{name}={value}&"))
            .chain([format!("page={page}&per_page={PER_PAGE}")])
            .collect()
    }

    /// The page's own address for this search (`/admin/accounts?…`).
    pub fn address(&self, page: i64) -> String {
        let mut query: Vec<String> = self
            .pairs()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if page > 1 {
            query.push(format!("page={page}"));
        }
        if query.is_empty() {
            "/admin/accounts".to_owned()
        } else {
            format!("/admin/accounts?{}", query.join("&"))
        }
    }
}

/// Staff's calls about customers' accounts and people (`403 forbidden_area` when the
/// staff role may not change them).
impl AuthorizedApi {
    /// `GET /api/v1/admin/accounts?{query}`: in the order asked for (`422` on an unknown
    /// `status` or `sort`).
    pub async fn admin_accounts(&self, query: &str) -> Result<AdminAccountPage, ApiError> {
        let path = format!("/admin/accounts?{query}");
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `GET /api/v1/admin/accounts/{id}`: everything about one account.
    pub async fn admin_account(&self, id: &str) -> Result<AdminAccountDetail, ApiError> {
        let path = format!("/admin/accounts/{}", encode_query_value(id));
        self.call::<(), _>(Method::GET, &path, None).await
    }

    /// `POST /api/v1/admin/accounts/{id}/suspend` or `…/reactivate` (`409
    /// already_suspended`, `not_suspended_by_staff`, `status_transition_refused`).
    pub async fn hold_account(
        &self,
        id: &str,
        suspend: bool,
        body: &StaffReason,
    ) -> Result<AdminAccount, ApiError> {
        let verb = if suspend { "suspend" } else { "reactivate" };
        let path = format!("/admin/accounts/{}/{verb}", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `POST /api/v1/admin/accounts/{id}/resync`: its subscriptions read again from Stripe.
    pub async fn resync_account(
        &self,
        id: &str,
        body: &StaffReason,
    ) -> Result<AccountResync, ApiError> {
        let path = format!("/admin/accounts/{}/resync", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `POST /api/v1/admin/accounts/{id}/view-as`: a read-only token acting as a member.
    pub async fn view_as(&self, id: &str, body: &ViewAs) -> Result<ViewAsToken, ApiError> {
        let path = format!("/admin/accounts/{}/view-as", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `POST /api/v1/admin/users/{id}/{action}`: `sessions/revoke`, `verification-email`
    /// (`409 already_verified`) or `password-reset`.
    pub async fn act_on_user(
        &self,
        user: impl fmt::Display,
        action: &str,
    ) -> Result<UserActionDone, ApiError> {
        let path = format!("/admin/users/{user}/{action}");
        self.call::<(), _>(Method::POST, &path, None).await
    }

    /// `POST /api/v1/admin/accounts/{id}/credits`: a grant or an adjustment (`409
    /// insufficient_credits`; `422` per field).
    pub async fn adjust_credits(
        &self,
        id: &str,
        body: &AdjustCredits,
    ) -> Result<CreditTransaction, ApiError> {
        let path = format!("/admin/accounts/{}/credits", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }

    /// `POST /api/v1/admin/accounts/{id}/bank-transfers` (`409
    /// transfer_already_confirmed`; `422` per field).
    pub async fn confirm_bank_transfer(
        &self,
        id: &str,
        body: &ConfirmBankTransfer,
    ) -> Result<BankTransfer, ApiError> {
        let path = format!("/admin/accounts/{}/bank-transfers", encode_query_value(id));
        self.call(Method::POST, &path, Some(body)).await
    }
}

#[component]
pub fn AccountsRoute() -> impl IntoView {
    view! {
        <AdminPage title="Accounts">
            <Accounts />
        </AdminPage>
    }
}

/// Reads the page's address.
type Here = Box<dyn Fn() -> String>;
/// Moves the page's address.
type Go = Box<dyn Fn(&str)>;

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
struct Finder {
    auth: Auth,
    q: RwSignal<String>,
    status: RwSignal<String>,
    sort: RwSignal<String>,
    /// The search of the accounts shown.
    applied: RwSignal<Search>,
    /// The last page read; `None` before the first answer.
    list: RwSignal<Option<Result<AdminAccountPage, ApiError>>>,
    loading: RwSignal<bool>,
    status_error: RwSignal<Option<String>>,
    sort_error: RwSignal<Option<String>>,
    form_error: RwSignal<Option<String>>,
    here: StoredValue<Here, LocalStorage>,
    go: StoredValue<Go, LocalStorage>,
}

impl Finder {
    /// Reads page `page` of `search`; on success it becomes the one shown.
    fn read(self, search: Search, page: i64) {
        let address = search.address(page);
        if address != self.here.with_value(|here| here()) {
            self.go.with_value(|go| go(&address));
        }
        self.loading.set(true);
        self.form_error.set(None);
        let query = search.page_query(page);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.admin_accounts(&query).await })
                .await;
            if self.loading.try_set(false).is_some() {
                return; // the page is gone
            }
            match answer {
                Ok(found) => {
                    self.status_error.set(None);
                    self.applied.set(search);
                    self.list.set(Some(Ok(found)));
                }
                Err(failure) if failure.fields().is_empty() => {
                    self.list.set(Some(Err(failure)));
                }
                Err(failure) => {
                    let (mut inline, summary) =
                        server_errors(&failure, &[("status", "Status"), ("sort", "Order")]);
                    self.status_error.set(inline.remove("status"));
                    self.sort_error.set(inline.remove("sort"));
                    self.form_error.set(Some(summary));
                    if self.list.with_untracked(Option::is_none) {
                        self.list.set(Some(Ok(AdminAccountPage {
                            accounts: Vec::new(),
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
fn Accounts() -> impl IntoView {
    let location = use_location();
    let navigate = use_navigate();
    let (search, page) = use_query_map().with_untracked(|query| {
        let page = query
            .get("page")
            .and_then(|page| page.parse::<i64>().ok())
            .filter(|page| *page >= 1)
            .unwrap_or(1);
        let search = Search {
            q: query.get("q").unwrap_or_default(),
            status: query.get("status").unwrap_or_default(),
            sort: query.get("sort").unwrap_or_default(),
        };
        (search, page)
    });
    let finder = Finder {
        auth: use_auth(),
        q: RwSignal::new(search.q.clone()),
        status: RwSignal::new(search.status.clone()),
        sort: RwSignal::new(search.sort.clone()),
        applied: RwSignal::new(Search::default()),
        list: RwSignal::new(None),
        loading: RwSignal::new(false),
        status_error: RwSignal::new(None),
        sort_error: RwSignal::new(None),
        form_error: RwSignal::new(None),
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
    finder.read(search, page);

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let search = Search {
            q: finder.q.get_untracked(),
            status: finder.status.get_untracked(),
            sort: finder.sort.get_untracked(),
        };
        finder.read(search, 1);
    };

    view! {
        <header class="account__intro">
            <h1>"Accounts"</h1>
            <p class="lead">
                "Customers’ accounts: find one by a name, a member’s email or username, or a Stripe customer id; list them in the order you choose."
            </p>
        </header>
        <section class="card account__card" aria-labelledby="search-title">
            <h2 id="search-title" class="account__title">"Search"</h2>
            <form class="form" role="search" aria-labelledby="search-title" novalidate on:submit=on_submit>
                <FormError message=finder.form_error.into() />
                <div class="audit__fields">
                    <InputField
                        id="accounts-q"
                        label="Name, email, username or id"
                        optional=true
                        input_type="search"
                        value=finder.q
                    />
                    <Select
                        id="accounts-status"
                        name="status"
                        label="Status"
                        choices=&STATUSES
                        value=finder.status
                        error=finder.status_error
                    />
                    <Select
                        id="accounts-sort"
                        name="sort"
                        label="Order"
                        choices=&SORTS
                        value=finder.sort
                        error=finder.sort_error
                    />
                </div>
                <div class="account__actions">
                    <SubmitButton pending=finder.loading.into() label="Search" busy_label="Searching…" />
                </div>
            </form>
        </section>
        <section class="card account__card" aria-labelledby="accounts-title" aria-busy=move || finder.loading.get().then_some("true")>
            <h2 id="accounts-title" class="account__title" tabindex="-1">"Found"</h2>
            {move || finder.list.with(|list| match list {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading accounts…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError
                        what="The accounts"
                        error=error.clone()
                        retry=move || finder.read(finder.applied.get_untracked(), 1)
                    />
                }
                .into_any(),
                Some(Ok(found)) if found.accounts.is_empty() => view! {
                    <p class="account__text">"No accounts match this search."</p>
                }
                .into_any(),
                Some(Ok(found)) => accounts_table(found).into_any(),
            })}
            <Pager
                shown=Signal::derive(move || {
                    finder.list.with(|list| match list {
                        Some(Ok(found)) => Some(position(found.page, found.per_page, found.total)),
                        _ => None,
                    })
                })
                label="Account pages"
                noun=("account", "accounts")
                loading=finder.loading
                go=move |page| {
                    finder.read(finder.applied.get_untracked(), page);
                    focus_id("accounts-title");
                }
            />
        </section>
    }
}

/// The table's columns.
const COLUMNS: [&str; 5] = ["Account", "Owner", "Status", "Members", "Created"];

/// The accounts found; on a phone each row stacks into a card, cells labelled by column.
fn accounts_table(found: &AdminAccountPage) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-labelledby="accounts-caption" tabindex="0">
            <table class="admin-table admin-table--stack" role="table">
                <caption id="accounts-caption" class="visually-hidden">"Accounts found, in the order chosen"</caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {COLUMNS
                            .iter()
                            .map(|column| view! { <th scope="col" role="columnheader">{*column}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody role="rowgroup">
                    {found.accounts.iter().map(account_row).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn account_row(account: &AdminAccount) -> impl IntoView {
    view! {
        <tr role="row">
            <td class="admin-table__wrap" role="cell" data-label=COLUMNS[0]>
                <a href=format!("/admin/accounts/{}", account.id)>{account.name.clone()}</a>
                " "
                <span class="tag">{if account.personal { "Personal" } else { "Team" }}</span>
            </td>
            <td class="admin-table__wrap" role="cell" data-label=COLUMNS[1]>
                {account.owner_email.clone().unwrap_or_else(|| "—".into())}
            </td>
            <td role="cell" data-label=COLUMNS[2]>
                <StatusTags account=account.clone() />
            </td>
            <td role="cell" data-label=COLUMNS[3]>{account.members}</td>
            <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[4]>
                <time datetime=account.created_at.clone()>{time_text(&account.created_at)}</time>
            </td>
        </tr>
    }
}

/// The account's status, and "Held by staff" when staff suspended it.
#[component]
pub fn StatusTags(account: AdminAccount) -> impl IntoView {
    let warning = matches!(
        account.status.as_str(),
        "past_due" | "pending_payment" | "suspended" | "cancelled"
    );
    view! {
        <span class="accounts__status">
            <span class="tag" class:tag--warning=warning>{status_label(&account.status).to_owned()}</span>
            {account.held.then(|| view! { <span class="tag tag--warning">"Held by staff"</span> })}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(status_label("past_due"), "Past due");
        assert_eq!(status_label("suspended"), "Suspended");
        assert_eq!(status_label("frozen"), "frozen");
        assert_eq!(status_label(""), "");
    }

    #[test]
    fn the_search_becomes_a_query_and_an_address() {
        assert_eq!(Search::default().page_query(1), "page=1&per_page=25");
        assert_eq!(Search::default().address(1), "/admin/accounts");
        let search = Search {
            q: " ada@example.org ".into(),
            status: "suspended".into(),
            sort: String::new(),
        };
        assert_eq!(
            search.page_query(2),
            "q=ada%40example.org&status=suspended&page=2&per_page=25"
        );
        let by_name = Search {
            sort: "name".into(),
            ..Search::default()
        };
        assert_eq!(by_name.page_query(1), "sort=name&page=1&per_page=25");
        assert_eq!(by_name.address(1), "/admin/accounts?sort=name");
        assert_eq!(
            search.address(2),
            "/admin/accounts?q=ada%40example.org&status=suspended&page=2"
        );
        assert_eq!(
            search.address(1),
            "/admin/accounts?q=ada%40example.org&status=suspended"
        );
    }
}
