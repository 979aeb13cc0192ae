//! `/v1/events`: retrieve and list what the fake has emitted.

use serde_json::Value;

use super::api::Call;
use super::error::ApiError;
use super::store::Store;

pub fn retrieve(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    call.params.only(&["expand"])?;
    store.find("event", &call.id, "id")
}

pub fn list(store: &mut Store, call: &Call) -> Result<Value, ApiError> {
    let params = &call.params;
    params.only(&[
        "type",
        "types",
        "limit",
        "starting_after",
        "ending_before",
        "expand",
        "created",
    ])?;
    let kind = params.text("type")?;
    let kinds = params.strings("types")?;
    store.list("event", "/v1/events", params, |event| {
        kind.as_deref().is_none_or(|k| event["type"] == k)
            && (kinds.is_empty() || kinds.iter().any(|k| event["type"] == k.as_str()))
    })
}
