//! `/v1/prices`: create, retrieve, update (like Stripe, only `active`, `metadata`,
//! `nickname` and `lookup_key` change: amounts are immutable), list.

use serde_json::{json, Value};

use super::api::Call;
use super::error::ApiError;
use super::store::{new_id, Store};

const INTERVALS: &[&str] = &["day", "week", "month", "year"];

/// A price shaped like Stripe's (fixtures3.json `price`).
pub fn object(id: &str, product: &str, currency: &str, unit_amount: i64, created: i64) -> Value {
    json!({
        "id": id,
        "object": "price",
        "active": true,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": null,
        "metadata": {},
        "nickname": null,
        "product": product,
        "recurring": null,
        "tax_behavior": "unspecified",
        "tiers_mode": null,
        "transform_quantity": null,
        "type": "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount.to_string(),
    })
}

/// The legacy `plan` Stripe still sends beside a subscription item's price.
pub fn plan(price: &Value) -> Value {
    let recurring = &price["recurring"];
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": false,
        "metadata": price["metadata"],
        "meter": null,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

fn apply_common(store: &Store, price: &mut Value, call: &Call) -> Result<(), ApiError> {
    let params = &call.params;
    if let Some(active) = params.bool("active")? {
        price["active"] = active.into();
    }
    if params.has("nickname") {
        price["nickname"] = params.text("nickname")?.map_or(Value::Null, Value::String);
    }
    if params.has("lookup_key") {
        let key = params.text("lookup_key")?;
        if let Some(key) = &key {
            let taken = store
                .all("price", |other| {
                    other["lookup_key"] == key.as_str() && other["id"] != price["id"]
                })
                .next()
                .is_some();
            if taken && params.bool("transfer_lookup_key")? != Some(true) {
                return Err(ApiError::invalid(
                    format!("A price (`{key}`) already uses that lookup key."),
                    "lookup_key",
                ));
            }
        }
        price["lookup_key"] = key.map_or(Value::Null, Value::String);
    }
    let current = price["metadata"].as_object().cloned().unwrap_or_default();
    if let Some(metadata) = params.metadata(&current)? {
        price["metadata"] = Value::Object(metadata);
    }
    Ok(())
}

pub fn create(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "currency",
        "product",
        "unit_amount",
        "recurring",
        "active",
        "nickname",
        "lookup_key",
        "transfer_lookup_key",
        "metadata",
        "tax_behavior",
        "expand",
    ])?;
    let currency = params.required("currency")?.to_lowercase();
    let product_id = params.required("product")?;
    let product = store.find("product", &product_id, "product")?;
    if product["active"] == false {
        return Err(ApiError::invalid(
            format!("The product {product_id} is archived; prices cannot be created for it."),
            "product",
        ));
    }
    let unit_amount = params.int("unit_amount")?.ok_or_else(|| {
        ApiError::invalid("Missing required param: unit_amount.", "unit_amount")
            .with_code("parameter_missing")
    })?;
    if unit_amount < 0 {
        return Err(ApiError::invalid(
            "This value must be greater than or equal to 0.",
            "unit_amount",
        ));
    }
    let mut price = object(
        &new_id("price"),
        &product_id,
        &currency,
        unit_amount,
        store.now(),
    );
    if let Some(recurring) = params.nested("recurring")? {
        recurring.only(&["interval", "interval_count", "usage_type"])?;
        let interval = recurring.choice("interval", INTERVALS)?.ok_or_else(|| {
            ApiError::invalid(
                "Missing required param: recurring[interval].",
                "recurring[interval]",
            )
            .with_code("parameter_missing")
        })?;
        let count = recurring.int("interval_count")?.unwrap_or(1);
        if !(1..=36).contains(&count) {
            return Err(ApiError::invalid(
                "The interval_count must be between 1 and 36 (or 3 years).",
                "recurring[interval_count]",
            ));
        }
        price["type"] = "recurring".into();
        price["recurring"] = json!({
            "interval": interval,
            "interval_count": count,
            "meter": null,
            "trial_period_days": null,
            "usage_type": "licensed",
        });
    }
    if let Some(behavior) =
        params.choice("tax_behavior", &["inclusive", "exclusive", "unspecified"])?
    {
        price["tax_behavior"] = behavior.into();
    }
    apply_common(store, &mut price, call)?;
    store.put(price.clone());
    store.emit("price.created", &price, None);
    Ok(price)
}

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("price", &call.id, "id")
}

pub fn update(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&[
        "active",
        "metadata",
        "nickname",
        "lookup_key",
        "transfer_lookup_key",
        "expand",
    ])?;
    let before = store.find("price", &call.id, "id")?;
    let mut after = before.clone();
    apply_common(store, &mut after, call)?;
    store.update("price.updated", &before, after.clone());
    Ok(after)
}

pub fn list(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&[
        "product",
        "active",
        "lookup_keys",
        "limit",
        "starting_after",
        "ending_before",
        "expand",
        "type",
    ])?;
    let product = call.params.text("product")?;
    let active = call.params.bool("active")?;
    let lookup_keys = call.params.strings("lookup_keys")?;
    store.list("price", "/v1/prices", &call.params, |price| {
        product.as_deref().is_none_or(|p| price["product"] == p)
            && active.is_none_or(|a| price["active"] == a)
            && (lookup_keys.is_empty()
                || lookup_keys
                    .iter()
                    .any(|k| price["lookup_key"] == k.as_str()))
    })
}
