//! What staff are told about capacity: an instance crossed its soft cap (once, until it is
//! back under it), or a product has no room for a placement. Each alert is a job,
//! enqueued in the placement's transaction; the job emails every active staff member. A
//! shortage alert waiting to be sent absorbs any further ones for the same product, so a
//! burst of orders sends one email, not hundreds.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::instances::{self as q, Instance};
use crate::db::Conn;
use crate::jobs::{enqueue, Job, JobContext};
use crate::mail::{templates, SendEmail};

/// Emails staff about capacity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapacityAlert {
    /// Deduplicates alerts that are still waiting to be sent.
    pub key: String,
    pub subject: String,
    pub text: String,
}

impl Job for CapacityAlert {
    const KIND: &'static str = "instances.capacity_alert";

    fn unique_key(&self) -> Option<String> {
        Some(self.key.clone())
    }

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        use diesel_async::AsyncConnection;
        let mut conn = ctx.pool.get().await?;
        conn.transaction::<_, anyhow::Error, _>(async |tx| {
            let staff = q::staff_emails(tx).await?;
            if staff.is_empty() {
                tracing::warn!(subject = %self.subject, "capacity alert with no staff to tell");
            }
            for (email, name) in staff {
                let mail = templates::staff_alert(&email, &name, &self.subject, &self.text);
                enqueue(tx, &SendEmail(mail)).await?;
            }
            Ok(())
        })
        .await
    }
}

/// `instance` has just gone past its soft cap.
pub async fn soft_cap_crossed(tx: &mut Conn, instance: &Instance) -> anyhow::Result<()> {
    tracing::warn!(
        instance = %instance.id,
        name = %instance.name,
        seats = instance.allocated_seats,
        soft_cap = instance.soft_cap,
        "instance crossed its soft cap"
    );
    let alert = CapacityAlert {
        key: format!("soft_cap:{}", instance.id),
        subject: format!("{} is filling up", instance.name),
        text: format!(
            "{} now has {} seats, past its soft cap of {} (automatic placement stops at {}, \
             the hard cap is {}). Add an instance or raise its caps before it is full.",
            instance.name,
            instance.allocated_seats,
            instance.soft_cap,
            instance.allocation_cap,
            instance.hard_cap
        ),
    };
    enqueue(tx, &alert).await?;
    Ok(())
}

/// No instance of `product_id` could take an automatic placement.
pub async fn no_capacity(tx: &mut Conn, product_id: Uuid) -> anyhow::Result<()> {
    let product = crate::db::catalog::product_name(tx, product_id)
        .await?
        .unwrap_or_else(|| product_id.to_string());
    tracing::warn!(product = %product_id, "no instance has room for a placement");
    let alert = CapacityAlert {
        key: format!("no_capacity:{product_id}"),
        subject: format!("No room left for {product}"),
        text: format!(
            "A customer of {product} is waiting for a seat: no active instance that takes \
             automatic placements has room below its allocation cap. Add an instance or \
             raise a cap; waiting orders are placed as soon as there is room."
        ),
    };
    enqueue(tx, &alert).await?;
    Ok(())
}
