//! `/api/v1/accounts/{id}/credits`: an account's credits (balance and ledger) and the
//! usage integrators record; `/api/v1/admin/accounts/{id}/credits`: staff grants and
//! adjustments.

use actix_web::{get, post, web, HttpResponse};
use gatehouse_shared::credits::{AdjustCredits, CreditTransaction, Credits, RecordUsage};
use gatehouse_shared::ErrorEnvelope;
use uuid::Uuid;

use super::authn::{AccountCaller, Via};
use super::json::Json;
use super::observe::RequestId;
use super::staff::Staff;
use crate::accounts::api_keys::Area;
use crate::accounts::credits;
use crate::admin::audit::Audit;
use crate::db::{identity, Conn};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The caller acts for `account_id`: a key of that account, or a member of it (an owner
/// or admin to change anything). Anyone else: 404, so no one learns the account exists.
async fn acts_for(
    conn: &mut Conn,
    caller: &AccountCaller,
    account_id: Uuid,
    write: bool,
) -> AppResult<()> {
    caller.require(Area::Credits, write)?;
    match &caller.via {
        Via::Key(key) if key.account_id == account_id => Ok(()),
        Via::Key(_) => Err(AppError::NotFound),
        Via::Session(person) => match identity::role_in(conn, person.user.id, account_id)
            .await?
            .as_deref()
        {
            None => Err(AppError::NotFound),
            Some("owner" | "admin") => Ok(()),
            Some(_) if !write => Ok(()),
            Some(_) => Err(AppError::Forbidden {
                code: "forbidden",
                message: "Recording usage is for the account's owners, admins and API keys."
                    .to_owned(),
            }),
        },
    }
}

/// The balance and the newest 100 ledger entries.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Balance and history, newest first", body = Credits),
        (status = 401, description = "Not signed in (no valid token or API key)", body = ErrorEnvelope),
        (status = 403, description = "`insufficient_scope`, or the key's account may not act", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the account's budget is spent", body = ErrorEnvelope),
    )
)]
#[get("/accounts/{id}/credits")]
pub async fn get(
    state: web::Data<AppState>,
    caller: AccountCaller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    acts_for(&mut conn, &caller, account_id, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(credits::credits(&mut conn, account_id).await?))
}

/// Records usage. The same `idempotency_key` records once: a repeat answers the first
/// entry (200 instead of 201).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = RecordUsage,
    responses(
        (status = 201, description = "Recorded", body = CreditTransaction),
        (status = 200, description = "Recorded before with this idempotency key", body = CreditTransaction),
        (status = 401, description = "Not signed in (no valid token or API key)", body = ErrorEnvelope),
        (status = 403, description = "`insufficient_scope`, `forbidden`, or the key's account may not act", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
        (status = 409, description = "`insufficient_credits`, or `idempotency_key_reused` with another amount", body = ErrorEnvelope),
        (status = 422, description = "`fields`: amount, idempotency_key, description", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`", body = ErrorEnvelope),
    )
)]
#[post("/accounts/{id}/credits/usage")]
pub async fn record_usage(
    state: web::Data<AppState>,
    caller: AccountCaller,
    id: web::Path<Uuid>,
    body: Json<RecordUsage>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    acts_for(&mut conn, &caller, account_id, true).await?;
    let (recorded, new) = credits::record_usage(&mut conn, account_id, &body.0).await?;
    let status = if new {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(recorded))
}

/// Staff grant credits or adjust the balance (never below zero); the ledger keeps who and
/// why, and the audit log the balance before and after.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = AdjustCredits,
    responses(
        (status = 201, description = "Recorded", body = CreditTransaction),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 409, description = "`insufficient_credits`", body = ErrorEnvelope),
        (status = 422, description = "`fields`: kind, amount, description", body = ErrorEnvelope),
    )
)]
#[post("/admin/accounts/{id}/credits")]
pub async fn adjust(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: Json<AdjustCredits>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    if crate::db::billing::account_billing(&mut conn, account_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let recorded = credits::adjust(&mut conn, account_id, &audit, &body.0).await?;
    Ok(HttpResponse::Created().json(recorded))
}
