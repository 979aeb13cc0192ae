//! Stripe's error answers: `{"error": {"type", "code", "message", "param", …}}` with
//! Stripe's statuses, and `Stripe-Should-Retry` where Stripe sends it.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// `invalid_request_error`, `idempotency_error`, `api_error`, `card_error`.
    pub kind: &'static str,
    pub code: Option<&'static str>,
    pub message: String,
    pub param: Option<String>,
    /// Sent as `Stripe-Should-Retry` when set.
    pub should_retry: Option<bool>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            code: None,
            message: message.into(),
            param: None,
            should_retry: None,
        }
    }

    /// 400 `invalid_request_error` about `param`.
    pub fn invalid(message: impl Into<String>, param: &str) -> Self {
        Self {
            param: Some(param.to_owned()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
        }
    }

    /// 400 `invalid_request_error` about the request as a whole.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }

    /// 404 `resource_missing`: `No such customer: 'cus_…'`.
    pub fn missing(what: &str, id: &str, param: &str) -> Self {
        Self {
            code: Some("resource_missing"),
            param: Some(param.to_owned()),
            ..Self::new(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                format!("No such {what}: '{id}'"),
            )
        }
    }

    pub fn unknown_url(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!("Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."),
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_request_error", message)
    }

    pub fn idempotency(key: &str) -> Self {
        Self {
            should_retry: Some(false),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "idempotency_error",
                format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."),
            )
        }
    }

    /// A fault switched on by a test: 500 `api_error` or 429 `rate_limit`.
    pub fn injected(status: StatusCode) -> Self {
        if status == StatusCode::TOO_MANY_REQUESTS {
            Self {
                code: Some("rate_limit"),
                should_retry: Some(true),
                ..Self::new(
                    status,
                    "invalid_request_error",
                    "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
                )
            }
        } else {
            Self {
                should_retry: Some(true),
                ..Self::new(
                    status,
                    "api_error",
                    "An unknown error occurred (injected by the fake)",
                )
            }
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({
            "type": self.kind,
            "message": self.message,
            "request_log_url": "https://dashboard.stripe.com/test/logs",
        });
        if let Some(code) = self.code {
            error["code"] = code.into();
            error["doc_url"] = format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            )
            .into();
        }
        if let Some(param) = &self.param {
            error["param"] = param.as_str().into();
        }
        json!({ "error": error })
    }

    pub fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(retry) = self.should_retry {
            response.insert_header(("Stripe-Should-Retry", retry.to_string()));
        }
        response.json(self.body())
    }
}
