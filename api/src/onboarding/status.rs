//! `onboarding/checkout/{session_id}`: what the success page polls. Pending until the
//! paid subscription's webhook has been applied; the redirect from Stripe alone never
//! counts.

use gatehouse_shared::onboarding::{OnboardingState, OnboardingStatus, ProvisionedProduct};

use crate::db::{billing, onboarding as q, Conn};
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
    let mut products = Vec::new();
    for subscription in billing::subscriptions_of(conn, account).await? {
        for item in billing::items_with_products(conn, subscription.id).await? {
            if let (Some(slug), Some(name)) = (item.product_slug, item.product_name) {
                products.push(ProvisionedProduct {
                    slug,
                    name,
                    quantity: item.quantity,
                });
            }
        }
    }
    Ok(OnboardingStatus {
        state: OnboardingState::Provisioned,
        email: onboarding.email,
        new_user: onboarding.new_user,
        products,
    })
}
