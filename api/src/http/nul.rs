//! Text with the NUL character. PostgreSQL cannot store it (`text` and `jsonb` refuse
//! `0x00`), so no input may carry one: a request that did would fail deep inside a query
//! as a 500. JSON bodies are checked by [`super::json::decode`] ([`nul_path`]); the path
//! and the query string by [`reject`], before any handler runs: a NUL in the path names
//! no resource (404), one in the query string is a 422 naming the parameter.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;

/// What every field with a NUL is told.
pub const MESSAGE: &str = "must not contain the NUL character";

/// Middleware: refuses a path or query string that decodes to a NUL character.
pub async fn reject(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let uri = req.uri();
    if uri.path().contains("%00") {
        return Ok(req.error_response(AppError::NotFound));
    }
    if let Some(query) = uri.query().filter(|query| query.contains("%00")) {
        let field = url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, value)| key.contains('\0') || value.contains('\0'))
            .map_or_else(|| "query".to_owned(), |(key, _)| key.replace('\0', ""));
        let error = AppError::validation([(field, MESSAGE.to_owned())]);
        return Ok(req.error_response(error));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The path (`add_ons[1].price_id`, `body` for the whole) of the first string in `value`
/// holding a NUL character, if any.
pub fn nul_path(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(text) => text.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(index, item)| {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(fields) => fields.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key.replace('\0', ""));
                let found = key.contains('\0') || walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(value, &mut path).then(|| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_string_with_a_nul_is_named_by_its_path() {
        assert_eq!(nul_path(&json!({"name": "Ada"})), None);
        assert_eq!(
            nul_path(&json!({"name": "A\u{0}da"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            nul_path(&json!({"add_ons": [{"price_id": "p"}, {"price_id": "\u{0}"}]})).as_deref(),
            Some("add_ons[1].price_id")
        );
        assert_eq!(nul_path(&json!("\u{0}")).as_deref(), Some("body"));
        assert_eq!(nul_path(&json!({"a\u{0}": 1})).as_deref(), Some("a"));
        // A backslash followed by "u0000" is text, not a NUL.
        assert_eq!(nul_path(&json!({"name": "\\u0000"})), None);
    }
}
