//! `Staff`: the extractor for the admin API. The caller must be signed in, be staff, and
//! (unless the installation turned the rule off) have signed in with a second factor.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::authn::Authenticated;
use crate::error::AppError;
use crate::state::AppState;

/// A staff member, from a verified access token.
#[derive(Debug, Clone)]
pub struct Staff(pub Authenticated);

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let caller = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no AppState")))?;
            let caller = caller.await?;
            if !caller.user.is_staff {
                return Err(AppError::Forbidden {
                    code: "forbidden",
                    message: "This needs a staff account.".to_owned(),
                });
            }
            if state.mfa.staff_required && !caller.claims.mfa {
                return Err(AppError::Forbidden {
                    code: "mfa_required",
                    message: "Staff must sign in with two-factor authentication; turn it on in \
                              your account settings and sign in again."
                        .to_owned(),
                });
            }
            Ok(Staff(caller))
        })
    }
}
