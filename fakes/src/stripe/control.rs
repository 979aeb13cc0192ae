//! `/_fake/…`: controls for tests and e2e (no key needed; the fake is local).
//!
//! - `POST /_fake/checkout/{id}/complete` (optional JSON `{"email": …}`): pay it.
//! - `POST /_fake/subscriptions/{id}/renew`: the period ends, the renewal is paid (a
//!   past-due subscription's open invoice is paid instead); a subscription set to
//!   cancel at period end ends.
//! - `POST /_fake/subscriptions/{id}/fail_payment`: the renewal (or the retry of the
//!   open invoice) is declined → `invoice.payment_failed`, `past_due`.
//! - `POST /_fake/subscriptions/{id}/trial_will_end`: send the trial reminder now.
//! - `GET|POST /_fake/webhook`: the endpoint (`{"url", "secrets", "retry"}`).
//! - `GET|POST /_fake/faults`: delivery faults (`{"duplicate", "order", "seed",
//!   "delay_ms", "drop"}`).
//! - `POST /_fake/api_faults`: `{"fail_next": [500, 429], "lose_responses", "delay_ms"}`.
//! - `GET /_fake/events`, `GET /_fake/deliveries`, `POST /_fake/events/{id}/resend`.
//! - `GET /_fake/settled?timeout_ms=5000`: 200 once deliveries have settled, else 504.

use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::base_of;
use super::error::ApiError;
use super::webhooks::{Endpoint, Faults};
use super::{ApiFaults, FakeStripe};

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/_fake")
            .route("/checkout/{id}/complete", web::post().to(complete))
            .route(
                "/subscriptions/{id}/{action}",
                web::post().to(subscription_action),
            )
            .route("/webhook", web::get().to(get_webhook))
            .route("/webhook", web::post().to(set_webhook))
            .route("/faults", web::get().to(get_faults))
            .route("/faults", web::post().to(set_faults))
            .route("/api_faults", web::post().to(set_api_faults))
            .route("/events", web::get().to(events))
            .route("/events/{id}/resend", web::post().to(resend))
            .route("/deliveries", web::get().to(deliveries))
            .route("/settled", web::get().to(settled)),
    );
}

fn answer(result: Result<Value, ApiError>) -> HttpResponse {
    match result {
        Ok(value) => HttpResponse::Ok().json(value),
        Err(error) => error.response(),
    }
}

/// Keeps the URLs the fake hands out pointing where this request came in.
fn remember_base(fake: &FakeStripe, req: &HttpRequest) {
    let base = base_of(req);
    fake.run(|store| store.base = base);
}

#[derive(Debug, Default, Deserialize)]
struct CompleteBody {
    email: Option<String>,
}

async fn complete(
    fake: web::Data<FakeStripe>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    remember_base(&fake, &req);
    let parsed: CompleteBody = serde_json::from_slice(&body).unwrap_or_default();
    answer(fake.complete_checkout(&path, parsed.email.as_deref()))
}

async fn subscription_action(
    fake: web::Data<FakeStripe>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    remember_base(&fake, &req);
    let (id, action) = path.into_inner();
    answer(match action.as_str() {
        "renew" => fake.renew(&id),
        "fail_payment" => fake.fail_payment(&id),
        "trial_will_end" => fake.trial_will_end(&id),
        _ => Err(ApiError::unknown_url("POST", req.path())),
    })
}

async fn get_webhook(fake: web::Data<FakeStripe>) -> HttpResponse {
    HttpResponse::Ok().json(fake.webhook_endpoint())
}

async fn set_webhook(fake: web::Data<FakeStripe>, body: web::Json<Endpoint>) -> HttpResponse {
    fake.set_webhook_endpoint(body.into_inner());
    HttpResponse::Ok().json(fake.webhook_endpoint())
}

async fn get_faults(fake: web::Data<FakeStripe>) -> HttpResponse {
    HttpResponse::Ok().json(fake.faults())
}

async fn set_faults(fake: web::Data<FakeStripe>, body: web::Json<Faults>) -> HttpResponse {
    fake.set_faults(body.into_inner());
    HttpResponse::Ok().json(fake.faults())
}

async fn set_api_faults(fake: web::Data<FakeStripe>, body: web::Json<ApiFaults>) -> HttpResponse {
    let faults = body.into_inner();
    fake.set_api_faults(faults.clone());
    HttpResponse::Ok().json(faults)
}

async fn events(fake: web::Data<FakeStripe>) -> HttpResponse {
    HttpResponse::Ok().json(fake.events())
}

async fn deliveries(fake: web::Data<FakeStripe>) -> HttpResponse {
    HttpResponse::Ok().json(fake.deliveries())
}

async fn resend(fake: web::Data<FakeStripe>, path: web::Path<String>) -> HttpResponse {
    answer(fake.resend(&path))
}

#[derive(Debug, Deserialize)]
struct SettledQuery {
    timeout_ms: Option<u64>,
}

async fn settled(fake: web::Data<FakeStripe>, query: web::Query<SettledQuery>) -> HttpResponse {
    let timeout = Duration::from_millis(query.timeout_ms.unwrap_or(10_000));
    if fake.settled_within(timeout).await {
        HttpResponse::Ok().json(json!({"settled": true}))
    } else {
        HttpResponse::GatewayTimeout().json(json!({"settled": false}))
    }
}
