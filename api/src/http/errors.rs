//! Framework errors in the one envelope: extractor failures (malformed JSON, wrong
//! content type, oversized body, bad query or path) and any error response produced
//! outside our handlers (405s, actix internals) are rewritten as JSON.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse};
use gatehouse_shared::ErrorEnvelope;

use crate::error::AppError;

/// JSON bodies: size limit and errors in the envelope.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req: &HttpRequest| json_error(err, limit).into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> AppError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
            message: "Send the body as JSON with Content-Type: application/json.".to_owned(),
        },
        JsonPayloadError::Deserialize(err) if err.is_data() => AppError::validation([(
            "body".to_owned(),
            // serde's data errors name the field or type; no input is echoed back.
            err.to_string(),
        )]),
        JsonPayloadError::Deserialize(err) => AppError::bad_request(
            "malformed_json",
            format!("The body is not valid JSON ({err})."),
        ),
        other => AppError::bad_request(
            "invalid_body",
            format!("The body could not be read ({other})."),
        ),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let message = match err {
            QueryPayloadError::Deserialize(err) => format!("Invalid query string: {err}."),
            other => format!("Invalid query string: {other}."),
        };
        AppError::bad_request("invalid_query", message).into()
    })
}

/// A path segment that does not parse (say, a malformed id) names no resource: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        tracing::debug!(error = %err, "path did not parse");
        AppError::NotFound.into()
    })
}

/// Rewrites any error response that is not already JSON into the envelope.
pub fn envelope_everything<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_json = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if is_json || !(res.status().is_client_error() || res.status().is_server_error()) {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        if status.is_server_error() {
            // Not one of ours (those are JSON): log what the envelope will hide.
            let cause = res
                .response()
                .error()
                .map(|err| err.to_string())
                .unwrap_or_else(|| "no error attached".to_owned());
            tracing::error!(%status, %cause, "framework error response replaced by the envelope");
        }
        let allow = res.headers().get(header::ALLOW).cloned();
        let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
        let (req, _) = res.into_parts();
        let mut response = HttpResponse::build(status).json(envelope_for(status));
        for (name, value) in [(header::ALLOW, allow), (header::RETRY_AFTER, retry_after)] {
            if let Some(value) = value {
                response.headers_mut().insert(name, value);
            }
        }
        let response: ServiceResponse<EitherBody<B, BoxBody>> =
            ServiceResponse::new(req, response).map_into_right_body();
        Ok(ErrorHandlerResponse::Response(response))
    })
}

fn envelope_for(status: StatusCode) -> ErrorEnvelope {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "The requested resource does not exist."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This method is not allowed here.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request body is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "This content type is not supported.",
        ),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "The request took too long to arrive."),
        StatusCode::URI_TOO_LONG => ("uri_too_long", "The request URI is too long."),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            ("headers_too_large", "The request headers are too large.")
        }
        StatusCode::RANGE_NOT_SATISFIABLE => (
            "range_not_satisfiable",
            "The requested range is not available.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "service_unavailable",
            "The service is temporarily unavailable.",
        ),
        s if s.is_server_error() => ("internal_error", "Something went wrong on our side."),
        _ => ("bad_request", "The request could not be understood."),
    };
    ErrorEnvelope::new(code, message)
}
