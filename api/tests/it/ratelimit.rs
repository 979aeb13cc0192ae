//! The rate-limit primitive on its shared backend (Redis) and through the one interface.

use std::time::Duration;

use gatehouse::ratelimit::{RateLimiter, Rule};
use gatehouse::state::build_redis_pool;
use secrecy::SecretString;

use crate::harness::redis_url;

fn redis_limiter(prefix: &str) -> RateLimiter {
    let pool = build_redis_pool(&SecretString::from(redis_url()), Duration::from_secs(5)).unwrap();
    RateLimiter::redis(pool, prefix)
}

fn unique_prefix() -> String {
    format!("gatehouse-test:{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_buckets_allow_their_capacity_then_deny_with_a_retry_after() {
    let limiter = redis_limiter(&unique_prefix());
    assert_eq!(limiter.backend(), "redis");
    let rule = Rule::per(3, Duration::from_secs(3600));
    for expected in [2, 1, 0] {
        let decision = limiter.check("login:alice", rule).await.unwrap();
        assert!(decision.allowed);
        assert_eq!(decision.remaining, expected);
        assert_eq!(decision.limit, 3);
    }
    let denied = limiter.check("login:alice", rule).await.unwrap();
    assert!(!denied.allowed);
    // One token per 20 minutes; allow for the time the calls above took.
    assert!(
        denied.retry_after > Duration::from_secs(1190)
            && denied.retry_after <= Duration::from_secs(1200)
    );
    // Another key is untouched.
    assert!(limiter.check("login:bob", rule).await.unwrap().allowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_buckets_are_shared_by_every_node() {
    let prefix = unique_prefix();
    let node_a = redis_limiter(&prefix);
    let node_b = redis_limiter(&prefix);
    let rule = Rule::per(2, Duration::from_secs(3600));
    assert!(node_a.check("api:acct-1", rule).await.unwrap().allowed);
    assert!(node_b.check("api:acct-1", rule).await.unwrap().allowed);
    assert!(!node_a.check("api:acct-1", rule).await.unwrap().allowed);
    assert!(!node_b.check("api:acct-1", rule).await.unwrap().allowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_bucket_refills_after_the_advertised_wait() {
    let limiter = redis_limiter(&unique_prefix());
    let rule = Rule::per(1, Duration::from_secs(2));
    assert!(limiter.check("k", rule).await.unwrap().allowed);
    let denied = limiter.check("k", rule).await.unwrap();
    assert!(!denied.allowed);
    tokio::time::sleep(denied.retry_after + Duration::from_millis(50)).await;
    assert!(limiter.check("k", rule).await.unwrap().allowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_fallback_answers_through_the_same_interface() {
    let limiter = RateLimiter::memory();
    assert_eq!(limiter.backend(), "memory");
    let rule = Rule::per(2, Duration::from_secs(3600));
    assert!(limiter.check("k", rule).await.unwrap().allowed);
    assert!(limiter.check("k", rule).await.unwrap().allowed);
    let denied = limiter.check("k", rule).await.unwrap();
    assert!(!denied.allowed);
    assert!(denied.retry_after > Duration::from_secs(1790));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_is_an_error_not_a_decision() {
    let pool = build_redis_pool(
        &SecretString::from("redis://127.0.0.1:1".to_owned()),
        Duration::from_millis(300),
    )
    .unwrap();
    let limiter = RateLimiter::redis(pool, "x");
    assert!(limiter
        .check("k", Rule::per(1, Duration::from_secs(1)))
        .await
        .is_err());
}
