//! Draining an instance: staff stop automatic placements on it
//! (`auto_allocate = false`) and a job moves its seats, one transaction per seat, to the
//! product's other instances (least loaded below their allocation cap), so the
//! instance's seat count shows the progress. A seat with nowhere to go stays (and staff
//! are alerted to the shortage); draining again once there is room moves the rest.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::placement::{self, Placement};
use crate::db::instances as q;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::jobs::{enqueue, Job, JobContext};

/// Stops automatic placements on the instance and enqueues the move of its seats (in the
/// caller's transaction).
pub async fn start(tx: &mut Conn, instance_id: Uuid) -> AppResult<()> {
    let instance = q::instance(tx, instance_id)
        .await?
        .ok_or(AppError::NotFound)?;
    q::lock_product_instances(tx, instance.product_id).await?;
    q::update_instance(
        tx,
        instance_id,
        &q::InstanceChanges {
            auto_allocate: Some(false),
            ..Default::default()
        },
    )
    .await?;
    enqueue(tx, &DrainInstance { instance_id }).await?;
    Ok(())
}

/// What moving one seat did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// A seat moved to another instance.
    One,
    /// No seat is left on the instance.
    Empty,
    /// The oldest seat has nowhere to go.
    NoRoom,
}

/// Moves the instance's oldest live seat to another instance of the product, in one
/// transaction (nothing changes when there is no room).
pub async fn move_one(conn: &mut Conn, instance_id: Uuid) -> AppResult<Moved> {
    use diesel_async::AsyncConnection;
    let outcome = conn
        .transaction::<_, AppError, _>(async |tx| {
            let Some(instance) = q::instance(tx, instance_id).await? else {
                return Ok(Moved::Empty);
            };
            q::lock_product_instances(tx, instance.product_id).await?;
            let Some(seat) = q::oldest_live_seat_on(tx, instance_id).await? else {
                return Ok(Moved::Empty);
            };
            placement::release(tx, seat.user_id, seat.product_id).await?;
            match placement::place(tx, seat.user_id, seat.account_id, seat.product_id).await? {
                Placement::Placed(to) if to.id != instance_id => Ok(Moved::One),
                // Nowhere else to go: undo the release (the transaction rolls back).
                _ => Err(AppError::Conflict {
                    code: "no_room",
                    message: String::new(),
                }),
            }
        })
        .await;
    match outcome {
        Err(AppError::Conflict {
            code: "no_room", ..
        }) => Ok(Moved::NoRoom),
        other => other,
    }
}

/// Moves an instance's seats elsewhere, one by one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrainInstance {
    pub instance_id: Uuid,
}

impl Job for DrainInstance {
    const KIND: &'static str = "instances.drain";
    const MAX_ATTEMPTS: i32 = 5;

    fn unique_key(&self) -> Option<String> {
        Some(self.instance_id.to_string())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mut conn = ctx.pool.get().await?;
        let mut moved = 0;
        loop {
            match move_one(&mut conn, self.instance_id).await? {
                Moved::One => moved += 1,
                Moved::Empty => {
                    tracing::info!(instance.id = %self.instance_id, moved, "instance drained");
                    return Ok(());
                }
                Moved::NoRoom => {
                    tracing::warn!(instance.id = %self.instance_id, moved, "draining stopped: no room for the remaining seats");
                    // The attempt rolled back with its alert: tell staff now.
                    if let Some(instance) = q::instance(&mut conn, self.instance_id).await? {
                        super::alerts::no_capacity(&mut conn, instance.product_id).await?;
                    }
                    return Ok(());
                }
            }
        }
    }
}
