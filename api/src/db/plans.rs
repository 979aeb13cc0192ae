//! Plan terms (`plan_terms`), plan periods (`plan_periods`: free trials and periods paid
//! by bank transfer) and confirmed bank transfers (`bank_transfers`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{
    bank_transfers, plan_periods, plan_terms, prices, products, subscription_items, subscriptions,
};
use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = plan_terms, check_for_backend(diesel::pg::Pg))]
pub struct Terms {
    pub product_id: Uuid,
    pub monthly_credits: i64,
    pub overage_limit: i64,
    pub trial_days: i32,
    pub trial_credits: i64,
}

impl Terms {
    /// What a plan without a row includes: nothing.
    pub fn none(product_id: Uuid) -> Self {
        Self {
            product_id,
            monthly_credits: 0,
            overage_limit: 0,
            trial_days: 0,
            trial_credits: 0,
        }
    }
}

pub async fn terms(conn: &mut Conn, product_id: Uuid) -> QueryResult<Terms> {
    Ok(plan_terms::table
        .find(product_id)
        .select(Terms::as_select())
        .first(conn)
        .await
        .optional()?
        .unwrap_or_else(|| Terms::none(product_id)))
}

/// Sets a plan's terms (insert or replace).
pub async fn set_terms(conn: &mut Conn, terms: &Terms) -> QueryResult<()> {
    diesel::insert_into(plan_terms::table)
        .values(terms)
        .on_conflict(plan_terms::product_id)
        .do_update()
        .set((terms, plan_terms::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(drop)
}

/// `(plan product id, slug, name, terms)` of every active plan offering a free trial, in
/// catalog order.
pub async fn trial_plans(conn: &mut Conn) -> QueryResult<Vec<(Uuid, String, String, Terms)>> {
    let rows: Vec<(Uuid, String, String, Terms)> = plan_terms::table
        .inner_join(products::table)
        .filter(plan_terms::trial_days.gt(0))
        .filter(products::active.eq(true))
        .filter(products::kind.eq("plan"))
        .order((products::display_order, products::name))
        .select((
            products::id,
            products::slug,
            products::name,
            Terms::as_select(),
        ))
        .load(conn)
        .await?;
    Ok(rows)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = plan_periods, check_for_backend(diesel::pg::Pg))]
pub struct Period {
    pub id: Uuid,
    pub account_id: Uuid,
    pub product_id: Uuid,
    pub source: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = plan_periods)]
pub struct NewPeriod<'a> {
    pub account_id: Uuid,
    pub product_id: Uuid,
    pub source: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
}

pub async fn insert_period(conn: &mut Conn, new: &NewPeriod<'_>) -> QueryResult<Period> {
    diesel::insert_into(plan_periods::table)
        .values(new)
        .returning(Period::as_returning())
        .get_result(conn)
        .await
}

/// The account's free trial, if it ever had one.
pub async fn trial_of(conn: &mut Conn, account_id: Uuid) -> QueryResult<Option<Period>> {
    plan_periods::table
        .filter(plan_periods::account_id.eq(account_id))
        .filter(plan_periods::source.eq("trial"))
        .select(Period::as_select())
        .first(conn)
        .await
        .optional()
}

/// The account's periods live at `at`, newest end first.
pub async fn live_periods(
    conn: &mut Conn,
    account_id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Vec<Period>> {
    plan_periods::table
        .filter(plan_periods::account_id.eq(account_id))
        .filter(plan_periods::starts_at.le(at))
        .filter(plan_periods::ends_at.gt(at))
        .order(plan_periods::ends_at.desc())
        .select(Period::as_select())
        .load(conn)
        .await
}

/// The newest end of the account's periods paid by bank transfer (a new one starts there
/// when it is still ahead).
pub async fn last_transfer_end(
    conn: &mut Conn,
    account_id: Uuid,
) -> QueryResult<Option<DateTime<Utc>>> {
    plan_periods::table
        .filter(plan_periods::account_id.eq(account_id))
        .filter(plan_periods::source.eq("bank_transfer"))
        .select(diesel::dsl::max(plan_periods::ends_at))
        .first(conn)
        .await
}

/// Periods that ended by `at` and are not settled yet, oldest first.
pub async fn ended_unsettled(
    conn: &mut Conn,
    at: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Period>> {
    plan_periods::table
        .filter(plan_periods::settled_at.is_null())
        .filter(plan_periods::ends_at.le(at))
        .order(plan_periods::ends_at)
        .limit(limit)
        .select(Period::as_select())
        .load(conn)
        .await
}

/// Trials ending before `before` whose reminder has not gone out.
pub async fn trials_to_remind(
    conn: &mut Conn,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
) -> QueryResult<Vec<Period>> {
    plan_periods::table
        .filter(plan_periods::source.eq("trial"))
        .filter(plan_periods::reminded_at.is_null())
        .filter(plan_periods::settled_at.is_null())
        .filter(plan_periods::ends_at.gt(now))
        .filter(plan_periods::ends_at.le(before))
        .select(Period::as_select())
        .load(conn)
        .await
}

/// The period, row-locked.
pub async fn period_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Period>> {
    plan_periods::table
        .find(id)
        .for_update()
        .select(Period::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks the reminder sent; `false` when another worker did.
pub async fn mark_reminded(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        plan_periods::table
            .find(id)
            .filter(plan_periods::reminded_at.is_null()),
    )
    .set(plan_periods::reminded_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn mark_settled(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::update(plan_periods::table.find(id))
        .set(plan_periods::settled_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// The plans (product ids, with quantity) of the account's live subscriptions and
/// periods: what credits and overage follow.
pub async fn current_plans(
    conn: &mut Conn,
    account_id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, i32)>> {
    let mut plans: Vec<(Uuid, i32)> = subscription_items::table
        .inner_join(subscriptions::table)
        .inner_join(prices::table.on(subscription_items::price_id.eq(prices::id.nullable())))
        .inner_join(products::table.on(products::id.eq(prices::product_id)))
        .filter(subscriptions::account_id.eq(account_id))
        .filter(subscriptions::status.eq_any(["trialing", "active", "past_due"]))
        .filter(products::kind.eq("plan"))
        .select((products::id, subscription_items::quantity))
        .load(conn)
        .await?;
    plans.extend(
        live_periods(conn, account_id, at)
            .await?
            .into_iter()
            .map(|period| (period.product_id, 1)),
    );
    Ok(plans)
}

/// The plans of one subscription's items, with their quantity.
pub async fn subscription_plans(
    conn: &mut Conn,
    stripe_subscription_id: &str,
) -> QueryResult<Vec<(Uuid, String, i32)>> {
    subscription_items::table
        .inner_join(subscriptions::table)
        .inner_join(prices::table.on(subscription_items::price_id.eq(prices::id.nullable())))
        .inner_join(products::table.on(products::id.eq(prices::product_id)))
        .filter(subscriptions::stripe_subscription_id.eq(stripe_subscription_id))
        .filter(products::kind.eq("plan"))
        .select((products::id, products::name, subscription_items::quantity))
        .load(conn)
        .await
}

/// Overage allowed to an account: the largest of its current plans'.
pub async fn overage_limit(
    conn: &mut Conn,
    account_id: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<i64> {
    let plans: Vec<Uuid> = current_plans(conn, account_id, at)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if plans.is_empty() {
        return Ok(0);
    }
    plan_terms::table
        .filter(plan_terms::product_id.eq_any(plans))
        .select(diesel::dsl::max(plan_terms::overage_limit))
        .first::<Option<i64>>(conn)
        .await
        .map(Option::unwrap_or_default)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bank_transfers)]
pub struct NewTransfer<'a> {
    pub account_id: Uuid,
    pub reference: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub payer: &'a str,
    pub plan_period_id: Uuid,
    pub confirmed_by: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = bank_transfers, check_for_backend(diesel::pg::Pg))]
pub struct Transfer {
    pub id: Uuid,
    pub account_id: Uuid,
    pub reference: String,
    pub amount_minor: i64,
    pub currency: String,
    pub payer: String,
    pub plan_period_id: Uuid,
    pub confirmed_by: Uuid,
    pub confirmed_at: DateTime<Utc>,
}

/// Keeps the transfer; `None` when its reference was confirmed before (also by a
/// concurrent confirmation).
pub async fn insert_transfer(
    conn: &mut Conn,
    new: &NewTransfer<'_>,
) -> QueryResult<Option<Transfer>> {
    diesel::insert_into(bank_transfers::table)
        .values(new)
        .on_conflict(bank_transfers::reference)
        .do_nothing()
        .returning(Transfer::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The account's confirmed transfers with their periods, newest first.
pub async fn transfers_of(
    conn: &mut Conn,
    account_id: Uuid,
) -> QueryResult<Vec<(Transfer, Period)>> {
    bank_transfers::table
        .inner_join(plan_periods::table)
        .filter(bank_transfers::account_id.eq(account_id))
        .order(bank_transfers::confirmed_at.desc())
        .select((Transfer::as_select(), Period::as_select()))
        .load(conn)
        .await
}

/// The account a period belongs to.
pub async fn period_account(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Uuid>> {
    plan_periods::table
        .find(id)
        .select(plan_periods::account_id)
        .first(conn)
        .await
        .optional()
}

/// The newest paid invoice of a subscription: its latest invoice (Stripe's
/// `latest_invoice`) once that is paid, else the paid one dated last. Stripe dates
/// invoices to the second, so a plan change's invoice may share its date with the
/// payment before it; only `latest_invoice` tells them apart.
pub async fn newest_paid_invoice(
    conn: &mut Conn,
    stripe_subscription_id: &str,
) -> QueryResult<Option<String>> {
    use super::schema::payments;
    let paid = payments::table
        .filter(payments::stripe_subscription_id.eq(stripe_subscription_id))
        .filter(payments::status.eq("paid"));
    let latest: Option<String> = subscriptions::table
        .filter(subscriptions::stripe_subscription_id.eq(stripe_subscription_id))
        .select(subscriptions::latest_invoice_id)
        .first::<Option<String>>(conn)
        .await
        .optional()?
        .flatten();
    if let Some(latest) = latest {
        let latest_paid = paid
            .filter(payments::stripe_invoice_id.eq(&latest))
            .select(payments::stripe_invoice_id)
            .first(conn)
            .await
            .optional()?;
        if latest_paid.is_some() {
            return Ok(latest_paid);
        }
    }
    paid.order(payments::created.desc())
        .select(payments::stripe_invoice_id)
        .first(conn)
        .await
        .optional()
}

/// A subscription's status and current period, as last stored.
pub async fn subscription_period(
    conn: &mut Conn,
    stripe_subscription_id: &str,
) -> QueryResult<Option<(String, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>> {
    subscriptions::table
        .filter(subscriptions::stripe_subscription_id.eq(stripe_subscription_id))
        .select((
            subscriptions::status,
            subscriptions::current_period_start,
            subscriptions::current_period_end,
        ))
        .first(conn)
        .await
        .optional()
}
