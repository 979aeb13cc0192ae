//! The pages a customer sees at Stripe: Checkout (`/checkout/{id}`: the plan, the
//! amount, Pay with the implied test card, or Cancel), the Customer Portal
//! (`/portal/{id}`: subscriptions, cancel at period end, resume, a new card that pays a
//! past-due subscription's open invoice, back to the site) and
//! the hosted invoice (`/invoice/{id}`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::api::{base_of, Call};
use super::error::ApiError;
use super::form::{self, Params};
use super::{checkout, subscriptions, FakeStripe};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/checkout/{id}", web::get().to(checkout_page))
        .route("/checkout/{id}/pay", web::post().to(checkout_pay))
        .route("/checkout/{id}/cancel", web::post().to(checkout_cancel))
        .route("/portal/{id}", web::get().to(portal_page))
        .route(
            "/portal/{id}/{subscription}/{action}",
            web::post().to(portal_action),
        )
        .route("/invoice/{id}", web::get().to(invoice_page))
        .route("/invoice/{id}/pdf", web::get().to(invoice_page));
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family:system-ui;max-width:32rem;margin:2rem auto;padding:0 1rem">
<p style="color:#635bff;font-weight:600">Fake Stripe · test mode</p>
{body}</body></html>"#,
            title = escape(title)
        ))
}

fn error_page(error: &ApiError) -> HttpResponse {
    let mut response = page(
        "Fake Stripe",
        &format!(
            "<h1>Something is wrong</h1><p>{}</p>",
            escape(&error.message)
        ),
    );
    *response.status_mut() = error.status;
    response
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

fn money(amount: i64, currency: &str) -> String {
    format!(
        "{}.{:02} {}",
        amount / 100,
        amount % 100,
        currency.to_uppercase()
    )
}

fn every(price: &Value) -> String {
    let interval = price["recurring"]["interval"].as_str().unwrap_or("month");
    match price["recurring"]["interval_count"].as_i64().unwrap_or(1) {
        1 => interval.to_owned(),
        n => format!("{n} {interval}s"),
    }
}

fn remember_base(fake: &FakeStripe, req: &HttpRequest) {
    let base = base_of(req);
    fake.run(|store| store.base = base);
}

async fn checkout_page(fake: web::Data<FakeStripe>, path: web::Path<String>) -> HttpResponse {
    let id = path.into_inner();
    let found = fake.run(|store| {
        let session = store.find("checkout.session", &id, "session")?;
        let items = store.checkout_line_items(&session);
        Ok::<_, ApiError>((session, items))
    });
    let (session, items) = match found {
        Ok(found) => found,
        Err(error) => return error_page(&error),
    };
    if session["status"] != "open" {
        let back = session["success_url"]
            .as_str()
            .unwrap_or("/")
            .replace("{CHECKOUT_SESSION_ID}", &id);
        return page(
            "Checkout",
            &format!(
                "<h1>This checkout is {}</h1><p><a href=\"{}\">Back to the site</a></p>",
                escape(session["status"].as_str().unwrap_or_default()),
                escape(&back)
            ),
        );
    }
    let mut rows = String::new();
    for item in items["data"].as_array().into_iter().flatten() {
        let price = &item["price"];
        rows.push_str(&format!(
            "<li>{} × {} — {} per {}</li>",
            item["quantity"],
            escape(item["description"].as_str().unwrap_or_default()),
            money(
                price["unit_amount"].as_i64().unwrap_or(0),
                price["currency"].as_str().unwrap_or("usd")
            ),
            escape(&every(price)),
        ));
    }
    let currency = session["currency"].as_str().unwrap_or("usd");
    let total = money(session["amount_total"].as_i64().unwrap_or(0), currency);
    let email = if session["customer"].is_null() && session["customer_email"].is_null() {
        r#"<p><label>Email <input name="email" type="email" required autocomplete="email"></label></p>"#.to_owned()
    } else {
        format!(
            "<p>Paying as {}</p>",
            escape(
                session["customer_email"]
                    .as_str()
                    .unwrap_or("an existing customer")
            )
        )
    };
    page(
        "Checkout",
        &format!(
            r#"<h1>Subscribe</h1>
<ul>{rows}</ul>
<p>Due today: <strong data-testid="total">{total}</strong></p>
<form method="post" action="/checkout/{id}/pay">{email}
<p>Card: 4242 4242 4242 4242 (test card, always succeeds)</p>
<p><button type="submit">Pay</button></p></form>
<form method="post" action="/checkout/{id}/cancel"><p><button type="submit">Cancel</button></p></form>"#,
            id = escape(&id),
        ),
    )
}

async fn checkout_pay(
    fake: web::Data<FakeStripe>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    remember_base(&fake, &req);
    // The form has an email field only when the session named no customer.
    let email = url::form_urlencoded::parse(&body)
        .find(|(key, _)| key == "email")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|email| email.contains('@'));
    match fake.complete_checkout(&path, email.as_deref()) {
        Ok(session) => {
            let to = session["success_url"]
                .as_str()
                .unwrap_or("/")
                .replace("{CHECKOUT_SESSION_ID}", &path);
            redirect(&to)
        }
        Err(error) => error_page(&error),
    }
}

async fn checkout_cancel(fake: web::Data<FakeStripe>, path: web::Path<String>) -> HttpResponse {
    match fake.run(|store| checkout::abandon(store, &path)) {
        Ok(session) => match session["cancel_url"].as_str() {
            Some(to) => redirect(to),
            None => page(
                "Checkout",
                "<h1>Cancelled</h1><p>You can close this page.</p>",
            ),
        },
        Err(error) => error_page(&error),
    }
}

async fn portal_page(fake: web::Data<FakeStripe>, path: web::Path<String>) -> HttpResponse {
    let id = path.into_inner();
    let found = fake.run(|store| {
        let session = store.find("billing_portal.session", &id, "session")?;
        let customer = session["customer"].as_str().unwrap_or_default().to_owned();
        // Each with what the customer calls it: the price's nickname, else its product's name.
        let subscriptions: Vec<(Value, String)> = store
            .all("subscription", |sub| sub["customer"] == customer.as_str())
            .map(|sub| {
                let price = &sub["items"]["data"][0]["price"];
                let product = price["product"].as_str().unwrap_or_default();
                let name = price["nickname"]
                    .as_str()
                    .or_else(|| store.get(product).and_then(|p| p["name"].as_str()))
                    .unwrap_or(product)
                    .to_owned();
                (sub.clone(), name)
            })
            .collect();
        Ok::<_, ApiError>((session, subscriptions))
    });
    let (session, subscriptions) = match found {
        Ok(found) => found,
        Err(error) => return error_page(&error),
    };
    let mut list = String::new();
    for (sub, name) in &subscriptions {
        let sub_id = escape(sub["id"].as_str().unwrap_or_default());
        let item = &sub["items"]["data"][0];
        let status = sub["status"].as_str().unwrap_or_default();
        let ending = sub["cancel_at_period_end"] == true;
        let action = if status == "canceled" {
            String::new()
        } else if status == "past_due" {
            format!(
                r#"<form method="post" action="/portal/{id}/{sub_id}/pay"><p>Card: 4242 4242 4242 4242 (test card, always succeeds)</p><button>Update card and pay the open invoice</button></form>"#,
                id = escape(&id)
            )
        } else if ending {
            format!(
                r#"<form method="post" action="/portal/{id}/{sub_id}/resume"><button>Resume</button></form>"#,
                id = escape(&id)
            )
        } else {
            format!(
                r#"<form method="post" action="/portal/{id}/{sub_id}/cancel"><button>Cancel at period end</button></form>"#,
                id = escape(&id)
            )
        };
        list.push_str(&format!(
            "<li><strong>{}</strong> — {} per {} — {}{}{action}</li>",
            escape(name),
            money(
                item["price"]["unit_amount"].as_i64().unwrap_or(0),
                item["price"]["currency"].as_str().unwrap_or("usd")
            ),
            escape(&every(&item["price"])),
            escape(status),
            if ending { " (ends at period end)" } else { "" },
        ));
    }
    let back = match session["return_url"].as_str() {
        Some(url) => format!(r#"<p><a href="{}">Return</a></p>"#, escape(url)),
        None => String::new(),
    };
    page(
        "Billing",
        &format!("<h1>Your subscriptions</h1><ul>{list}</ul>{back}"),
    )
}

async fn portal_action(
    fake: web::Data<FakeStripe>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    remember_base(&fake, &req);
    let (id, subscription, action) = path.into_inner();
    let encoded: Option<&[u8]> = match action.as_str() {
        "cancel" => Some(b"cancel_at_period_end=true"),
        "resume" => Some(b"cancel_at_period_end=false"),
        "pay" => None,
        _ => return error_page(&ApiError::unknown_url("POST", req.path())),
    };
    let result = fake.run(|store| {
        let session = store.find("billing_portal.session", &id, "session")?;
        let sub = store.find("subscription", &subscription, "subscription")?;
        if sub["customer"] != session["customer"] {
            return Err(ApiError::missing(
                "subscription",
                &subscription,
                "subscription",
            ));
        }
        match encoded {
            Some(encoded) => {
                let call = Call {
                    params: Params::new(form::parse(encoded)?),
                    id: subscription.clone(),
                };
                subscriptions::update(store, &call)
            }
            None => subscriptions::pay_open_invoice(store, &subscription),
        }
    });
    match result {
        Ok(_) => redirect(&format!("/portal/{id}")),
        Err(error) => error_page(&error),
    }
}

async fn invoice_page(fake: web::Data<FakeStripe>, path: web::Path<String>) -> HttpResponse {
    let id = path.into_inner();
    let invoice = match fake.run(|store| store.find("invoice", &id, "invoice")) {
        Ok(invoice) => invoice,
        Err(error) => return error_page(&error),
    };
    let currency = invoice["currency"].as_str().unwrap_or("usd");
    let mut lines = String::new();
    for line in invoice["lines"]["data"].as_array().into_iter().flatten() {
        lines.push_str(&format!(
            "<li>{} — {}</li>",
            escape(line["description"].as_str().unwrap_or_default()),
            money(line["amount"].as_i64().unwrap_or(0), currency)
        ));
    }
    page(
        "Invoice",
        &format!(
            "<h1>Invoice {}</h1><p>Status: {}</p><ul>{lines}</ul><p>Total: {}</p><p>Paid: {}</p>",
            escape(invoice["number"].as_str().unwrap_or_default()),
            escape(invoice["status"].as_str().unwrap_or_default()),
            money(invoice["total"].as_i64().unwrap_or(0), currency),
            money(invoice["amount_paid"].as_i64().unwrap_or(0), currency),
        ),
    )
}
