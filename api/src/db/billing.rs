//! Subscriptions, their items and the payments ledger, as Stripe last described them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{
    account_members, accounts, payments, plan_periods, prices, product_entitlements,
    subscription_items, subscriptions, users,
};
use super::Conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub struct AccountBilling {
    pub id: Uuid,
    pub personal: bool,
    pub status: String,
    pub stripe_customer_id: Option<String>,
    pub past_due_since: Option<DateTime<Utc>>,
    /// Staff suspended it: billing leaves the status alone until staff reactivate it.
    pub held_at: Option<DateTime<Utc>>,
}

/// The account with this Stripe customer, row-locked (billing changes of one account are
/// decided one at a time).
pub async fn account_by_customer_for_update(
    conn: &mut Conn,
    stripe_customer_id: &str,
) -> QueryResult<Option<AccountBilling>> {
    accounts::table
        .filter(accounts::stripe_customer_id.eq(stripe_customer_id))
        .select(AccountBilling::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn account_billing(conn: &mut Conn, id: Uuid) -> QueryResult<Option<AccountBilling>> {
    accounts::table
        .find(id)
        .select(AccountBilling::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn account_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<AccountBilling>> {
    accounts::table
        .find(id)
        .select(AccountBilling::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// When the account fell behind on payment (`None` once it is not behind). Its status
/// changes through `accounts::status::change` only.
pub async fn set_past_due_since(
    conn: &mut Conn,
    id: Uuid,
    past_due_since: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::past_due_since.eq(past_due_since),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the account's Stripe customer (once; a different one is refused by the
/// caller before this).
pub async fn set_customer(conn: &mut Conn, id: Uuid, stripe_customer_id: &str) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set(accounts::stripe_customer_id.eq(stripe_customer_id))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub stripe_subscription_id: String,
    pub stripe_customer_id: String,
    pub status: String,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub trial_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = subscriptions, treat_none_as_null = true)]
pub struct SubscriptionValues<'a> {
    pub account_id: Uuid,
    pub stripe_subscription_id: &'a str,
    pub stripe_customer_id: &'a str,
    pub status: &'a str,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub trial_end: Option<DateTime<Utc>>,
    /// Stripe's `latest_invoice`: the newest of its invoices.
    pub latest_invoice_id: Option<&'a str>,
}

pub async fn subscription_for_update(
    conn: &mut Conn,
    stripe_subscription_id: &str,
) -> QueryResult<Option<SubscriptionRow>> {
    subscriptions::table
        .filter(subscriptions::stripe_subscription_id.eq(stripe_subscription_id))
        .select(SubscriptionRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts or overwrites the subscription; its id.
pub async fn upsert_subscription(
    conn: &mut Conn,
    values: &SubscriptionValues<'_>,
) -> QueryResult<Uuid> {
    diesel::insert_into(subscriptions::table)
        .values(values)
        .on_conflict(subscriptions::stripe_subscription_id)
        .do_update()
        .set((values, subscriptions::updated_at.eq(diesel::dsl::now)))
        .returning(subscriptions::id)
        .get_result(conn)
        .await
}

pub struct NewItem<'a> {
    pub stripe_item_id: &'a str,
    pub stripe_price_id: &'a str,
    pub quantity: i32,
}

/// Replaces the subscription's items; each is tied to the catalog price with that Stripe id.
/// Replaces the subscription's items; whether they changed (prices or quantities).
pub async fn replace_items(
    conn: &mut Conn,
    subscription_id: Uuid,
    items: &[NewItem<'_>],
) -> QueryResult<bool> {
    let mut before: Vec<(String, i32)> = subscription_items::table
        .filter(subscription_items::subscription_id.eq(subscription_id))
        .select((
            subscription_items::stripe_price_id,
            subscription_items::quantity,
        ))
        .load(conn)
        .await?;
    before.sort();
    let mut after: Vec<(String, i32)> = items
        .iter()
        .map(|item| (item.stripe_price_id.to_owned(), item.quantity))
        .collect();
    after.sort();
    diesel::delete(
        subscription_items::table.filter(subscription_items::subscription_id.eq(subscription_id)),
    )
    .execute(conn)
    .await?;
    for item in items {
        let price_id: Option<Uuid> = prices::table
            .filter(prices::stripe_price_id.eq(item.stripe_price_id))
            .select(prices::id)
            .first(conn)
            .await
            .optional()?;
        if price_id.is_none() {
            // Kept (Stripe says it was bought) but grants nothing: no entitlement, no seat.
            tracing::warn!(
                stripe.price = %item.stripe_price_id,
                stripe.item = %item.stripe_item_id,
                "a subscription item's price is not in the catalog: it grants nothing"
            );
        }
        diesel::insert_into(subscription_items::table)
            .values((
                subscription_items::subscription_id.eq(subscription_id),
                subscription_items::stripe_item_id.eq(item.stripe_item_id),
                subscription_items::stripe_price_id.eq(item.stripe_price_id),
                subscription_items::price_id.eq(price_id),
                subscription_items::quantity.eq(item.quantity),
            ))
            .execute(conn)
            .await?;
    }
    Ok(before != after)
}

/// The Stripe statuses of the account's subscriptions.
pub async fn subscription_statuses(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<String>> {
    subscriptions::table
        .filter(subscriptions::account_id.eq(account_id))
        .select(subscriptions::status)
        .load(conn)
        .await
}

/// Subscription statuses whose items the account may use.
const LIVE: [&str; 3] = ["trialing", "active", "past_due"];

/// What the account's live subscriptions and plan periods (trial, bank transfer) grant:
/// the entitlement keys of their products, while the account may act (not suspended or
/// cancelled).
pub async fn entitlement_keys(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<String>> {
    let mut keys: Vec<String> = subscription_items::table
        .inner_join(subscriptions::table)
        .inner_join(prices::table.on(subscription_items::price_id.eq(prices::id.nullable())))
        .inner_join(
            product_entitlements::table.on(product_entitlements::product_id.eq(prices::product_id)),
        )
        .inner_join(accounts::table.on(accounts::id.eq(subscriptions::account_id)))
        .filter(subscriptions::account_id.eq(account_id))
        .filter(subscriptions::status.eq_any(LIVE))
        .filter(accounts::status.eq_any(crate::accounts::status::GRANTING))
        .select(product_entitlements::entitlement_key)
        .load(conn)
        .await?;
    let periods: Vec<String> = plan_periods::table
        .inner_join(
            product_entitlements::table
                .on(product_entitlements::product_id.eq(plan_periods::product_id)),
        )
        .inner_join(accounts::table.on(accounts::id.eq(plan_periods::account_id)))
        .filter(plan_periods::account_id.eq(account_id))
        .filter(plan_periods::starts_at.le(diesel::dsl::now))
        .filter(plan_periods::ends_at.gt(diesel::dsl::now))
        .filter(accounts::status.eq_any(crate::accounts::status::GRANTING))
        .select(product_entitlements::entitlement_key)
        .load(conn)
        .await?;
    keys.extend(periods);
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// `(email, first name)` of the account's owners and billing members.
pub async fn billing_contacts(
    conn: &mut Conn,
    account_id: Uuid,
) -> QueryResult<Vec<(String, String)>> {
    account_members::table
        .inner_join(users::table)
        .filter(account_members::account_id.eq(account_id))
        .filter(account_members::role.eq_any(["owner", "billing"]))
        .filter(users::deactivated_at.is_null())
        .select((users::email, users::first_name))
        .order(users::email)
        .load(conn)
        .await
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = payments, treat_none_as_null = true)]
pub struct PaymentValues<'a> {
    pub account_id: Uuid,
    pub stripe_invoice_id: &'a str,
    pub stripe_subscription_id: Option<&'a str>,
    pub amount_due_minor: i64,
    pub amount_paid_minor: i64,
    pub currency: &'a str,
    pub status: &'a str,
    pub hosted_invoice_url: Option<&'a str>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
}

/// Inserts or overwrites the ledger row of an invoice; the previous status, if any.
pub async fn upsert_payment(
    conn: &mut Conn,
    values: &PaymentValues<'_>,
) -> QueryResult<Option<String>> {
    let previous: Option<String> = payments::table
        .filter(payments::stripe_invoice_id.eq(values.stripe_invoice_id))
        .select(payments::status)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    diesel::insert_into(payments::table)
        .values(values)
        .on_conflict(payments::stripe_invoice_id)
        .do_update()
        .set((values, payments::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(previous)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payments, check_for_backend(diesel::pg::Pg))]
pub struct PaymentRow {
    pub stripe_invoice_id: String,
    pub amount_due_minor: i64,
    pub amount_paid_minor: i64,
    pub currency: String,
    pub status: String,
    pub hosted_invoice_url: Option<String>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
}

/// The account's payments, newest first.
pub async fn payments_of(
    conn: &mut Conn,
    account_id: Uuid,
    limit: i64,
) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::account_id.eq(account_id))
        .order(payments::created.desc())
        .limit(limit)
        .select(PaymentRow::as_select())
        .load(conn)
        .await
}

/// The account's subscriptions, newest first.
pub async fn subscriptions_of(
    conn: &mut Conn,
    account_id: Uuid,
) -> QueryResult<Vec<SubscriptionRow>> {
    subscriptions::table
        .filter(subscriptions::account_id.eq(account_id))
        .order(subscriptions::created_at.desc())
        .select(SubscriptionRow::as_select())
        .load(conn)
        .await
}

/// An item with the catalog product and price it stands for (when the catalog knows
/// the Stripe price).
#[derive(Debug, Clone, Queryable)]
pub struct ItemWithProduct {
    pub quantity: i32,
    pub product_slug: Option<String>,
    pub product_name: Option<String>,
    pub billing_period: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
}

pub async fn items_with_products(
    conn: &mut Conn,
    subscription_id: Uuid,
) -> QueryResult<Vec<ItemWithProduct>> {
    use super::schema::products;
    subscription_items::table
        .left_join(prices::table.on(subscription_items::price_id.eq(prices::id.nullable())))
        .left_join(products::table.on(products::id.eq(prices::product_id)))
        .filter(subscription_items::subscription_id.eq(subscription_id))
        .order(products::display_order.nullable().asc())
        .select((
            subscription_items::quantity,
            products::slug.nullable(),
            products::name.nullable(),
            prices::billing_period.nullable(),
            prices::amount_minor.nullable(),
            prices::currency.nullable(),
        ))
        .load(conn)
        .await
}

/// Records the account's Stripe customer unless it has one; the one it has now.
pub async fn claim_customer(
    conn: &mut Conn,
    id: Uuid,
    stripe_customer_id: &str,
) -> QueryResult<Option<String>> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::stripe_customer_id.is_null()),
    )
    .set(accounts::stripe_customer_id.eq(stripe_customer_id))
    .execute(conn)
    .await?;
    accounts::table
        .find(id)
        .select(accounts::stripe_customer_id)
        .first(conn)
        .await
}

/// Accounts in their grace period.
pub async fn past_due_accounts(conn: &mut Conn) -> QueryResult<Vec<Uuid>> {
    accounts::table
        .filter(accounts::status.eq("past_due"))
        .select(accounts::id)
        .load(conn)
        .await
}

/// Live subscriptions whose period ended before `before` (they should have renewed or
/// ended, and Stripe said nothing we heard).
pub async fn subscriptions_past_their_period(
    conn: &mut Conn,
    before: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    subscriptions::table
        .filter(subscriptions::status.eq_any(["active", "trialing", "past_due"]))
        .filter(subscriptions::current_period_end.lt(before))
        .select(subscriptions::stripe_subscription_id)
        .load(conn)
        .await
}

/// `(Stripe item id, Stripe price id)` of the subscription's items.
pub async fn items_of(
    conn: &mut Conn,
    subscription_id: Uuid,
) -> QueryResult<Vec<(String, String)>> {
    subscription_items::table
        .filter(subscription_items::subscription_id.eq(subscription_id))
        .select((
            subscription_items::stripe_item_id,
            subscription_items::stripe_price_id,
        ))
        .load(conn)
        .await
}

/// A product of the account's live subscriptions (what its entitlements come from).
#[derive(Debug, Clone, Queryable)]
pub struct LiveProduct {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub needs_instance: bool,
    pub quantity: i32,
}

/// The products the account may use now: items of trialing, active or past-due
/// subscriptions and the plans of its live plan periods (quantity 1), while the account
/// is neither suspended nor cancelled.
pub async fn live_products(conn: &mut Conn, account_id: Uuid) -> QueryResult<Vec<LiveProduct>> {
    use super::schema::products;
    let mut live: Vec<LiveProduct> = plan_periods::table
        .inner_join(products::table.on(products::id.eq(plan_periods::product_id)))
        .inner_join(accounts::table.on(accounts::id.eq(plan_periods::account_id)))
        .filter(plan_periods::account_id.eq(account_id))
        .filter(plan_periods::starts_at.le(diesel::dsl::now))
        .filter(plan_periods::ends_at.gt(diesel::dsl::now))
        .filter(accounts::status.eq_any(crate::accounts::status::GRANTING))
        .select((
            products::id,
            products::slug,
            products::name,
            products::kind,
            products::needs_instance,
            1.into_sql::<diesel::sql_types::Integer>(),
        ))
        .distinct()
        .load(conn)
        .await?;
    let subscribed: Vec<LiveProduct> = subscription_items::table
        .inner_join(subscriptions::table)
        .inner_join(prices::table.on(subscription_items::price_id.eq(prices::id.nullable())))
        .inner_join(products::table.on(products::id.eq(prices::product_id)))
        .inner_join(accounts::table.on(accounts::id.eq(subscriptions::account_id)))
        .filter(subscriptions::account_id.eq(account_id))
        .filter(subscriptions::status.eq_any(LIVE))
        .filter(accounts::status.eq_any(crate::accounts::status::GRANTING))
        .order((products::display_order, products::name))
        .select((
            products::id,
            products::slug,
            products::name,
            products::kind,
            products::needs_instance,
            subscription_items::quantity,
        ))
        .load(conn)
        .await?;
    // A product both subscribed and in a period counts once, with the subscription's
    // quantity.
    live.retain(|period| subscribed.iter().all(|item| item.id != period.id));
    live.extend(subscribed);
    Ok(live)
}

/// The accounts whose billing the user manages (owner, admin or billing member), with
/// their status; personal first.
pub async fn managed_accounts(conn: &mut Conn, user_id: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    account_members::table
        .inner_join(accounts::table)
        .filter(account_members::user_id.eq(user_id))
        .filter(account_members::role.eq_any(["owner", "admin", "billing"]))
        .order((accounts::personal.desc(), account_members::created_at.asc()))
        .select((accounts::id, accounts::status))
        .load(conn)
        .await
}

/// The Stripe price to sell instead of `price_id` now: itself while on sale, else the
/// product's current price for the same period and currency; `None` when the product
/// is off sale or Stripe does not know the price yet.
pub async fn current_stripe_price(conn: &mut Conn, price_id: Uuid) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        stripe_price_id: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT now_.stripe_price_id
           FROM prices was
           JOIN prices now_ ON now_.product_id = was.product_id
                           AND now_.billing_period = was.billing_period
                           AND now_.currency = was.currency
           JOIN products p ON p.id = now_.product_id
          WHERE was.id = $1 AND now_.active AND p.active AND now_.stripe_price_id IS NOT NULL
          ORDER BY (now_.id = was.id) DESC, now_.created_at DESC
          LIMIT 1",
    )
    .bind::<diesel::sql_types::Uuid, _>(price_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|row| row.stripe_price_id))
}

/// The items of a subscription with the catalog price each stands for.
pub async fn items_with_prices(
    conn: &mut Conn,
    subscription_id: Uuid,
) -> QueryResult<Vec<(Option<Uuid>, i32)>> {
    subscription_items::table
        .filter(subscription_items::subscription_id.eq(subscription_id))
        .select((subscription_items::price_id, subscription_items::quantity))
        .load(conn)
        .await
}
