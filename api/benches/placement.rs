//! Seat placement under contention, in placements/s, against PostgreSQL's row-lock
//! transaction rate measured in the same run at the same concurrency: a transaction that
//! locks one hot row (`SELECT … FOR UPDATE`) and updates it, which is what every placement
//! of one product must at least do (the product's instance rows are locked for each).
//!
//! Scenarios: a hot product (two instances, every placement queues on the same rows) and
//! placements spread over many products (16 products of 4 instances each, so placements of
//! different products run side by side). Every placement is a new person (a placed person
//! would only keep their seat); the caps never run out. Afterwards every instance's count
//! is checked against its live seats.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::sql_types::{BigInt, Integer};
use diesel_async::{AsyncConnection, RunQueryDsl};
use gatehouse::db::instances::{self as q, NewInstance};
use gatehouse::db::{catalog, Pool};
use gatehouse::error::AppError;
use gatehouse::instances::placement::{self, Placement};
use uuid::Uuid;

mod common;

const CONCURRENCY: usize = 32;
/// People created up front: more than any run places.
const PEOPLE: i64 = 200_000;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()?.get();
    common::with_database(|url| async move { run(&url, cores).await }).await
}

/// `count` products that run on instances, each with `instances` instances with room
/// for everyone.
async fn products(
    pool: &Pool,
    tag: &str,
    count: usize,
    instances: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let mut conn = pool.get().await?;
    let mut ids = Vec::new();
    for p in 0..count {
        let slug = format!("{tag}-{p}");
        let id = catalog::upsert_product(
            &mut conn,
            &catalog::ProductUpsert {
                slug: &slug,
                name: &slug,
                description: "",
                kind: "plan",
                pricing_page: "default",
                display_order: 0,
                parent_product_id: None,
                needs_instance: true,
                active: true,
            },
        )
        .await?;
        for i in 0..instances {
            q::insert_instance(
                &mut conn,
                &NewInstance {
                    product_id: id,
                    name: &format!("{slug}-{i}"),
                    base_url: "https://bench.example.org",
                    active: true,
                    auto_allocate: true,
                    soft_cap: 1_000_000,
                    allocation_cap: 1_000_000,
                    hard_cap: 1_000_000,
                },
            )
            .await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Places the next unplaced person on the products in turn for the measured window.
async fn placements(
    pool: &Pool,
    people: Arc<Vec<Uuid>>,
    next: Arc<AtomicUsize>,
    account: Uuid,
    products: Vec<Uuid>,
) -> (f64, u64) {
    let products = Arc::new(products);
    let pool = pool.clone();
    common::rate(CONCURRENCY, move |_| {
        let (pool, people, next, products) =
            (pool.clone(), people.clone(), next.clone(), products.clone());
        async move {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let user = people[n % people.len()];
            let product = products[n % products.len()];
            let Ok(mut conn) = pool.get().await else {
                return false;
            };
            conn.transaction::<_, AppError, _>(async |tx| {
                placement::place(tx, user, account, product).await
            })
            .await
            .is_ok_and(|placed| matches!(placed, Placement::Placed(_)))
        }
    })
    .await
}

async fn run(database_url: &str, cores: usize) -> anyhow::Result<()> {
    let pool = common::pool(database_url)?;
    let account = {
        let mut conn = pool.get().await?;
        diesel::sql_query(
            "INSERT INTO users (email, username, first_name)
             SELECT 'bench' || n || '@example.org', 'bench' || n, 'Bench'
               FROM generate_series(1, $1) AS n",
        )
        .bind::<BigInt, _>(PEOPLE)
        .execute(&mut conn)
        .await?;
        diesel::sql_query("CREATE TABLE bench_hot_row (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
            .execute(&mut conn)
            .await?;
        diesel::sql_query("INSERT INTO bench_hot_row VALUES (1, 0)")
            .execute(&mut conn)
            .await?;
        let owner = gatehouse::db::identity::find_user_by_login(&mut conn, "bench1")
            .await?
            .expect("the first bench user")
            .id;
        gatehouse::db::identity::insert_account_with_owner(&mut conn, "Bench", false, owner).await?
    };
    let people: Arc<Vec<Uuid>> = {
        use diesel::{ExpressionMethods, QueryDsl};
        use gatehouse::db::schema::users;
        let mut conn = pool.get().await?;
        let ids = users::table
            .order(users::username.asc())
            .select(users::id)
            .load(&mut conn)
            .await?;
        Arc::new(ids)
    };

    // The bound: lock one hot row and update it, one transaction each.
    let bound_pool = pool.clone();
    let (bound, bound_failed) = common::rate(CONCURRENCY, move |_| {
        let pool = bound_pool.clone();
        async move {
            let Ok(mut conn) = pool.get().await else {
                return false;
            };
            conn.transaction::<_, diesel::result::Error, _>(async |tx| {
                diesel::sql_query("SELECT n FROM bench_hot_row WHERE id = $1 FOR UPDATE")
                    .bind::<Integer, _>(1)
                    .execute(tx)
                    .await?;
                diesel::sql_query("UPDATE bench_hot_row SET n = n + 1 WHERE id = $1")
                    .bind::<Integer, _>(1)
                    .execute(tx)
                    .await
            })
            .await
            .is_ok()
        }
    })
    .await;

    let next = Arc::new(AtomicUsize::new(0));
    let hot = products(&pool, "hot", 1, 2).await?;
    let (hot_rate, hot_failed) =
        placements(&pool, people.clone(), next.clone(), account, hot).await;
    let spread = products(&pool, "spread", 16, 4).await?;
    let (spread_rate, spread_failed) =
        placements(&pool, people.clone(), next.clone(), account, spread).await;
    let used = AtomicUsize::load(&next, Ordering::Relaxed);
    anyhow::ensure!(
        used < people.len(),
        "ran out of people ({used} placements asked for): raise PEOPLE"
    );

    // Nothing oversubscribed, every count equal to its live seats.
    let mut conn = pool.get().await?;
    #[derive(diesel::QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let mismatched = diesel::sql_query(
        "SELECT count(*) AS count FROM instances i
          WHERE i.allocated_seats <> (SELECT count(*) FROM seats s
                                       WHERE s.instance_id = i.id AND s.released_at IS NULL)",
    )
    .get_result::<Mismatch>(&mut conn)
    .await?
    .count;

    println!(
        "machine: {cores} cores, {CONCURRENCY} concurrent placers, {} s measured each",
        common::MEASURE.as_secs()
    );
    println!(
        "PostgreSQL hot-row lock+update transactions: {bound:.0} tx/s [{bound_failed} failed]"
    );
    println!(
        "placement, one hot product (2 instances): {hot_rate:.0} placements/s = {:.0}% of the row-lock rate [{hot_failed} failed]",
        100.0 * hot_rate / bound
    );
    println!(
        "placement, spread over 16 products (4 instances each): {spread_rate:.0} placements/s = {:.0}% of the row-lock rate [{spread_failed} failed]",
        100.0 * spread_rate / bound
    );
    println!("instances whose count differs from their live seats: {mismatched} (must be 0)");
    anyhow::ensure!(mismatched == 0, "a count drifted from the seats");
    Ok(())
}
