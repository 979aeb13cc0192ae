//! A fake product's side of provisioning: an identity provider's admin API that keeps
//! group members, and a webhook receiver, both recording what they are sent.
//!
//! Routes:
//! - `PUT /admin/groups/{group}/members/{user}` (JSON body) adds the member, `DELETE` the
//!   same path removes them (404 when not a member), `GET /admin/groups/{group}/members`
//!   lists them. All need `Authorization: Bearer` [`GROUPS_TOKEN`] (401 otherwise).
//! - `POST /hooks`: keeps the body and the `Gatehouse-Signature` header, answers 204.
//!
//! [`FakeProducts::fail_next`] makes the next requests answer 503 (a product that is down).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use actix_web::dev::Server;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// The admin API's bearer token.
pub const GROUPS_TOKEN: &str = "fake-groups-token";

/// One webhook delivery as received.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub signature: Option<String>,
    pub body: String,
}

#[derive(Default)]
struct Store {
    groups: BTreeMap<String, BTreeSet<String>>,
    /// What each member was sent when added (the PUT body).
    profiles: BTreeMap<String, serde_json::Value>,
    deliveries: Vec<Delivery>,
    failures_left: usize,
    requests: usize,
}

/// The fake's shared state; clone freely.
#[derive(Clone, Default)]
pub struct FakeProducts {
    store: Arc<Mutex<Store>>,
}

impl FakeProducts {
    /// Starts serving on `listener`.
    pub fn serve(&self, listener: std::net::TcpListener) -> std::io::Result<Server> {
        let this = self.clone();
        Ok(HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(this.clone()))
                .route(
                    "/admin/groups/{group}/members/{user}",
                    web::put().to(add_member),
                )
                .route(
                    "/admin/groups/{group}/members/{user}",
                    web::delete().to(remove_member),
                )
                .route("/admin/groups/{group}/members", web::get().to(members))
                .route("/hooks", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run())
    }

    /// Spawns a server on a free local port; returns its base URL.
    pub fn spawn(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let server = self
            .serve(listener)
            .expect("the fake product server starts");
        tokio::spawn(server);
        base
    }

    /// The next `n` requests answer 503.
    pub fn fail_next(&self, n: usize) {
        self.store.lock().expect("store").failures_left = n;
    }

    /// The group's members.
    pub fn members(&self, group: &str) -> Vec<String> {
        let store = self.store.lock().expect("store");
        store
            .groups
            .get(group)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// What the member was sent when added.
    pub fn profile(&self, user: &str) -> Option<serde_json::Value> {
        self.store
            .lock()
            .expect("store")
            .profiles
            .get(user)
            .cloned()
    }

    /// Webhook deliveries, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.store.lock().expect("store").deliveries.clone()
    }

    /// Requests seen (failed ones too).
    pub fn requests(&self) -> usize {
        self.store.lock().expect("store").requests
    }

    /// Counts the request; `Some(503)` while failures are asked for.
    fn down(&self) -> Option<HttpResponse> {
        let mut store = self.store.lock().expect("store");
        store.requests += 1;
        if store.failures_left > 0 {
            store.failures_left -= 1;
            return Some(HttpResponse::ServiceUnavailable().body("down for maintenance"));
        }
        None
    }
}

fn authorized(req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {GROUPS_TOKEN}"))
}

async fn add_member(
    fake: web::Data<FakeProducts>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> HttpResponse {
    if let Some(down) = fake.down() {
        return down;
    }
    if !authorized(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    let (group, user) = path.into_inner();
    let mut store = fake.store.lock().expect("store");
    store.groups.entry(group).or_default().insert(user.clone());
    store.profiles.insert(user, body.into_inner());
    HttpResponse::NoContent().finish()
}

async fn remove_member(
    fake: web::Data<FakeProducts>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    if let Some(down) = fake.down() {
        return down;
    }
    if !authorized(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    let (group, user) = path.into_inner();
    let mut store = fake.store.lock().expect("store");
    let removed = store
        .groups
        .get_mut(&group)
        .is_some_and(|members| members.remove(&user));
    if removed {
        HttpResponse::NoContent().finish()
    } else {
        HttpResponse::NotFound().finish()
    }
}

async fn members(
    fake: web::Data<FakeProducts>,
    req: HttpRequest,
    group: web::Path<String>,
) -> HttpResponse {
    if !authorized(&req) {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(fake.members(&group))
}

async fn receive(fake: web::Data<FakeProducts>, req: HttpRequest, body: String) -> HttpResponse {
    if let Some(down) = fake.down() {
        return down;
    }
    let signature = req
        .headers()
        .get("gatehouse-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    fake.store
        .lock()
        .expect("store")
        .deliveries
        .push(Delivery { signature, body });
    HttpResponse::NoContent().finish()
}
