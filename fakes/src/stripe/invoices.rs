//! `/v1/invoices`: retrieve and list (by subscription, customer, status); the invoices
//! themselves are made by subscriptions (creation, renewal, proration, failed payment).

use serde_json::{json, Value};

use super::api::Call;
use super::error::ApiError;
use super::store::{new_id, Store};

/// One line of an invoice for a subscription item (fixtures3.json `line_item`).
#[derive(Debug, Clone)]
pub struct Line {
    pub subscription: String,
    pub item: String,
    pub price: Value,
    pub quantity: u64,
    pub amount: i64,
    pub period: (i64, i64),
    pub proration: bool,
    pub description: String,
}

fn line_object(line: &Line, invoice: &str) -> Value {
    json!({
        "id": new_id("il"),
        "object": "line_item",
        "amount": line.amount,
        "currency": line.price["currency"],
        "description": line.description,
        "discount_amounts": [],
        "discountable": !line.proration,
        "discounts": [],
        "invoice": invoice,
        "livemode": false,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": null,
            "subscription_item_details": {
                "invoice_item": null,
                "proration": line.proration,
                "proration_details": {"credited_items": null},
                "subscription": line.subscription,
                "subscription_item": line.item,
            },
        },
        "period": {"start": line.period.0, "end": line.period.1},
        "pretax_credit_amounts": [],
        "pricing": {
            "type": "price_details",
            "price_details": {"price": line.price["id"], "product": line.price["product"]},
            "unit_amount_decimal": line.price["unit_amount_decimal"],
        },
        "quantity": line.quantity,
        "quantity_decimal": line.quantity.to_string(),
        // Named in `parent` since 2025-03-31, as on the invoice.
        "subscription": null,
        "subtotal": line.amount,
        "taxes": [],
    })
}

/// An invoice for `lines` as it would be issued now, neither saved nor numbered
/// (shaped like fixtures3.json `invoice`).
pub fn draft(
    store: &Store,
    customer_id: &str,
    subscription: &Value,
    lines: &[Line],
    billing_reason: &str,
) -> Value {
    let id = new_id("in");
    let now = store.now();
    let customer = store
        .get(customer_id)
        .cloned()
        .unwrap_or_else(|| json!({"id": customer_id}));
    let total: i64 = lines.iter().map(|line| line.amount).sum();
    let due = total.max(0);
    let currency = subscription["currency"].clone();
    let period = lines
        .iter()
        .filter(|line| !line.proration)
        .map(|line| line.period)
        .next()
        .unwrap_or((now, now));
    let data: Vec<Value> = lines.iter().map(|line| line_object(line, &id)).collect();
    let line_count = data.len();
    let invoice = json!({
        "id": id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Gatehouse (fake Stripe)",
        "account_tax_ids": null,
        "amount_due": due,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": due,
        "amount_shipping": 0,
        "application": null,
        "attempt_count": 0,
        "attempted": false,
        "auto_advance": true,
        "automatic_tax": {
            "disabled_reason": null,
            "enabled": false,
            "liability": null,
            "provider": null,
            "status": null,
        },
        "automatically_finalizes_at": null,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "custom_fields": null,
        "customer": customer_id,
        "customer_account": null,
        "customer_address": null,
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": null,
        "customer_shipping": null,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discounts": [],
        "due_date": null,
        "effective_at": now,
        "ending_balance": 0,
        "footer": null,
        "from_invoice": null,
        "hosted_invoice_url": format!("{}/invoice/{id}", store.base),
        "invoice_pdf": format!("{}/invoice/{id}/pdf", store.base),
        "issuer": {"type": "self"},
        "last_finalization_error": null,
        "latest_revision": null,
        "lines": {
            "object": "list",
            "data": data,
            "has_more": false,
            "total_count": line_count,
            "url": format!("/v1/invoices/{id}/lines"),
        },
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": null,
        "number": null,
        "on_behalf_of": null,
        "parent": {
            "type": "subscription_details",
            "quote_details": null,
            "subscription_details": {
                "metadata": subscription["metadata"],
                "subscription": subscription["id"],
                "subscription_proration_date": null,
            },
        },
        "payment_settings": {
            "default_mandate": null,
            "payment_method_options": null,
            "payment_method_types": null,
        },
        "period_end": period.1,
        "period_start": period.0,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": null,
        "rendering": null,
        "shipping_cost": null,
        "shipping_details": null,
        "starting_balance": 0,
        "statement_descriptor": null,
        "status": "draft",
        "status_transitions": {
            "finalized_at": null,
            "marked_uncollectible_at": null,
            "paid_at": null,
            "voided_at": null,
        },
        // Since 2025-03-31 the subscription is named in `parent`, not here.
        "subscription": null,
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": null,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": now,
    });
    invoice
}

/// A finalized (`open`) invoice for `lines`, numbered in the customer's sequence, saved,
/// with `invoice.created` and `invoice.finalized`.
pub fn issue(
    store: &mut Store,
    customer_id: &str,
    subscription: &Value,
    lines: &[Line],
    billing_reason: &str,
) -> Value {
    let draft = draft(store, customer_id, subscription, lines, billing_reason);
    let mut invoice = draft.clone();
    if let Some(mut customer) = store.get(customer_id).cloned() {
        let sequence = customer["next_invoice_sequence"].as_i64().unwrap_or(1);
        invoice["number"] = format!(
            "{}-{sequence:04}",
            customer["invoice_prefix"].as_str().unwrap_or("FAKE")
        )
        .into();
        customer["next_invoice_sequence"] = (sequence + 1).into();
        store.put(customer);
    }
    invoice["status"] = "open".into();
    invoice["status_transitions"]["finalized_at"] = store.now().into();
    store.put(invoice.clone());
    store.emit("invoice.created", &draft, None);
    store.emit("invoice.finalized", &invoice, None);
    invoice
}

/// Marks `invoice` paid: `invoice.paid` and `invoice.payment_succeeded`.
pub fn pay(store: &mut Store, invoice: &Value) -> Value {
    let mut paid = invoice.clone();
    let now = store.now();
    let due = paid["amount_due"].as_i64().unwrap_or(0);
    paid["status"] = "paid".into();
    paid["amount_paid"] = due.into();
    paid["amount_remaining"] = 0.into();
    paid["attempted"] = true.into();
    paid["attempt_count"] =
        (paid["attempt_count"].as_i64().unwrap_or(0) + i64::from(due > 0)).into();
    paid["next_payment_attempt"] = Value::Null;
    paid["status_transitions"]["paid_at"] = now.into();
    store.put(paid.clone());
    store.emit("invoice.paid", &paid, None);
    store.emit("invoice.payment_succeeded", &paid, None);
    paid
}

/// A failed attempt at charging `invoice`: `invoice.payment_failed`, another attempt
/// in three days.
pub fn fail(store: &mut Store, invoice: &Value) -> Value {
    let mut failed = invoice.clone();
    let now = store.now();
    failed["attempted"] = true.into();
    failed["attempt_count"] = (failed["attempt_count"].as_i64().unwrap_or(0) + 1).into();
    failed["next_payment_attempt"] = (now + 3 * 86_400).into();
    store.put(failed.clone());
    store.emit("invoice.payment_failed", &failed, None);
    failed
}

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("invoice", &call.id, "id")
}

pub fn list(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "subscription",
        "customer",
        "status",
        "limit",
        "starting_after",
        "ending_before",
        "expand",
        "created",
        "collection_method",
    ])?;
    let subscription = params.text("subscription")?;
    let customer = params.text("customer")?;
    let status = params.choice(
        "status",
        &["draft", "open", "paid", "uncollectible", "void"],
    )?;
    store.list("invoice", "/v1/invoices", params, |invoice| {
        subscription
            .as_deref()
            .is_none_or(|s| invoice["parent"]["subscription_details"]["subscription"] == s)
            && customer.as_deref().is_none_or(|c| invoice["customer"] == c)
            && status.as_deref().is_none_or(|st| invoice["status"] == st)
    })
}
