//! Seats on product instances. Every function here runs inside the caller's transaction
//! (so a placement commits with the order or change it serves, or not at all) and takes
//! the row locks it needs:
//!
//! the rows of every instance of the product, in id order, before reading anything. So
//! placements and releases of one product happen one after another (one person never gets
//! two seats, and the choice is made on counts nobody else can change before this
//! transaction ends), and since everyone locks in the same order (products by id when a
//! transaction touches several, instances by id within one), they queue instead of
//! deadlocking.
//!
//! The database's own constraints (`allocated_seats <= hard_cap`, one live seat per user
//! and product) hold even if this code were wrong.

use uuid::Uuid;

use super::alerts;
use super::connectors::{self, EventKind};
use crate::db::instances::{self as q, Instance, NewSeat, Seat};
use crate::db::Conn;
use crate::error::{AppError, AppResult};

/// What a placement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The user already had a seat on an active instance of the product: nothing changed.
    Kept(Instance),
    /// A new seat on this instance (its count after the placement).
    Placed(Instance),
    /// No active, auto-allocating instance of the product has room below its allocation
    /// cap: nothing changed, and staff have been alerted.
    NoCapacity,
}

impl Placement {
    /// The instance the user is on, when they are on one.
    pub fn instance(&self) -> Option<&Instance> {
        match self {
            Self::Kept(instance) | Self::Placed(instance) => Some(instance),
            Self::NoCapacity => None,
        }
    }
}

/// Who places a seat: automatic placement stays below the allocation cap; staff may go up
/// to the hard cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacedBy {
    Auto,
    Staff,
}

impl PlacedBy {
    fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Staff => "staff",
        }
    }
}

/// Places `user_id` on an instance of `product_id`, paid for by `account_id`: nothing when
/// they already have a live seat on an active instance of it; else their previous
/// instance when it still takes automatic placements and has room; else the active,
/// auto-allocating instance with the fewest seats below its allocation cap (ties by
/// name). A seat on an instance that has since been deactivated is given up first.
pub async fn place(
    tx: &mut Conn,
    user_id: Uuid,
    account_id: Uuid,
    product_id: Uuid,
) -> AppResult<Placement> {
    let instances = q::lock_product_instances(tx, product_id).await?;
    if let Some((seat, current)) = q::live_seat(tx, user_id, product_id).await? {
        if current.active {
            return Ok(Placement::Kept(current));
        }
        give_up(tx, &seat).await?;
    }
    let previous = q::previous_instance(tx, user_id, product_id).await?;
    let takes = |i: &&Instance| i.active && i.auto_allocate && i.allocated_seats < i.allocation_cap;
    let chosen = instances
        .iter()
        .filter(takes)
        .find(|i| Some(i.id) == previous)
        .or_else(|| {
            instances
                .iter()
                .filter(takes)
                .min_by(|a, b| (a.allocated_seats, &a.name).cmp(&(b.allocated_seats, &b.name)))
        });
    let Some(chosen) = chosen else {
        alerts::no_capacity(tx, product_id).await?;
        return Ok(Placement::NoCapacity);
    };
    let placed = seat_on(tx, chosen, user_id, account_id, product_id, PlacedBy::Auto).await?;
    Ok(Placement::Placed(placed))
}

/// Staff place `user_id` on `instance_id` by hand: above the allocation cap if need be,
/// on an instance that takes no automatic placements too, but never past its hard cap.
/// A live seat on another instance of the product moves here.
pub async fn place_on(
    tx: &mut Conn,
    instance_id: Uuid,
    user_id: Uuid,
    account_id: Uuid,
) -> AppResult<Placement> {
    let product_id = q::instance(tx, instance_id)
        .await?
        .ok_or(AppError::NotFound)?
        .product_id;
    q::lock_product_instances(tx, product_id).await?;
    if let Some((seat, current)) = q::live_seat(tx, user_id, product_id).await? {
        if current.id == instance_id {
            return Ok(Placement::Kept(current));
        }
        give_up(tx, &seat).await?;
    }
    let instance = q::instance(tx, instance_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if instance.allocated_seats >= instance.hard_cap {
        return Err(AppError::Conflict {
            code: "instance_full",
            message: format!(
                "{} is at its hard cap of {} seats; nobody can be placed on it.",
                instance.name, instance.hard_cap
            ),
        });
    }
    let placed = seat_on(
        tx,
        &instance,
        user_id,
        account_id,
        product_id,
        PlacedBy::Staff,
    )
    .await?;
    Ok(Placement::Placed(placed))
}

/// Gives up the user's seat on the product, if they have one; `true` when they had.
pub async fn release(tx: &mut Conn, user_id: Uuid, product_id: Uuid) -> AppResult<bool> {
    q::lock_product_instances(tx, product_id).await?;
    let Some((seat, _)) = q::live_seat(tx, user_id, product_id).await? else {
        return Ok(false);
    };
    give_up(tx, &seat).await?;
    Ok(true)
}

/// Takes one seat on the locked `instance` and records it; alerts staff when that
/// crossed the soft cap.
async fn seat_on(
    tx: &mut Conn,
    instance: &Instance,
    user_id: Uuid,
    account_id: Uuid,
    product_id: Uuid,
    by: PlacedBy,
) -> AppResult<Instance> {
    let placed = q::take_seat(tx, instance.id).await?;
    q::insert_seat(
        tx,
        &NewSeat {
            instance_id: instance.id,
            product_id,
            user_id,
            account_id,
            placed_by: by.as_str(),
        },
    )
    .await?;
    if placed.allocated_seats > placed.soft_cap && placed.soft_cap_alerted_at.is_none() {
        q::set_soft_cap_alerted(tx, placed.id, Some(chrono::Utc::now())).await?;
        alerts::soft_cap_crossed(tx, &placed).await?;
    }
    connectors::notify(tx, placed.id, user_id, account_id, EventKind::SeatPlaced).await?;
    Ok(placed)
}

/// Releases a live seat and frees its place on the instance (never below zero); an
/// instance back at or under its soft cap may alert again later. The caller holds the
/// product's instance locks.
async fn give_up(tx: &mut Conn, seat: &Seat) -> AppResult<()> {
    if q::release_seat(tx, seat.id).await? {
        let freed = q::free_seat(tx, seat.instance_id).await?;
        if freed.allocated_seats <= freed.soft_cap && freed.soft_cap_alerted_at.is_some() {
            q::set_soft_cap_alerted(tx, seat.instance_id, None).await?;
        }
        connectors::notify(
            tx,
            seat.instance_id,
            seat.user_id,
            seat.account_id,
            EventKind::SeatReleased,
        )
        .await?;
    }
    Ok(())
}
