//! The one way the SPA talks to the Gatehouse API.
//!
//! Every call goes through [`request`], which sends JSON to the same origin under
//! `/api/v1` and turns every kind of failure into an [`ApiError`] a view can show:
//! the API's error envelope for non-2xx answers, and a friendly message when the
//! network fails or an answer cannot be read.

use std::collections::BTreeMap;
use std::fmt;

use gatehouse_shared::catalog::CatalogResponse;
use gatehouse_shared::ErrorEnvelope;
use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where the versioned JSON API lives, relative to the page's origin.
const API_PREFIX: &str = "/api/v1";

/// Why a call to the API did not produce the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The API answered with its error envelope.
    Api {
        status: u16,
        code: String,
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// The API answered with a status but no readable error envelope
    /// (e.g. a proxy's 502 page), or with a success body that is not what we expected.
    UnexpectedResponse { status: u16 },
    /// The request never got an answer (offline, server down, DNS, CORS, aborted).
    Network,
    /// The browser refused to build the request (a bug in this app, not the user's doing).
    InvalidRequest,
}

impl ApiError {
    /// A sentence that is safe and useful to show to the person using the app.
    pub fn message(&self) -> String {
        match self {
            Self::Api { message, .. } => message.clone(),
            Self::UnexpectedResponse { status } if *status >= 500 => {
                "Gatehouse is having trouble right now. Please try again in a moment.".into()
            }
            Self::UnexpectedResponse { .. } => {
                "Gatehouse sent an answer this page could not read. Please reload the page.".into()
            }
            Self::Network => {
                "Could not reach Gatehouse. Check your connection and try again.".into()
            }
            Self::InvalidRequest => {
                "This page could not send its request. Please reload the page.".into()
            }
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

/// Sends one JSON request to `/api/v1{path}` and decodes the answer.
///
/// - 2xx: the body is decoded as `T` (an empty body decodes as JSON `null`, so `()` works
///   for `204 No Content`).
/// - anything else: the body is decoded as the API's [`ErrorEnvelope`].
pub async fn request<B, T>(method: Method, path: &str, body: Option<&B>) -> Result<T, ApiError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let builder = RequestBuilder::new(&format!("{API_PREFIX}{path}"))
        .method(method)
        .header("Accept", "application/json");
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    }
    .map_err(|_| ApiError::InvalidRequest)?;

    let response = request.send().await.map_err(|_| ApiError::Network)?;
    let status = response.status();
    // A connection cut while the body streams in is a network failure too.
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    decode(status, &text)
}

/// `GET /api/v1{path}`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    request::<(), T>(Method::GET, path, None).await
}

/// Turns a status and a body into the caller's type or an [`ApiError`].
fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        let text = if text.trim().is_empty() { "null" } else { text };
        serde_json::from_str(text).map_err(|_| ApiError::UnexpectedResponse { status })
    } else {
        match serde_json::from_str::<ErrorEnvelope>(text) {
            Ok(envelope) => Err(ApiError::Api {
                status,
                code: envelope.error.code,
                message: envelope.error.message,
                fields: envelope.error.fields,
            }),
            Err(_) => Err(ApiError::UnexpectedResponse { status }),
        }
    }
}

/// `GET /api/v1/catalog`: every pricing page and what it sells.
pub async fn catalog() -> Result<CatalogResponse, ApiError> {
    get("/catalog").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_bodies_decode_into_the_callers_type() {
        let pages: CatalogResponse = decode(200, r#"{"pages":[]}"#).unwrap();
        assert!(pages.pages.is_empty());
        decode::<()>(204, "").unwrap();
    }

    #[test]
    fn error_envelopes_keep_code_message_and_fields() {
        let body = r#"{"error":{"code":"validation_failed","message":"Check the form",
            "fields":{"email":"must be an email address"}}}"#;
        let error = decode::<()>(422, body).unwrap_err();
        assert_eq!(error.message(), "Check the form");
        let ApiError::Api {
            status,
            code,
            fields,
            ..
        } = error
        else {
            panic!("expected the envelope");
        };
        assert_eq!(status, 422);
        assert_eq!(code, "validation_failed");
        assert_eq!(fields["email"], "must be an email address");
    }

    #[test]
    fn unreadable_bodies_become_friendly_errors() {
        let gateway = decode::<()>(502, "<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(gateway, ApiError::UnexpectedResponse { status: 502 });
        assert!(gateway.message().contains("try again"));
        let garbled = decode::<CatalogResponse>(200, "{").unwrap_err();
        assert_eq!(garbled, ApiError::UnexpectedResponse { status: 200 });
    }
}
