//! The onboarding API's calls (`/api/v1/onboarding/*`): none needs a session.

use gatehouse_shared::auth::StatusResponse;
use gatehouse_shared::billing::CheckoutStarted;
use gatehouse_shared::onboarding::{
    EmailCodeRequest, EmailCodeVerifyRequest, EmailProved, OnboardingCheckoutRequest,
    OnboardingStatus, ResendPasswordRequest, ValidateRequest, Validation,
};
use gloo_net::http::Method;

use crate::api::{get, request, ApiError};

pub async fn validate(body: &ValidateRequest) -> Result<Validation, ApiError> {
    request(Method::POST, "/onboarding/validate", Some(body)).await
}

pub async fn email_code(email: &str) -> Result<StatusResponse, ApiError> {
    let body = EmailCodeRequest {
        email: email.to_owned(),
    };
    request(Method::POST, "/onboarding/email-code", Some(&body)).await
}

pub async fn verify(body: &EmailCodeVerifyRequest) -> Result<EmailProved, ApiError> {
    request(Method::POST, "/onboarding/email-code/verify", Some(body)).await
}

pub async fn checkout(body: &OnboardingCheckoutRequest) -> Result<CheckoutStarted, ApiError> {
    request(Method::POST, "/onboarding/checkout", Some(body)).await
}

pub async fn status(session_id: &str) -> Result<OnboardingStatus, ApiError> {
    let id = js_sys::encode_uri_component(session_id);
    get(&format!("/onboarding/checkout/{id}")).await
}

pub async fn resend_password(email: &str) -> Result<StatusResponse, ApiError> {
    let body = ResendPasswordRequest {
        email: email.to_owned(),
    };
    request(Method::POST, "/onboarding/resend-password", Some(&body)).await
}
