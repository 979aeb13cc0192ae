//! Instances and orders as staff manage them, and orders as customers follow them: the
//! validation and views behind `/api/v1/admin/instances`, `/api/v1/admin/orders` and
//! `/api/v1/orders`.

use std::collections::BTreeMap;

use diesel_async::AsyncConnection;
use gatehouse_shared::ids::{AccountId, InstanceId, OrderId, ProductId, UserId};
use gatehouse_shared::instances::{
    ConnectorInput, ConnectorView, InstanceList, InstanceSeats, InstanceUpdate, InstanceView,
    NewInstanceRequest, OrderList, OrderLogLine, OrderView, PlaceRequest, PlaceResult, SeatView,
};
use uuid::Uuid;

use super::orders::{self, allowed, FulfilOrder};
use super::placement::{self, Placement};
use crate::db::instances::{self as q, ConnectorRow, Instance, InstanceChanges, NewInstance};
use crate::db::orders::{self as oq, Order};
use crate::db::{catalog, identity, Conn};
use crate::error::{AppError, AppResult};
use crate::jobs::enqueue;

type Fields = BTreeMap<String, String>;

pub fn view(
    instance: Instance,
    product_slug: String,
    connector: Option<&ConnectorRow>,
) -> InstanceView {
    let connector = match connector {
        None => ConnectorView {
            kind: "none".to_owned(),
            url: None,
            group: None,
            webhook_secret: None,
            has_token: false,
        },
        Some(row) => ConnectorView {
            kind: row.kind.clone(),
            url: Some(row.url.clone()),
            group: row.group_name.clone(),
            webhook_secret: row.secret.clone(),
            has_token: row.token.is_some(),
        },
    };
    InstanceView {
        connector,
        id: InstanceId(instance.id),
        product_id: ProductId(instance.product_id),
        product_slug,
        name: instance.name,
        base_url: instance.base_url,
        active: instance.active,
        auto_allocate: instance.auto_allocate,
        soft_cap: instance.soft_cap,
        allocation_cap: instance.allocation_cap,
        hard_cap: instance.hard_cap,
        allocated_seats: instance.allocated_seats,
    }
}

/// Every instance (of one product, by slug, when given), by product and name.
pub async fn list(conn: &mut Conn, product: Option<&str>) -> AppResult<InstanceList> {
    let connectors: BTreeMap<Uuid, ConnectorRow> = q::connectors(conn)
        .await?
        .into_iter()
        .map(|row| (row.instance_id, row))
        .collect();
    Ok(InstanceList {
        instances: q::list_with_slugs(conn, product)
            .await?
            .into_iter()
            .map(|(instance, slug)| {
                let connector = connectors.get(&instance.id);
                view(instance, slug, connector)
            })
            .collect(),
    })
}

/// One instance as staff see it; 404 when there is none.
pub async fn get(conn: &mut Conn, id: Uuid) -> AppResult<InstanceView> {
    let instance = q::instance(conn, id).await?.ok_or(AppError::NotFound)?;
    let slug = q::product_slug(conn, instance.product_id).await?;
    let connector = q::connector(conn, id).await?;
    Ok(view(instance, slug, connector.as_ref()))
}

/// Who holds the instance's live seats, oldest first (`404` for an unknown instance).
pub async fn seats(conn: &mut Conn, id: Uuid) -> AppResult<InstanceSeats> {
    q::instance(conn, id).await?.ok_or(AppError::NotFound)?;
    let seats = q::live_seat_holders(conn, id)
        .await?
        .into_iter()
        .map(|seat| SeatView {
            user_id: UserId(seat.user_id),
            email: seat.email,
            name: format!("{} {}", seat.first_name, seat.last_name)
                .trim()
                .to_owned(),
            account_id: AccountId(seat.account_id),
            account_name: seat.account_name,
            placed_at: seat.placed_at.to_rfc3339(),
        })
        .collect();
    Ok(InstanceSeats { seats })
}

fn check_name(fields: &mut Fields, name: &str) {
    let length = name.trim().chars().count();
    if length == 0 || length > 100 || name.trim() != name {
        fields.insert(
            "name".into(),
            "must be 1–100 characters without surrounding spaces".into(),
        );
    }
}

fn check_base_url(fields: &mut Fields, base_url: &str) {
    let ok = base_url.len() <= 2000
        && url::Url::parse(base_url)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if !ok {
        fields.insert(
            "base_url".into(),
            "must be an http:// or https:// address of at most 2000 characters".into(),
        );
    }
}

/// The caps' rules, field by field: each at least 0, soft ≤ allocation ≤ hard, and the
/// hard cap not below the seats in use.
fn check_caps(fields: &mut Fields, soft: i32, allocation: i32, hard: i32, in_use: i32) {
    for (field, value) in [
        ("soft_cap", soft),
        ("allocation_cap", allocation),
        ("hard_cap", hard),
    ] {
        if value < 0 {
            fields.insert(field.into(), "must be 0 or more".into());
        }
    }
    if fields.contains_key("soft_cap") || fields.contains_key("allocation_cap") {
        return;
    }
    if soft > allocation {
        fields.insert(
            "soft_cap".into(),
            "must not be above the allocation cap".into(),
        );
    }
    if allocation > hard {
        fields.insert(
            "allocation_cap".into(),
            "must not be above the hard cap".into(),
        );
    }
    if hard < in_use {
        fields.insert(
            "hard_cap".into(),
            format!("must not be below the {in_use} seats in use"),
        );
    }
}

/// A new webhook signing secret.
fn webhook_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("whsec_{hex}")
}

/// Checks `input` (as a change of `current`) and says what to store for the instance
/// (`None`: no connector). A webhook keeps its secret while it stays a webhook; a groups
/// connector keeps its token unless given one.
fn resolve_connector(
    fields: &mut Fields,
    instance_id: Uuid,
    input: &ConnectorInput,
    current: Option<&ConnectorRow>,
) -> Option<ConnectorRow> {
    let url_ok = |url: &str| {
        url.len() <= 2000
            && url::Url::parse(&url.replace("{group}", "g").replace("{user}", "u"))
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
    };
    let url = input.url.clone().unwrap_or_default();
    let was = |kind: &str| current.filter(|row| row.kind == kind);
    match input.kind.as_str() {
        "none" => None,
        "webhook" => {
            if !url_ok(&url) {
                fields.insert(
                    "connector.url".into(),
                    "must be an http:// or https:// address".into(),
                );
            }
            Some(ConnectorRow {
                instance_id,
                kind: "webhook".to_owned(),
                url,
                group_name: None,
                secret: was("webhook")
                    .and_then(|row| row.secret.clone())
                    .or_else(|| Some(webhook_secret())),
                token: None,
            })
        }
        "groups" => {
            if !url_ok(&url) || !url.contains("{user}") {
                fields.insert(
                    "connector.url".into(),
                    "must be an http:// or https:// address template with {user} (and {group})"
                        .into(),
                );
            }
            let group = input.group.clone().unwrap_or_default();
            if group.trim().is_empty() || group.chars().count() > 200 {
                fields.insert("connector.group".into(), "must be 1–200 characters".into());
            }
            let token = input
                .token
                .clone()
                .filter(|t| !t.trim().is_empty())
                .or_else(|| was("groups").and_then(|row| row.token.clone()));
            if token.is_none() {
                fields.insert(
                    "connector.token".into(),
                    "is needed: the admin API's bearer token".into(),
                );
            }
            Some(ConnectorRow {
                instance_id,
                kind: "groups".to_owned(),
                url,
                group_name: Some(group),
                secret: None,
                token,
            })
        }
        _ => {
            fields.insert(
                "connector.kind".into(),
                "must be none, webhook or groups".into(),
            );
            None
        }
    }
}

fn unique_name(err: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::validation([(
            "name".to_owned(),
            "is taken by another instance of this product".to_owned(),
        )]),
        other => other.into(),
    }
}

/// Adds an instance; orders waiting for capacity try again.
pub async fn create(conn: &mut Conn, request: &NewInstanceRequest) -> AppResult<InstanceView> {
    let mut fields = Fields::new();
    check_name(&mut fields, &request.name);
    check_base_url(&mut fields, &request.base_url);
    check_caps(
        &mut fields,
        request.soft_cap,
        request.allocation_cap,
        request.hard_cap,
        0,
    );
    // The instance's id is known once inserted; checked here, stored with it below.
    let connector = request
        .connector
        .as_ref()
        .and_then(|input| resolve_connector(&mut fields, Uuid::nil(), input, None));
    let product = catalog::find_product_by_slug(conn, request.product.trim()).await?;
    match &product {
        None => {
            fields.insert("product".into(), "is not a product in the catalog".into());
        }
        Some(product) if !product.needs_instance => {
            fields.insert("product".into(), "does not run on instances".into());
        }
        Some(_) => {}
    }
    let Some(product) = product.filter(|_| fields.is_empty()) else {
        return Err(AppError::Validation { fields });
    };
    conn.transaction::<_, AppError, _>(async |tx| {
        let created = q::insert_instance(
            tx,
            &NewInstance {
                product_id: product.id,
                name: &request.name,
                base_url: &request.base_url,
                active: request.active,
                auto_allocate: request.auto_allocate,
                soft_cap: request.soft_cap,
                allocation_cap: request.allocation_cap,
                hard_cap: request.hard_cap,
            },
        )
        .await
        .map_err(unique_name)?;
        let connector = connector.clone().map(|row| ConnectorRow {
            instance_id: created.id,
            ..row
        });
        q::set_connector(tx, created.id, connector.as_ref()).await?;
        orders::resume_waiting(tx).await?;
        Ok(view(created, product.slug.clone(), connector.as_ref()))
    })
    .await
}

/// Changes an instance; when that may have made room, orders waiting for capacity try
/// again.
pub async fn update(
    conn: &mut Conn,
    id: Uuid,
    request: &InstanceUpdate,
) -> AppResult<InstanceView> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let current = q::instance(tx, id).await?.ok_or(AppError::NotFound)?;
        // Placements of the product wait while its instance changes (same lock order).
        q::lock_product_instances(tx, current.product_id).await?;
        let current = q::instance(tx, id).await?.ok_or(AppError::NotFound)?;
        let mut fields = Fields::new();
        if let Some(name) = &request.name {
            check_name(&mut fields, name);
        }
        if let Some(base_url) = &request.base_url {
            check_base_url(&mut fields, base_url);
        }
        let soft = request.soft_cap.unwrap_or(current.soft_cap);
        let allocation = request.allocation_cap.unwrap_or(current.allocation_cap);
        let hard = request.hard_cap.unwrap_or(current.hard_cap);
        check_caps(&mut fields, soft, allocation, hard, current.allocated_seats);
        let stored = q::connector(tx, id).await?;
        let connector = request
            .connector
            .as_ref()
            .map(|input| resolve_connector(&mut fields, id, input, stored.as_ref()));
        if !fields.is_empty() {
            return Err(AppError::Validation { fields });
        }
        let updated = q::update_instance(
            tx,
            id,
            &InstanceChanges {
                name: request.name.as_deref(),
                base_url: request.base_url.as_deref(),
                active: request.active,
                auto_allocate: request.auto_allocate,
                soft_cap: request.soft_cap,
                allocation_cap: request.allocation_cap,
                hard_cap: request.hard_cap,
            },
        )
        .await
        .map_err(unique_name)?;
        let connector = match connector {
            Some(changed) => {
                q::set_connector(tx, id, changed.as_ref()).await?;
                changed
            }
            None => stored,
        };
        let room =
            |i: &Instance| i.active && i.auto_allocate && i.allocated_seats < i.allocation_cap;
        if room(&updated) && (!room(&current) || updated.allocation_cap > current.allocation_cap) {
            orders::resume_waiting(tx).await?;
        }
        let slug = q::product_slug(tx, updated.product_id).await?;
        Ok(view(updated, slug, connector.as_ref()))
    })
    .await
}

/// Staff place a user on the instance by hand.
pub async fn place(
    conn: &mut Conn,
    instance_id: Uuid,
    request: &PlaceRequest,
) -> AppResult<PlaceResult> {
    let login = request
        .login
        .as_deref()
        .map(str::trim)
        .filter(|login| !login.is_empty());
    let user_id = match (request.user_id, login) {
        (Some(UserId(id)), None) => {
            identity::find_user(conn, id)
                .await?
                .ok_or_else(|| {
                    AppError::validation([("user_id".to_owned(), "is not a user".to_owned())])
                })?
                .id
        }
        (None, Some(login)) => {
            identity::find_user_by_login(conn, login)
                .await?
                .ok_or_else(|| {
                    AppError::validation([(
                        "login".to_owned(),
                        "matches nobody's email address or username".to_owned(),
                    )])
                })?
                .id
        }
        _ => {
            return Err(AppError::validation([(
                "login".to_owned(),
                "name the person: their email address or username (or a user_id), not both"
                    .to_owned(),
            )]))
        }
    };
    let account_id = match request.account_id {
        Some(AccountId(account)) => {
            if identity::role_in(conn, user_id, account).await?.is_none() {
                return Err(AppError::validation([(
                    "account_id".to_owned(),
                    "is not an account the user belongs to".to_owned(),
                )]));
            }
            account
        }
        None => identity::default_account(conn, user_id)
            .await?
            .ok_or_else(|| {
                AppError::validation([(
                    "account_id".to_owned(),
                    "is needed: the user belongs to no account".to_owned(),
                )])
            })?,
    };
    conn.transaction::<_, AppError, _>(async |tx| {
        let placement = placement::place_on(tx, instance_id, user_id, account_id).await?;
        let (outcome, instance) = match placement {
            Placement::Kept(instance) => ("kept", instance),
            Placement::Placed(instance) => ("placed", instance),
            Placement::NoCapacity => unreachable!("staff placement never waits"),
        };
        let slug = q::product_slug(tx, instance.product_id).await?;
        let connector = q::connector(tx, instance.id).await?;
        Ok(PlaceResult {
            outcome: outcome.to_owned(),
            user_id: UserId(user_id),
            instance: view(instance, slug, connector.as_ref()),
        })
    })
    .await
}

pub fn order_view(order: Order) -> OrderView {
    let log = order
        .log
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|line| OrderLogLine {
                    at: line["at"].as_str().unwrap_or_default().to_owned(),
                    state: line["state"].as_str().unwrap_or_default().to_owned(),
                    line: line["line"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    OrderView {
        id: OrderId(order.id),
        account_id: AccountId(order.account_id),
        source: order.source,
        state: order.state,
        attempts: order.attempts,
        log,
        created_at: order.created_at.to_rfc3339(),
        updated_at: order.updated_at.to_rfc3339(),
        finished_at: order.finished_at.map(|at| at.to_rfc3339()),
    }
}

/// The account's orders, newest first.
pub async fn orders_of(conn: &mut Conn, account_id: Uuid) -> AppResult<OrderList> {
    Ok(OrderList {
        orders: oq::of_account(conn, account_id, 100)
            .await?
            .into_iter()
            .map(order_view)
            .collect(),
    })
}

/// One of the account's orders (another account's is not found).
pub async fn order_of(conn: &mut Conn, account_id: Uuid, id: Uuid) -> AppResult<OrderView> {
    oq::find(conn, id)
        .await?
        .filter(|order| order.account_id == account_id)
        .map(order_view)
        .ok_or(AppError::NotFound)
}

/// Every order (in one state, when given), newest first.
pub async fn all_orders(conn: &mut Conn, state: Option<&str>, limit: i64) -> AppResult<OrderList> {
    if let Some(state) = state {
        if !oq::STATES.contains(&state) {
            return Err(AppError::validation([(
                "state".to_owned(),
                format!("must be one of {}", oq::STATES.join(", ")),
            )]));
        }
    }
    Ok(OrderList {
        orders: oq::all(conn, state, limit)
            .await?
            .into_iter()
            .map(order_view)
            .collect(),
    })
}

/// Staff try a failed or waiting order again.
pub async fn retry(conn: &mut Conn, id: Uuid) -> AppResult<OrderView> {
    conn.transaction::<_, AppError, _>(async |tx| {
        let order = oq::lock(tx, id).await?.ok_or(AppError::NotFound)?;
        if !allowed(&order.state, "queued") {
            return Err(AppError::Conflict {
                code: "order_not_retryable",
                message: format!(
                    "The order is {}; only failed or waiting orders can be tried again.",
                    order.state
                ),
            });
        }
        let order = oq::advance(tx, id, "queued", "Staff asked to try again.", false).await?;
        enqueue(tx, &FulfilOrder { order_id: id }).await?;
        Ok(order_view(order))
    })
    .await
}
