//! `/v1/products`: create (with an optional chosen id), retrieve, update.

use serde_json::{json, Value};

use super::api::Call;
use super::error::ApiError;
use super::store::{new_id, Store};

const UPDATABLE: &[&str] = &[
    "name",
    "description",
    "active",
    "metadata",
    "url",
    "unit_label",
    "statement_descriptor",
    "default_price",
    "expand",
];

/// A product shaped like Stripe's (fixtures3.json `product`).
pub fn object(id: &str, name: &str, created: i64) -> Value {
    json!({
        "id": id,
        "object": "product",
        "active": true,
        "created": created,
        "default_price": null,
        "description": null,
        "images": [],
        "livemode": false,
        "marketing_features": [],
        "metadata": {},
        "name": name,
        "package_dimensions": null,
        "shippable": null,
        "statement_descriptor": null,
        "tax_code": null,
        "type": "service",
        "unit_label": null,
        "updated": created,
        "url": null,
    })
}

fn apply(store: &Store, product: &mut Value, call: &Call) -> Result<(), ApiError> {
    let params = &call.params;
    if params.has("name") {
        product["name"] = params.required("name")?.into();
    }
    for field in ["description", "url", "unit_label", "statement_descriptor"] {
        if params.has(field) {
            product[field] = params.text(field)?.map_or(Value::Null, Value::String);
        }
    }
    if let Some(active) = params.bool("active")? {
        product["active"] = active.into();
    }
    if params.has("default_price") {
        product["default_price"] = match params.text("default_price")? {
            None => Value::Null,
            Some(price_id) => {
                let price = store.find("price", &price_id, "default_price")?;
                if price["product"] != product["id"] {
                    return Err(ApiError::invalid(
                        format!("The price {price_id} does not belong to this product."),
                        "default_price",
                    ));
                }
                price_id.into()
            }
        };
    }
    let current = product["metadata"].as_object().cloned().unwrap_or_default();
    if let Some(metadata) = params.metadata(&current)? {
        product["metadata"] = Value::Object(metadata);
    }
    product["updated"] = store.now().into();
    Ok(())
}

pub fn create(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&[UPDATABLE, &["id"]].concat())?;
    let name = call.params.required("name")?;
    let id = match call.params.text("id")? {
        Some(id) if store.get(&id).is_some() => {
            return Err(ApiError::invalid("Product already exists.", "id")
                .with_code("resource_already_exists"))
        }
        Some(id) => id,
        None => new_id("prod"),
    };
    let mut product = object(&id, &name, store.now());
    apply(store, &mut product, call)?;
    store.put(product.clone());
    store.emit("product.created", &product, None);
    Ok(product)
}

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("product", &call.id, "id")
}

pub fn update(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(UPDATABLE)?;
    let before = store.find("product", &call.id, "id")?;
    let mut after = before.clone();
    apply(store, &mut after, call)?;
    store.update("product.updated", &before, after.clone());
    Ok(after)
}
