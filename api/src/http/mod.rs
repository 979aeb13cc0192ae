//! The HTTP layer: the route table, middleware and the OpenAPI document.
//!
//! Every route is registered here, in [`api_v1`] and [`operations`], through
//! utoipa-actix-web so the served routes and the documented ones are the same list.

pub mod admin_accounts;
pub mod admin_audit;
pub mod admin_catalog;
pub mod admin_instances;
pub mod admin_jobs;
pub mod admin_overview;
pub mod admin_tickets;
pub mod admin_users;
pub mod admin_waitlist;
pub mod admin_webhooks;
pub mod api_keys;
pub mod auth;
pub mod authn;
pub mod billing;
pub mod catalog;
pub mod client_ip;
pub mod credits;
pub mod errors;
pub mod health;
pub mod json;
pub mod me;
pub mod metrics;
pub mod mfa;
pub mod nul;
pub mod oauth;
pub mod observe;
pub mod onboarding;
pub mod orders;
pub mod recovery;
pub mod spa;
pub mod staff;
pub mod teams;
pub mod tickets;
pub mod trials;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, Error};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig as DocumentedConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

/// Routes mounted next to the standard ones.
pub type ExtraRoutes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// Settings of the HTTP layer that are not shared state.
#[derive(Clone)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    pub web_dir: PathBuf,
    /// Extra routes, registered outside `/api/v1` (tests mount probes under `/__test`).
    pub extra_routes: Option<ExtraRoutes>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse API",
        description = "Sign-up, billing, entitlements and seats for SaaS products. \
            Every error uses one envelope: `{\"error\": {\"code\", \"message\", \"fields\"}}`; \
            every response carries an `x-request-id` header.",
        license(name = "AGPL-3.0-or-later"),
    ),
    components(schemas(gatehouse_shared::ErrorEnvelope, gatehouse_shared::ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Sign-in, sessions and the keys that verify access tokens"),
        (name = "me", description = "The signed-in user"),
        (name = "catalog", description = "What can be bought"),
        (name = "billing", description = "Subscriptions, payments and Stripe's webhooks"),
        (name = "onboarding", description = "Sign up and pay in one flow; the waitlist"),
        (name = "recovery", description = "Getting back in after a cancellation or a failed payment"),
        (name = "orders", description = "Purchases and changes, and how far their fulfilment got"),
        (name = "accounts", description = "Accounts (tenants) and their API keys"),
        (name = "tickets", description = "Support tickets: open one, follow it, reply"),
        (name = "admin", description = "For staff: needs a staff account signed in with a second factor"),
        (name = "operations", description = "Health and metrics for operators"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Routes under `/api/v1`.
fn api_v1(cfg: &mut DocumentedConfig) {
    cfg.service(catalog::get_catalog)
        .service(auth::register)
        .service(auth::verify_email_address)
        .service(auth::resend_verification)
        .service(auth::forgot_password)
        .service(auth::reset_password)
        .service(auth::change_password)
        .service(auth::request_code)
        .service(auth::verify_code)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(mfa::totp_setup)
        .service(mfa::totp_confirm)
        .service(mfa::totp_disable)
        .service(mfa::verify)
        .service(oauth::providers)
        .service(oauth::start)
        .service(oauth::callback)
        .service(me::get_me)
        .service(me::patch_me)
        .service(me::delete_me)
        .service(me::export_me)
        .service(me::entitlements)
        .service(me::products)
        .service(billing::subscription)
        .service(billing::payments)
        .service(billing::start_checkout)
        .service(billing::portal)
        .service(billing::cancel_subscription)
        .service(billing::resume_subscription)
        .service(billing::change_plan)
        .service(admin_catalog::list_products)
        .service(admin_catalog::create_product)
        .service(admin_catalog::update_product)
        .service(admin_catalog::list_entitlements)
        .service(admin_catalog::create_entitlement)
        .service(admin_catalog::relabel_entitlement)
        .service(admin_jobs::dead_jobs)
        .service(admin_jobs::retry_job)
        .service(admin_jobs::list_jobs)
        .service(admin_jobs::discard_job)
        .service(admin_webhooks::list_events)
        .service(admin_webhooks::get_event)
        .service(admin_webhooks::replay_event)
        .service(admin_webhooks::discard_event)
        .service(onboarding::validate)
        .service(onboarding::email_code)
        .service(onboarding::verify_email_code)
        .service(onboarding::start_checkout)
        .service(onboarding::checkout_status)
        .service(onboarding::resend_password)
        .service(onboarding::join_waitlist)
        .service(recovery::request_code)
        .service(recovery::verify_code)
        .service(recovery::checkout)
        .service(admin_waitlist::list)
        .service(admin_waitlist::export)
        .service(admin_waitlist::invite)
        .service(admin_instances::list_instances)
        .service(admin_instances::create_instance)
        .service(admin_instances::update_instance)
        .service(admin_instances::instance_seats)
        .service(admin_instances::place_user)
        .service(admin_instances::drain_instance)
        .service(admin_instances::list_orders)
        .service(admin_instances::retry_order)
        .service(api_keys::list)
        .service(api_keys::create)
        .service(api_keys::revoke)
        .service(teams::list)
        .service(teams::create)
        .service(teams::members)
        .service(teams::change_role)
        .service(teams::remove)
        .service(teams::transfer)
        .service(teams::invite)
        .service(teams::invitations)
        .service(teams::revoke_invitation)
        .service(teams::accept)
        .service(teams::switch_account)
        .service(credits::get)
        .service(credits::record_usage)
        .service(credits::adjust)
        .service(trials::offer)
        .service(trials::start)
        .service(admin_accounts::list_transfers)
        .service(admin_accounts::confirm_transfer)
        .service(admin_users::search)
        .service(admin_users::detail)
        .service(admin_users::suspend)
        .service(admin_users::reactivate)
        .service(admin_users::resync)
        .service(admin_users::view_as)
        .service(admin_users::revoke_sessions)
        .service(admin_users::resend_verification)
        .service(admin_users::password_reset)
        .service(admin_overview::overview)
        .service(admin_audit::search)
        .service(admin_audit::export)
        .service(admin_catalog::get_terms)
        .service(admin_catalog::set_terms)
        .service(orders::list)
        .service(orders::get)
        .service(tickets::open)
        .service(tickets::list)
        .service(tickets::get)
        .service(tickets::reply)
        .service(admin_tickets::list)
        .service(admin_tickets::get)
        .service(admin_tickets::reply)
        .service(admin_tickets::close)
        .service(webhooks::stripe);
}

/// Operations endpoints, at the root.
fn operations(cfg: &mut DocumentedConfig) {
    cfg.service(health::health)
        .service(metrics::get_metrics)
        .service(auth::jwks);
}

/// Every documented route, on `app`.
fn documented<T>(app: App<T>) -> (App<T>, OpenApiDoc)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = Error, InitError = ()>,
{
    let (app, mut doc) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(operations)
        .service(scope::scope("/api/v1").configure(api_v1))
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    (app, doc)
}

/// The OpenAPI document of every documented route (what `/api/openapi.json` serves and
/// `openapi/gatehouse.json` holds).
pub fn openapi() -> OpenApiDoc {
    documented(App::new()).1
}

/// The whole application: routes, extractor configuration and middleware.
pub fn app(
    state: AppState,
    settings: HttpSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let (app, doc) = documented(
        App::new()
            .app_data(web::Data::new(state))
            .app_data(web::Data::new(spa::WebDir(settings.web_dir.clone())))
            .app_data(json::BodyLimit(settings.max_body_bytes))
            .app_data(web::PayloadConfig::new(settings.max_body_bytes))
            .app_data(errors::json_config(settings.max_body_bytes))
            .app_data(errors::query_config())
            .app_data(errors::path_config()),
    );
    let mut app = app
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", doc))
        .service(web::redirect("/api/docs", "/api/docs/"));
    if let Some(extra) = settings.extra_routes.clone() {
        app = app.configure(move |cfg| extra(cfg));
    }
    app.default_service(web::to(spa::fallback))
        .wrap(from_fn(staff::guard))
        .wrap(from_fn(nul::reject))
        .wrap(errors::envelope_everything())
        .wrap(Compress::default())
        .wrap(from_fn(observe::observe))
}
