//! Rate limiting with token buckets: Redis when configured (shared by every node), an
//! in-process map otherwise (single node). Login throttling and per-account API limits
//! build on [`RateLimiter::check`].

mod memory;
mod redis;

use std::time::Duration;

pub use memory::MemoryLimiter;
pub use redis::RedisLimiter;

/// A bucket of `capacity` tokens that refills one token every `refill_every`.
/// Built only through [`Rule::per`], so both are always positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    capacity: u32,
    refill_every: Duration,
}

impl Rule {
    /// `count` requests per `period`, all of which may come at once (at least one
    /// request, refilled at most once a millisecond).
    pub fn per(count: u32, period: Duration) -> Self {
        let count = count.max(1);
        Self {
            capacity: count,
            refill_every: (period / count).max(Duration::from_millis(1)),
        }
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    pub fn refill_every(&self) -> Duration {
        self.refill_every
    }
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The bucket's capacity (for `RateLimit-Limit`).
    pub limit: u32,
    /// Whole tokens left after this request.
    pub remaining: u32,
    /// When denied: how long until the request would be allowed.
    pub retry_after: Duration,
    /// How long until the bucket is full again.
    pub reset_after: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RateLimitError {
    #[error("redis: {0}")]
    Redis(String),
}

/// Either backend behind one interface.
#[derive(Clone)]
pub enum RateLimiter {
    Memory(std::sync::Arc<MemoryLimiter>),
    Redis(RedisLimiter),
}

impl RateLimiter {
    pub fn memory() -> Self {
        Self::Memory(std::sync::Arc::new(MemoryLimiter::default()))
    }

    pub fn redis(pool: deadpool_redis::Pool, prefix: impl Into<String>) -> Self {
        Self::Redis(RedisLimiter::new(pool, prefix))
    }

    /// Takes one token from the bucket named `key`.
    pub async fn check(&self, key: &str, rule: Rule) -> Result<Decision, RateLimitError> {
        match self {
            Self::Memory(limiter) => Ok(limiter.check(key, rule)),
            Self::Redis(limiter) => limiter.check(key, rule).await,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }
}

/// The bucket arithmetic both backends share (the Redis script mirrors it).
/// `tokens` is the level at `elapsed` since the last update; returns the new level.
pub(crate) fn take(tokens: f64, elapsed: Duration, rule: Rule) -> (f64, Decision) {
    let per_token = rule.refill_every().as_secs_f64();
    let capacity = f64::from(rule.capacity());
    let level = (tokens + elapsed.as_secs_f64() / per_token).min(capacity);
    let (level, allowed, retry_after) = if level >= 1.0 {
        (level - 1.0, true, Duration::ZERO)
    } else {
        (
            level,
            false,
            Duration::from_secs_f64((1.0 - level) * per_token),
        )
    };
    let decision = Decision {
        allowed,
        limit: rule.capacity(),
        remaining: level.floor() as u32,
        retry_after,
        reset_after: Duration::from_secs_f64((capacity - level) * per_token),
    };
    (level, decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_rules_are_clamped_to_something_usable() {
        let rule = Rule::per(0, Duration::ZERO);
        assert_eq!(rule.capacity(), 1);
        assert_eq!(rule.refill_every(), Duration::from_millis(1));
        let (_, decision) = take(0.0, Duration::ZERO, rule);
        assert!(!decision.allowed);
        assert_eq!(decision.retry_after, Duration::from_millis(1));
    }

    #[test]
    fn a_full_bucket_allows_its_capacity_then_denies_with_the_wait() {
        let rule = Rule::per(3, Duration::from_secs(60));
        let mut tokens = f64::from(rule.capacity);
        for expected_remaining in [2, 1, 0] {
            let (next, decision) = take(tokens, Duration::ZERO, rule);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, expected_remaining);
            tokens = next;
        }
        let (_, denied) = take(tokens, Duration::ZERO, rule);
        assert!(!denied.allowed);
        assert_eq!(denied.retry_after, Duration::from_secs(20));
        assert_eq!(denied.reset_after, Duration::from_secs(60));
        // Twenty seconds later exactly one token is back.
        let (_, later) = take(tokens, Duration::from_secs(20), rule);
        assert!(later.allowed);
        assert_eq!(later.remaining, 0);
    }
}
