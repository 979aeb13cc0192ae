//! `onboarding/checkout/{session_id}`: what the success page polls. Pending until the
//! paid subscription's webhook has been applied; the redirect from Stripe alone never
//! counts.

use gatehouse_shared::onboarding::{OnboardingState, OnboardingStatus};

use crate::db::{onboarding as q, Conn};
use crate::error::{AppError, AppResult};

pub async fn status(conn: &mut Conn, session_id: &str) -> AppResult<OnboardingStatus> {
    if !session_id.starts_with("cs_") || session_id.len() > 255 {
        return Err(AppError::NotFound);
    }
    let onboarding = q::by_checkout(conn, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(account) = onboarding.account_id else {
        return Ok(OnboardingStatus {
            state: OnboardingState::Pending,
            email: onboarding.email,
            new_user: false,
            products: Vec::new(),
        });
    };
    let products =
        crate::billing::overview::owned_products(conn, account, onboarding.user_id).await?;
    Ok(OnboardingStatus {
        state: OnboardingState::Provisioned,
        email: onboarding.email,
        new_user: onboarding.new_user,
        products,
    })
}
