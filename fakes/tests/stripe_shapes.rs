//! The fake Stripe speaks Stripe's wire format: Stripe's own example objects and the
//! fake's answers both deserialise into async-stripe 1.0's types, and async-stripe's
//! real client works against the fake.

use std::collections::HashMap;

use gatehouse_fakes::stripe::{FakeStripe, SECRET_KEY};
use serde_json::Value;
use stripe::{Client, ClientBuilder, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::invoice::{ListInvoice, RetrieveInvoice};
use stripe_billing::subscription::{
    CancelSubscription, RetrieveSubscription, UpdateSubscription, UpdateSubscriptionItems,
    UpdateSubscriptionProrationBehavior,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
    RetrieveCheckoutSession,
};
use stripe_core::customer::{CreateCustomer, RetrieveCustomer};
use stripe_product::price::{
    CreatePrice, CreatePriceRecurring, CreatePriceRecurringInterval, RetrievePrice, UpdatePrice,
};
use stripe_product::product::CreateProduct;
use stripe_shared::{
    CheckoutSessionMode, CheckoutSessionPaymentStatus, InvoiceStatus, SubscriptionStatus,
};

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/stripe-fixtures3.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("Stripe's fixtures at {path}: {err}"));
    serde_json::from_str(&text).expect("fixtures3.json is JSON")
}

/// Deserialises `value` as async-stripe does (miniserde), naming the resource on failure.
fn parse<T: miniserde::Deserialize>(name: &str, value: &Value) -> T {
    miniserde::json::from_str(&value.to_string()).unwrap_or_else(|_| {
        panic!("{name} does not deserialise into async-stripe's type: {value:#}")
    })
}

/// Deserialises `value` into the async-stripe type for Stripe's resource `name`.
fn check(name: &str, value: &Value) {
    match name {
        "customer" => _ = parse::<stripe_shared::Customer>(name, value),
        "product" => _ = parse::<stripe_shared::Product>(name, value),
        "price" => _ = parse::<stripe_shared::Price>(name, value),
        "plan" => _ = parse::<stripe_shared::Plan>(name, value),
        "checkout.session" => _ = parse::<stripe_shared::CheckoutSession>(name, value),
        "item" => _ = parse::<stripe_shared::CheckoutSessionItem>(name, value),
        "subscription" => _ = parse::<stripe_shared::Subscription>(name, value),
        "subscription_item" => _ = parse::<stripe_shared::SubscriptionItem>(name, value),
        "invoice" => _ = parse::<stripe_shared::Invoice>(name, value),
        "line_item" => _ = parse::<stripe_shared::InvoiceLineItem>(name, value),
        "billing_portal.session" => _ = parse::<stripe_billing::BillingPortalSession>(name, value),
        "event" => _ = parse::<stripe_shared::Event>(name, value),
        "list" => {}
        other => panic!("no async-stripe type chosen for {other}"),
    }
}

const USED: &[&str] = &[
    "customer",
    "product",
    "price",
    "plan",
    "checkout.session",
    "item",
    "subscription",
    "subscription_item",
    "invoice",
    "line_item",
    "billing_portal.session",
    "event",
];

#[test]
fn every_fixture_gatehouse_uses_deserialises_into_async_stripe_types() {
    let fixtures = fixtures();
    for name in USED {
        let fixture = &fixtures["resources"][name];
        assert!(fixture.is_object(), "fixtures3.json has no {name}");
        check(name, fixture);
    }
}

fn client(base: &str) -> Client {
    ClientBuilder::new(SECRET_KEY)
        .url(base)
        .build()
        .expect("a client")
}

/// A product with a monthly and a yearly price, through async-stripe.
async fn catalog(client: &Client) -> (String, String, String) {
    let product = CreateProduct::new("Pro")
        .description("Everything")
        .send(client)
        .await
        .expect("product created");
    let monthly = CreatePrice::new(stripe_types::Currency::USD)
        .product(product.id.as_str())
        .unit_amount(2000)
        .recurring(CreatePriceRecurring::new(
            CreatePriceRecurringInterval::Month,
        ))
        .send(client)
        .await
        .expect("price created");
    let yearly = CreatePrice::new(stripe_types::Currency::USD)
        .product(product.id.as_str())
        .unit_amount(20000)
        .recurring(CreatePriceRecurring::new(
            CreatePriceRecurringInterval::Year,
        ))
        .send(client)
        .await
        .expect("price created");
    (
        product.id.to_string(),
        monthly.id.to_string(),
        yearly.id.to_string(),
    )
}

#[tokio::test]
async fn async_stripes_client_drives_the_fake_from_customer_to_cancellation() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let client = client(&base);

    let customer = CreateCustomer::new()
        .email("ada@example.com")
        .name("Ada")
        .metadata(HashMap::from([("account".to_owned(), "acc_1".to_owned())]))
        .send(&client)
        .await
        .expect("customer created");
    assert_eq!(customer.email.as_deref(), Some("ada@example.com"));
    let again = RetrieveCustomer::new(customer.id.clone())
        .send(&client)
        .await
        .expect("customer retrieved");
    let stripe_core::customer::RetrieveCustomerReturned::Customer(again) = again else {
        panic!("a deleted customer");
    };
    assert_eq!(again.id, customer.id);

    let (_, monthly, yearly) = catalog(&client).await;
    let archived = UpdatePrice::new(yearly.as_str())
        .active(false)
        .send(&client)
        .await
        .expect("price archived");
    assert!(!archived.active);
    let reactivated = UpdatePrice::new(yearly.as_str())
        .active(true)
        .send(&client)
        .await
        .expect("price reactivated");
    assert!(reactivated.active);
    let price = RetrievePrice::new(monthly.as_str())
        .send(&client)
        .await
        .expect("price retrieved");
    assert_eq!(price.unit_amount, Some(2000));

    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some(monthly.clone());
    item.quantity = Some(1);
    let mut subscription_data = CreateCheckoutSessionSubscriptionData::new();
    subscription_data.metadata = Some(HashMap::from([("account".to_owned(), "acc_1".to_owned())]));
    let session = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Subscription)
        .customer(customer.id.as_str())
        .line_items(vec![item])
        .success_url("http://localhost/done?session={CHECKOUT_SESSION_ID}")
        .cancel_url("http://localhost/cancelled")
        .client_reference_id("acc_1")
        .subscription_data(subscription_data)
        .send(&client)
        .await
        .expect("checkout session created");
    let url = session.url.clone().expect("a hosted page");
    assert_eq!(url, format!("{base}/checkout/{}", session.id));
    assert_eq!(session.amount_total, Some(2000));

    fake.complete_checkout(session.id.as_str(), None)
        .expect("paid");
    let session = RetrieveCheckoutSession::new(session.id.clone())
        .expand(vec!["subscription".to_owned(), "line_items".to_owned()])
        .send(&client)
        .await
        .expect("session retrieved");
    assert_eq!(session.payment_status, CheckoutSessionPaymentStatus::Paid);
    assert_eq!(session.line_items.expect("expanded").data.len(), 1);
    let subscription_id = session.subscription.expect("a subscription").id().clone();

    let subscription = RetrieveSubscription::new(subscription_id.clone())
        .send(&client)
        .await
        .expect("subscription retrieved");
    assert_eq!(subscription.status, SubscriptionStatus::Active);
    assert_eq!(
        subscription.metadata.get("account").map(String::as_str),
        Some("acc_1")
    );
    let first_item = &subscription.items.data[0];
    assert!(first_item.current_period_end > first_item.current_period_start);

    // Upgrade to yearly, invoiced at once.
    let mut change = UpdateSubscriptionItems::new();
    change.id = Some(first_item.id.to_string());
    change.price = Some(yearly.clone());
    let upgraded = UpdateSubscription::new(subscription_id.clone())
        .items(vec![change])
        .proration_behavior(UpdateSubscriptionProrationBehavior::AlwaysInvoice)
        .send(&client)
        .await
        .expect("subscription updated");
    assert_eq!(upgraded.items.data[0].price.id.as_str(), yearly);

    let ending = UpdateSubscription::new(subscription_id.clone())
        .cancel_at_period_end(true)
        .send(&client)
        .await
        .expect("set to cancel");
    assert!(ending.cancel_at_period_end);
    let resumed = UpdateSubscription::new(subscription_id.clone())
        .cancel_at_period_end(false)
        .send(&client)
        .await
        .expect("resumed");
    assert!(!resumed.cancel_at_period_end);

    let invoices = ListInvoice::new()
        .subscription(subscription_id.as_str())
        .send(&client)
        .await
        .expect("invoices listed");
    assert_eq!(
        invoices.data.len(),
        2,
        "the first invoice and the upgrade's"
    );
    for invoice in &invoices.data {
        assert_eq!(invoice.status, Some(InvoiceStatus::Paid));
    }
    let invoice_id = invoices.data[0].id.clone().expect("an id");
    let invoice = RetrieveInvoice::new(invoice_id.clone())
        .send(&client)
        .await
        .expect("invoice retrieved");
    assert_eq!(invoice.id, Some(invoice_id));
    assert!(invoice.hosted_invoice_url.is_some());

    let portal = CreateBillingPortalSession::new()
        .customer(customer.id.as_str())
        .return_url("http://localhost/account")
        .send(&client)
        .await
        .expect("portal session created");
    assert!(portal.url.starts_with(&format!("{base}/portal/bps_")));

    let cancelled = CancelSubscription::new(subscription_id.clone())
        .send(&client)
        .await
        .expect("cancelled");
    assert_eq!(cancelled.status, SubscriptionStatus::Canceled);

    // Every event the fake emitted deserialises, its object included.
    for event in fake.events() {
        check("event", &event);
        let object = &event["data"]["object"];
        check(object["object"].as_str().unwrap_or_default(), object);
        let body = event.to_string();
        let header = stripe_webhook::Webhook::generate_test_header(&body, "whsec_x", None);
        let parsed = stripe_webhook::Webhook::construct_event(&body, &header, "whsec_x")
            .unwrap_or_else(|err| panic!("{} does not parse: {err}", event["type"]));
        assert!(
            !matches!(parsed.data.object, stripe_webhook::EventObject::Unknown(_))
                || event["type"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("product.") || t.starts_with("price.")),
            "{} parsed as an unknown event",
            event["type"]
        );
    }
}

#[tokio::test]
async fn the_fakes_objects_have_every_field_of_stripes_fixtures() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let client = client(&base);
    let (_, monthly, _) = catalog(&client).await;
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some(monthly);
    let session = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Subscription)
        .customer_email("grace@example.com")
        .line_items(vec![item])
        .success_url("http://localhost/done")
        .send(&client)
        .await
        .expect("checkout session created");
    fake.complete_checkout(session.id.as_str(), None)
        .expect("paid");
    let session = fake.object(session.id.as_str()).expect("kept");
    let subscription = fake
        .object(session["subscription"].as_str().unwrap())
        .unwrap();
    let customer = fake.object(session["customer"].as_str().unwrap()).unwrap();
    let invoice = fake
        .object(subscription["latest_invoice"].as_str().unwrap())
        .unwrap();
    let price = subscription["items"]["data"][0]["price"].clone();
    let product = fake.object(price["product"].as_str().unwrap()).unwrap();
    let event = fake.events().pop().unwrap();

    let fixtures = fixtures();
    for (name, ours) in [
        ("customer", &customer),
        ("product", &product),
        ("price", &price),
        ("plan", &subscription["items"]["data"][0]["plan"]),
        ("checkout.session", &session),
        ("subscription", &subscription),
        ("subscription_item", &subscription["items"]["data"][0]),
        ("invoice", &invoice),
        ("line_item", &invoice["lines"]["data"][0]),
        ("event", &event),
    ] {
        let theirs = fixtures["resources"][name].as_object().unwrap();
        let missing: Vec<&String> = theirs
            .keys()
            .filter(|key| ours.get(key.as_str()).is_none())
            .collect();
        assert!(missing.is_empty(), "the fake's {name} lacks {missing:?}");
        check(name, ours);
    }
}

#[tokio::test]
async fn the_base_url_works_with_or_without_a_trailing_slash() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    for url in [base.clone(), format!("{base}/")] {
        CreateCustomer::new()
            .send(&client(&url))
            .await
            .unwrap_or_else(|err| panic!("{url}: {err}"));
    }
}

#[tokio::test]
async fn stripes_errors_reach_async_stripe_as_stripe_errors() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let err = RetrievePrice::new("price_missing")
        .send(&client(&base))
        .await
        .expect_err("no such price");
    let StripeError::Stripe(error, status) = err else {
        panic!("not a Stripe error: {err:?}");
    };
    assert_eq!(status, 404);
    assert_eq!(
        error.message.as_deref(),
        Some("No such price: 'price_missing'")
    );
    assert_eq!(error.param.as_deref(), Some("id"));

    let wrong_key = ClientBuilder::new("sk_test_wrong")
        .url(&base)
        .build()
        .unwrap();
    let err = CreateCustomer::new()
        .send(&wrong_key)
        .await
        .expect_err("refused");
    assert!(matches!(err, StripeError::Stripe(_, 401)), "{err:?}");
}

/// Gatehouse's pattern: its own key, derived from what the request means, resent as is.
async fn create_customer_retrying(
    client: &Client,
    key: &str,
    attempts: u32,
) -> Result<stripe_shared::Customer, StripeError> {
    let mut last = None;
    for _ in 0..attempts {
        let result = CreateCustomer::new()
            .email("once@example.com")
            .customize()
            .request_strategy(RequestStrategy::Idempotent(
                stripe::IdempotencyKey::new(key).expect("a valid key"),
            ))
            .send(client)
            .await;
        match result {
            Ok(customer) => return Ok(customer),
            Err(err) => last = Some(err),
        }
    }
    Err(last.expect("at least one attempt"))
}

fn customers_created(fake: &FakeStripe) -> Vec<Value> {
    fake.events()
        .into_iter()
        .filter(|event| event["type"] == "customer.created")
        .collect()
}

#[tokio::test]
async fn a_retried_create_whose_answer_was_lost_makes_one_customer() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    // First attempt: 503 before anything happens. Second: done, but the answer is lost
    // (500). Third: the answer saved under the idempotency key.
    fake.set_api_faults(gatehouse_fakes::stripe::ApiFaults {
        fail_next: [503].into(),
        lose_responses: 1,
        delay_ms: 0,
    });
    let created = create_customer_retrying(&client(&base), "signup-acc_1", 3)
        .await
        .expect("created on the third attempt");
    let customers = customers_created(&fake);
    assert_eq!(customers.len(), 1, "one customer, however many attempts");
    assert_eq!(customers[0]["data"]["object"]["id"], created.id.as_str());
}

/// A pitfall this fake exposes: without async-stripe's `uuid` feature,
/// `RequestStrategy::Retry` sends no `Idempotency-Key`, so a retry after a lost answer
/// creates a second customer.
#[tokio::test]
async fn async_stripes_retry_strategy_without_uuid_sends_no_idempotency_key() {
    let fake = FakeStripe::default();
    let base = fake.spawn();
    fake.set_api_faults(gatehouse_fakes::stripe::ApiFaults {
        lose_responses: 1,
        ..Default::default()
    });
    let retrying = ClientBuilder::new(SECRET_KEY)
        .url(&base)
        .request_strategy(RequestStrategy::Retry(2))
        .build()
        .unwrap();
    CreateCustomer::new()
        .email("twice@example.com")
        .send(&retrying)
        .await
        .expect("created on the second attempt");
    assert_eq!(customers_created(&fake).len(), 2);
}

#[tokio::test]
async fn a_proration_preview_prices_an_upgrade_without_changing_anything() {
    use stripe_billing::invoice::{
        CreatePreviewInvoice, CreatePreviewInvoiceSubscriptionDetails,
        CreatePreviewInvoiceSubscriptionDetailsItems,
        CreatePreviewInvoiceSubscriptionDetailsProrationBehavior,
    };
    let fake = FakeStripe::default();
    let base = fake.spawn();
    let client = client(&base);
    let (product, monthly, _) = catalog(&client).await;
    let premium = CreatePrice::new(stripe_types::Currency::USD)
        .product(product.as_str())
        .unit_amount(5000)
        .recurring(CreatePriceRecurring::new(
            CreatePriceRecurringInterval::Month,
        ))
        .send(&client)
        .await
        .expect("price created");
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some(monthly.clone());
    let session = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Subscription)
        .customer_email("pat@example.com")
        .line_items(vec![item])
        .success_url("http://localhost/done")
        .send(&client)
        .await
        .expect("checkout session created");
    let session = fake
        .complete_checkout(session.id.as_str(), None)
        .expect("paid");
    let subscription_id = session["subscription"].as_str().unwrap().to_owned();
    let before = fake.object(&subscription_id).unwrap();
    let item_id = before["items"]["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut change = CreatePreviewInvoiceSubscriptionDetailsItems::new();
    change.id = Some(item_id);
    change.price = Some(premium.id.to_string());
    let mut details = CreatePreviewInvoiceSubscriptionDetails::new();
    details.items = Some(vec![change]);
    details.proration_behavior =
        Some(CreatePreviewInvoiceSubscriptionDetailsProrationBehavior::AlwaysInvoice);
    let preview = CreatePreviewInvoice::new()
        .subscription(subscription_id.as_str())
        .subscription_details(details)
        .send(&client)
        .await
        .expect("a preview");
    // Right after paying: 20.00 back for the unused month, 50.00 for the new one.
    let prorations: Vec<i64> = preview.lines.data.iter().map(|line| line.amount).collect();
    assert_eq!(prorations.len(), 2);
    assert!((-2000..=-1990).contains(&prorations[0]), "{prorations:?}");
    assert!((4980..=5000).contains(&prorations[1]), "{prorations:?}");
    assert_eq!(preview.amount_due, prorations.iter().sum::<i64>());
    assert_eq!(
        fake.object(&subscription_id).unwrap(),
        before,
        "nothing changed"
    );
}
