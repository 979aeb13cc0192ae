//! `/dashboard`, the signed-in home: what needs the person's attention (a failed payment,
//! an unconfirmed address), the products the account has, its plan at a glance, its
//! recent orders with how far each got, and the way to its API keys and credits. Everything comes from three reads made
//! together: `GET me/products`, `GET billing/subscription` and `GET orders`; the free-trial
//! card ([`super::trial`]) reads its own offer.

use std::time::Duration;

use futures::future::join3;
use gatehouse_shared::billing::{Attention, BillingOverview, MyProducts, OwnedProduct};
use gatehouse_shared::instances::{OrderList, OrderView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::billing::format::format_date;
use crate::billing::overview::facts;
use crate::browser::sleep;
use crate::guard::RequireSignIn;
use crate::home::trial::TrialCard;
use crate::title::Title;

#[component]
pub fn DashboardRoute() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <div class="container account dashboard">
            <RequireSignIn>
                <Dashboard />
            </RequireSignIn>
        </div>
    }
}

type Loaded = Result<(MyProducts, BillingOverview, OrderList), ApiError>;

/// How often, and how many times, the page reads again while an order is at work.
const WATCH_EVERY: Duration = Duration::from_secs(2);
const WATCH_ROUNDS: u32 = 30;

#[component]
fn Dashboard() -> impl IntoView {
    let auth = use_auth();
    let answer = RwSignal::new(None::<Loaded>);
    let load = move || {
        answer.set(None);
        spawn_local(async move {
            // While an order is being worked on, read again now and then, so a seat shows
            // up (with its link) without a reload; a failed read ends the watch.
            for round in 0..=WATCH_ROUNDS {
                if round > 0 {
                    sleep(WATCH_EVERY).await;
                }
                let products = auth.call(|api| async move { api.my_products().await });
                let billing = auth.call(|api| async move { api.billing().await });
                let orders = auth.call(|api| async move { api.orders().await });
                let (products, billing, orders) = join3(products, billing, orders).await;
                let read = products.and_then(|p| billing.and_then(|b| orders.map(|o| (p, b, o))));
                let working = read.as_ref().is_ok_and(|(_, _, o)| {
                    o.orders
                        .iter()
                        .any(|order| matches!(order.state.as_str(), "queued" | "running"))
                });
                if answer.try_set(Some(read)).is_some() || !working {
                    return; // the page is gone, or nothing is on its way
                }
            }
        });
    };
    load();
    let first_name = Memo::new(move |_| {
        auth.me()
            .map(|me| me.first_name.trim().to_owned())
            .filter(|name| !name.is_empty())
    });

    view! {
        <header class="account__intro">
            <h1>
                {move || match first_name.get() {
                    Some(name) => format!("Welcome, {name}"),
                    None => "Welcome".to_owned(),
                }}
            </h1>
            <p class="lead">"Your products and your plan at a glance."</p>
        </header>
        <TrialCard />
        {move || answer.with(|answer| match answer {
            None => view! {
                <div class="loading" role="status" aria-live="polite" aria-busy="true">
                    <span class="spinner" aria-hidden="true"></span>
                    "Loading your dashboard…"
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <div class="notice notice--error" role="alert">
                    <h2 class="notice__title">"The dashboard could not be loaded"</h2>
                    <p>{error.message()}</p>
                    <button class="button button--primary" type="button" on:click=move |_| load()>
                        "Retry"
                    </button>
                </div>
            }
            .into_any(),
            Some(Ok((products, billing, orders))) => view! {
                {attention(&products.attention)}
                {owned(&products.products)}
                {plan(billing)}
                {recent_orders(&orders.orders)}
                {developers()}
            }
            .into_any(),
        })}
    }
}

/// Where each kind of problem is put right, and what the link says.
fn way_out(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "payment_failed" | "suspended" => ("/billing", "Update your payment method"),
        "pending_payment" => ("/billing", "See your billing"),
        "cancelled" => ("/recovery", "Restore your previous plan"),
        "email_unverified" => ("/account", "Confirm your email address"),
        _ => return None,
    })
}

fn attention(items: &[Attention]) -> Option<impl IntoView> {
    if items.is_empty() {
        return None;
    }
    let items = items
        .iter()
        .map(|item| {
            let link = way_out(&item.code).map(|(href, text)| {
                view! { <a class="button button--secondary" href=href>{text}</a> }
            });
            view! {
                <li class="notice notice--warning dashboard__attention">
                    <p>{item.message.clone()}</p>
                    {link}
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section class="dashboard__section" aria-labelledby="attention-title">
            <h2 id="attention-title" class="account__title">"Needs your attention"</h2>
            <ul class="dashboard__list" role="list">{items}</ul>
        </section>
    })
}

/// How a product's kind reads on its card.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "plan" => "Plan",
        "storage_add_on" => "Storage",
        _ => "Add-on",
    }
}

fn owned(products: &[OwnedProduct]) -> impl IntoView {
    let body = if products.is_empty() {
        view! {
            <div class="card account__card">
                <p class="account__text">
                    "You have no products yet. Choose a plan to get started; you can change or cancel it whenever you like."
                </p>
                <div class="account__actions">
                    <a class="button button--primary" href="/">"See plans and pricing"</a>
                </div>
            </div>
        }
        .into_any()
    } else {
        let cards = products
            .iter()
            .map(|product| {
                let quantity = (product.quantity > 1).then(|| format!(" × {}", product.quantity));
                let state = match (&product.url, product.needs_instance) {
                    (Some(url), _) => view! {
                        <a class="button button--primary dashboard__open" href=url.clone() rel="external">
                            "Open "{product.name.clone()}
                        </a>
                    }
                    .into_any(),
                    (None, true) => view! {
                        <p class="card__note">
                            "Being prepared: it appears here as soon as your place on it is ready."
                        </p>
                    }
                    .into_any(),
                    (None, false) => {
                        view! { <p class="card__note">"Included in your plan."</p> }.into_any()
                    }
                };
                view! {
                    <li class="card dashboard__product">
                        <p class="eyebrow">{kind_label(&product.kind)}</p>
                        <h3 class="card__title">{product.name.clone()}{quantity}</h3>
                        {state}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="dashboard__products" role="list">{cards}</ul> }.into_any()
    };
    view! {
        <section class="dashboard__section" aria-labelledby="products-title">
            <h2 id="products-title" class="account__title">"Your products"</h2>
            {body}
        </section>
    }
}

fn plan(billing: &BillingOverview) -> Option<impl IntoView> {
    billing.subscription.as_ref()?;
    Some(view! {
        <section class="card account__card dashboard__section" aria-labelledby="plan-title">
            <h2 id="plan-title" class="account__title">"Your plan"</h2>
            {facts(billing)}
            <div class="account__actions">
                <a class="button button--secondary" href="/billing">"Manage billing"</a>
            </div>
        </section>
    })
}

/// The way to the account's API keys, for its own apps and scripts.
fn developers() -> impl IntoView {
    view! {
        <section class="card account__card dashboard__section" aria-labelledby="developers-title">
            <h2 id="developers-title" class="account__title">"For developers"</h2>
            <p class="account__text">
                "API keys let your own apps and scripts use Gatehouse as your account. Apps that count usage spend your account's credits."
            </p>
            <div class="account__actions">
                <a class="button button--secondary" href="/api-keys">"Manage API keys"</a>
                <a class="button button--secondary" href="/credits">"See your credits"</a>
            </div>
        </section>
    }
}

/// How an order's state reads (also in the support form's order choice).
pub fn order_state(state: &str) -> &'static str {
    match state {
        "complete" => "Done",
        "needs_capacity" => "Waiting for room on a server",
        "needs_info" => "Waiting for information from you",
        "failed" => "Stuck: our team has been told",
        _ => "In progress",
    }
}

/// The five latest orders: when, how far, and the latest step.
fn recent_orders(orders: &[OrderView]) -> Option<impl IntoView> {
    if orders.is_empty() {
        return None;
    }
    let rows = orders
        .iter()
        .take(5)
        .map(|order| {
            let latest = order.log.last().map(|step| step.line.clone());
            view! {
                <li class="dashboard__order">
                    <p>
                        <strong>{format_date(&order.created_at)}</strong>
                        " · "
                        <span class="dashboard__order-state">{order_state(&order.state)}</span>
                    </p>
                    <p class="card__note">{latest}</p>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section class="card account__card dashboard__section" aria-labelledby="orders-title">
            <h2 id="orders-title" class="account__title">"Your orders"</h2>
            <ul class="dashboard__list" role="list">{rows}</ul>
        </section>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attention_code_has_a_way_out() {
        for code in [
            "payment_failed",
            "suspended",
            "pending_payment",
            "cancelled",
            "email_unverified",
        ] {
            assert!(way_out(code).is_some(), "{code}");
        }
        assert_eq!(way_out("something_new"), None);
    }

    #[test]
    fn every_order_state_reads_as_words() {
        assert_eq!(order_state("complete"), "Done");
        assert_eq!(
            order_state("needs_capacity"),
            "Waiting for room on a server"
        );
        assert_eq!(order_state("queued"), "In progress");
        assert_eq!(order_state("running"), "In progress");
        assert_eq!(order_state("failed"), "Stuck: our team has been told");
    }
}
