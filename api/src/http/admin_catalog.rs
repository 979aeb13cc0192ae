//! `GET|POST /api/v1/admin/catalog/products` and `PATCH …/products/{id}`: staff manage
//! products and prices; Stripe follows by a job after each change commits.
//! `GET|PUT …/products/{id}/terms`: a plan's credits, overage and free trial.

use actix_web::{get, patch, post, put, web, HttpResponse};
use gatehouse_shared::admin_catalog::{
    AdminEntitlement, AdminEntitlements, AdminProduct, AdminProducts, EntitlementInput, NewProduct,
    ProductPatch,
};
use gatehouse_shared::plans::PlanTerms;
use gatehouse_shared::ErrorEnvelope;

use super::json::Json;
use super::observe::RequestId;
use super::staff::Staff;
use crate::admin::audit::Audit;
use crate::catalog::admin;
use crate::error::AppResult;
use crate::state::AppState;

/// Every product (also inactive ones) with all its prices.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The whole catalog", body = AdminProducts),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
    )
)]
#[get("/admin/catalog/products")]
pub async fn list_products(state: web::Data<AppState>, _staff: Staff) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let products = admin::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(AdminProducts { products }))
}

/// Adds a product with its prices; it reaches Stripe shortly after.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewProduct,
    responses(
        (status = 201, description = "Created", body = AdminProduct),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (slug taken, unknown entitlement, add-on without a plan, …)", body = ErrorEnvelope),
    )
)]
#[post("/admin/catalog/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    body: Json<NewProduct>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let product = audit
        .audited(
            &mut conn,
            "catalog.product_created",
            "product",
            |product: &AdminProduct| product.id.0.to_string(),
            None,
            async |tx| admin::create(tx, body.into_inner()).await,
        )
        .await?;
    tracing::info!(staff.id = %staff.0.user.id, slug = %product.slug, "catalog: product added");
    Ok(HttpResponse::Created().json(product))
}

/// Changes a product; new amounts retire the old prices (as at Stripe); `active: false`
/// takes it off sale.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The product")),
    request_body = ProductPatch,
    responses(
        (status = 200, description = "Changed", body = AdminProduct),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such product", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    )
)]
#[patch("/admin/catalog/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
    body: Json<ProductPatch>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let before = admin::get(&mut conn, id).await?;
    let product = audit
        .audited(
            &mut conn,
            "catalog.product_changed",
            "product",
            |product: &AdminProduct| product.id.0.to_string(),
            serde_json::to_value(before).ok(),
            async |tx| admin::update(tx, id, body.into_inner()).await,
        )
        .await?;
    tracing::info!(staff.id = %staff.0.user.id, slug = %product.slug, "catalog: product changed");
    Ok(HttpResponse::Ok().json(product))
}

/// A plan's terms: monthly credits, overage, free trial.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The plan")),
    responses(
        (status = 200, description = "The terms (all zero when never set)", body = PlanTerms),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such plan", body = ErrorEnvelope),
    )
)]
#[get("/admin/catalog/products/{id}/terms")]
pub async fn get_terms(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(admin::terms(&mut conn, id.into_inner()).await?))
}

/// Sets a plan's terms; they apply from the next period (a grant already made stays).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The plan")),
    request_body = PlanTerms,
    responses(
        (status = 200, description = "Set", body = PlanTerms),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such plan", body = ErrorEnvelope),
        (status = 422, description = "`fields`: a value out of range", body = ErrorEnvelope),
    )
)]
#[put("/admin/catalog/products/{id}/terms")]
pub async fn set_terms(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    id: web::Path<uuid::Uuid>,
    body: Json<PlanTerms>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let terms = admin::set_terms(&mut conn, &audit, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(terms))
}

/// Every entitlement key, with the products granting it.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "By key", body = AdminEntitlements),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
    )
)]
#[get("/admin/catalog/entitlements")]
pub async fn list_entitlements(
    state: web::Data<AppState>,
    _staff: Staff,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(admin::entitlements(&mut conn).await?))
}

/// Adds an entitlement key that products can then grant.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = EntitlementInput,
    responses(
        (status = 201, description = "Created", body = AdminEntitlement),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 422, description = "`fields`: key (malformed or taken), label", body = ErrorEnvelope),
    )
)]
#[post("/admin/catalog/entitlements")]
pub async fn create_entitlement(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    body: Json<EntitlementInput>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let mut conn = state.pool.get().await?;
    let created = audit
        .audited(
            &mut conn,
            "catalog.entitlement_created",
            "entitlement",
            |e: &AdminEntitlement| e.key.clone(),
            None,
            async |tx| admin::create_entitlement(tx, &body.0).await,
        )
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Renames an entitlement (its key never changes).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "The entitlement key")),
    request_body = EntitlementInput,
    responses(
        (status = 200, description = "Renamed", body = AdminEntitlement),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not staff), `mfa_required`, or `forbidden_area` (the staff role may not use this area)", body = ErrorEnvelope),
        (status = 404, description = "No such key", body = ErrorEnvelope),
        (status = 422, description = "`fields`: label, key (cannot change)", body = ErrorEnvelope),
    )
)]
#[patch("/admin/catalog/entitlements/{key}")]
pub async fn relabel_entitlement(
    state: web::Data<AppState>,
    staff: Staff,
    request_id: RequestId,
    key: web::Path<String>,
    body: Json<EntitlementInput>,
) -> AppResult<HttpResponse> {
    let audit = Audit::staff(staff.0.user.id, Some(request_id.0));
    let key = key.into_inner();
    let mut conn = state.pool.get().await?;
    let before = admin::entitlements(&mut conn)
        .await?
        .entitlements
        .into_iter()
        .find(|e| e.key == key)
        .ok_or(crate::error::AppError::NotFound)?;
    let renamed = audit
        .audited(
            &mut conn,
            "catalog.entitlement_renamed",
            "entitlement",
            |e: &AdminEntitlement| e.key.clone(),
            serde_json::to_value(before).ok(),
            async |tx| admin::relabel_entitlement(tx, &key, &body.0).await,
        )
        .await?;
    Ok(HttpResponse::Ok().json(renamed))
}
