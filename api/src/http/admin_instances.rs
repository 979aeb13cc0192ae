//! `/api/v1/admin/instances` and `/api/v1/admin/orders`: staff manage instances and their
//! caps, see who holds their seats, place people by hand, follow orders and try them
//! again.

use actix_web::{get, patch, post, web, HttpResponse};
use gatehouse_shared::instances::{
    InstanceList, InstanceSeats, InstanceUpdate, InstanceView, NewInstanceRequest, OrderList,
    OrderView, PlaceRequest, PlaceResult,
};
use gatehouse_shared::ErrorEnvelope;
use serde::Deserialize;

use super::json::Json;
use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::error::AppResult;
use crate::instances::manage;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InstancesQuery {
    /// Only this product's instances (its slug).
    pub product: Option<String>,
}

/// Every instance with its caps and seats, by product and name.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(InstancesQuery),
    responses(
        (status = 200, description = "Instances by product and name", body = InstanceList),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
    )
)]
#[get("/admin/instances")]
pub async fn list_instances(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<InstancesQuery>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(manage::list(&mut conn, query.product.as_deref()).await?))
}

/// Adds an instance of a product that runs on instances; orders waiting for capacity try
/// again at once.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewInstanceRequest,
    responses(
        (status = 201, description = "Created", body = InstanceView),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (caps out of order, name taken, product without instances, …)", body = ErrorEnvelope),
    )
)]
#[post("/admin/instances")]
pub async fn create_instance(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    body: Json<NewInstanceRequest>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let created = audit
        .audited(
            &mut conn,
            "instances.instance_created",
            "instance",
            |view: &InstanceView| view.id.0.to_string(),
            None,
            async |tx| manage::create(tx, &body.0).await,
        )
        .await?;
    tracing::info!(staff.id = %staff.0.user.id, instance.id = %created.id, name = %created.name, "instance added");
    Ok(HttpResponse::Created().json(created))
}

/// Changes an instance: name, address, whether it is active or taken by automatic
/// placement, its caps (ordered, the hard cap not below the seats in use).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The instance")),
    request_body = InstanceUpdate,
    responses(
        (status = 200, description = "Changed", body = InstanceView),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such instance", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    )
)]
#[patch("/admin/instances/{id}")]
pub async fn update_instance(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
    body: Json<InstanceUpdate>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let before = manage::get(&mut conn, id).await?;
    let updated = audit
        .audited(
            &mut conn,
            "instances.instance_changed",
            "instance",
            |view: &InstanceView| view.id.0.to_string(),
            serde_json::to_value(before).ok(),
            async |tx| manage::update(tx, id, &body.0).await,
        )
        .await?;
    tracing::info!(staff.id = %staff.0.user.id, instance.id = %updated.id, "instance changed");
    Ok(HttpResponse::Ok().json(updated))
}

/// Who holds the instance's live seats (person and paying account), oldest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The instance")),
    responses(
        (status = 200, description = "Live seats, oldest first", body = InstanceSeats),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such instance", body = ErrorEnvelope),
    )
)]
#[get("/admin/instances/{id}/seats")]
pub async fn instance_seats(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(manage::seats(&mut conn, id.into_inner()).await?))
}

/// Places a user on the instance by hand: past the allocation cap if need be, never past
/// the hard cap; a seat they hold on another instance of the product moves here.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The instance")),
    request_body = PlaceRequest,
    responses(
        (status = 200, description = "Placed, or kept where they already were", body = PlaceResult),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such instance", body = ErrorEnvelope),
        (status = 409, description = "`instance_full`: at its hard cap", body = ErrorEnvelope),
        (status = 422, description = "`fields.user_id` or `fields.login`: nobody, both or neither given; `fields.account_id`: an account they do not belong to", body = ErrorEnvelope),
    )
)]
#[post("/admin/instances/{id}/seats")]
pub async fn place_user(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
    body: Json<PlaceRequest>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let placed = audit
        .audited(
            &mut conn,
            "instances.seat_placed",
            "user",
            |placed: &PlaceResult| placed.user_id.0.to_string(),
            None,
            async |tx| manage::place(tx, id.into_inner(), &body.0).await,
        )
        .await?;
    tracing::info!(staff.id = %staff.0.user.id, user.id = %placed.user_id, instance.id = %placed.instance.id, outcome = %placed.outcome, "seat placed by staff");
    Ok(HttpResponse::Ok().json(placed))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrdersQuery {
    /// Only orders in this state.
    pub state: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
}

/// Every order (in one state, when asked), newest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(OrdersQuery),
    responses(
        (status = 200, description = "Newest first", body = OrderList),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "Unknown state", body = ErrorEnvelope),
    )
)]
#[get("/admin/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<OrdersQuery>,
) -> AppResult<HttpResponse> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let mut conn = state.pool.get().await?;
    Ok(
        HttpResponse::Ok()
            .json(manage::all_orders(&mut conn, query.state.as_deref(), limit).await?),
    )
}

/// Tries a failed or waiting order again.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The order")),
    responses(
        (status = 200, description = "Queued again", body = OrderView),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such order", body = ErrorEnvelope),
        (status = 409, description = "`order_not_retryable`: queued, running or complete", body = ErrorEnvelope),
    )
)]
#[post("/admin/orders/{id}/retry")]
pub async fn retry_order(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let order = audit
        .audited(
            &mut conn,
            "instances.order_retried",
            "order",
            |order: &OrderView| order.id.0.to_string(),
            None,
            async |tx| manage::retry(tx, id.into_inner()).await,
        )
        .await?;
    tracing::info!(staff.id = %staff.0.user.id, order.id = %order.id, "order retried by staff");
    Ok(HttpResponse::Ok().json(order))
}

/// Drains the instance: no more automatic placements on it, and a job moves its seats to
/// the product's other instances one by one (watch `allocated_seats` fall). Seats with
/// nowhere to go stay, and staff are alerted; drain again once there is room.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The instance")),
    responses(
        (status = 202, description = "Draining; the instance as it is now", body = InstanceView),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such instance", body = ErrorEnvelope),
    )
)]
#[post("/admin/instances/{id}/drain")]
pub async fn drain_instance(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let before = manage::get(&mut conn, id).await?;
    let draining = audit
        .audited(
            &mut conn,
            "instances.drain_started",
            "instance",
            |view: &InstanceView| view.id.0.to_string(),
            serde_json::to_value(before).ok(),
            async |tx| {
                crate::instances::drain::start(tx, id).await?;
                manage::get(tx, id).await
            },
        )
        .await?;
    Ok(HttpResponse::Accepted().json(draining))
}
