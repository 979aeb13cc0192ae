//! `Json<T>`: the request-body extractor every handler uses. A body that does not fit
//! `T` (or holds a NUL character, [`super::nul`]) answers 422 with the failing field's
//! path and a message that never echoes the input; a body that is not JSON at all
//! answers 400.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use gatehouse_input::json::BodyError;
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

/// Decodes `bytes` as `T` ([`gatehouse_input::json::decode`], pure and fuzzed): 400
/// `malformed_json` for a body that is not JSON, 422 naming the field for one that does
/// not fit `T` (or holds a NUL character).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    gatehouse_input::json::decode(bytes).map_err(|err| match err {
        BodyError::Malformed { line, column } => AppError::bad_request(
            "malformed_json",
            format!("The body is not valid JSON (line {line}, column {column})."),
        ),
        BodyError::Invalid { field, message } => AppError::validation([(field, message)]),
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
    }

    #[test]
    fn bodies_that_do_not_fit_are_422_and_broken_json_is_400() {
        match decode::<Signup>(br#"{"email": 1}"#) {
            Err(AppError::Validation { fields }) => assert_eq!(fields["email"], "must be a string"),
            other => panic!("{other:?}"),
        }
        match decode::<Signup>(br#"{"email": "#) {
            Err(AppError::BadRequest { code, message }) => {
                assert_eq!(code, "malformed_json");
                assert_eq!(message, "The body is not valid JSON (line 1, column 10).");
            }
            other => panic!("{other:?}"),
        }
    }
}
