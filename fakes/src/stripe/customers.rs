//! `/v1/customers`: create, retrieve, update, list (by email).

use serde_json::{json, Map, Value};

use super::api::Call;
use super::error::ApiError;
use super::store::{new_id, Store};

const FIELDS: &[&str] = &[
    "email",
    "name",
    "description",
    "phone",
    "metadata",
    "preferred_locales",
    "expand",
];

/// A customer shaped like Stripe's (fixtures3.json `customer`).
pub fn object(id: &str, created: i64) -> Value {
    let prefix: String = id[4..].chars().take(7).collect::<String>().to_uppercase();
    json!({
        "id": id,
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": created,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": null,
        "discount": null,
        "email": null,
        "invoice_prefix": prefix,
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": false,
        "metadata": {},
        "name": null,
        "next_invoice_sequence": 1,
        "phone": null,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
        "customer_account": null,
    })
}

fn apply(customer: &mut Value, call: &Call) -> Result<(), ApiError> {
    let params = &call.params;
    for field in ["email", "name", "description", "phone"] {
        if params.has(field) {
            customer[field] = params.text(field)?.map_or(Value::Null, Value::String);
        }
    }
    if let Some(email) = params.text("email")? {
        if !email.contains('@') {
            return Err(
                ApiError::invalid(format!("Invalid email address: {email}"), "email")
                    .with_code("email_invalid"),
            );
        }
    }
    if params.has("preferred_locales") {
        customer["preferred_locales"] = json!(params.strings("preferred_locales")?);
    }
    let current = customer["metadata"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some(metadata) = params.metadata(&current)? {
        customer["metadata"] = Value::Object(metadata);
    }
    Ok(())
}

/// Creates a customer in the store (also used by checkout) and emits `customer.created`.
pub fn insert(store: &mut Store, email: Option<&str>, metadata: Map<String, Value>) -> Value {
    let mut customer = object(&new_id("cus"), store.now());
    customer["email"] = email.map_or(Value::Null, |e| Value::String(e.to_owned()));
    customer["metadata"] = Value::Object(metadata);
    store.put(customer.clone());
    store.emit("customer.created", &customer, None);
    customer
}

pub fn create(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(FIELDS)?;
    let mut customer = object(&new_id("cus"), store.now());
    apply(&mut customer, call)?;
    store.put(customer.clone());
    store.emit("customer.created", &customer, None);
    Ok(customer)
}

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("customer", &call.id, "id")
}

pub fn update(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(FIELDS)?;
    let before = store.find("customer", &call.id, "id")?;
    let mut after = before.clone();
    apply(&mut after, call)?;
    store.update("customer.updated", &before, after.clone());
    Ok(after)
}

pub fn list(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&[
        "email",
        "limit",
        "starting_after",
        "ending_before",
        "expand",
        "created",
    ])?;
    let email = call.params.text("email")?;
    store.list("customer", "/v1/customers", &call.params, |customer| {
        email
            .as_deref()
            .is_none_or(|email| customer["email"].as_str() == Some(email))
    })
}
