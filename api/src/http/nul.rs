//! Text with the NUL character. PostgreSQL cannot store it (`text` and `jsonb` refuse
//! `0x00`), so no input may carry one: a request that did would fail deep inside a query
//! as a 500. JSON bodies are checked by [`super::json::decode`] ([`nul_path`], pure and
//! fuzzed, in `gatehouse_input`); the path and the query string by [`reject`], before any
//! handler runs: a NUL in the path names no resource (404), one in the query string is a
//! 422 naming the parameter.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub use gatehouse_input::nul::{nul_path, MESSAGE};

use crate::error::AppError;

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
