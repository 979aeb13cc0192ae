//! The fake's memory: every object as the JSON Stripe would send, keyed by its id (the
//! prefix tells the kind), events emitted by the operation in progress, and saved
//! answers to idempotent requests.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::distr::Alphanumeric;
use rand::Rng;
use serde_json::{json, Value};

use super::error::ApiError;
use super::form::Params;
use super::invoices::Line;

/// The API version the fake renders objects and events in: the one async-stripe
/// 1.0.0-rc.10 is generated from (and sends as `Stripe-Version`).
pub const API_VERSION: &str = "2026-09-30.endive";

/// A new id in Stripe's style: `cus_` and 14 letters and digits.
pub fn new_id(prefix: &str) -> String {
    let len = match prefix {
        "cs_test" => 58,
        "evt" | "req" => 24,
        _ => 14,
    };
    let tail: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    if prefix == "cs_test" {
        format!("{prefix}_a1{tail}")
    } else {
        format!("{prefix}_{tail}")
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a checkout session will buy; Stripe keeps it off the session object (it is the
/// expandable `line_items` list).
#[derive(Debug, Clone)]
pub struct CheckoutExtra {
    /// `(price id, quantity)` per line item.
    pub items: Vec<(String, u64)>,
    pub subscription_metadata: serde_json::Map<String, Value>,
    pub trial_period_days: Option<i64>,
}

/// The answer saved for an idempotency key.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Method, path and body of the first request.
    pub fingerprint: String,
    pub status: u16,
    pub body: Value,
}

/// The request that caused the events being emitted (Stripe's `event.request`).
#[derive(Debug, Clone, Default)]
pub struct Cause {
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct Store {
    objects: BTreeMap<String, Value>,
    /// Ids in creation order; lists show the newest first.
    order: Vec<String>,
    pub checkout: HashMap<String, CheckoutExtra>,
    /// Prorations waiting for a subscription's next invoice.
    pub pending_prorations: HashMap<String, Vec<Line>>,
    pub idempotency: HashMap<String, Saved>,
    /// Events emitted by the operation in progress, sent once it ends.
    pub outbox: Vec<Value>,
    pub cause: Cause,
    /// Where the fake is reached (`http://127.0.0.1:12111`), for the URLs it hands out.
    pub base: String,
}

impl Store {
    pub fn now(&self) -> i64 {
        unix_now()
    }

    /// Saves `object` (new or changed) under its id.
    pub fn put(&mut self, object: Value) {
        let id = object["id"].as_str().expect("objects have ids").to_owned();
        if self.objects.insert(id.clone(), object).is_none() {
            self.order.push(id);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Value> {
        self.objects.get(id)
    }

    /// The object `id` of kind `object` (`"customer"`), or Stripe's 404.
    pub fn find(&self, object: &str, id: &str, param: &str) -> Result<Value, ApiError> {
        match self.objects.get(id) {
            Some(found) if found["object"] == object => Ok(found.clone()),
            _ => Err(ApiError::missing(
                object.rsplit('.').next().unwrap_or(object),
                id,
                param,
            )),
        }
    }

    /// Objects of kind `object` matching `keep`, newest first.
    pub fn all<'a>(
        &'a self,
        object: &'a str,
        keep: impl Fn(&Value) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.objects.get(id))
            .filter(move |value| value["object"] == object && keep(value))
    }

    /// A Stripe list of `object`s matching `keep`, paged by `limit`, `starting_after`
    /// and `ending_before`, with `expand[]=data.…` applied.
    pub fn list(
        &self,
        object: &str,
        url: &str,
        params: &Params,
        keep: impl Fn(&Value) -> bool,
    ) -> Result<Value, ApiError> {
        let limit = params.int("limit")?.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid(
                "This value must be between 1 and 100 (it currently is out of range).",
                "limit",
            ));
        }
        let mut matching: Vec<&Value> = self.all(object, keep).collect();
        if let Some(after) = params.text("starting_after")? {
            let at = matching
                .iter()
                .position(|v| v["id"] == after.as_str())
                .ok_or_else(|| ApiError::missing(object, &after, "starting_after"))?;
            matching.drain(..=at);
        }
        if let Some(before) = params.text("ending_before")? {
            let at = matching
                .iter()
                .position(|v| v["id"] == before.as_str())
                .ok_or_else(|| ApiError::missing(object, &before, "ending_before"))?;
            matching.truncate(at);
            let skip = matching.len().saturating_sub(limit as usize);
            matching.drain(..skip);
        }
        let has_more = matching.len() > limit as usize;
        matching.truncate(limit as usize);
        let expand: Vec<String> = params
            .strings("expand")?
            .iter()
            .filter_map(|path| path.strip_prefix("data.").map(str::to_owned))
            .collect();
        let data: Vec<Value> = matching
            .into_iter()
            .map(|item| self.expand(item.clone(), &expand))
            .collect();
        Ok(json!({"object": "list", "data": data, "has_more": has_more, "url": url}))
    }

    /// Replaces ids at the dotted `paths` (`customer`, `subscription.latest_invoice`)
    /// by the objects they name, as `expand[]` does.
    pub fn expand(&self, mut value: Value, paths: &[String]) -> Value {
        for path in paths {
            let parts: Vec<&str> = path.split('.').collect();
            self.expand_path(&mut value, &parts);
        }
        value
    }

    fn expand_path(&self, value: &mut Value, parts: &[&str]) {
        let Some((first, rest)) = parts.split_first() else {
            return;
        };
        if *first == "line_items" && value["object"] == "checkout.session" {
            value["line_items"] = self.checkout_line_items(value);
        }
        let Some(slot) = value.get_mut(*first) else {
            return;
        };
        if let Value::String(id) = slot {
            if let Some(found) = self.objects.get(id.as_str()) {
                *slot = found.clone();
            }
        }
        if !rest.is_empty() {
            self.expand_path(slot, rest);
        }
    }

    /// The `line_items` list of a checkout session (`item` objects).
    pub fn checkout_line_items(&self, session: &Value) -> Value {
        let id = session["id"].as_str().unwrap_or_default();
        let items: Vec<Value> = self
            .checkout
            .get(id)
            .map(|extra| {
                extra
                    .items
                    .iter()
                    .enumerate()
                    .map(|(index, (price_id, quantity))| {
                        let price = self.get(price_id).cloned().unwrap_or(Value::Null);
                        let amount = price["unit_amount"].as_i64().unwrap_or(0) * *quantity as i64;
                        let product = price["product"]
                            .as_str()
                            .and_then(|p| self.get(p))
                            .and_then(|p| p["name"].as_str())
                            .unwrap_or("")
                            .to_owned();
                        json!({
                            "id": format!("li_{}{index}", &id[id.len().saturating_sub(13)..]),
                            "object": "item",
                            "adjustable_quantity": null,
                            "amount_discount": 0,
                            "amount_subtotal": amount,
                            "amount_tax": 0,
                            "amount_total": amount,
                            "currency": price["currency"],
                            "description": product,
                            "discounts": [],
                            "metadata": {},
                            "price": price,
                            "quantity": quantity,
                            "taxes": [],
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "object": "list",
            "data": items,
            "has_more": false,
            "url": format!("/v1/checkout/sessions/{id}/line_items"),
        })
    }

    /// Records an event about `object` (a snapshot of it now) for delivery once the
    /// operation ends. `previous` holds the changed attributes' old values (updates).
    pub fn emit(&mut self, kind: &str, object: &Value, previous: Option<Value>) -> String {
        let id = new_id("evt");
        let mut data = json!({ "object": object });
        if let Some(previous) = previous {
            data["previous_attributes"] = previous;
        }
        let event = json!({
            "id": id,
            "object": "event",
            "account": null,
            "api_version": API_VERSION,
            "context": null,
            "created": self.now(),
            "data": data,
            "livemode": false,
            "pending_webhooks": 1,
            "request": {
                "id": self.cause.request_id,
                "idempotency_key": self.cause.idempotency_key,
            },
            "type": kind,
        });
        self.put(event.clone());
        self.outbox.push(event);
        id
    }

    /// Emits `<kind>.updated` for `after` with the top-level attributes that changed
    /// since `before` (nothing when nothing changed), and saves `after`.
    pub fn update(&mut self, event_type: &str, before: &Value, after: Value) {
        let mut previous = serde_json::Map::new();
        if let (Value::Object(old), Value::Object(new)) = (before, &after) {
            for (key, old_value) in old {
                if new.get(key) != Some(old_value) {
                    previous.insert(key.clone(), old_value.clone());
                }
            }
        }
        self.put(after.clone());
        if !previous.is_empty() {
            self.emit(event_type, &after, Some(Value::Object(previous)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_stripes() {
        let id = new_id("cus");
        assert!(id.starts_with("cus_") && id.len() == 18, "{id}");
        assert!(new_id("cs_test").starts_with("cs_test_a1"));
    }

    #[test]
    fn updates_name_the_changed_attributes_only() {
        let mut store = Store::default();
        let before =
            json!({"id": "sub_1", "object": "subscription", "status": "active", "metadata": {}});
        let mut after = before.clone();
        after["status"] = "past_due".into();
        store.update("customer.subscription.updated", &before, after);
        assert_eq!(store.outbox.len(), 1);
        assert_eq!(
            store.outbox[0]["data"]["previous_attributes"],
            json!({"status": "active"})
        );
        let unchanged = store.get("sub_1").unwrap().clone();
        store.update(
            "customer.subscription.updated",
            &unchanged,
            unchanged.clone(),
        );
        assert_eq!(store.outbox.len(), 1);
    }
}
