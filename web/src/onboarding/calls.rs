//! The calls this bundle makes (`/api/v1/onboarding/*`, `recovery/*`, `waitlist`, the
//! catalog): none needs a session.

use gatehouse_shared::auth::StatusResponse;
use gatehouse_shared::billing::CheckoutStarted;
use gatehouse_shared::catalog::CatalogResponse;
use gatehouse_shared::onboarding::{
    EmailCodeRequest, EmailCodeVerifyRequest, EmailProved, OnboardingCheckoutRequest,
    OnboardingStatus, ResendPasswordRequest, ValidateRequest, Validation, WaitlistJoined,
    WaitlistRequest,
};
use gatehouse_shared::recovery::{
    RecoveryCheckoutRequest, RecoveryCodeRequest, RecoveryGranted, RecoveryPayment,
    RecoveryVerifyRequest,
};
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, get, request, ApiError};

/// The catalog as a page shows it: `None` while it loads.
pub type CatalogState = RwSignal<Option<Result<CatalogResponse, ApiError>>>;

/// Loads the public catalog into a signal, at once; the second value loads it again (a
/// "Retry" button's action).
pub fn load_catalog() -> (CatalogState, impl Fn() + Copy + 'static) {
    let catalog: CatalogState = RwSignal::new(None);
    let fetch = move || {
        catalog.set(None);
        spawn_local(async move {
            let answer = api::catalog().await;
            _ = catalog.try_set(Some(answer));
        });
    };
    fetch();
    (catalog, fetch)
}

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

/// Emails a recovery code to the account `login` names (the same answer either way).
pub async fn recovery_code(login: &str) -> Result<StatusResponse, ApiError> {
    let body = RecoveryCodeRequest {
        login: login.to_owned(),
    };
    request(Method::POST, "/recovery/code", Some(&body)).await
}

pub async fn recovery_verify(body: &RecoveryVerifyRequest) -> Result<RecoveryGranted, ApiError> {
    request(Method::POST, "/recovery/code/verify", Some(body)).await
}

pub async fn recovery_checkout(recovery_token: &str) -> Result<RecoveryPayment, ApiError> {
    let body = RecoveryCheckoutRequest {
        recovery_token: recovery_token.to_owned(),
    };
    request(Method::POST, "/recovery/checkout", Some(&body)).await
}

pub async fn join_waitlist(body: &WaitlistRequest) -> Result<WaitlistJoined, ApiError> {
    request(Method::POST, "/waitlist", Some(body)).await
}
