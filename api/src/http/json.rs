//! `Json<T>`: the request-body extractor every handler uses. A body that does not fit
//! `T` (or holds a NUL character, [`super::nul`]) answers 422 with the failing field's
//! path and a message that never echoes the input; a body that is not JSON at all
//! answers 400.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A decoded JSON request body.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The body size limit, installed as app data by the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<BodyLimit>()
            .copied()
            .unwrap_or(BodyLimit(64 * 1024))
            .0;
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|essence| essence.trim().to_ascii_lowercase())
            .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"));
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::UnsupportedMediaType {
                    message: "Send the body as JSON with Content-Type: application/json."
                        .to_owned(),
                });
            }
            if declared.is_some_and(|length| length > limit) {
                return Err(AppError::PayloadTooLarge { limit });
            }
            let bytes = body
                .await
                .map_err(|err| match err.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => AppError::PayloadTooLarge { limit },
                    _ => AppError::bad_request("invalid_body", "The body could not be read."),
                })?;
            if bytes.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            decode(&bytes).map(Json)
        })
    }
}

/// Decodes `bytes` as `T`, naming the field that does not fit. Text holding the NUL
/// character (which PostgreSQL cannot store) is refused like any invalid field.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Only the JSON escape can put a NUL in a string; a raw 0x00 is not JSON at all.
    if bytes.windows(6).any(|window| window == b"\\u0000") {
        if let Some(field) = serde_json::from_slice(bytes)
            .ok()
            .as_ref()
            .and_then(super::nul::nul_path)
        {
            return Err(AppError::validation([(
                field,
                super::nul::MESSAGE.to_owned(),
            )]));
        }
    }
    let malformed = |err: &serde_json::Error| {
        AppError::bad_request(
            "malformed_json",
            format!(
                "The body is not valid JSON (line {}, column {}).",
                err.line(),
                err.column()
            ),
        )
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if !inner.is_data() {
            return malformed(&inner);
        }
        let (field, message) = describe(&path, &inner);
        AppError::validation([(field, message)])
    })?;
    deserializer.end().map_err(|err| malformed(&err))?;
    Ok(value)
}

/// A field name and a message for a data error, without the offending value.
fn describe(path: &str, err: &serde_json::Error) -> (String, String) {
    let full = err.to_string();
    let text = full.split(" at line ").next().unwrap_or(&full);
    let at = |name: &str| match path {
        "." | "" => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    let here = || match path {
        "." | "" => "body".to_owned(),
        path => path.to_owned(),
    };
    if let Some(name) = between(text, "missing field `", "`") {
        return (at(name), "is required".to_owned());
    }
    if let Some(name) = between(text, "unknown field `", "`") {
        // The path already ends at the unknown key.
        let field = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            at(name)
        };
        return (field, "is not allowed".to_owned());
    }
    if let Some((_, expected)) = text.split_once(", expected ") {
        return (here(), format!("must be {expected}"));
    }
    if text.starts_with("invalid type") || text.starts_with("invalid value") {
        return (here(), "has the wrong type or value".to_owned());
    }
    // A custom message from our own validation (`#[serde(try_from)]` and friends).
    (here(), text.to_owned())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(start)?;
    rest.split_once(end).map(|(inside, _)| inside)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        age: u8,
        address: Address,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Address {
        city: String,
    }

    fn fields(body: &str) -> BTreeMap<String, String> {
        match decode::<Signup>(body.as_bytes()) {
            Err(AppError::Validation { fields }) => fields,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn data_errors_name_the_field_without_echoing_the_value() {
        let wrong_type =
            fields(r#"{"email": "a@b.c", "age": "hunter2", "address": {"city": "x"}}"#);
        assert_eq!(wrong_type["age"], "must be u8");
        let too_big = fields(r#"{"email": "a@b.c", "age": 999, "address": {"city": "x"}}"#);
        assert_eq!(too_big["age"], "must be u8");
        let missing = fields(r#"{"email": "a@b.c", "age": 1, "address": {}}"#);
        assert_eq!(missing["address.city"], "is required");
        let top_missing = fields(r#"{"age": 1, "address": {"city": "x"}}"#);
        assert_eq!(top_missing["email"], "is required");
        let unknown =
            fields(r#"{"email": "a", "age": 1, "address": {"city": "x"}, "admin": true}"#);
        assert_eq!(
            unknown.get("admin").map(String::as_str),
            Some("is not allowed"),
            "{unknown:?}"
        );
        let everything = format!("{wrong_type:?}{too_big:?}");
        assert!(!everything.contains("hunter2") && !everything.contains("999"));
    }

    #[test]
    fn syntax_errors_and_trailing_garbage_are_malformed_json() {
        for body in [
            r#"{"email": "#,
            r#"{"email": "a", "age": 1, "address": {"city": "x"}} x"#,
            "",
        ] {
            match decode::<Signup>(body.as_bytes()) {
                Err(AppError::BadRequest { code, .. }) => assert_eq!(code, "malformed_json"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }
}
