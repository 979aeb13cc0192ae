//! Seats on product instances: least loaded first (ties by name), every cap at its
//! boundary, one seat per user and product, release never below zero, staff stopped at the
//! hard cap, and no oversubscription under 200 concurrent placements.

use diesel_async::{AsyncConnection, RunQueryDsl};
use gatehouse::db::instances::{self as q, Instance, NewInstance};
use gatehouse::db::{catalog, identity, Pool};
use gatehouse::error::AppError;
use gatehouse::instances::placement::{self, Placement};
use uuid::Uuid;

use crate::harness::TestDb;

struct World {
    db: TestDb,
    pool: Pool,
    product: Uuid,
}

async fn world() -> World {
    let db = TestDb::migrated().await;
    let pool = db.pool();
    let mut conn = pool.get().await.unwrap();
    let product = cloud_product(&mut conn).await;
    World { db, pool, product }
}

/// A plan that runs on instances, `cloud`.
pub(crate) async fn cloud_product(conn: &mut gatehouse::db::Conn) -> Uuid {
    catalog::upsert_product(
        conn,
        &catalog::ProductUpsert {
            slug: "cloud",
            name: "Cloud",
            description: "",
            kind: "plan",
            pricing_page: "default",
            display_order: 0,
            parent_product_id: None,
            needs_instance: true,
            active: true,
        },
    )
    .await
    .unwrap()
}

impl World {
    /// An instance with caps (soft, allocation, hard).
    async fn instance(&self, name: &str, (soft, allocation, hard): (i32, i32, i32)) -> Instance {
        let mut conn = self.pool.get().await.unwrap();
        q::insert_instance(
            &mut conn,
            &NewInstance {
                product_id: self.product,
                name,
                base_url: &format!("https://{name}.example.org"),
                active: true,
                auto_allocate: true,
                soft_cap: soft,
                allocation_cap: allocation,
                hard_cap: hard,
            },
        )
        .await
        .unwrap()
    }

    /// A user with a personal account (no password: placement needs none).
    async fn user(&self) -> (Uuid, Uuid) {
        let mut conn = self.pool.get().await.unwrap();
        let tag = Uuid::new_v4().simple().to_string();
        let user = identity::insert_user(
            &mut conn,
            &identity::NewUser {
                email: &format!("{tag}@example.org"),
                username: &format!("u{}", &tag[..20]),
                password_hash: None,
                first_name: "Ada",
                last_name: "",
            },
        )
        .await
        .unwrap();
        let account = identity::insert_account_with_owner(&mut conn, "Ada", true, user.id)
            .await
            .unwrap();
        (user.id, account)
    }

    async fn place(&self, (user, account): (Uuid, Uuid)) -> Placement {
        let product = self.product;
        let mut conn = self.pool.get().await.unwrap();
        conn.transaction::<_, AppError, _>(async |tx| {
            placement::place(tx, user, account, product).await
        })
        .await
        .unwrap()
    }

    async fn place_on(
        &self,
        instance: Uuid,
        (user, account): (Uuid, Uuid),
    ) -> Result<Placement, AppError> {
        let mut conn = self.pool.get().await.unwrap();
        conn.transaction::<_, AppError, _>(async |tx| {
            placement::place_on(tx, instance, user, account).await
        })
        .await
    }

    async fn release(&self, (user, _): (Uuid, Uuid)) -> bool {
        let product = self.product;
        let mut conn = self.pool.get().await.unwrap();
        conn.transaction::<_, AppError, _>(async |tx| placement::release(tx, user, product).await)
            .await
            .unwrap()
    }

    async fn seats_on(&self, instance: Uuid) -> (i32, i64) {
        let mut conn = self.pool.get().await.unwrap();
        let counted = q::instance(&mut conn, instance).await.unwrap().unwrap();
        let live = q::live_seat_count(&mut conn, instance).await.unwrap();
        (counted.allocated_seats, live)
    }

    async fn alerts(&self, key_prefix: &str) -> i64 {
        count(
            &self.pool,
            &format!(
                "SELECT count(*) AS count FROM jobs WHERE kind = 'instances.capacity_alert' \
                 AND unique_key LIKE '{key_prefix}%'"
            ),
        )
        .await
    }
}

async fn count(pool: &Pool, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

fn placed_on(placement: &Placement) -> String {
    placement
        .instance()
        .map_or_else(|| "nowhere".to_owned(), |i| i.name.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_least_loaded_instance_is_chosen_and_ties_go_by_name() {
    let w = world().await;
    let b = w.instance("b", (10, 10, 10)).await;
    let a = w.instance("a", (10, 10, 10)).await;
    let mut order = Vec::new();
    for _ in 0..5 {
        let user = w.user().await;
        order.push(placed_on(&w.place(user).await));
    }
    assert_eq!(order, ["a", "b", "a", "b", "a"]);
    assert_eq!(w.seats_on(a.id).await, (3, 3));
    assert_eq!(w.seats_on(b.id).await, (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_cap_holds_at_its_boundary() {
    let w = world().await;
    // soft 1 < allocation 2 < hard 3.
    let only = w.instance("only", (1, 2, 3)).await;

    // At the soft cap: no alert yet.
    let first = w.place(w.user().await).await;
    assert!(matches!(first, Placement::Placed(ref i) if i.allocated_seats == 1));
    assert_eq!(w.alerts("soft_cap:").await, 0);
    // Past it: one alert, and not another while it stays past it.
    let second = w.place(w.user().await).await;
    assert!(matches!(second, Placement::Placed(ref i) if i.allocated_seats == 2));
    assert_eq!(w.alerts("soft_cap:").await, 1);

    // At the allocation cap: automatic placement stops, and staff hear about it.
    let third = w.user().await;
    assert_eq!(w.place(third).await, Placement::NoCapacity);
    assert_eq!(w.alerts("no_capacity:").await, 1);
    assert_eq!(w.seats_on(only.id).await, (2, 2));

    // Staff may go past the allocation cap, up to the hard cap and not one seat more.
    let by_staff = w.place_on(only.id, third).await.unwrap();
    assert!(matches!(by_staff, Placement::Placed(ref i) if i.allocated_seats == 3));
    let refused = w.place_on(only.id, w.user().await).await.unwrap_err();
    assert_eq!(refused.code(), "instance_full");
    assert_eq!(w.seats_on(only.id).await, (3, 3));
    assert_eq!(w.alerts("soft_cap:").await, 1);

    // The database refuses what the code would never do.
    let mut conn = w.pool.get().await.unwrap();
    let over = diesel::sql_query(format!(
        "UPDATE instances SET allocated_seats = hard_cap + 1 WHERE id = '{}'",
        only.id
    ))
    .execute(&mut conn)
    .await;
    assert!(over
        .unwrap_err()
        .to_string()
        .contains("instances_seats_within_hard_cap"));
    let unordered = q::insert_instance(
        &mut conn,
        &NewInstance {
            product_id: w.product,
            name: "unordered",
            base_url: "https://unordered.example.org",
            active: true,
            auto_allocate: true,
            soft_cap: 5,
            allocation_cap: 4,
            hard_cap: 6,
        },
    )
    .await;
    assert!(unordered
        .unwrap_err()
        .to_string()
        .contains("instances_caps_ordered"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placed_user_gets_no_second_seat() {
    let w = world().await;
    let a = w.instance("a", (5, 5, 5)).await;
    w.instance("b", (5, 5, 5)).await;
    let user = w.user().await;
    assert!(matches!(w.place(user).await, Placement::Placed(_)));
    assert!(matches!(w.place(user).await, Placement::Kept(ref i) if i.id == a.id));
    // Even when asked many times at once.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let pool = w.pool.clone();
            let product = w.product;
            tokio::spawn(async move {
                let mut conn = pool.get().await.unwrap();
                conn.transaction::<_, AppError, _>(async |tx| {
                    placement::place(tx, user.0, user.1, product).await
                })
                .await
                .unwrap()
            })
        })
        .collect();
    for task in tasks {
        assert!(matches!(task.await.unwrap(), Placement::Kept(_)));
    }
    assert_eq!(
        count(
            &w.pool,
            "SELECT count(*) AS count FROM seats WHERE released_at IS NULL"
        )
        .await,
        1
    );
    assert_eq!(w.seats_on(a.id).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_never_goes_below_zero_and_coming_back_prefers_the_old_instance() {
    let w = world().await;
    let a = w.instance("a", (5, 5, 5)).await;
    let b = w.instance("b", (5, 5, 5)).await;
    let first = w.user().await;
    let second = w.user().await;
    assert_eq!(placed_on(&w.place(first).await), "a");
    assert_eq!(placed_on(&w.place(second).await), "b");

    assert!(w.release(second).await);
    assert!(!w.release(second).await, "a second release finds nothing");
    assert_eq!(w.seats_on(b.id).await, (0, 0));
    // Even a count that drifted to zero stays at zero.
    let mut conn = w.pool.get().await.unwrap();
    let freed = q::free_seat(&mut conn, b.id).await.unwrap();
    assert_eq!(freed.allocated_seats, 0);

    // Least loaded is now b (0) over a (1) either way; make a the emptier one and check
    // that the second user still goes back to b, where their data is.
    assert!(w.release(first).await);
    assert_eq!(w.seats_on(a.id).await, (0, 0));
    let other = w.user().await;
    assert_eq!(placed_on(&w.place(other).await), "a");
    let newcomer = w.user().await;
    assert_eq!(placed_on(&w.place(newcomer).await), "b");
    // a: other; b: newcomer. Both hold one seat; ties go to a by name, yet b comes back.
    assert_eq!(placed_on(&w.place(second).await), "b");
    assert_eq!(w.seats_on(b.id).await, (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_on_a_deactivated_instance_moves_and_staff_moves_keep_counts_right() {
    let w = world().await;
    let a = w.instance("a", (5, 5, 5)).await;
    let b = w.instance("b", (5, 5, 5)).await;
    let user = w.user().await;
    assert_eq!(placed_on(&w.place(user).await), "a");

    let mut conn = w.pool.get().await.unwrap();
    diesel::sql_query(format!(
        "UPDATE instances SET active = false WHERE id = '{}'",
        a.id
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(placed_on(&w.place(user).await), "b");
    assert_eq!(w.seats_on(a.id).await, (0, 0));
    assert_eq!(w.seats_on(b.id).await, (1, 1));

    // Staff move them back by hand (an inactive instance is staff's call).
    let moved = w.place_on(a.id, user).await.unwrap();
    assert!(matches!(moved, Placement::Placed(ref i) if i.id == a.id));
    assert_eq!(w.seats_on(a.id).await, (1, 1));
    assert_eq!(w.seats_on(b.id).await, (0, 0));
    assert!(matches!(
        w.place_on(a.id, user).await.unwrap(),
        Placement::Kept(_)
    ));
}

/// 200 people at once, 50 seats: exactly 50 placed, no instance over any cap, every
/// count equal to its live seats.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_placements_fill_fifty_seats_exactly() {
    let w = world().await;
    let instances = [
        w.instance("east", (15, 20, 22)).await,
        w.instance("west", (25, 30, 30)).await,
    ];
    let mut users = Vec::new();
    for _ in 0..200 {
        users.push(w.user().await);
    }
    // Enough connections that the placements really do run side by side.
    let config = gatehouse::config::DatabaseConfig {
        pool_size: 48,
        ..w.db.config()
    };
    let pool = gatehouse::db::build_pool(&config).unwrap();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(users.len()));
    let tasks: Vec<_> = users
        .into_iter()
        .map(|(user, account)| {
            let pool = pool.clone();
            let product = w.product;
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let mut conn = pool.get().await.unwrap();
                conn.transaction::<_, AppError, _>(async |tx| {
                    placement::place(tx, user, account, product).await
                })
                .await
                .unwrap()
            })
        })
        .collect();
    let mut placed = 0;
    let mut waiting = 0;
    for task in tasks {
        match task.await.unwrap() {
            Placement::Placed(_) => placed += 1,
            Placement::NoCapacity => waiting += 1,
            Placement::Kept(_) => panic!("nobody was placed before"),
        }
    }
    assert_eq!((placed, waiting), (50, 150));
    for instance in &instances {
        let (counted, live) = w.seats_on(instance.id).await;
        assert_eq!(i64::from(counted), live, "{}", instance.name);
        assert_eq!(counted, instance.allocation_cap, "{}", instance.name);
        assert!(counted <= instance.hard_cap);
    }
    // One shortage alert waiting, however many were turned away.
    assert_eq!(w.alerts("no_capacity:").await, 1);
}
