//! The `/v1` API: one route table, and one handler that does what every Stripe
//! endpoint does — check the secret key, read the form-encoded parameters, honour
//! `Idempotency-Key`, run the operation on the store, apply `expand[]`, answer in
//! Stripe's shapes — then sends the events the operation emitted.

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::error::ApiError;
use super::form::{self, Params};
use super::store::{new_id, Cause, Saved, Store};
use super::FakeStripe;
use super::{checkout, customers, events, invoices, portal, prices, products, subscriptions};

/// What an operation gets: the request's parameters and the id in its path.
pub struct Call {
    pub params: Params,
    pub id: String,
}

type Op = fn(&mut Store, &Call) -> Result<Value, ApiError>;

/// The operation for `method path`, and the index of the path's id segment.
fn route(method: &Method, path: &str) -> Option<(Op, Option<usize>)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let found: (Op, Option<usize>) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "customers"]) => (customers::create, None),
        ("GET", ["v1", "customers"]) => (customers::list, None),
        ("GET", ["v1", "customers", _]) => (customers::retrieve, Some(2)),
        ("POST", ["v1", "customers", _]) => (customers::update, Some(2)),
        ("POST", ["v1", "products"]) => (products::create, None),
        ("GET", ["v1", "products", _]) => (products::retrieve, Some(2)),
        ("POST", ["v1", "products", _]) => (products::update, Some(2)),
        ("POST", ["v1", "prices"]) => (prices::create, None),
        ("GET", ["v1", "prices"]) => (prices::list, None),
        ("GET", ["v1", "prices", _]) => (prices::retrieve, Some(2)),
        ("POST", ["v1", "prices", _]) => (prices::update, Some(2)),
        ("POST", ["v1", "checkout", "sessions"]) => (checkout::create, None),
        ("GET", ["v1", "checkout", "sessions", _]) => (checkout::retrieve, Some(3)),
        ("GET", ["v1", "checkout", "sessions", _, "line_items"]) => (checkout::line_items, Some(3)),
        ("POST", ["v1", "checkout", "sessions", _, "expire"]) => (checkout::expire, Some(3)),
        ("POST", ["v1", "billing_portal", "sessions"]) => (portal::create, None),
        ("GET", ["v1", "subscriptions"]) => (subscriptions::list, None),
        ("GET", ["v1", "subscriptions", _]) => (subscriptions::retrieve, Some(2)),
        ("POST", ["v1", "subscriptions", _]) => (subscriptions::update, Some(2)),
        ("DELETE", ["v1", "subscriptions", _]) => (subscriptions::cancel, Some(2)),
        ("GET", ["v1", "invoices"]) => (invoices::list, None),
        ("POST", ["v1", "invoices", "create_preview"]) => (subscriptions::preview, None),
        ("GET", ["v1", "invoices", _]) => (invoices::retrieve, Some(2)),
        ("GET", ["v1", "events"]) => (events::list, None),
        ("GET", ["v1", "events", _]) => (events::retrieve, Some(2)),
        _ => return None,
    };
    Some(found)
}

/// The secret key of the request: `Authorization: Bearer sk_…`, or Basic with the key
/// as the user name (`curl -u sk_test_…:`).
fn secret_key(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Some(credentials.trim().to_owned()),
        "basic" => {
            let decoded = STANDARD.decode(credentials.trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            Some(text.split(':').next()?.to_owned())
        }
        _ => None,
    }
}

fn check_key(fake: &FakeStripe, req: &HttpRequest) -> Result<(), ApiError> {
    let Some(key) = secret_key(req) else {
        return Err(ApiError::unauthorized(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ));
    };
    if key != fake.secret_key() {
        let tail: String = key
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(ApiError::unauthorized(format!(
            "Invalid API Key provided: {}****{tail}",
            key.chars().take(8).collect::<String>()
        ))
        .with_code("api_key_invalid"));
    }
    Ok(())
}

/// The public base URL the request reached (for the URLs the fake hands out).
pub fn base_of(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn respond(status: StatusCode, body: &Value, request_id: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Request-Id", request_id.to_owned()))
        .insert_header(("Stripe-Version", super::store::API_VERSION))
        .json(body)
}

/// Every `/v1` request (and anything else unknown) comes here.
pub async fn handle(
    fake: web::Data<FakeStripe>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let request_id = new_id("req");
    let answer = |error: ApiError| {
        let mut response = error.response();
        response.headers_mut().insert(
            header::HeaderName::from_static("request-id"),
            header::HeaderValue::from_str(&request_id).expect("ascii"),
        );
        response
    };
    let faults = fake.take_api_fault().await;
    if let Some(status) = faults.fail_before {
        return answer(ApiError::injected(status));
    }
    if let Err(error) = check_key(&fake, &req) {
        return answer(error);
    }
    let Some((op, id_at)) = route(req.method(), req.path()) else {
        return answer(ApiError::unknown_url(req.method().as_str(), req.path()));
    };
    let id = id_at
        .and_then(|at| req.path().trim_matches('/').split('/').nth(at))
        .map(|id| {
            url::form_urlencoded::parse(format!("x={id}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    // Parameters come in the query string (GET, DELETE) or the body (POST, DELETE).
    let mut raw = req.query_string().as_bytes().to_vec();
    if !body.is_empty() {
        if !raw.is_empty() {
            raw.push(b'&');
        }
        raw.extend_from_slice(&body);
    }
    let params = match form::parse(&raw) {
        Ok(value) => Params::new(value),
        Err(error) => return answer(error),
    };
    let expand = match params.strings("expand") {
        Ok(expand) => expand,
        Err(error) => return answer(error),
    };
    let idempotency_key = (req.method() == Method::POST)
        .then(|| req.headers().get("Idempotency-Key"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let fingerprint = format!(
        "{} {}\n{}",
        req.method(),
        req.path(),
        String::from_utf8_lossy(&raw)
    );
    let base = base_of(&req);
    let call = Call { params, id };

    let outcome = fake.run(|store| {
        if let Some(key) = &idempotency_key {
            if let Some(saved) = store.idempotency.get(key) {
                if saved.fingerprint != fingerprint {
                    return Err(ApiError::idempotency(key));
                }
                return Ok((
                    StatusCode::from_u16(saved.status).expect("a status"),
                    saved.body.clone(),
                    true,
                ));
            }
        }
        store.base = base;
        store.cause = Cause {
            request_id: Some(request_id.clone()),
            idempotency_key: idempotency_key.clone(),
        };
        let result = op(store, &call);
        store.cause = Cause::default();
        let (status, body) = match result {
            Ok(object) if object["object"] == "list" => (StatusCode::OK, object),
            Ok(object) => (StatusCode::OK, store.expand(object, &expand)),
            // Like Stripe, refused requests are not remembered: a retry runs again.
            Err(error) => return Err(error),
        };
        if let Some(key) = &idempotency_key {
            store.idempotency.insert(
                key.clone(),
                Saved {
                    fingerprint: fingerprint.clone(),
                    status: status.as_u16(),
                    body: body.clone(),
                },
            );
        }
        Ok((status, body, false))
    });
    match outcome {
        Err(error) => answer(error),
        // The operation happened, but the answer is "lost" on the way (a fault): the
        // client sees a 500 and, retrying with its key, gets the saved answer.
        Ok(_) if faults.lose_response => {
            answer(ApiError::injected(StatusCode::INTERNAL_SERVER_ERROR))
        }
        Ok((status, body, replayed)) => {
            let mut response = respond(status, &body, &request_id);
            if replayed {
                response.headers_mut().insert(
                    header::HeaderName::from_static("idempotent-replayed"),
                    header::HeaderValue::from_static("true"),
                );
            }
            if let Some(key) = &idempotency_key {
                if let Ok(value) = header::HeaderValue::from_str(key) {
                    response
                        .headers_mut()
                        .insert(header::HeaderName::from_static("idempotency-key"), value);
                }
            }
            response
        }
    }
}
