//! `GET /api/v1/me`.

use actix_web::{get, web, HttpResponse};
use gatehouse_shared::auth::Me;
use gatehouse_shared::ids::{AccountId, UserId};
use gatehouse_shared::ErrorEnvelope;

use super::authn::Authenticated;
use crate::db::identity as q;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The signed-in user.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "No valid access token, or the user is deactivated", body = ErrorEnvelope),
    )
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Authenticated) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let user = q::find_user(&mut conn, caller.user_id)
        .await?
        .filter(|user| user.deactivated_at.is_none())
        .ok_or(AppError::Unauthorized)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Me {
            id: UserId(user.id),
            email: user.email,
            username: user.username,
            first_name: user.first_name,
            last_name: user.last_name,
            email_verified: user.email_verified_at.is_some(),
            account_id: AccountId(caller.account_id),
        }))
}
