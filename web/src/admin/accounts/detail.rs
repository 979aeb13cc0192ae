//! `/admin/accounts/{id}`: one customer's account as staff see it, in sections: the
//! summary (status, staff's hold, Stripe customer, credits, trial), adjusting its credits
//! ([`super::credits`]), its members and what staff may do for each
//! ([`super::members`]), billing, payments, bank transfers with confirming one
//! ([`super::transfers`]), orders and the status history. The account's own actions
//! (suspend, reactivate, re-sync entitlements) ask for a reason first (a suspension's is
//! kept in the status history and the audit log); "View as customer" opens the
//! customer's dashboard, read only, in a new tab ([`crate::view_as`]). After every change
//! the page reads the account again, so it shows what Gatehouse now holds.

use gatehouse_shared::admin_accounts::{AdminAccountDetail, StaffReason, ViewAs};
use gatehouse_shared::billing::{BillingOverview, PaymentView};
use gatehouse_shared::instances::OrderView;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::credits::CreditsForm;
use super::members::Members;
use super::transfers::{TransferForm, TransfersTable};
use super::{status_label, StatusTags};
use crate::admin::{time_text, AdminPage, InputField, LoadError};
use crate::api::ApiError;
use crate::auth::{use_auth, Auth};
use crate::billing::format::{date_or, format_date, payment_status, price_per_period};
use crate::billing::payments::{covered_period, payment_amount};
use crate::browser::focus_id;
use crate::form::{server_errors, FormError, FormStatus, SubmitButton};
use crate::home::credits::format_credits;

/// The longest reason the API keeps.
pub const REASON_MAX: usize = 500;

/// Why a reason cannot be sent as typed, as a sentence.
pub fn reason_problem(reason: &str) -> Option<String> {
    let length = reason.trim().chars().count();
    if length == 0 {
        Some("Enter a reason for the record.".into())
    } else if length > REASON_MAX {
        Some(format!(
            "Keep the reason to {REASON_MAX} characters ({length} now)."
        ))
    } else {
        None
    }
}

/// `1 subscription queued …`, `3 subscriptions queued …`.
pub fn resync_text(queued: i64) -> String {
    let noun = if queued == 1 {
        "subscription"
    } else {
        "subscriptions"
    };
    format!("{queued} {noun} queued to be read again from Stripe.")
}

#[component]
pub fn AccountRoute() -> impl IntoView {
    view! {
        <AdminPage title="Account">
            <AccountPage />
        </AdminPage>
    }
}

/// What the page shows as a whole.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Loading,
    Failed,
    Shown,
}

/// The page's state, shared by its parts.
#[derive(Clone, Copy)]
pub(super) struct Desk {
    pub auth: Auth,
    /// The account's id, from the address.
    pub id: StoredValue<String>,
    /// The last answer; `None` before the first. A reload keeps showing the account.
    pub detail: RwSignal<Option<Result<AdminAccountDetail, ApiError>>>,
    /// What the last account action did, announced.
    pub status: RwSignal<Option<String>>,
}

impl Desk {
    /// Reads the account (again); `then` runs once the new state is drawn.
    pub fn read(self, then: impl FnOnce() + 'static) {
        let id = self.id.get_value();
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.admin_account(&id).await })
                .await;
            if self.detail.try_set(Some(answer)).is_none() {
                then();
            }
        });
    }

    /// The account shown, if any.
    pub fn with<T>(self, read: impl FnOnce(&AdminAccountDetail) -> T) -> Option<T> {
        self.detail
            .with(|detail| detail.as_ref().and_then(|d| d.as_ref().ok()).map(read))
    }

    /// Opens the customer's dashboard as `body`'s member (the first owner when none), read
    /// only, in a new tab; `said` is told how that went.
    pub fn view_as(
        self,
        body: ViewAs,
        said: RwSignal<Option<String>>,
        error: RwSignal<Option<String>>,
    ) {
        let id = self.id.get_value();
        said.set(None);
        error.set(None);
        spawn_local(async move {
            let answer = self
                .auth
                .call(|api| async move { api.view_as(&id, &body).await })
                .await;
            match answer {
                Ok(token) => {
                    crate::view_as::open(&token.access_token);
                    let who = self
                        .with_untracked(|detail| {
                            detail
                                .members
                                .iter()
                                .find(|m| m.user_id == token.user_id)
                                .map(|m| m.email.clone())
                        })
                        .flatten()
                        .unwrap_or_else(|| "the customer".into());
                    _ = said.try_set(Some(format!(
                        "The dashboard opened in a new tab, viewing as {who} (read only, for ten minutes)."
                    )));
                }
                Err(failure) => _ = error.try_set(Some(failure.message())),
            }
        });
    }

    fn with_untracked<T>(self, read: impl FnOnce(&AdminAccountDetail) -> T) -> Option<T> {
        self.detail
            .with_untracked(|detail| detail.as_ref().and_then(|d| d.as_ref().ok()).map(read))
    }
}

#[component]
fn AccountPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|params| params.get("id").unwrap_or_default());
    let desk = Desk {
        auth: use_auth(),
        id: StoredValue::new(id),
        detail: RwSignal::new(None),
        status: RwSignal::new(None),
    };
    desk.read(|| ());
    let phase = Memo::new(move |_| {
        desk.detail.with(|detail| match detail {
            None => Phase::Loading,
            Some(Err(_)) => Phase::Failed,
            Some(Ok(_)) => Phase::Shown,
        })
    });
    let name = move || desk.with(|d| d.account.name.clone()).unwrap_or_default();

    move || {
        match phase.get() {
        Phase::Loading => view! {
            <header class="account__intro">
                <p class="eyebrow"><a href="/admin/accounts">"Accounts"</a></p>
                <h1>"Account"</h1>
            </header>
            <div class="loading" role="status" aria-live="polite" aria-busy="true">
                <span class="spinner" aria-hidden="true"></span>
                "Loading the account…"
            </div>
        }
        .into_any(),
        Phase::Failed => {
            let error = desk.detail.with_untracked(|detail| match detail {
                Some(Err(error)) => error.clone(),
                _ => ApiError::Network,
            });
            view! {
                <header class="account__intro">
                    <p class="eyebrow"><a href="/admin/accounts">"Accounts"</a></p>
                    <h1>"Account"</h1>
                </header>
                <LoadError
                    what="The account"
                    error
                    retry=move || {
                        desk.detail.set(None);
                        desk.read(|| ());
                    }
                />
            }
            .into_any()
        }
        Phase::Shown => view! {
            <header class="account__intro">
                <p class="eyebrow"><a href="/admin/accounts">"Accounts"</a></p>
                <h1>{name}</h1>
                <p class="lead">
                    {move || desk.with(|d| {
                        let kind = if d.account.personal { "Personal account" } else { "Team account" };
                        match &d.account.owner_email {
                            Some(owner) => format!("{kind} of {owner}"),
                            None => kind.to_owned(),
                        }
                    })}
                </p>
            </header>
            <FormStatus message=desk.status.into() />
            <AccountActions desk />
            <section class="card account__card" aria-labelledby="summary-title">
                <h2 id="summary-title" class="account__title" tabindex="-1">"Summary"</h2>
                {move || desk.with(summary)}
            </section>
            <CreditsForm desk />
            <Members desk />
            <section class="card account__card" aria-labelledby="billing-title">
                <h2 id="billing-title" class="account__title">"Billing"</h2>
                {move || desk.with(|d| billing(&d.billing))}
            </section>
            <section class="card account__card" aria-labelledby="payments-title">
                <h2 id="payments-title" class="account__title">"Payments"</h2>
                {move || desk.with(|d| payments(&d.payments.payments))}
            </section>
            <section class="card account__card" aria-labelledby="transfers-title">
                <h2 id="transfers-title" class="account__title" tabindex="-1">"Bank transfers"</h2>
                <TransfersTable desk />
                <TransferForm desk />
            </section>
            <section class="card account__card" aria-labelledby="orders-title">
                <h2 id="orders-title" class="account__title">"Orders"</h2>
                {move || desk.with(|d| orders(&d.orders.orders))}
            </section>
            <section class="card account__card" aria-labelledby="history-title">
                <h2 id="history-title" class="account__title">"Status history"</h2>
                {move || desk.with(history)}
            </section>
        }
        .into_any(),
    }
    }
}

/// One row of a `<dl class="details">`.
fn detail_row(term: &'static str, value: impl IntoView) -> impl IntoView {
    view! {
        <div class="details__row">
            <dt>{term}</dt>
            <dd class="details__value">{value}</dd>
        </div>
    }
}

fn summary(detail: &AdminAccountDetail) -> impl IntoView {
    let account = &detail.account;
    let trial = detail.trial.as_ref().map(|trial| {
        let state = if trial.ended { "ended" } else { "ends" };
        format!(
            "{}: started {}, {state} {}",
            trial.plan_name,
            format_date(&trial.started_at),
            format_date(&trial.ends_at)
        )
    });
    view! {
        <dl class="details">
            {detail_row("Status", view! { <StatusTags account=account.clone() /> })}
            {account.held.then(|| detail_row(
                "Hold reason",
                account.held_reason.clone().unwrap_or_else(|| "—".into()),
            ))}
            {detail_row(
                "Stripe customer",
                match account.stripe_customer_id.clone() {
                    Some(customer) => view! { <code>{customer}</code> }.into_any(),
                    None => view! { <span class="details__empty">"None"</span> }.into_any(),
                },
            )}
            {detail_row(
                "Created",
                view! { <time datetime=account.created_at.clone()>{time_text(&account.created_at)}</time> },
            )}
            {detail_row("Credits", format!("{} credits", format_credits(detail.credits_balance)))}
            {detail_row("Trial", trial.unwrap_or_else(|| "No trial".into()))}
            {detail_row("Account id", view! { <code>{account.id.to_string()}</code> })}
        </dl>
    }
}

fn billing(billing: &BillingOverview) -> impl IntoView {
    let subscription = billing.subscription.as_ref().map(|subscription| {
        let renewal = match (&subscription.current_period_end, subscription.cancel_at_period_end) {
            (Some(end), true) => format!("Ends on {} (cancelled at the end of the period)", format_date(end)),
            (Some(end), false) => format!("Renews on {}", format_date(end)),
            (None, _) => "—".to_owned(),
        };
        let lines = subscription
            .items
            .iter()
            .map(|item| {
                let what = item
                    .product_name
                    .clone()
                    .or_else(|| item.product_slug.clone())
                    .unwrap_or_else(|| "A price the catalog does not know".into());
                let price = match (item.amount_minor, &item.currency) {
                    (Some(amount), Some(currency)) => {
                        format!(", {}", price_per_period(amount, currency, item.period))
                    }
                    _ => String::new(),
                };
                view! { <li>{what}{price}" × "{item.quantity}</li> }
            })
            .collect_view();
        view! {
            {detail_row("Subscription", view! { <code>{subscription.status.clone()}</code> })}
            {detail_row("Plan and add-ons", view! { <ul class="accounts__lines">{lines}</ul> })}
            {detail_row("Renewal", renewal)}
            {subscription.trial_end.as_deref().map(|end| detail_row("Trial ends", format_date(end)))}
        }
    });
    let entitlements = if billing.entitlements.is_empty() {
        "Nothing".to_owned()
    } else {
        billing
            .entitlements
            .iter()
            .map(|e| e.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <dl class="details">
            {detail_row("Standing", status_label(&billing.account_status).to_owned())}
            {billing.grace_ends_at.as_deref().map(|end| detail_row("Grace ends", format_date(end)))}
            {match subscription {
                Some(rows) => rows.into_any(),
                None => detail_row("Subscription", "Never subscribed").into_any(),
            }}
            {detail_row("May use", entitlements)}
        </dl>
    }
}

/// A stacking table's head (its caption names it for screen readers).
fn table_head(columns: &'static [&'static str]) -> impl IntoView {
    view! {
        <thead role="rowgroup">
            <tr role="row">
                {columns
                    .iter()
                    .map(|column| view! { <th scope="col" role="columnheader">{*column}</th> })
                    .collect_view()}
            </tr>
        </thead>
    }
}

/// A table that stacks into labelled blocks on a phone, in its own scrolling region.
pub(super) fn stacked_table(
    caption_id: &'static str,
    caption: &'static str,
    columns: &'static [&'static str],
    rows: impl IntoView,
) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-labelledby=caption_id tabindex="0">
            <table class="admin-table admin-table--stack" role="table">
                <caption id=caption_id class="visually-hidden">{caption}</caption>
                {table_head(columns)}
                <tbody role="rowgroup">{rows}</tbody>
            </table>
        </div>
    }
}

const PAYMENT_COLUMNS: [&str; 5] = ["Date", "Period", "Amount", "Status", "Invoice"];

fn payments(payments: &[PaymentView]) -> impl IntoView {
    if payments.is_empty() {
        return view! { <p class="account__text">"No payments yet."</p> }.into_any();
    }
    let rows = payments
        .iter()
        .map(|payment| {
            let invoice = match &payment.hosted_invoice_url {
                Some(url) => view! { <a href=url.clone() rel="noopener">"View invoice"</a> }.into_any(),
                None => "—".into_any(),
            };
            view! {
                <tr role="row">
                    <td class="admin-table__nowrap" role="cell" data-label=PAYMENT_COLUMNS[0]>{format_date(&payment.created)}</td>
                    <td role="cell" data-label=PAYMENT_COLUMNS[1]>{covered_period(payment)}</td>
                    <td class="admin-table__nowrap" role="cell" data-label=PAYMENT_COLUMNS[2]>{payment_amount(payment)}</td>
                    <td role="cell" data-label=PAYMENT_COLUMNS[3]>{payment_status(&payment.status).to_owned()}</td>
                    <td role="cell" data-label=PAYMENT_COLUMNS[4]>{invoice}</td>
                </tr>
            }
        })
        .collect_view();
    stacked_table(
        "payments-caption",
        "Payments, newest first",
        &PAYMENT_COLUMNS,
        rows,
    )
    .into_any()
}

const ORDER_COLUMNS: [&str; 5] = ["Created", "Source", "State", "Attempts", "Finished"];

fn orders(orders: &[OrderView]) -> impl IntoView {
    if orders.is_empty() {
        return view! { <p class="account__text">"No orders."</p> }.into_any();
    }
    let rows = orders
        .iter()
        .map(|order| {
            view! {
                <tr role="row">
                    <td class="admin-table__nowrap" role="cell" data-label=ORDER_COLUMNS[0]>{time_text(&order.created_at)}</td>
                    <td role="cell" data-label=ORDER_COLUMNS[1]>{order.source.clone()}</td>
                    <td role="cell" data-label=ORDER_COLUMNS[2]><code>{order.state.clone()}</code></td>
                    <td role="cell" data-label=ORDER_COLUMNS[3]>{order.attempts}</td>
                    <td class="admin-table__nowrap" role="cell" data-label=ORDER_COLUMNS[4]>
                        {date_or(order.finished_at.as_deref(), "—")}
                    </td>
                </tr>
            }
        })
        .collect_view();
    stacked_table(
        "orders-caption",
        "Orders, newest first",
        &ORDER_COLUMNS,
        rows,
    )
    .into_any()
}

const HISTORY_COLUMNS: [&str; 4] = ["When", "Change", "By", "Reason"];

fn history(detail: &AdminAccountDetail) -> impl IntoView {
    if detail.status_history.is_empty() {
        return view! { <p class="account__text">"The status never changed."</p> }.into_any();
    }
    let rows = detail
        .status_history
        .iter()
        .map(|change| {
            view! {
                <tr role="row">
                    <td class="admin-table__nowrap" role="cell" data-label=HISTORY_COLUMNS[0]>
                        <time datetime=change.at.clone()>{time_text(&change.at)}</time>
                    </td>
                    <td role="cell" data-label=HISTORY_COLUMNS[1]>
                        {status_label(&change.from).to_owned()}" → "{status_label(&change.to).to_owned()}
                    </td>
                    <td role="cell" data-label=HISTORY_COLUMNS[2]>{change.actor.clone()}</td>
                    <td class="admin-table__wrap" role="cell" data-label=HISTORY_COLUMNS[3]>{change.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    stacked_table(
        "history-caption",
        "Status changes, newest first",
        &HISTORY_COLUMNS,
        rows,
    )
    .into_any()
}

/// The account's own actions, each asking for a reason.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    Suspend,
    Reactivate,
    Resync,
}

impl Action {
    fn key(self) -> &'static str {
        match self {
            Action::Suspend => "suspend",
            Action::Reactivate => "reactivate",
            Action::Resync => "resync",
        }
    }

    fn question(self, name: &str) -> String {
        match self {
            Action::Suspend => format!(
                "Suspend {name}? Its members lose what it pays for and its API keys are refused, until staff reactivate it."
            ),
            Action::Reactivate => {
                format!("Reactivate {name}? Its status follows its billing again.")
            }
            Action::Resync => format!(
                "Re-sync the entitlements of {name}? Its subscriptions are read again from Stripe."
            ),
        }
    }

    /// Where the reason goes (the API keeps a suspension's in the status history and
    /// the audit log, and logs the others').
    fn hint(self) -> &'static str {
        match self {
            Action::Suspend => "Kept in the status history and the audit log.",
            Action::Reactivate | Action::Resync => "Kept in Gatehouse’s log with your name.",
        }
    }

    /// The buttons: what opens the panel, what confirms it, and while it works.
    fn labels(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Action::Suspend => ("Suspend", "Suspend account", "Suspending…"),
            Action::Reactivate => ("Reactivate", "Reactivate account", "Reactivating…"),
            Action::Resync => ("Re-sync entitlements", "Re-sync", "Re-syncing…"),
        }
    }
}

/// Suspend or reactivate, re-sync, and view as the owner.
#[component]
fn AccountActions(desk: Desk) -> impl IntoView {
    let open = RwSignal::new(None::<Action>);
    let view_said = RwSignal::new(None::<String>);
    let view_error = RwSignal::new(None::<String>);
    let held = Memo::new(move |_| desk.with(|d| d.account.held).unwrap_or(false));
    let button = move |action: Action| {
        let (label, ..) = action.labels();
        let class = if action == Action::Suspend {
            "button button--danger-outline button--small"
        } else {
            "button button--secondary button--small"
        };
        view! {
            <button
                id=format!("account-{}", action.key())
                class=class
                type="button"
                aria-expanded="false"
                aria-controls="account-action-panel"
                on:click=move |_| {
                    desk.status.set(None);
                    open.set(Some(action));
                    focus_id("account-action-question");
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <section class="card account__card" aria-labelledby="actions-title">
            <h2 id="actions-title" class="account__title">"Account actions"</h2>
            <div class="account__actions" hidden=move || open.with(Option::is_some)>
                {move || if held.get() { button(Action::Reactivate) } else { button(Action::Suspend) }}
                {button(Action::Resync)}
                <button
                    class="button button--secondary button--small"
                    type="button"
                    on:click=move |_| desk.view_as(ViewAs::default(), view_said, view_error)
                >
                    "View as customer"
                </button>
            </div>
            <FormError message=view_error.into() />
            <FormStatus message=view_said.into() />
            {move || open.get().map(|action| view! { <ReasonPanel desk action open /> })}
        </section>
    }
}

/// The confirmation step of an account action: the question, a reason, confirm or cancel
/// (Escape too; focus goes back to the button that asked).
#[component]
fn ReasonPanel(desk: Desk, action: Action, open: RwSignal<Option<Action>>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let reason_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let name = desk
        .with_untracked(|d| d.account.name.clone())
        .unwrap_or_default();
    let (_, confirm, busy) = action.labels();
    let close = move || {
        open.set(None);
        focus_id(&format!("account-{}", action.key()));
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        if let Some(problem) = reason_problem(&reason.get_untracked()) {
            reason_error.set(Some(problem));
            focus_id("account-reason");
            return;
        }
        let body = StaffReason {
            reason: reason.get_untracked().trim().to_owned(),
        };
        let id = desk.id.get_value();
        pending.set(true);
        spawn_local(async move {
            let answer = desk
                .auth
                .call(|api| async move {
                    match action {
                        Action::Suspend | Action::Reactivate => api
                            .hold_account(&id, action == Action::Suspend, &body)
                            .await
                            .map(|account| match action {
                                Action::Suspend => format!("{} is suspended.", account.name),
                                _ => format!(
                                    "{} is reactivated; its status is {} now.",
                                    account.name,
                                    status_label(&account.status)
                                ),
                            }),
                        Action::Resync => api
                            .resync_account(&id, &body)
                            .await
                            .map(|done| resync_text(done.subscriptions_queued)),
                    }
                })
                .await;
            if pending.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(said) => {
                    open.set(None);
                    desk.read(move || {
                        desk.status.set(Some(said));
                        focus_id("summary-title");
                    });
                }
                Err(failure) => {
                    let (mut inline, summary) = server_errors(&failure, &[("reason", "Reason")]);
                    reason_error.set(inline.remove("reason"));
                    form_error.set(Some(summary));
                }
            }
        });
    };
    view! {
        <form
            id="account-action-panel"
            class="form billing__panel"
            novalidate
            aria-labelledby="account-action-question"
            on:submit=on_submit
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    close();
                }
            }
        >
            <h3 id="account-action-question" class="billing__panel-title" tabindex="-1">
                {action.question(&name)}
            </h3>
            <FormError message=form_error.into() />
            <InputField
                id="account-reason"
                label="Reason"
                hint=action.hint()
                value=reason
                error=reason_error
            />
            <div class="account__actions">
                <SubmitButton
                    pending=pending.into()
                    label=confirm
                    busy_label=busy
                    danger={action == Action::Suspend}
                />
                <button class="button button--secondary" type="button" on:click=move |_| close()>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_needed_and_kept_short() {
        assert!(reason_problem("  ").unwrap().starts_with("Enter a reason"));
        assert_eq!(reason_problem("Chargeback on invoice 42"), None);
        let long = "x".repeat(REASON_MAX + 1);
        assert!(reason_problem(&long).unwrap().contains("501 now"));
    }

    #[test]
    fn resyncs_say_how_many_subscriptions_were_queued() {
        assert_eq!(
            resync_text(1),
            "1 subscription queued to be read again from Stripe."
        );
        assert_eq!(
            resync_text(0),
            "0 subscriptions queued to be read again from Stripe."
        );
    }
}
