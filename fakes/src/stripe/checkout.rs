//! `/v1/checkout/sessions` in subscription mode: create, retrieve, and what happens
//! when the customer pays (or leaves) on the hosted page.

use serde_json::{json, Map, Value};

use super::api::Call;
use super::error::ApiError;
use super::store::{new_id, CheckoutExtra, Store};
use super::{customers, subscriptions};

const SESSION_LIFETIME_SECS: i64 = 24 * 3600;

/// A checkout session shaped like Stripe's (fixtures3.json `checkout.session`).
fn object(id: &str, now: i64, base: &str) -> Value {
    json!({
        "id": id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": false},
        "after_expiration": null,
        "allow_promotion_codes": null,
        "amount_subtotal": 0,
        "amount_total": 0,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": null,
        "cancel_url": null,
        "client_reference_id": null,
        "client_secret": null,
        "collected_information": null,
        "consent": null,
        "consent_collection": null,
        "created": now,
        "currency": null,
        "currency_conversion": null,
        "custom_fields": [],
        "custom_text": {
            "after_submit": null,
            "shipping_address": null,
            "submit": null,
            "terms_of_service_acceptance": null,
        },
        "customer": null,
        "customer_account": null,
        "customer_creation": null,
        "customer_details": null,
        "customer_email": null,
        "discounts": [],
        "expires_at": now + SESSION_LIFETIME_SECS,
        "integration_identifier": null,
        "invoice": null,
        "invoice_creation": null,
        "livemode": false,
        "locale": null,
        "managed_payments": {"enabled": false},
        "metadata": {},
        "mode": "subscription",
        "origin_context": null,
        "payment_intent": null,
        "payment_link": null,
        "payment_method_collection": "always",
        "payment_method_configuration_details": null,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": null,
        "phone_number_collection": {"enabled": false},
        "recovered_from": null,
        "saved_payment_method_options": {
            "allow_redisplay_filters": ["always"],
            "payment_method_remove": null,
            "payment_method_save": null,
        },
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_options": [],
        "status": "open",
        "submit_type": null,
        "subscription": null,
        "success_url": null,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": format!("{base}/checkout/{id}"),
        "wallet_options": null,
    })
}

pub fn create(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "mode",
        "line_items",
        "customer",
        "customer_email",
        "success_url",
        "cancel_url",
        "client_reference_id",
        "metadata",
        "subscription_data",
        "allow_promotion_codes",
        "locale",
        "expand",
    ])?;
    let mode = params.required("mode")?;
    if mode != "subscription" {
        return Err(ApiError::invalid(
            format!("The fake Stripe only implements mode=subscription, not `{mode}`."),
            "mode",
        ));
    }
    let success_url = params.required("success_url")?;
    let mut session = object(&new_id("cs_test"), store.now(), &store.base);
    for (field, value) in [
        ("success_url", Some(success_url)),
        ("cancel_url", params.text("cancel_url")?),
        ("client_reference_id", params.text("client_reference_id")?),
        ("locale", params.text("locale")?),
    ] {
        if let Some(value) = value {
            if field.ends_with("_url") && url::Url::parse(&value).is_err() {
                return Err(ApiError::invalid("Not a valid URL", field).with_code("url_invalid"));
            }
            session[field] = value.into();
        }
    }
    if let Some(allow) = params.bool("allow_promotion_codes")? {
        session["allow_promotion_codes"] = allow.into();
    }
    match (params.text("customer")?, params.text("customer_email")?) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "You may only specify one of these parameters: customer, customer_email.",
            ))
        }
        (Some(customer), None) => {
            store.find("customer", &customer, "customer")?;
            session["customer"] = customer.into();
        }
        (None, Some(email)) => session["customer_email"] = email.into(),
        (None, None) => {}
    }
    let line_items = params.list("line_items")?;
    if line_items.is_empty() {
        return Err(ApiError::invalid(
            "`line_items` is required in `subscription` mode.",
            "line_items",
        )
        .with_code("parameter_missing"));
    }
    let mut items = Vec::new();
    let mut total = 0;
    let mut interval: Option<Value> = None;
    for item in &line_items {
        item.only(&["price", "quantity"])?;
        let param = format!("{}[price]", item.prefix());
        let price = subscriptions::recurring_price(store, &item.required("price")?, &param)?;
        let quantity = item.int("quantity")?.unwrap_or(1);
        if quantity < 1 {
            return Err(ApiError::invalid(
                "Quantity must be at least 1.",
                &format!("{}[quantity]", item.prefix()),
            ));
        }
        let recurring = json!([
            price["recurring"]["interval"],
            price["recurring"]["interval_count"],
            price["currency"]
        ]);
        if interval.get_or_insert_with(|| recurring.clone()) != &recurring {
            return Err(ApiError::invalid(
                "All prices on a subscription must have the same currency and recurring interval.",
                &param,
            ));
        }
        total += price["unit_amount"].as_i64().unwrap_or(0) * quantity;
        session["currency"] = price["currency"].clone();
        items.push((
            price["id"].as_str().unwrap_or_default().to_owned(),
            quantity as u64,
        ));
    }
    session["amount_subtotal"] = total.into();
    session["amount_total"] = total.into();
    if let Some(metadata) = params.metadata(&Map::new())? {
        session["metadata"] = Value::Object(metadata);
    }
    let mut extra = CheckoutExtra {
        items,
        subscription_metadata: Map::new(),
        trial_period_days: None,
    };
    if let Some(data) = params.nested("subscription_data")? {
        data.only(&["metadata", "trial_period_days", "description"])?;
        extra.subscription_metadata = data.metadata(&Map::new())?.unwrap_or_default();
        extra.trial_period_days = data.int("trial_period_days")?;
        if extra
            .trial_period_days
            .is_some_and(|days| !(1..=730).contains(&days))
        {
            return Err(ApiError::invalid(
                "The trial period must be between 1 and 730 days.",
                "subscription_data[trial_period_days]",
            ));
        }
        if extra.trial_period_days.is_some() {
            session["amount_total"] = 0.into();
            session["amount_subtotal"] = 0.into();
        }
    }
    let id = session["id"].as_str().expect("an id").to_owned();
    store.checkout.insert(id, extra);
    store.put(session.clone());
    Ok(session)
}

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("checkout.session", &call.id, "session")
}

pub fn line_items(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params
        .only(&["limit", "starting_after", "ending_before", "expand"])?;
    let session = store.find("checkout.session", &call.id, "session")?;
    Ok(store.checkout_line_items(&session))
}

fn open_session(store: &Store, id: &str) -> Result<Value, ApiError> {
    let session = store.find("checkout.session", id, "session")?;
    if session["status"] != "open" {
        return Err(ApiError::bad_request(format!(
            "This Checkout Session is no longer open (status: {}).",
            session["status"].as_str().unwrap_or_default()
        )));
    }
    if session["expires_at"].as_i64().unwrap_or(0) < store.now() {
        return Err(ApiError::bad_request("This Checkout Session has expired."));
    }
    Ok(session)
}

/// The customer paid with the test card: a customer (unless the session named one), the
/// subscription, its first invoice paid, and `checkout.session.completed`. `email` is
/// what the customer typed when the session had none.
pub fn complete(store: &mut Store, id: &str, email: Option<&str>) -> Result<Value, ApiError> {
    let mut session = open_session(store, id)?;
    let extra = store
        .checkout
        .get(id)
        .cloned()
        .expect("sessions have line items");
    let customer = match session["customer"].as_str() {
        Some(existing) => store.find("customer", existing, "customer")?,
        None => {
            let email = session["customer_email"]
                .as_str()
                .or(email)
                .unwrap_or("customer@example.com")
                .to_owned();
            customers::insert(store, Some(&email), Map::new())
        }
    };
    let customer_id = customer["id"].as_str().unwrap_or_default().to_owned();
    let mut lines = Vec::new();
    for (price_id, quantity) in &extra.items {
        lines.push((store.find("price", price_id, "price")?, *quantity));
    }
    let subscription = subscriptions::start(
        store,
        &customer_id,
        &lines,
        extra.subscription_metadata.clone(),
        extra.trial_period_days,
    );
    session["status"] = "complete".into();
    session["payment_status"] = if extra.trial_period_days.is_some() {
        "no_payment_required"
    } else {
        "paid"
    }
    .into();
    session["customer"] = customer_id.into();
    session["subscription"] = subscription["id"].clone();
    session["customer_details"] = json!({
        "address": null,
        "business_name": null,
        "email": customer["email"],
        "individual_name": null,
        "name": customer["name"],
        "phone": null,
        "tax_exempt": "none",
        "tax_ids": [],
    });
    store.put(session.clone());
    store.emit("checkout.session.completed", &session, None);
    Ok(session)
}

/// The customer left (`Cancel` on the page): the session stays open, as on Stripe.
pub fn abandon(store: &Store, id: &str) -> Result<Value, ApiError> {
    open_session(store, id)
}

/// `POST /v1/checkout/sessions/{id}/expire`: `checkout.session.expired`.
pub fn expire(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    let mut session = open_session(store, &call.id)?;
    session["status"] = "expired".into();
    session["url"] = Value::Null;
    store.put(session.clone());
    store.emit("checkout.session.expired", &session, None);
    Ok(session)
}
