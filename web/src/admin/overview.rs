//! `/admin`: how the platform is doing. Under the staff member's role, the key figures as
//! cards (each linking to the page that deals with it), sign-ups of the last 30 days as a
//! bar chart (with its numbers in a table for screen readers and anyone who wants them),
//! accounts by status as horizontal bars, and each product's seats against its caps (the
//! instances page's [`CapacityBar`]); then the admin area's parts. The charts are drawn
//! here, as SVG and CSS, so the bundle carries no chart library.

use gatehouse_shared::admin_overview::{AdminOverview, DayCount, StatusCount};
use gatehouse_shared::catalog::format_amount;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::instances::{percent, CapacityBar, Caps};
use super::{role_label, role_summary, LoadError, PAGES};
use crate::api::ApiError;
use crate::auth::use_auth;

/// One key figure: what it counts, the number as shown, and the page that deals with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub label: String,
    pub value: String,
    pub href: Option<&'static str>,
}

/// The overview's key figures, in the order of the cards; revenue one card per currency.
pub fn figures(overview: &AdminOverview) -> Vec<Figure> {
    let figure = |label: &str, value: i64, href: Option<&'static str>| Figure {
        label: label.to_owned(),
        value: value.to_string(),
        href,
    };
    let mut out = vec![
        figure(
            "Active subscriptions",
            overview.active_subscriptions,
            Some("/admin/accounts?status=active"),
        ),
        figure(
            "Trials",
            overview.trialing_subscriptions,
            Some("/admin/accounts?status=trialing"),
        ),
    ];
    if overview.mrr.is_empty() {
        out.push(figure("Monthly recurring revenue", 0, None));
    }
    out.extend(overview.mrr.iter().map(|money| Figure {
        label: format!(
            "Monthly recurring revenue ({})",
            money.currency.to_ascii_uppercase()
        ),
        value: format_amount(money.amount_minor, &money.currency),
        href: None,
    }));
    out.extend([
        figure(
            "Failed payments, 30 days",
            overview.failed_payments_30d,
            Some("/admin/accounts?status=past_due"),
        ),
        figure("Dead jobs", overview.dead_jobs, Some("/admin/webhooks")),
        figure("Queued jobs", overview.queued_jobs, None),
        figure(
            "Pending webhook events",
            overview.pending_webhook_events,
            Some("/admin/webhooks"),
        ),
        figure(
            "Orders waiting for capacity",
            overview.orders_waiting_for_capacity,
            Some("/admin/instances"),
        ),
        figure(
            "Open tickets",
            overview.open_tickets,
            Some("/admin/tickets"),
        ),
    ]);
    out
}

/// The sign-up chart in words: the total and the busiest day.
pub fn signups_summary(days: &[DayCount]) -> String {
    let total: i64 = days.iter().map(|day| day.count).sum();
    let busiest = days
        .iter()
        .filter(|day| day.count > 0)
        .max_by_key(|day| day.count);
    match busiest {
        Some(day) => format!(
            "Sign-ups in the last {} days: {total} in all, most on {} ({}).",
            days.len(),
            day.day,
            day.count
        ),
        None => format!("Sign-ups in the last {} days: none.", days.len()),
    }
}

/// An account status in words.
pub fn status_label(status: &str) -> &str {
    match status {
        "active" => "Active",
        "trialing" => "Trialing",
        "past_due" => "Past due",
        "suspended" => "Suspended",
        "canceled" => "Canceled",
        "incomplete" => "Incomplete",
        other => other,
    }
}

#[component]
pub fn OverviewRoute() -> impl IntoView {
    view! {
        <super::AdminPage title="Admin">
            <Overview />
        </super::AdminPage>
    }
}

#[component]
fn Overview() -> impl IntoView {
    let auth = use_auth();
    let role = auth.me().and_then(|me| me.staff_role).unwrap_or_default();
    let data = RwSignal::new(None::<Result<AdminOverview, ApiError>>);
    let read = move || {
        data.set(None);
        spawn_local(async move {
            let answer = auth
                .call(|api| async move { api.admin_overview().await })
                .await;
            _ = data.try_set(Some(answer));
        });
    };
    read();

    view! {
        <header class="account__intro">
            <p class="eyebrow">"Admin"</p>
            <h1>"Admin area"</h1>
            <p class="lead">
                "Your role: "
                <strong class="admin__role">{role_label(&role).to_owned()}</strong>
                ". "
                {role_summary(&role)}
            </p>
        </header>
        <div class="account__actions">
            <button
                class="button button--secondary button--small"
                type="button"
                disabled=move || data.with(Option::is_none)
                on:click=move |_| read()
            >
                "Refresh"
            </button>
        </div>
        {move || data.with(|data| match data {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading the overview…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <LoadError what="The overview" error=error.clone() retry=move || read() />
            }
            .into_any(),
            Some(Ok(overview)) => view! {
                <section aria-labelledby="figures-title">
                    <h2 id="figures-title" class="visually-hidden">"Key figures"</h2>
                    <ul class="figures" role="list">
                        {figures(overview).into_iter().map(figure_card).collect_view()}
                    </ul>
                </section>
                <SignupsChart days=overview.signups.clone() />
                <AccountsChart statuses=overview.accounts_by_status.clone() />
                <section class="card account__card" aria-labelledby="capacity-title">
                    <h2 id="capacity-title" class="account__title">"Capacity by product"</h2>
                    {overview.capacity.is_empty().then(|| view! {
                        <p class="account__text">"No product runs on instances yet."</p>
                    })}
                    <ul class="instances" role="list">
                        {overview.capacity.iter().map(|product| {
                            let caps = Caps {
                                seats: product.allocated_seats,
                                soft: product.soft_cap,
                                allocation: product.allocation_cap,
                                hard: product.hard_cap,
                            };
                            let instances = match product.instances {
                                1 => "1 instance".to_owned(),
                                n => format!("{n} instances"),
                            };
                            view! {
                                <li class="instance">
                                    <div class="account__head">
                                        <h3 class="card__title">{product.product_name.clone()}</h3>
                                        <span class="tag">{instances}</span>
                                    </div>
                                    <CapacityBar caps />
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
            .into_any(),
        })}
        <section aria-labelledby="areas-title">
            <h2 id="areas-title" class="account__title">"Areas"</h2>
            <ul class="admin-areas" role="list">
                {PAGES
                    .iter()
                    .skip(1)
                    .map(|&(href, label, about)| {
                        view! {
                            <li class="card admin-areas__item">
                                <h3 class="card__title">
                                    <a href=href>{label}</a>
                                </h3>
                                <p>{about}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// One key figure as a card: the number, then what it counts (a link where a page deals
/// with it), so it reads "3 Open tickets".
fn figure_card(figure: Figure) -> impl IntoView {
    let label = match figure.href {
        Some(href) => view! { <a class="figure__label" href=href>{figure.label}</a> }.into_any(),
        None => view! { <span class="figure__label">{figure.label}</span> }.into_any(),
    };
    view! {
        <li class="card figure">
            <span class="figure__value">{figure.value}</span>
            " "
            {label}
        </li>
    }
}

/// Sign-ups per day as vertical bars (an SVG whose summary is its accessible name), with
/// the numbers in a table behind a disclosure.
#[component]
fn SignupsChart(days: Vec<DayCount>) -> impl IntoView {
    let summary = signups_summary(&days);
    let most = days.iter().map(|day| day.count).max().unwrap_or(0).max(1);
    let width = days.len().max(1) * 10;
    let first = days.first().map(|day| day.day.clone()).unwrap_or_default();
    let last = days.last().map(|day| day.day.clone()).unwrap_or_default();
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let height = percent(day.count, most);
            view! {
                <rect
                    class="chart__bar"
                    x=(i * 10 + 1).to_string()
                    y=format!("{:.2}", 100.0 - height)
                    width="8"
                    height=format!("{height:.2}")
                ></rect>
            }
        })
        .collect_view();
    let rows = days
        .into_iter()
        .map(|day| view! { <tr><td>{day.day}</td><td>{day.count}</td></tr> })
        .collect_view();
    view! {
        <section class="card account__card" aria-labelledby="signups-title">
            <h2 id="signups-title" class="account__title">"Sign-ups, last 30 days"</h2>
            <svg
                class="chart"
                role="img"
                aria-label=summary.clone()
                viewBox=format!("0 0 {width} 100")
                preserveAspectRatio="none"
            >
                {bars}
            </svg>
            <p class="chart__axis" aria-hidden="true">
                <span>{first}</span>
                <span>{last}</span>
            </p>
            <p class="account__text">{summary}</p>
            <details class="chart__numbers">
                <summary>"Sign-ups by day"</summary>
                <table class="admin-table">
                    <caption class="visually-hidden">"Sign-ups by day, oldest first"</caption>
                    <thead>
                        <tr><th scope="col">"Day"</th><th scope="col">"Sign-ups"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </section>
    }
}

/// Accounts by status as horizontal bars, each labelled with the status and its count.
#[component]
fn AccountsChart(statuses: Vec<StatusCount>) -> impl IntoView {
    let most = statuses.iter().map(|s| s.count).max().unwrap_or(0).max(1);
    view! {
        <section class="card account__card" aria-labelledby="statuses-title">
            <h2 id="statuses-title" class="account__title">"Accounts by status"</h2>
            {statuses.is_empty().then(|| view! {
                <p class="account__text">"There are no accounts yet."</p>
            })}
            <ul class="hbars" role="list">
                {statuses
                    .into_iter()
                    .map(|status| view! {
                        <li class="hbars__item">
                            <span class="hbars__label">{status_label(&status.status).to_owned()}</span>
                            <span class="hbars__track" aria-hidden="true">
                                <span
                                    class="hbars__fill"
                                    style=format!("width: {:.2}%", percent(status.count, most))
                                ></span>
                            </span>
                            <span class="hbars__count">{status.count}</span>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_shared::admin_overview::Money;

    fn overview() -> AdminOverview {
        AdminOverview {
            signups: vec![
                DayCount {
                    day: "2026-11-29".into(),
                    count: 2,
                },
                DayCount {
                    day: "2026-11-30".into(),
                    count: 5,
                },
            ],
            accounts_by_status: vec![],
            active_subscriptions: 7,
            trialing_subscriptions: 3,
            mrr: vec![Money {
                currency: "eur".into(),
                amount_minor: 12_900,
            }],
            failed_payments_30d: 1,
            capacity: vec![],
            orders_waiting_for_capacity: 0,
            dead_jobs: 2,
            queued_jobs: 4,
            pending_webhook_events: 0,
            open_tickets: 6,
        }
    }

    #[test]
    fn figures_link_to_their_pages_and_revenue_is_money() {
        let all = figures(&overview());
        assert_eq!(all.len(), 9);
        let revenue = &all[2];
        assert_eq!(revenue.label, "Monthly recurring revenue (EUR)");
        assert_eq!(revenue.value, format_amount(12_900, "eur"));
        let tickets = all.iter().find(|f| f.label == "Open tickets").unwrap();
        assert_eq!(
            (tickets.value.as_str(), tickets.href),
            ("6", Some("/admin/tickets"))
        );
        let mut none = overview();
        none.mrr.clear();
        assert_eq!(figures(&none)[2].value, "0");
    }

    #[test]
    fn signups_read_as_a_sentence() {
        assert_eq!(
            signups_summary(&overview().signups),
            "Sign-ups in the last 2 days: 7 in all, most on 2026-11-30 (5)."
        );
        assert_eq!(signups_summary(&[]), "Sign-ups in the last 0 days: none.");
        assert_eq!(status_label("past_due"), "Past due");
    }
}
