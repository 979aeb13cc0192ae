//! The admin API's gate. [`guard`] (middleware) runs before every `/api/v1/admin/…`
//! handler, before its body is read: the caller must be signed in (401), be staff (403
//! `forbidden`), have signed in with a second factor unless the installation turned that
//! off (403 `mfa_required`), and have a role that may use the path's area for the method
//! (403 `forbidden_area`; see `admin::roles`). `Staff` is the extractor handlers take: the
//! caller the guard let through.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::authn::Authenticated;
use crate::admin::roles::{self, Role};
use crate::error::AppError;
use crate::state::AppState;

/// A staff member, from a verified access token, let through by [`guard`].
#[derive(Debug, Clone)]
pub struct Staff(pub Authenticated, pub Role);

const ADMIN_PREFIX: &str = "/api/v1/admin/";

/// Who may call this admin request: the staff member, or why not.
async fn admit(req: &HttpRequest, payload: &mut Payload) -> Result<Staff, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppState")))?;
    let caller = Authenticated::from_request(req, payload).await?;
    // Viewing as a customer never opens the admin area, whoever the customer is.
    if caller.claims.imp.is_some() {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: "This needs a staff account.".to_owned(),
        });
    }
    let role = caller
        .user
        .staff_role
        .as_deref()
        .and_then(Role::parse)
        .filter(|_| caller.user.is_staff);
    let Some(role) = role else {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: "This needs a staff account.".to_owned(),
        });
    };
    if state.mfa.staff_required && !caller.claims.mfa {
        return Err(AppError::Forbidden {
            code: "mfa_required",
            message: "Staff must sign in with two-factor authentication; turn it on in \
                      your account settings and sign in again."
                .to_owned(),
        });
    }
    let area = roles::area_of(req.path());
    let write = !matches!(req.method().as_str(), "GET" | "HEAD");
    if !roles::allows(role, area, write) {
        return Err(AppError::Forbidden {
            code: "forbidden_area",
            message: format!(
                "The {} role may not {} this part of the admin area.",
                role.as_str(),
                if write { "change" } else { "see" }
            ),
        });
    }
    Ok(Staff(caller, role))
}

/// Middleware: admits admin requests (see the module docs) before their handlers run.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.path().starts_with(ADMIN_PREFIX) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let (http, payload) = req.parts_mut();
    match admit(http, payload).await {
        Ok(staff) => {
            req.extensions_mut().insert(staff);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Err(err) => Ok(req.error_response(err)),
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Some(staff) = req.extensions().get::<Staff>().cloned() {
            return Box::pin(async move { Ok(staff) });
        }
        // Outside the admin prefix (no route does this today) the same checks run here.
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move { admit(&req, &mut payload).await })
    }
}
