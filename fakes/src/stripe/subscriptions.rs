//! `/v1/subscriptions`: retrieve, list, update (price and quantity changes with
//! `proration_behavior`, `cancel_at_period_end`, metadata), cancel; and the life of a
//! subscription that the fake plays out: start (from checkout), renewal, a declined
//! renewal (`past_due`), paying it, and the trial reminder.

use serde_json::{json, Map, Value};

use super::api::Call;
use super::error::ApiError;
use super::form::Params;
use super::invoices::{self, Line};
use super::store::{new_id, Store};
use super::{period, prices};

const TRIAL_REMINDER_SECS: i64 = 3 * 86_400;

/// A subscription item (fixtures3.json `subscription_item`).
fn item_object(
    subscription: &str,
    price: &Value,
    quantity: u64,
    period: (i64, i64),
    created: i64,
) -> Value {
    json!({
        "id": new_id("si"),
        "object": "subscription_item",
        "billing_thresholds": null,
        "created": created,
        "current_period_end": period.1,
        "current_period_start": period.0,
        "discounts": [],
        "metadata": {},
        "plan": prices::plan(price),
        "price": price,
        "quantity": quantity,
        "subscription": subscription,
        "tax_rates": [],
    })
}

/// A subscription (fixtures3.json `subscription`) with no items yet.
fn object(
    id: &str,
    customer: &str,
    currency: &Value,
    now: i64,
    metadata: Map<String, Value>,
) -> Value {
    json!({
        "id": id,
        "object": "subscription",
        "application": null,
        "application_fee_percent": null,
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
        "billing_cycle_anchor": now,
        "billing_cycle_anchor_config": null,
        "billing_mode": {"flexible": null, "type": "classic", "updated_at": null},
        "billing_schedules": [],
        "billing_thresholds": null,
        "cancel_at": null,
        "cancel_at_period_end": false,
        "canceled_at": null,
        "cancellation_details": {"comment": null, "feedback": null, "reason": null},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "customer": customer,
        "customer_account": null,
        "days_until_due": null,
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discounts": [],
        "ended_at": null,
        "invoice_settings": {"account_tax_ids": null, "issuer": {"type": "self"}},
        "items": {
            "object": "list",
            "data": [],
            "has_more": false,
            "total_count": 0,
            "url": format!("/v1/subscription_items?subscription={id}"),
        },
        "latest_invoice": null,
        "livemode": false,
        "managed_payments": {"enabled": false},
        "metadata": metadata,
        "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": {
            "payment_method_options": null,
            "payment_method_types": null,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": null,
        "pending_setup_intent": null,
        "pending_update": null,
        "schedule": null,
        "start_date": now,
        "status": "active",
        "test_clock": null,
        "transfer_data": null,
        "trial_end": null,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": null,
    })
}

fn items(subscription: &Value) -> Vec<Value> {
    subscription["items"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn set_items(subscription: &mut Value, items: Vec<Value>) {
    subscription["items"]["total_count"] = items.len().into();
    subscription["items"]["data"] = Value::Array(items);
}

/// The current period, read from the first item as Stripe now keeps it there.
pub fn current_period(subscription: &Value) -> (i64, i64) {
    let first = &subscription["items"]["data"][0];
    (
        first["current_period_start"].as_i64().unwrap_or(0),
        first["current_period_end"].as_i64().unwrap_or(0),
    )
}

fn interval(price: &Value) -> (String, i64) {
    let recurring = &price["recurring"];
    (
        recurring["interval"].as_str().unwrap_or("month").to_owned(),
        recurring["interval_count"].as_i64().unwrap_or(1),
    )
}

fn product_name(store: &Store, price: &Value) -> String {
    price["product"]
        .as_str()
        .and_then(|id| store.get(id))
        .and_then(|product| product["name"].as_str())
        .unwrap_or("Subscription")
        .to_owned()
}

fn money(amount: i64, currency: &Value) -> String {
    format!(
        "{}.{:02} {}",
        amount / 100,
        (amount % 100).abs(),
        currency.as_str().unwrap_or("usd").to_uppercase()
    )
}

/// A full-period charge line for `item`.
fn period_line(
    store: &Store,
    subscription: &Value,
    item: &Value,
    period: (i64, i64),
    trial: bool,
) -> Line {
    let price = item["price"].clone();
    let quantity = item["quantity"].as_u64().unwrap_or(1);
    let amount = if trial {
        0
    } else {
        price["unit_amount"].as_i64().unwrap_or(0) * quantity as i64
    };
    let (every, count) = interval(&price);
    let name = product_name(store, &price);
    Line {
        subscription: subscription["id"].as_str().unwrap_or_default().to_owned(),
        item: item["id"].as_str().unwrap_or_default().to_owned(),
        description: if trial {
            format!("Trial period for {name}")
        } else {
            format!(
                "{quantity} × {name} (at {} / {}{every})",
                money(
                    price["unit_amount"].as_i64().unwrap_or(0),
                    &price["currency"]
                ),
                if count == 1 {
                    String::new()
                } else {
                    format!("{count} ")
                }
            )
        },
        price,
        quantity,
        amount,
        period,
        proration: false,
    }
}

/// A price a subscription can use: it exists, is active and recurring.
pub fn recurring_price(store: &Store, id: &str, param: &str) -> Result<Value, ApiError> {
    let price = store.find("price", id, param)?;
    if price["active"] != true {
        return Err(ApiError::invalid(
            "The price specified is inactive. This field only accepts active prices.",
            param,
        ));
    }
    if price["type"] != "recurring" {
        return Err(ApiError::invalid(
            "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
            param,
        ));
    }
    Ok(price)
}

/// Starts a paid (or trialing) subscription for `customer`, as a completed checkout
/// does: the subscription, its first invoice paid, and their events.
pub fn start(
    store: &mut Store,
    customer: &str,
    lines: &[(Value, u64)],
    metadata: Map<String, Value>,
    trial_days: Option<i64>,
) -> Value {
    let now = store.now();
    let id = new_id("sub");
    let (every, count) = interval(&lines[0].0);
    let trial_end = trial_days
        .filter(|days| *days > 0)
        .map(|days| now + days * 86_400);
    let period = (
        now,
        trial_end.unwrap_or_else(|| period::add(now, &every, count)),
    );
    let mut subscription = object(&id, customer, &lines[0].0["currency"], now, metadata);
    let items: Vec<Value> = lines
        .iter()
        .map(|(price, quantity)| item_object(&id, price, *quantity, period, now))
        .collect();
    set_items(&mut subscription, items.clone());
    if let Some(end) = trial_end {
        subscription["status"] = "trialing".into();
        subscription["trial_start"] = now.into();
        subscription["trial_end"] = end.into();
    }
    let invoice_lines: Vec<Line> = items
        .iter()
        .map(|item| period_line(store, &subscription, item, period, trial_end.is_some()))
        .collect();
    let mark = store.outbox.len();
    let invoice = invoices::issue(
        store,
        customer,
        &subscription,
        &invoice_lines,
        "subscription_create",
    );
    subscription["latest_invoice"] = invoice["id"].clone();
    store.put(subscription.clone());
    store.emit("customer.subscription.created", &subscription, None);
    // Stripe announces the subscription before its first invoice.
    let created = store.outbox.pop().expect("just emitted");
    store.outbox.insert(mark, created);
    invoices::pay(store, &invoice);
    if trial_end.is_some_and(|end| end - now <= TRIAL_REMINDER_SECS) {
        store.emit("customer.subscription.trial_will_end", &subscription, None);
    }
    subscription
}

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("subscription", &call.id, "id")
}

pub fn list(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "customer",
        "price",
        "status",
        "limit",
        "starting_after",
        "ending_before",
        "expand",
        "created",
    ])?;
    let customer = params.text("customer")?;
    let price = params.text("price")?;
    let status = params.choice(
        "status",
        &[
            "active",
            "all",
            "canceled",
            "ended",
            "incomplete",
            "incomplete_expired",
            "past_due",
            "paused",
            "trialing",
            "unpaid",
        ],
    )?;
    store.list("subscription", "/v1/subscriptions", params, |sub| {
        customer.as_deref().is_none_or(|c| sub["customer"] == c)
            && price
                .as_deref()
                .is_none_or(|p| items(sub).iter().any(|item| item["price"]["id"] == p))
            && match status.as_deref() {
                None => sub["status"] != "canceled",
                Some("all") => true,
                Some("ended") => sub["status"] == "canceled",
                Some(wanted) => sub["status"] == wanted,
            }
    })
}

/// Proration lines for moving `item` from `old` (price, quantity) to its current price
/// and quantity for what is left of `period`.
fn proration_lines(
    store: &Store,
    subscription: &Value,
    item: &Value,
    old: (&Value, u64),
    period: (i64, i64),
    now: i64,
) -> Vec<Line> {
    let span = (period.1 - period.0).max(1) as f64;
    let left = ((period.1 - now).max(0) as f64) / span;
    let sub_id = subscription["id"].as_str().unwrap_or_default().to_owned();
    let item_id = item["id"].as_str().unwrap_or_default().to_owned();
    let old_amount = old.0["unit_amount"].as_i64().unwrap_or(0) * old.1 as i64;
    let new_quantity = item["quantity"].as_u64().unwrap_or(1);
    let new_amount = item["price"]["unit_amount"].as_i64().unwrap_or(0) * new_quantity as i64;
    vec![
        Line {
            subscription: sub_id.clone(),
            item: item_id.clone(),
            price: old.0.clone(),
            quantity: old.1,
            amount: -((old_amount as f64 * left).round() as i64),
            period: (now, period.1),
            proration: true,
            description: format!("Unused time on {} × {}", old.1, product_name(store, old.0)),
        },
        Line {
            subscription: sub_id,
            item: item_id,
            price: item["price"].clone(),
            quantity: new_quantity,
            amount: (new_amount as f64 * left).round() as i64,
            period: (now, period.1),
            proration: true,
            description: format!(
                "Remaining time on {new_quantity} × {}",
                product_name(store, &item["price"])
            ),
        },
    ]
}

/// What changed in an item: its id, and its price and quantity before.
type Change = (String, Value, u64);

/// `items[n]` applied to `subscription`'s items: change price or quantity by id, add
/// without id, remove with `deleted`. The new items and what changed.
fn change_items(
    store: &Store,
    subscription: &Value,
    changes: &[Params],
    now: i64,
) -> Result<(Vec<Value>, Vec<Change>), ApiError> {
    let id = subscription["id"].as_str().unwrap_or_default();
    let period = current_period(subscription);
    let mut current = items(subscription);
    let mut changed: Vec<Change> = Vec::new();
    for item_params in changes {
        item_params.only(&["id", "price", "quantity", "deleted", "metadata"])?;
        let name = |field: &str| format!("{}[{field}]", item_params.prefix());
        match item_params.text("id")? {
            Some(item_id) => {
                let index = current
                    .iter()
                    .position(|item| item["id"] == item_id.as_str())
                    .ok_or_else(|| ApiError::missing("subscription_item", &item_id, &name("id")))?;
                let old_price = current[index]["price"].clone();
                let old_quantity = current[index]["quantity"].as_u64().unwrap_or(1);
                if item_params.bool("deleted")? == Some(true) {
                    current.remove(index);
                    changed.push((item_id, old_price, old_quantity));
                    continue;
                }
                if let Some(price_id) = item_params.text("price")? {
                    let price = recurring_price(store, &price_id, &name("price"))?;
                    if price["currency"] != subscription["currency"] {
                        return Err(ApiError::invalid(
                            "The price's currency must match the subscription's currency.",
                            &name("price"),
                        ));
                    }
                    current[index]["plan"] = prices::plan(&price);
                    current[index]["price"] = price;
                }
                if let Some(quantity) = item_params.int("quantity")? {
                    current[index]["quantity"] = quantity.max(0).into();
                }
                let current_metadata = current[index]["metadata"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                if let Some(metadata) = item_params.metadata(&current_metadata)? {
                    current[index]["metadata"] = Value::Object(metadata);
                }
                if current[index]["price"] != old_price
                    || current[index]["quantity"] != old_quantity
                {
                    changed.push((item_id, old_price, old_quantity));
                }
            }
            None => {
                let price_id = item_params.required("price")?;
                let price = recurring_price(store, &price_id, &name("price"))?;
                let quantity = item_params.int("quantity")?.unwrap_or(1).max(0) as u64;
                let item = item_object(id, &price, quantity, period, now);
                changed.push((item["id"].as_str().unwrap_or_default().to_owned(), price, 0));
                current.push(item);
            }
        }
    }
    if current.is_empty() {
        return Err(ApiError::invalid(
            "A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint.",
            "items",
        ));
    }
    let first = interval(&current[0]["price"]);
    if current.iter().any(|item| interval(&item["price"]) != first) {
        return Err(ApiError::invalid(
            "Currency and interval fields must match across all plans on this subscription.",
            "items",
        ));
    }
    Ok((current, changed))
}

/// Proration lines for `changed` items of `subscription` (already changed), at `at`.
fn change_lines(
    store: &Store,
    subscription: &Value,
    changed: &[Change],
    period: (i64, i64),
    at: i64,
) -> Vec<Line> {
    let mut lines = Vec::new();
    for (item_id, old_price, old_quantity) in changed {
        let now_item = subscription["items"]["data"]
            .as_array()
            .and_then(|items| items.iter().find(|item| item["id"] == item_id.as_str()))
            .cloned()
            // A removed item: nothing new to charge.
            .unwrap_or_else(|| json!({"id": item_id, "price": old_price, "quantity": 0}));
        lines.extend(proration_lines(
            store,
            subscription,
            &now_item,
            (old_price, *old_quantity),
            period,
            at,
        ));
    }
    lines.retain(|line| line.amount != 0 || line.quantity != 0);
    lines
}

pub fn update(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "items",
        "proration_behavior",
        "proration_date",
        "payment_behavior",
        "billing_cycle_anchor",
        "cancel_at_period_end",
        "cancellation_details",
        "metadata",
        "expand",
    ])?;
    let before = store.find("subscription", &call.id, "id")?;
    let now = store.now();
    let mut after = before.clone();
    if before["status"] == "canceled"
        && [
            "items",
            "cancel_at_period_end",
            "billing_cycle_anchor",
            "proration_behavior",
        ]
        .iter()
        .any(|field| params.has(field))
    {
        return Err(ApiError::bad_request(
            "A canceled subscription can only update its cancellation_details and metadata.",
        ));
    }
    let proration = params
        .choice(
            "proration_behavior",
            &["create_prorations", "none", "always_invoice"],
        )?
        .unwrap_or_else(|| "create_prorations".to_owned());
    params.choice(
        "payment_behavior",
        &[
            "allow_incomplete",
            "default_incomplete",
            "error_if_incomplete",
            "pending_if_incomplete",
        ],
    )?;
    let reset_anchor = params
        .choice("billing_cycle_anchor", &["now", "unchanged"])?
        .as_deref()
        == Some("now");

    let period = current_period(&before);
    let (current, changed) = change_items(store, &before, &params.list("items")?, now)?;
    let new_interval = interval(&current[0]["price"]);
    let interval_changed = new_interval != interval(&before["items"]["data"][0]["price"]);
    set_items(&mut after, current.clone());

    if let Some(cancel) = params.bool("cancel_at_period_end")? {
        after["cancel_at_period_end"] = cancel.into();
        if cancel {
            after["cancel_at"] = period.1.into();
            after["canceled_at"] = now.into();
            after["cancellation_details"]["reason"] = "cancellation_requested".into();
        } else {
            after["cancel_at"] = Value::Null;
            after["canceled_at"] = Value::Null;
            after["cancellation_details"] =
                json!({"comment": null, "feedback": null, "reason": null});
        }
    }
    if let Some(details) = params.nested("cancellation_details")? {
        details.only(&["comment", "feedback"])?;
        if details.has("comment") {
            after["cancellation_details"]["comment"] =
                details.text("comment")?.map_or(Value::Null, Value::String);
        }
        if details.has("feedback") {
            after["cancellation_details"]["feedback"] =
                details.text("feedback")?.map_or(Value::Null, Value::String);
        }
    }
    let current_metadata = after["metadata"].as_object().cloned().unwrap_or_default();
    if let Some(metadata) = params.metadata(&current_metadata)? {
        after["metadata"] = Value::Object(metadata);
    }

    // Money for the change.
    let trialing = before["status"] == "trialing";
    let mut lines: Vec<Line> = Vec::new();
    if !trialing && proration != "none" {
        lines = change_lines(store, &after, &changed, period, now);
    }
    if (interval_changed || reset_anchor) && !trialing {
        // A new billing cycle starts now and is invoiced at once.
        let (every, count) = new_interval;
        let new_period = (now, period::add(now, &every, count));
        let mut reset = items(&after);
        for item in &mut reset {
            item["current_period_start"] = new_period.0.into();
            item["current_period_end"] = new_period.1.into();
        }
        set_items(&mut after, reset.clone());
        after["billing_cycle_anchor"] = now.into();
        if after["cancel_at_period_end"] == true {
            after["cancel_at"] = new_period.1.into();
        }
        for line in &mut lines {
            line.period.1 = period.1;
        }
        for item in &reset {
            lines.push(period_line(store, &after, item, new_period, false));
        }
        store.pending_prorations.remove(&call.id);
        let invoice = invoices::issue(
            store,
            &customer_id(&after),
            &after,
            &lines,
            "subscription_update",
        );
        let paid = invoices::pay(store, &invoice);
        after["latest_invoice"] = paid["id"].clone();
    } else if !lines.is_empty() {
        if proration == "always_invoice" {
            let mut all = store
                .pending_prorations
                .remove(&call.id)
                .unwrap_or_default();
            all.extend(lines);
            let invoice = invoices::issue(
                store,
                &customer_id(&after),
                &after,
                &all,
                "subscription_update",
            );
            let paid = invoices::pay(store, &invoice);
            after["latest_invoice"] = paid["id"].clone();
        } else {
            store
                .pending_prorations
                .entry(call.id.clone())
                .or_default()
                .extend(lines);
        }
    }
    store.update("customer.subscription.updated", &before, after.clone());
    Ok(after)
}

fn customer_id(subscription: &Value) -> String {
    subscription["customer"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `DELETE /v1/subscriptions/{id}`: ends it now, `customer.subscription.deleted`.
pub fn cancel(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&["invoice_now", "prorate", "cancellation_details", "expand"])?;
    let before = store.find("subscription", &call.id, "id")?;
    if before["status"] == "canceled" {
        return Err(ApiError::bad_request(format!(
            "This subscription ({}) has already been canceled.",
            call.id
        )));
    }
    let now = store.now();
    let mut after = before.clone();
    after["status"] = "canceled".into();
    after["ended_at"] = now.into();
    if after["canceled_at"].is_null() {
        after["canceled_at"] = now.into();
    }
    after["cancellation_details"]["reason"] = "cancellation_requested".into();
    if let Some(details) = params.nested("cancellation_details")? {
        details.only(&["comment", "feedback"])?;
        after["cancellation_details"]["comment"] =
            details.text("comment")?.map_or(Value::Null, Value::String);
        after["cancellation_details"]["feedback"] =
            details.text("feedback")?.map_or(Value::Null, Value::String);
    }
    store.pending_prorations.remove(&call.id);
    store.put(after.clone());
    store.emit("customer.subscription.deleted", &after, None);
    Ok(after)
}

/// The end of the current period: a cancelling subscription ends; otherwise the next
/// period starts (a trial turns active) and its invoice is charged — `decline` makes
/// the charge fail (`past_due`). A `past_due` subscription with an open invoice is
/// charged again instead.
pub fn cycle(store: &mut Store, id: &str, decline: bool) -> Result<Value, ApiError> {
    let before = store.find("subscription", id, "id")?;
    let status = before["status"].as_str().unwrap_or_default().to_owned();
    if status == "canceled" {
        return Err(ApiError::bad_request("The subscription has ended."));
    }
    if let Some(open) = open_invoice(store, &before) {
        // Dunning: try the open invoice again.
        return Ok(charge_open(store, &before, &open, decline));
    }
    let mut after = before.clone();
    let now = store.now();
    let (_, end) = current_period(&before);
    if before["cancel_at_period_end"] == true {
        after["status"] = "canceled".into();
        after["ended_at"] = now.into();
        store.pending_prorations.remove(id);
        store.put(after.clone());
        store.emit("customer.subscription.deleted", &after, None);
        return Ok(after);
    }
    let (every, count) = interval(&before["items"]["data"][0]["price"]);
    let next = (end, period::add(end, &every, count));
    let mut cycled = items(&after);
    for item in &mut cycled {
        item["current_period_start"] = next.0.into();
        item["current_period_end"] = next.1.into();
    }
    set_items(&mut after, cycled.clone());
    let mut lines = store.pending_prorations.remove(id).unwrap_or_default();
    for item in &cycled {
        lines.push(period_line(store, &after, item, next, false));
    }
    let invoice = invoices::issue(
        store,
        &customer_id(&after),
        &after,
        &lines,
        "subscription_cycle",
    );
    after["latest_invoice"] = invoice["id"].clone();
    if decline {
        invoices::fail(store, &invoice);
        after["status"] = "past_due".into();
    } else {
        invoices::pay(store, &invoice);
        after["status"] = "active".into();
    }
    store.update("customer.subscription.updated", &before, after.clone());
    Ok(after)
}

/// The customer gave a new card (the Customer Portal): the open invoice of past-due
/// subscription `id` is charged to it at once, and paid, as Stripe does.
pub fn pay_open_invoice(store: &mut Store, id: &str) -> Result<Value, ApiError> {
    let before = store.find("subscription", id, "id")?;
    let open = open_invoice(store, &before)
        .ok_or_else(|| ApiError::bad_request("The subscription has no open invoice."))?;
    Ok(charge_open(store, &before, &open, false))
}

/// Charges `subscription`'s open invoice again: paid (active) or declined (past due).
fn charge_open(store: &mut Store, subscription: &Value, open: &Value, decline: bool) -> Value {
    let mut after = subscription.clone();
    if decline {
        invoices::fail(store, open);
        after["status"] = "past_due".into();
    } else {
        invoices::pay(store, open);
        after["status"] = "active".into();
    }
    store.update("customer.subscription.updated", subscription, after.clone());
    after
}

fn open_invoice(store: &Store, subscription: &Value) -> Option<Value> {
    let latest = subscription["latest_invoice"].as_str()?;
    store
        .get(latest)
        .filter(|invoice| invoice["status"] == "open")
        .cloned()
}

/// `customer.subscription.trial_will_end`, sent now (Stripe sends it three days before).
pub fn remind_trial_end(store: &mut Store, id: &str) -> Result<Value, ApiError> {
    let subscription = store.find("subscription", id, "id")?;
    if subscription["status"] != "trialing" {
        return Err(ApiError::bad_request("The subscription is not trialing."));
    }
    store.emit("customer.subscription.trial_will_end", &subscription, None);
    Ok(subscription)
}

/// `POST /v1/invoices/create_preview` for a change to `subscription`: with
/// `always_invoice`, or a new billing interval, the invoice the change would issue now;
/// otherwise the next renewal's, prorations included. Nothing is saved or sent.
pub fn preview(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&["customer", "subscription", "subscription_details", "expand"])?;
    let id = params.required("subscription")?;
    let subscription = store.find("subscription", &id, "subscription")?;
    if let Some(customer) = params.text("customer")? {
        if subscription["customer"] != customer.as_str() {
            return Err(ApiError::invalid(
                "The subscription does not belong to this customer.",
                "customer",
            ));
        }
    }
    let details = params
        .nested("subscription_details")?
        .unwrap_or_else(|| Params::new(json!({})));
    details.only(&[
        "items",
        "proration_behavior",
        "proration_date",
        "cancel_at_period_end",
    ])?;
    let proration = details
        .choice(
            "proration_behavior",
            &["create_prorations", "none", "always_invoice"],
        )?
        .unwrap_or_else(|| "create_prorations".to_owned());
    let now = store.now();
    let at = details.int("proration_date")?.unwrap_or(now);
    let period = current_period(&subscription);
    let (current, changed) = change_items(store, &subscription, &details.list("items")?, now)?;
    let mut after = subscription.clone();
    let interval_changed =
        interval(&current[0]["price"]) != interval(&subscription["items"]["data"][0]["price"]);
    set_items(&mut after, current.clone());
    let trialing = subscription["status"] == "trialing";
    let mut lines = if proration == "none" || trialing {
        Vec::new()
    } else {
        change_lines(store, &after, &changed, period, at)
    };
    let mut invoice = if interval_changed && !trialing {
        let (every, count) = interval(&current[0]["price"]);
        let next = (now, period::add(now, &every, count));
        for item in &current {
            lines.push(period_line(store, &after, item, next, false));
        }
        invoices::draft(
            store,
            &customer_id(&after),
            &after,
            &lines,
            "subscription_update",
        )
    } else if proration == "always_invoice" {
        invoices::draft(
            store,
            &customer_id(&after),
            &after,
            &lines,
            "subscription_update",
        )
    } else {
        let mut upcoming = store
            .pending_prorations
            .get(&id)
            .cloned()
            .unwrap_or_default();
        upcoming.extend(lines);
        let (every, count) = interval(&current[0]["price"]);
        let next = (period.1, period::add(period.1, &every, count));
        for item in &current {
            upcoming.push(period_line(store, &after, item, next, false));
        }
        invoices::draft(store, &customer_id(&after), &after, &upcoming, "upcoming")
    };
    invoice["id"] = format!("upcoming_{}", invoice["id"].as_str().unwrap_or_default()).into();
    invoice["hosted_invoice_url"] = Value::Null;
    invoice["invoice_pdf"] = Value::Null;
    invoice["parent"]["subscription_details"]["subscription_proration_date"] = at.into();
    Ok(invoice)
}
