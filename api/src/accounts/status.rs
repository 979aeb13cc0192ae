//! An account's status as one state machine:
//!
//! ```text
//! active (new, nothing bought) → trial | pending_payment → active
//! trial → pending_payment                       (the trial ended unpaid)
//! active ⇄ past_due → suspended → active        (a failed payment, then paid)
//! any of trial, active, past_due, pending_payment, suspended → cancelled
//! cancelled → active | trial | pending_payment  (recovery, a new checkout)
//! ```
//!
//! [`allowed`] holds every transition; [`change`] is the only way a status changes, and it
//! records who changed it and why in the same transaction. [`access`] answers "may this
//! account act now?": every path that issues an access token (sign-in, refresh) grants
//! entitlements through it ([`GRANTING`]), and so will API keys.

use uuid::Uuid;

use crate::db::{accounts as q, Conn};
use crate::error::{AppError, AppResult};

/// Every status, as stored.
pub const STATUSES: [&str; 6] = [
    "trial",
    "active",
    "past_due",
    "pending_payment",
    "suspended",
    "cancelled",
];

/// Whether an account may move from `from` to `to`.
pub fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        // A trial that ends unpaid waits for its first payment.
        ("trial", "active" | "past_due" | "pending_payment" | "suspended" | "cancelled")
            // A new account is `active` with nothing bought: it may start a trial, or a
            // first payment that has not gone through yet.
            | (
                "active",
                "trial" | "pending_payment" | "past_due" | "suspended" | "cancelled"
            )
            | ("past_due", "active" | "suspended" | "cancelled")
            | (
                "pending_payment",
                "trial" | "active" | "suspended" | "cancelled"
            )
            | ("suspended", "active" | "past_due" | "cancelled")
            | ("cancelled", "trial" | "active" | "pending_payment")
    )
}

/// What an account in a status may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Use what it pays for: entitlements in tokens, seats, the API.
    Full,
    /// Sign in to settle its billing or come back (dashboard, billing, recovery): no
    /// entitlements, and API keys are refused with the status as the error code.
    BillingOnly,
}

/// May an account in `status` act now? The one answer every auth path uses.
pub fn access(status: &str) -> Access {
    match status {
        "trial" | "active" | "past_due" => Access::Full,
        _ => Access::BillingOnly,
    }
}

/// The statuses with [`Access::Full`]: what queries that grant entitlements filter on.
pub const GRANTING: [&str; 3] = ["trial", "active", "past_due"];

/// Who changed a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Stripe's view of the account's subscriptions.
    Stripe,
    /// Gatehouse itself (the grace-period sweep, say).
    System,
    /// A staff member.
    Staff(Uuid),
    /// The account's own user.
    User(Uuid),
}

impl Actor {
    fn parts(self) -> (&'static str, Option<Uuid>) {
        match self {
            Self::Stripe => ("stripe", None),
            Self::System => ("system", None),
            Self::Staff(id) => ("staff", Some(id)),
            Self::User(id) => ("user", Some(id)),
        }
    }
}

/// Moves the account (its row locked by the caller, now in `from`) to `to`, recording who
/// and why. `Ok(false)` when it is already there; a transition the machine does not allow
/// is refused (409 `status_transition_refused`) and changes nothing.
pub async fn change(
    tx: &mut Conn,
    account_id: Uuid,
    from: &str,
    to: &str,
    actor: Actor,
    reason: &str,
) -> AppResult<bool> {
    if from == to {
        return Ok(false);
    }
    if !allowed(from, to) {
        tracing::warn!(account.id = %account_id, from, to, reason, "status transition refused");
        return Err(AppError::Conflict {
            code: "status_transition_refused",
            message: format!("An account cannot go from {from} to {to}."),
        });
    }
    let (actor, actor_user_id) = actor.parts();
    q::change_status(tx, account_id, from, to, actor, actor_user_id, reason).await?;
    tracing::info!(account.id = %account_id, from, to, actor, reason, "account status changed");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_allows_the_paths_billing_takes_and_nothing_else() {
        // Payment fails, the grace period runs out, it is paid, it ends, it comes back.
        for (from, to) in [
            ("pending_payment", "active"),
            ("active", "past_due"),
            ("past_due", "suspended"),
            ("suspended", "active"),
            ("active", "cancelled"),
            ("cancelled", "active"),
            ("trial", "active"),
            ("cancelled", "pending_payment"),
            ("active", "trial"),
            ("active", "pending_payment"),
            ("trial", "pending_payment"),
        ] {
            assert!(allowed(from, to), "{from} → {to}");
        }
        for (from, to) in [
            ("past_due", "trial"),
            ("past_due", "pending_payment"),
            ("suspended", "trial"),
            ("cancelled", "suspended"),
            ("cancelled", "past_due"),
            ("active", "active"),
            ("active", "deleted"),
        ] {
            assert!(!allowed(from, to), "{from} → {to}");
        }
        // Every status can be left, and every status but pending_payment re-entered.
        for status in STATUSES {
            assert!(
                STATUSES.iter().any(|to| allowed(status, to)),
                "{status} is a dead end"
            );
        }
    }

    #[test]
    fn only_accounts_in_good_standing_act_in_full() {
        for status in STATUSES {
            let full = access(status) == Access::Full;
            assert_eq!(full, GRANTING.contains(&status), "{status}");
        }
        assert_eq!(access("suspended"), Access::BillingOnly);
        assert_eq!(access("cancelled"), Access::BillingOnly);
        assert_eq!(access("pending_payment"), Access::BillingOnly);
        assert_eq!(
            access("past_due"),
            Access::Full,
            "the grace period keeps access"
        );
    }
}
