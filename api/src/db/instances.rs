//! Product instances and the seats users hold on them. Placement composes these inside
//! one transaction (see `crate::instances::placement`); every function that changes
//! `allocated_seats` expects the instance's row lock to be held.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::schema::{accounts, instance_connectors, instances, products, seats, users};
use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = instances, check_for_backend(diesel::pg::Pg))]
pub struct Instance {
    pub id: Uuid,
    pub product_id: Uuid,
    pub name: String,
    pub base_url: String,
    pub active: bool,
    pub auto_allocate: bool,
    pub soft_cap: i32,
    pub allocation_cap: i32,
    pub hard_cap: i32,
    pub allocated_seats: i32,
    pub soft_cap_alerted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = instances)]
pub struct NewInstance<'a> {
    pub product_id: Uuid,
    pub name: &'a str,
    pub base_url: &'a str,
    pub active: bool,
    pub auto_allocate: bool,
    pub soft_cap: i32,
    pub allocation_cap: i32,
    pub hard_cap: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = seats, check_for_backend(diesel::pg::Pg))]
pub struct Seat {
    pub id: Uuid,
    pub instance_id: Uuid,
    pub product_id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = seats)]
pub struct NewSeat<'a> {
    pub instance_id: Uuid,
    pub product_id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub placed_by: &'a str,
}

/// What staff may change on an instance (`None` leaves a field as it is).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = instances)]
pub struct InstanceChanges<'a> {
    pub name: Option<&'a str>,
    pub base_url: Option<&'a str>,
    pub active: Option<bool>,
    pub auto_allocate: Option<bool>,
    pub soft_cap: Option<i32>,
    pub allocation_cap: Option<i32>,
    pub hard_cap: Option<i32>,
}

pub async fn update_instance(
    conn: &mut Conn,
    id: Uuid,
    changes: &InstanceChanges<'_>,
) -> QueryResult<Instance> {
    diesel::update(instances::table.find(id))
        .set((changes, instances::updated_at.eq(diesel::dsl::now)))
        .returning(Instance::as_returning())
        .get_result(conn)
        .await
}

/// Instances with their product's slug, by product and name; one product's when given.
pub async fn list_with_slugs(
    conn: &mut Conn,
    product_slug: Option<&str>,
) -> QueryResult<Vec<(Instance, String)>> {
    let mut query = instances::table
        .inner_join(products::table)
        .order((products::slug.asc(), instances::name.asc()))
        .select((Instance::as_select(), products::slug))
        .into_boxed();
    if let Some(slug) = product_slug {
        query = query.filter(products::slug.eq(slug.to_owned()));
    }
    query.load(conn).await
}

/// The slug of the instance's product.
pub async fn product_slug(conn: &mut Conn, product_id: Uuid) -> QueryResult<String> {
    products::table
        .find(product_id)
        .select(products::slug)
        .first(conn)
        .await
}

/// What a seat change means for an instance's product (no row: nothing but the seat).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = instance_connectors, check_for_backend(diesel::pg::Pg))]
pub struct ConnectorRow {
    pub instance_id: Uuid,
    /// `webhook` or `groups`.
    pub kind: String,
    pub url: String,
    pub group_name: Option<String>,
    /// `webhook`: the signing secret Gatehouse generated.
    pub secret: Option<String>,
    /// `groups`: the admin API's bearer token.
    pub token: Option<String>,
}

pub async fn connector(conn: &mut Conn, instance_id: Uuid) -> QueryResult<Option<ConnectorRow>> {
    instance_connectors::table
        .find(instance_id)
        .select(ConnectorRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every connector, for listing.
pub async fn connectors(conn: &mut Conn) -> QueryResult<Vec<ConnectorRow>> {
    instance_connectors::table
        .select(ConnectorRow::as_select())
        .load(conn)
        .await
}

/// Sets the instance's connector (`None`: nothing but the seat).
pub async fn set_connector(
    conn: &mut Conn,
    instance_id: Uuid,
    connector: Option<&ConnectorRow>,
) -> QueryResult<()> {
    diesel::delete(instance_connectors::table.find(instance_id))
        .execute(conn)
        .await?;
    if let Some(row) = connector {
        diesel::insert_into(instance_connectors::table)
            .values(row)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn insert_instance(conn: &mut Conn, new: &NewInstance<'_>) -> QueryResult<Instance> {
    diesel::insert_into(instances::table)
        .values(new)
        .returning(Instance::as_returning())
        .get_result(conn)
        .await
}

pub async fn instance(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Instance>> {
    instances::table
        .find(id)
        .select(Instance::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every instance of `product_id`, row-locked in id order: what placement and release
/// take first (see `crate::instances::placement`). Locking only the instance chosen, from
/// counts each transaction saw differently, let two placements lock two instances in
/// opposite orders and deadlock (PostgreSQL keeps the lock on a row that failed its
/// re-check).
pub async fn lock_product_instances(
    conn: &mut Conn,
    product_id: Uuid,
) -> QueryResult<Vec<Instance>> {
    instances::table
        .filter(instances::product_id.eq(product_id))
        .order(instances::id.asc())
        .select(Instance::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Every instance of `product_id`, by name.
pub async fn instances_of(conn: &mut Conn, product_id: Uuid) -> QueryResult<Vec<Instance>> {
    instances::table
        .filter(instances::product_id.eq(product_id))
        .order(instances::name.asc())
        .select(Instance::as_select())
        .load(conn)
        .await
}

/// One more seat on a locked instance (the hard-cap constraint refuses one too many).
pub async fn take_seat(conn: &mut Conn, id: Uuid) -> QueryResult<Instance> {
    diesel::update(instances::table.find(id))
        .set((
            instances::allocated_seats.eq(instances::allocated_seats + 1),
            instances::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Instance::as_returning())
        .get_result(conn)
        .await
}

/// One seat fewer on a locked instance, never below zero.
pub async fn free_seat(conn: &mut Conn, id: Uuid) -> QueryResult<Instance> {
    diesel::update(instances::table.find(id))
        .set((
            instances::allocated_seats.eq(sql::<Integer>("GREATEST(allocated_seats - 1, 0)")),
            instances::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Instance::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_soft_cap_alerted(
    conn: &mut Conn,
    id: Uuid,
    at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(instances::table.find(id))
        .set(instances::soft_cap_alerted_at.eq(at))
        .execute(conn)
        .await
        .map(drop)
}

/// The user's live seat on the product, with its instance.
pub async fn live_seat(
    conn: &mut Conn,
    user_id: Uuid,
    product_id: Uuid,
) -> QueryResult<Option<(Seat, Instance)>> {
    seats::table
        .inner_join(instances::table)
        .filter(seats::user_id.eq(user_id))
        .filter(seats::product_id.eq(product_id))
        .filter(seats::released_at.is_null())
        .select((Seat::as_select(), Instance::as_select()))
        .first(conn)
        .await
        .optional()
}

/// The instance of the user's most recently released seat on the product.
pub async fn previous_instance(
    conn: &mut Conn,
    user_id: Uuid,
    product_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    seats::table
        .filter(seats::user_id.eq(user_id))
        .filter(seats::product_id.eq(product_id))
        .filter(seats::released_at.is_not_null())
        .order(seats::released_at.desc())
        .select(seats::instance_id)
        .first(conn)
        .await
        .optional()
}

pub async fn insert_seat(conn: &mut Conn, new: &NewSeat<'_>) -> QueryResult<Seat> {
    diesel::insert_into(seats::table)
        .values(new)
        .returning(Seat::as_returning())
        .get_result(conn)
        .await
}

pub async fn release_seat(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::update(seats::table.find(id))
        .filter(seats::released_at.is_null())
        .set(seats::released_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// The account's live seats as (product, user), by product and user.
pub async fn live_seats_of_account(
    conn: &mut Conn,
    account_id: Uuid,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    seats::table
        .filter(seats::account_id.eq(account_id))
        .filter(seats::released_at.is_null())
        .order((seats::product_id.asc(), seats::user_id.asc()))
        .select((seats::product_id, seats::user_id))
        .load(conn)
        .await
}

/// The user's live seats with their instances (what their tokens and dashboard show).
pub async fn live_seats_of_user(conn: &mut Conn, user_id: Uuid) -> QueryResult<Vec<Instance>> {
    seats::table
        .inner_join(instances::table)
        .filter(seats::user_id.eq(user_id))
        .filter(seats::released_at.is_null())
        .order(instances::name.asc())
        .select(Instance::as_select())
        .load(conn)
        .await
}

/// The user's live seats as (product slug, instance id, base URL), by product: what their
/// access tokens carry.
pub async fn seat_claims(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<Vec<(String, Uuid, String)>> {
    seats::table
        .inner_join(instances::table)
        .inner_join(products::table)
        .filter(seats::user_id.eq(user_id))
        .filter(seats::released_at.is_null())
        .order(products::slug.asc())
        .select((products::slug, instances::id, instances::base_url))
        .load(conn)
        .await
}

/// Live seats on an instance (what `allocated_seats` counts).
pub async fn live_seat_count(conn: &mut Conn, instance_id: Uuid) -> QueryResult<i64> {
    seats::table
        .filter(seats::instance_id.eq(instance_id))
        .filter(seats::released_at.is_null())
        .select(sql::<BigInt>("count(*)"))
        .first(conn)
        .await
}

/// Where staff alerts go: every active staff member.
pub async fn staff_emails(conn: &mut Conn) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::is_staff.eq(true))
        .filter(users::deactivated_at.is_null())
        .order(users::email.asc())
        .select((users::email, users::first_name))
        .load(conn)
        .await
}

/// Every active staff member with one of `roles` (`support`, `billing`, `admin`):
/// `(email, first name)`.
pub async fn staff_emails_in_roles(
    conn: &mut Conn,
    roles: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::is_staff.eq(true))
        .filter(users::deactivated_at.is_null())
        .filter(users::staff_role.eq_any(roles))
        .order(users::email.asc())
        .select((users::email, users::first_name))
        .load(conn)
        .await
}

/// The oldest live seat on the instance.
pub async fn oldest_live_seat_on(conn: &mut Conn, instance_id: Uuid) -> QueryResult<Option<Seat>> {
    seats::table
        .filter(seats::instance_id.eq(instance_id))
        .filter(seats::released_at.is_null())
        .order((seats::placed_at, seats::id))
        .select(Seat::as_select())
        .first(conn)
        .await
        .optional()
}

/// A live seat with its holder and paying account, as staff list them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SeatHolder {
    pub user_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub account_id: Uuid,
    pub account_name: String,
    pub placed_at: DateTime<Utc>,
}

/// The instance's live seats with who holds them and which account pays, oldest first.
pub async fn live_seat_holders(conn: &mut Conn, instance_id: Uuid) -> QueryResult<Vec<SeatHolder>> {
    seats::table
        .inner_join(users::table)
        .inner_join(accounts::table)
        .filter(seats::instance_id.eq(instance_id))
        .filter(seats::released_at.is_null())
        .order((seats::placed_at.asc(), seats::id.asc()))
        .select((
            seats::user_id,
            users::email,
            users::first_name,
            users::last_name,
            seats::account_id,
            accounts::name,
            seats::placed_at,
        ))
        .load(conn)
        .await
}
