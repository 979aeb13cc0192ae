//! `/v1/billing_portal/sessions`: create; the page itself is in `pages`.

use serde_json::{json, Value};

use super::api::Call;
use super::error::ApiError;
use super::store::{new_id, Store};

pub fn create(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "customer",
        "return_url",
        "locale",
        "configuration",
        "expand",
    ])?;
    let customer = params.required("customer")?;
    store.find("customer", &customer, "customer")?;
    let return_url = params.text("return_url")?;
    if let Some(url) = &return_url {
        if url::Url::parse(url).is_err() {
            return Err(ApiError::invalid("Not a valid URL", "return_url").with_code("url_invalid"));
        }
    }
    let id = new_id("bps");
    let session = json!({
        "id": id,
        "object": "billing_portal.session",
        "configuration": params.text("configuration")?.unwrap_or_else(|| "bpc_fakedefault0000".to_owned()),
        "created": store.now(),
        "customer": customer,
        "customer_account": null,
        "flow": null,
        "livemode": false,
        "locale": params.text("locale")?,
        "on_behalf_of": null,
        "return_url": return_url,
        "url": format!("{}/portal/{id}", store.base),
    });
    store.put(session.clone());
    Ok(session)
}
