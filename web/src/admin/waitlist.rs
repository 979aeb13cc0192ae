//! `/admin/waitlist`: the people waiting for Gatehouse, oldest first, a hundred at a
//! time; "Invite" emails one of them a link to sign up (again, if need be), and "Export
//! CSV" saves the whole list as `waitlist.csv`.

use gatehouse_shared::onboarding::{WaitlistEntry, WaitlistPage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{time_text, AdminPage, ExportCsv, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::form::FormStatus;

/// Entries per page.
pub const PER_PAGE: i64 = 100;

#[component]
pub fn WaitlistRoute() -> impl IntoView {
    view! {
        <AdminPage title="Waitlist">
            <Waitlist />
        </AdminPage>
    }
}

#[derive(Clone, Copy)]
struct List {
    auth: Auth,
    offset: RwSignal<i64>,
    page: RwSignal<Option<Result<WaitlistPage, ApiError>>>,
    status: RwSignal<Option<String>>,
}

impl List {
    fn read(self, offset: i64) {
        self.page.set(None);
        self.offset.set(offset);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.waitlist(offset, PER_PAGE).await })
                .await;
            _ = self.page.try_set(Some(answer));
        });
    }
}

#[component]
fn Waitlist() -> impl IntoView {
    let list = List {
        auth: use_auth(),
        offset: RwSignal::new(0),
        page: RwSignal::new(None),
        status: RwSignal::new(None),
    };
    list.read(0);
    view! {
        <header class="account__intro">
            <h1>"Waitlist"</h1>
            <p class="lead">"People waiting to sign up, oldest first. Inviting emails them a link to sign up."</p>
        </header>
        <FormStatus message=list.status.into() />
        <section class="card account__card" aria-labelledby="waitlist-title">
            <div class="account__head">
                <h2 id="waitlist-title" class="account__title">"Waiting"</h2>
                <ExportCsv
                    path=|| "/admin/waitlist.csv".to_owned()
                    file="waitlist.csv"
                    saved="The whole waitlist is saved as waitlist.csv."
                    status=list.status
                    class="button button--secondary button--small"
                />
            </div>
            {move || list.page.with(|page| match page {
                None => view! {
                    <div class="loading" role="status" aria-live="polite" aria-busy="true">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading the waitlist…"
                    </div>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <LoadError what="The waitlist" error=error.clone() retry=move || list.read(list.offset.get_untracked()) />
                }
                .into_any(),
                Some(Ok(page)) if page.entries.is_empty() => view! {
                    <p class="account__text">"Nobody is waiting."</p>
                }
                .into_any(),
                Some(Ok(page)) => entries_table(list, page).into_any(),
            })}
        </section>
    }
}

fn entries_table(list: List, page: &WaitlistPage) -> impl IntoView {
    let offset = list.offset.get_untracked();
    let total = page.total;
    let shown_to = offset + page.entries.len() as i64;
    view! {
        <div class="table-scroll" role="region" aria-labelledby="waitlist-caption" tabindex="0">
            <table class="admin-table admin-table--stack" role="table">
                <caption id="waitlist-caption" class="visually-hidden">"People on the waitlist, oldest first"</caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {COLUMNS
                            .iter()
                            .map(|column| view! { <th scope="col" role="columnheader">{*column}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody role="rowgroup">
                    {page.entries.iter().map(|entry| entry_row(list, entry.clone())).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Waitlist pages">
            <button
                class="button button--secondary button--small"
                type="button"
                disabled={ offset <= 0 }
                on:click=move |_| list.read((offset - PER_PAGE).max(0))
            >
                "Previous"<span class="visually-hidden">" page"</span>
            </button>
            <p class="pager__where">{offset + 1}"–"{shown_to}" of "{total}</p>
            <button
                class="button button--secondary button--small"
                type="button"
                disabled={ shown_to >= total }
                on:click=move |_| list.read(offset + PER_PAGE)
            >
                "Next"<span class="visually-hidden">" page"</span>
            </button>
        </nav>
    }
}

/// The table's columns (also each cell's label on a phone).
const COLUMNS: [&str; 5] = ["Email", "Name", "Product", "Joined", "Invited"];

/// One person, and inviting them.
fn entry_row(list: List, entry: WaitlistEntry) -> impl IntoView {
    let invited = RwSignal::new(entry.invited_at.clone());
    let inviting = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let (id, email) = (entry.id, entry.email.clone());
    let invite = move |_| {
        if inviting.get_untracked() {
            return;
        }
        inviting.set(true);
        error.set(None);
        let email = email.clone();
        spawn_local(async move {
            let answer = list
                .auth
                .call(|api| async move { api.invite_from_waitlist(id).await })
                .await;
            if inviting.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(entry) => {
                    invited.set(entry.invited_at);
                    list.status.set(Some(format!("{email} is invited.")));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <tr role="row">
            <td class="admin-table__wrap" role="cell" data-label=COLUMNS[0]>{entry.email.clone()}</td>
            <td class="admin-table__wrap" role="cell" data-label=COLUMNS[1]>
                {if entry.name.is_empty() { "—".to_owned() } else { entry.name.clone() }}
            </td>
            <td role="cell" data-label=COLUMNS[2]>{entry.product.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="admin-table__nowrap" role="cell" data-label=COLUMNS[3]>
                <time datetime=entry.created_at.clone()>{time_text(&entry.created_at)}</time>
            </td>
            <td role="cell" data-label=COLUMNS[4]>
                <p class="admin-table__nowrap">
                    {move || invited.get().map_or_else(|| "Not yet".to_owned(), |at| time_text(&at))}
                </p>
                <button
                    class="button button--secondary button--small"
                    type="button"
                    disabled=move || inviting.get()
                    aria-busy=move || inviting.get().then_some("true")
                    on:click=invite
                >
                    {move || match (inviting.get(), invited.with(Option::is_some)) {
                        (true, _) => "Inviting…",
                        (false, true) => "Invite again",
                        (false, false) => "Invite",
                    }}
                    <span class="visually-hidden">" "{entry.email.clone()}</span>
                </button>
                <div role="alert">{move || error.get().map(|error| view! { <p class="form-error">{error}</p> })}</div>
            </td>
        </tr>
    }
}
