//! `/api/v1/accounts/{id}/api-keys`: an account's owners and admins create, list and
//! revoke its API keys. Only people manage keys (a key cannot make another).

use actix_web::{delete, get, post, web, HttpResponse};
use gatehouse_shared::api_keys::{ApiKeyList, CreatedApiKey, NewApiKey};
use gatehouse_shared::ErrorEnvelope;
use uuid::Uuid;

use super::authn::Authenticated;
use super::json::Json;
use crate::accounts::api_keys;
use crate::db::{identity, Conn};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The caller may manage the account's keys: 404 for an account they do not belong to
/// (nobody learns it exists), 403 for a member who is not an owner or admin.
async fn may_manage_keys(
    conn: &mut Conn,
    caller: &Authenticated,
    account_id: Uuid,
) -> AppResult<()> {
    match identity::role_in(conn, caller.user.id, account_id)
        .await?
        .as_deref()
    {
        Some("owner" | "admin") => Ok(()),
        Some(_) => Err(AppError::Forbidden {
            code: "forbidden",
            message: "API keys are for the account's owners and admins.".to_owned(),
        }),
        None => Err(AppError::NotFound),
    }
}

/// The account's keys, newest first (revoked ones too; never a secret).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Newest first", body = ApiKeyList),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
    )
)]
#[get("/accounts/{id}/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    may_manage_keys(&mut conn, &caller, account_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(api_keys::list(&mut conn, account_id).await?))
}

/// Creates a key. The answer holds the whole key this once; Gatehouse keeps its hash.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account")),
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Created: `secret` is shown this once", body = CreatedApiKey),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
        (status = 422, description = "`fields`: name, scopes or expires_in_days", body = ErrorEnvelope),
    )
)]
#[post("/accounts/{id}/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: Json<NewApiKey>,
) -> AppResult<HttpResponse> {
    let account_id = id.into_inner();
    let mut conn = state.pool.get().await?;
    may_manage_keys(&mut conn, &caller, account_id).await?;
    let created = api_keys::create(&mut conn, account_id, caller.user.id, &body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(created))
}

/// Revokes a key: it fails from the next request on.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The account"),
        ("key_id" = Uuid, Path, description = "The key"),
    ),
    responses(
        (status = 204, description = "Revoked (also when it already was)"),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours, or no such key in it", body = ErrorEnvelope),
    )
)]
#[delete("/accounts/{id}/api-keys/{key_id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (account_id, key_id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    may_manage_keys(&mut conn, &caller, account_id).await?;
    api_keys::revoke(&mut conn, account_id, key_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
