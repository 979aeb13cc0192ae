//! Product instances and seats as staff manage them (`/api/v1/admin/instances/…`), and
//! orders as customers and staff follow them (`/api/v1/orders`, `/api/v1/admin/orders`).

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, InstanceId, OrderId, ProductId, UserId};

/// An instance with its caps and how full it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InstanceView {
    pub id: InstanceId,
    pub product_id: ProductId,
    pub product_slug: String,
    pub name: String,
    pub base_url: String,
    pub active: bool,
    /// Automatic placement may choose it.
    pub auto_allocate: bool,
    /// Crossing it alerts staff.
    pub soft_cap: i32,
    /// Automatic placement stops here.
    pub allocation_cap: i32,
    /// Nobody, not even staff, goes past it.
    pub hard_cap: i32,
    pub allocated_seats: i32,
}

/// `GET /api/v1/admin/instances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InstanceList {
    pub instances: Vec<InstanceView>,
}

/// `POST /api/v1/admin/instances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInstanceRequest {
    /// The slug of a product that runs on instances.
    pub product: String,
    /// 1–100 characters, unique within the product.
    pub name: String,
    /// `https://…` (or `http://`), at most 2000 characters.
    pub base_url: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub auto_allocate: bool,
    /// `0 <= soft_cap <= allocation_cap <= hard_cap`.
    pub soft_cap: i32,
    pub allocation_cap: i32,
    pub hard_cap: i32,
}

fn yes() -> bool {
    true
}

/// `PATCH /api/v1/admin/instances/{id}`: only the fields given change; the caps must stay
/// ordered and the hard cap may not go below the seats in use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstanceUpdate {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub active: Option<bool>,
    pub auto_allocate: Option<bool>,
    pub soft_cap: Option<i32>,
    pub allocation_cap: Option<i32>,
    pub hard_cap: Option<i32>,
}

/// `POST /api/v1/admin/instances/{id}/seats`: staff place a user by hand (past the
/// allocation cap if need be, never past the hard cap). A seat the user holds on another
/// instance of the product moves here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaceRequest {
    pub user_id: UserId,
    /// The account that pays for the seat; the user's personal account when absent.
    #[serde(default)]
    pub account_id: Option<AccountId>,
}

/// Where a placement left the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaceResult {
    /// `placed`, or `kept` when the user already had a seat there.
    pub outcome: String,
    pub instance: InstanceView,
}

/// One step of an order's fulfilment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrderLogLine {
    /// RFC 3339.
    pub at: String,
    /// The state the order was in after this step.
    pub state: String,
    pub line: String,
}

/// A purchase or change of an account's subscription and how far its fulfilment got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub id: OrderId,
    pub account_id: AccountId,
    /// `subscription` (a change seen from Stripe) or `staff`.
    pub source: String,
    /// `queued`, `running`, `needs_info`, `needs_capacity`, `complete` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub log: Vec<OrderLogLine>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// `GET /api/v1/orders`, `GET /api/v1/admin/orders`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrderList {
    pub orders: Vec<OrderView>,
}
