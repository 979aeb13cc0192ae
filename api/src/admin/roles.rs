//! Staff roles and what each may do, per area of the admin API. The area of a request
//! follows from its path (`/api/v1/admin/<area>/…`), so no route can forget to declare
//! one: `http::staff::guard` checks every admin request before its handler (and before
//! its body is read). Reading (GET, HEAD) and writing are told apart.
//!
//! | area | support | billing | admin |
//! | --- | --- | --- | --- |
//! | overview, audit | read | read | read and write |
//! | accounts (users, accounts, sessions) | read and write | read | read and write |
//! | billing (credits, bank transfers) | read | read and write | read and write |
//! | catalog (products, prices, plan terms) | read | read and write | read and write |
//! | instances (instances, orders, seats) | read and write | read | read and write |
//! | waitlist, tickets | read and write | read | read and write |
//! | webhooks | read | read and write | read and write |
//! | jobs | read | read | read and write |
//! | staff, anything not listed | — | — | read and write |

/// Who a staff member is, as stored in `users.staff_role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Support,
    Billing,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Support, Self::Billing, Self::Admin];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Billing => "billing",
            Self::Admin => "admin",
        }
    }
}

/// A part of the admin area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Overview,
    Audit,
    Accounts,
    Billing,
    Catalog,
    Instances,
    Waitlist,
    Tickets,
    Webhooks,
    Jobs,
    /// Managing staff, and any path no area claims: administrators only.
    Staff,
}

/// The area an admin path belongs to (`path` without the query string).
pub fn area_of(path: &str) -> Area {
    let rest = path.strip_prefix("/api/v1/admin/").unwrap_or_default();
    let mut segments = rest.split('/');
    // `waitlist.csv` is the waitlist.
    let first = segments.next().unwrap_or_default();
    let first = first.split_once('.').map_or(first, |(name, _)| name);
    match first {
        "overview" => Area::Overview,
        "audit" => Area::Audit,
        "users" | "sessions" => Area::Accounts,
        "accounts" => {
            let _id = segments.next();
            match segments.next() {
                Some("credits" | "bank-transfers") => Area::Billing,
                _ => Area::Accounts,
            }
        }
        "catalog" => Area::Catalog,
        "instances" | "orders" => Area::Instances,
        "waitlist" => Area::Waitlist,
        "tickets" => Area::Tickets,
        "webhooks" => Area::Webhooks,
        "jobs" => Area::Jobs,
        _ => Area::Staff,
    }
}

/// Whether `role` may read (or, with `write`, change) things in `area`.
pub fn allows(role: Role, area: Area, write: bool) -> bool {
    if role == Role::Admin {
        return true;
    }
    if area == Area::Staff {
        return false;
    }
    if !write {
        return true;
    }
    matches!(
        (role, area),
        (
            Role::Support,
            Area::Accounts | Area::Instances | Area::Waitlist | Area::Tickets
        ) | (
            Role::Billing,
            Area::Billing | Area::Catalog | Area::Webhooks
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_areas_and_unknown_ones_to_administrators() {
        for (path, area) in [
            ("/api/v1/admin/catalog/products/1/terms", Area::Catalog),
            ("/api/v1/admin/accounts/1/credits", Area::Billing),
            ("/api/v1/admin/accounts/1/bank-transfers", Area::Billing),
            ("/api/v1/admin/accounts/1/suspend", Area::Accounts),
            ("/api/v1/admin/accounts", Area::Accounts),
            ("/api/v1/admin/orders/1/retry", Area::Instances),
            ("/api/v1/admin/jobs/dead", Area::Jobs),
            ("/api/v1/admin/webhooks/stripe/events", Area::Webhooks),
            ("/api/v1/admin/waitlist.csv", Area::Waitlist),
            ("/api/v1/admin/something-new", Area::Staff),
            ("/api/v1/admin/", Area::Staff),
        ] {
            assert_eq!(area_of(path), area, "{path}");
        }
    }

    #[test]
    fn each_role_reads_everything_but_staff_and_writes_its_own_areas() {
        assert!(allows(Role::Admin, Area::Staff, true));
        assert!(!allows(Role::Support, Area::Staff, false));
        assert!(!allows(Role::Billing, Area::Staff, false));
        assert!(allows(Role::Support, Area::Catalog, false));
        assert!(!allows(Role::Support, Area::Catalog, true));
        assert!(allows(Role::Billing, Area::Catalog, true));
        assert!(!allows(Role::Billing, Area::Accounts, true));
        assert!(allows(Role::Support, Area::Accounts, true));
        assert!(!allows(Role::Support, Area::Jobs, true));
        assert!(!allows(Role::Billing, Area::Jobs, true));
        assert!(!allows(Role::Support, Area::Audit, true));
        assert_eq!(Role::parse("billing"), Some(Role::Billing));
        assert_eq!(Role::parse("owner"), None);
    }
}
