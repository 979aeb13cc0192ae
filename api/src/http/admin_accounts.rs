//! `/api/v1/admin/accounts/{id}/bank-transfers`: staff confirm bank transfers (each pays
//! for one period of a plan) and list an account's.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::plans::{BankTransfer, BankTransfers, ConfirmBankTransfer};
use gatehouse_shared::ErrorEnvelope;
use uuid::Uuid;

use super::json::Json;
use super::observe::RequestId;
use super::staff::Staff;
use crate::accounts::bank_transfers;
use crate::admin::audit::Audit;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The account's confirmed bank transfers, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Newest first", body = BankTransfers),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    ))]
#[get("/admin/accounts/{id}/bank-transfers")]
pub async fn list_transfers(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    if crate::db::billing::account_billing(&mut conn, account_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok().json(bank_transfers::list(&mut conn, account_id).await?))
}

/// Confirms a bank transfer that arrived: the account is active for one period of the
/// plan (starting where the last paid period ends, when that is ahead), gets the plan's
/// credits for it, and the confirmation is audited.
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = ConfirmBankTransfer,
    responses(
        (status = 201, description = "Confirmed", body = BankTransfer),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 409, description = "`transfer_already_confirmed`, or `status_transition_refused`", body = ErrorEnvelope),
        (status = 422, description = "`fields`: reference, amount_minor (below the price), currency (no price in it), payer, plan", body = ErrorEnvelope),
    ))]
#[post("/admin/accounts/{id}/bank-transfers")]
pub async fn confirm_transfer(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<ConfirmBankTransfer>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let transfer = bank_transfers::confirm(&mut conn, id.into_inner(), &audit, &body.0).await?;
    Ok(HttpResponse::Created().json(transfer))
}
