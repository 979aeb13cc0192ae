//! Accounts as teams: `GET|POST /api/v1/accounts`, members (list, change role, remove),
//! ownership transfer, and invitations (create, list, revoke, accept). For people only
//! (a session, not an API key).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use gatehouse_shared::auth::StatusResponse;
use gatehouse_shared::auth::TokenResponse;
use gatehouse_shared::teams::{
    AcceptInvitation, AccountList, AccountSummary, ChangeRole, Invitation, InvitationList,
    MemberList, NewAccount, NewInvitation, SwitchAccount, TransferOwnership,
};
use gatehouse_shared::ErrorEnvelope;
use uuid::Uuid;

use super::authn::Authenticated;
use super::json::Json;
use crate::accounts::teams;
use crate::error::AppResult;
use crate::state::AppState;

/// The accounts the signed-in user belongs to, personal first.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses(
    (status = 200, description = "Personal first, then by joining", body = AccountList),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
))]
#[get("/accounts")]
pub async fn list(state: web::Data<AppState>, caller: Authenticated) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(teams::accounts_of(&mut conn, caller.user.id).await?))
}

/// Creates a team account with the caller as its owner.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = NewAccount, responses(
    (status = 201, description = "Created", body = AccountSummary),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
    (status = 422, description = "`fields.name`", body = ErrorEnvelope),
))]
#[post("/accounts")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<NewAccount>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Created().json(teams::create(&mut conn, caller.user.id, &body.0).await?))
}

/// The account's members (any member may look).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The account")), responses(
    (status = 200, description = "By joining", body = MemberList),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
    (status = 404, description = "No such account of yours", body = ErrorEnvelope),
))]
#[get("/accounts/{id}/members")]
pub async fn members(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(teams::members(&mut conn, caller.user.id, id.into_inner()).await?))
}

/// Changes a member's role (owners and admins; an owner's role moves by transfer only).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = ChangeRole,
    params(("id" = Uuid, Path, description = "The account"), ("user_id" = Uuid, Path, description = "The member")),
    responses(
        (status = 200, description = "Changed", body = StatusResponse),
        (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours, or no such member", body = ErrorEnvelope),
        (status = 409, description = "`owner_role`: transfer ownership instead", body = ErrorEnvelope),
        (status = 422, description = "`fields.role`", body = ErrorEnvelope),
))]
#[patch("/accounts/{id}/members/{user_id}")]
pub async fn change_role(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<ChangeRole>,
) -> AppResult<HttpResponse> {
    let (account, user) = path.into_inner();
    let mut conn = state.pool.get().await?;
    teams::change_role(&mut conn, caller.user.id, account, user, &body.0.role).await?;
    Ok(HttpResponse::Ok().json(StatusResponse {
        status: "changed".to_owned(),
    }))
}

/// Removes a member, or lets the caller leave; the last owner cannot go.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account"), ("user_id" = Uuid, Path, description = "The member")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours, or no such member", body = ErrorEnvelope),
        (status = 409, description = "`last_owner`: transfer ownership first", body = ErrorEnvelope),
))]
#[delete("/accounts/{id}/members/{user_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (account, user) = path.into_inner();
    let mut conn = state.pool.get().await?;
    teams::remove(&mut conn, caller.user.id, account, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Hands the account to another member; the caller (an owner) becomes an admin.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = TransferOwnership,
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 200, description = "Transferred", body = StatusResponse),
        (status = 403, description = "`forbidden`: not an owner", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
        (status = 422, description = "`fields.user_id`: not a member", body = ErrorEnvelope),
))]
#[post("/accounts/{id}/transfer-ownership")]
pub async fn transfer(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: Json<TransferOwnership>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    teams::transfer(&mut conn, caller.user.id, id.into_inner(), body.0.user_id).await?;
    Ok(HttpResponse::Ok().json(StatusResponse {
        status: "transferred".to_owned(),
    }))
}

/// Invites someone by email (a single-use link, 7 days).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = NewInvitation,
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 201, description = "Invited; the link is emailed", body = Invitation),
        (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorEnvelope),
        (status = 404, description = "No such account of yours", body = ErrorEnvelope),
        (status = 409, description = "`already_member`, or `personal_account`", body = ErrorEnvelope),
        (status = 422, description = "`fields`: email, role", body = ErrorEnvelope),
))]
#[post("/accounts/{id}/invitations")]
pub async fn invite(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: Json<NewInvitation>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let invitation = teams::invite(
        &mut conn,
        &state.public_url,
        &caller.user,
        id.into_inner(),
        &body.0,
    )
    .await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// The account's open invitations.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The account")), responses(
    (status = 200, description = "Newest first", body = InvitationList),
    (status = 403, description = "`forbidden`", body = ErrorEnvelope),
    (status = 404, description = "No such account of yours", body = ErrorEnvelope),
))]
#[get("/accounts/{id}/invitations")]
pub async fn invitations(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok()
        .json(teams::invitations(&mut conn, caller.user.id, id.into_inner()).await?))
}

/// Withdraws an open invitation: its link stops working.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account"), ("invitation_id" = Uuid, Path, description = "The invitation")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 404, description = "No such open invitation", body = ErrorEnvelope),
))]
#[delete("/accounts/{id}/invitations/{invitation_id}")]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (account, invitation) = path.into_inner();
    let mut conn = state.pool.get().await?;
    teams::revoke_invitation(&mut conn, caller.user.id, account, invitation).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accepts an invitation with the secret from its link (signed in with the invited
/// address); once, within 7 days.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = AcceptInvitation, responses(
    (status = 200, description = "Joined", body = AccountSummary),
    (status = 400, description = "`invalid_or_expired_invitation`", body = ErrorEnvelope),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
    (status = 403, description = "`invitation_for_another_address`", body = ErrorEnvelope),
))]
#[post("/invitations/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<AcceptInvitation>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(teams::accept(&mut conn, &caller.user, &body.0.token).await?))
}

/// New tokens acting for another account the user belongs to (the access token's `acc`);
/// the session that asked ends, the new one keeps its second factor.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = SwitchAccount, responses(
    (status = 200, description = "Tokens for the account (the refresh token in the cookie when asked)", body = TokenResponse),
    (status = 401, description = "Not signed in", body = ErrorEnvelope),
    (status = 404, description = "No such account of yours", body = ErrorEnvelope),
))]
#[post("/auth/switch-account")]
pub async fn switch_account(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: Json<SwitchAccount>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let issued = crate::identity::sessions::switch_account(
        &mut conn,
        &state.keys,
        &state.sessions,
        caller.user.id,
        caller.session_id,
        body.0.account_id,
        caller.claims.mfa,
    )
    .await?;
    Ok(super::auth::token_response(
        &state,
        issued,
        body.0.use_cookie,
    ))
}
