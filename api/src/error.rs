//! The one error type of the HTTP layer, rendered as the one JSON envelope.
//!
//! Domain code returns [`AppError`]; handlers propagate it with `?`. Unexpected errors
//! become an opaque 500 whose cause is logged once, here, inside the request's span
//! (so the log line carries the request id).

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use gatehouse_shared::ErrorEnvelope;

/// Everything an API call can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be understood (malformed JSON, bad query string).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// 401: no or invalid credentials.
    #[error("authentication required")]
    Unauthorized,
    /// 401: a sign-in failed; never says which part was wrong.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 403: authenticated but not allowed.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// 404.
    #[error("not found")]
    NotFound,
    /// 409: conflicts with the current state.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413.
    #[error("request body is too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    /// 415.
    #[error("{message}")]
    UnsupportedMediaType { message: String },
    /// 422 with per-field messages.
    #[error("validation failed")]
    Validation { fields: BTreeMap<String, String> },
    /// 429.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// 503: a dependency (database, cache) is unavailable right now.
    #[error("{dependency} is unavailable")]
    Unavailable { dependency: &'static str },
    /// 500: anything unexpected. The cause is logged, never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn validation(fields: impl IntoIterator<Item = (String, String)>) -> Self {
        Self::Validation {
            fields: fields.into_iter().collect(),
        }
    }

    /// An unexpected failure (a 500), unless it is PostgreSQL going away under a query,
    /// which is the database being unavailable (a 503) like a pool that cannot connect.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        let lost = err
            .chain()
            .filter_map(|cause| cause.downcast_ref::<diesel::result::Error>())
            .any(connection_lost);
        if lost {
            tracing::warn!(error = %err, "the connection to PostgreSQL was lost");
            return Self::Unavailable {
                dependency: "postgres",
            };
        }
        Self::Internal(err)
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::Validation { .. } => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn public_message(&self) -> String {
        match self {
            Self::Unauthorized => "Authentication is required.".to_owned(),
            Self::InvalidCredentials => "The login or password is not correct.".to_owned(),
            Self::NotFound => "The requested resource does not exist.".to_owned(),
            Self::Validation { .. } => "Some fields are invalid.".to_owned(),
            Self::RateLimited { retry_after_secs } => {
                format!("Too many requests. Try again in {retry_after_secs} s.")
            }
            Self::Unavailable { .. } => {
                "The service is temporarily unavailable. Please try again.".to_owned()
            }
            Self::Internal(_) => "Something went wrong on our side.".to_owned(),
            other => other.to_string(),
        }
    }

    pub fn envelope(&self) -> ErrorEnvelope {
        let mut envelope = ErrorEnvelope::new(self.code(), self.public_message());
        if let Self::Validation { fields } = self {
            envelope.error.fields = fields.clone();
        }
        envelope
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // Logged once, here, where it becomes a response.
            // The cause chain, not `Debug`: with RUST_BACKTRACE set that would resolve a
            // backtrace (tens of MiB, milliseconds) on every 500.
            Self::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "request failed")
            }
            Self::Unavailable { dependency } => {
                tracing::warn!(dependency, "dependency unavailable; answering 503")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if matches!(self, Self::Unauthorized) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.envelope())
    }
}

/// Database errors map once, here: a missing row is a 404, an exhausted pool a 503,
/// everything else is unexpected.
impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            diesel::result::Error::NotFound => Self::NotFound,
            other => Self::internal(other),
        }
    }
}

/// Whether `err` says the connection to PostgreSQL is gone (the server stopped, restarts
/// or cut the session) rather than that the query was wrong. diesel-async reports a lost
/// connection as `UnableToSendCommand`, and a server shutting down as an error whose
/// SQLSTATE (57P01–57P03) it does not pass on, only the server's message.
pub fn connection_lost(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error as E};
    match err {
        E::DatabaseError(Kind::UnableToSendCommand | Kind::ClosedConnection, _) => true,
        E::DatabaseError(Kind::Unknown, info) => {
            let message = info.message();
            message.starts_with("terminating connection due to administrator command")
                || message.starts_with("the database system is shutting down")
                || message.starts_with("the database system is starting up")
        }
        E::BrokenTransactionManager => true,
        _ => false,
    }
}

impl From<crate::db::PoolError> for AppError {
    fn from(err: crate::db::PoolError) -> Self {
        use diesel_async::pooled_connection::deadpool::PoolError as E;
        match err {
            // Logged once, when the 503 is rendered.
            E::Timeout(_) | E::Backend(_) | E::Closed | E::NoRuntimeSpecified => {
                Self::Unavailable {
                    dependency: "postgres",
                }
            }
            E::PostCreateHook(hook) => Self::Internal(anyhow::anyhow!("pool hook: {hook}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    async fn body_of(err: AppError) -> (StatusCode, serde_json::Value) {
        let response = err.error_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[actix_web::test]
    async fn internal_errors_are_opaque() {
        let (status, body) = body_of(AppError::internal(anyhow::anyhow!(
            "password=hunter2 in dsn"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"]["code"], "internal_error");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[actix_web::test]
    async fn validation_errors_carry_fields() {
        let (status, body) = body_of(AppError::validation([(
            "email".to_owned(),
            "must be an email address".to_owned(),
        )]))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["fields"]["email"], "must be an email address");
    }

    #[actix_web::test]
    async fn diesel_not_found_is_a_404() {
        let (status, body) = body_of(diesel::result::Error::NotFound.into()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
    }
}
