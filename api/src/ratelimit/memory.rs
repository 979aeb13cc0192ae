//! In-process token buckets for single-node installs without Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{take, Decision, Rule};

/// Buckets live in a map; full buckets are swept out once it grows past a bound.
#[derive(Default)]
pub struct MemoryLimiter {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    buckets: HashMap<String, Bucket>,
    last_sweep: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    full_at: Instant,
}

const SWEEP_ABOVE: usize = 10_000;
/// A sweep walks every bucket; under a flood of new keys, do it at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

impl MemoryLimiter {
    pub fn check(&self, key: &str, rule: Rule) -> Decision {
        self.check_at(key, rule, Instant::now())
    }

    /// As [`check`](Self::check), at a given instant (tests drive the clock).
    pub fn check_at(&self, key: &str, rule: Rule, now: Instant) -> Decision {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let swept_recently = inner
            .last_sweep
            .is_some_and(|at| now.saturating_duration_since(at) < SWEEP_EVERY);
        if inner.buckets.len() > SWEEP_ABOVE && !swept_recently {
            inner.buckets.retain(|_, bucket| bucket.full_at > now);
            inner.last_sweep = Some(now);
        }
        let buckets = &mut inner.buckets;
        let (tokens, elapsed) = match buckets.get(key) {
            Some(bucket) => (bucket.tokens, now.saturating_duration_since(bucket.updated)),
            None => (f64::from(rule.capacity()), Duration::ZERO),
        };
        let (tokens, decision) = take(tokens, elapsed, rule);
        buckets.insert(
            key.to_owned(),
            Bucket {
                tokens,
                updated: now,
                full_at: now + decision.reset_after,
            },
        );
        decision
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.buckets.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_per_key_and_refill_over_time() {
        let limiter = MemoryLimiter::default();
        let rule = Rule::per(2, Duration::from_secs(10));
        let start = Instant::now();
        assert!(limiter.check_at("a", rule, start).allowed);
        assert!(limiter.check_at("a", rule, start).allowed);
        let denied = limiter.check_at("a", rule, start);
        assert!(!denied.allowed);
        assert_eq!(denied.retry_after, Duration::from_secs(5));
        // Another key has its own bucket.
        assert!(limiter.check_at("b", rule, start).allowed);
        // After the advertised wait, one more request passes.
        assert!(
            limiter
                .check_at("a", rule, start + denied.retry_after)
                .allowed
        );
        assert!(
            !limiter
                .check_at("a", rule, start + denied.retry_after)
                .allowed
        );
    }

    #[test]
    fn full_buckets_are_swept_when_the_map_grows() {
        let limiter = MemoryLimiter::default();
        let rule = Rule::per(5, Duration::from_secs(1));
        let start = Instant::now();
        for i in 0..=SWEEP_ABOVE {
            limiter.check_at(&format!("k{i}"), rule, start);
        }
        assert_eq!(limiter.len(), SWEEP_ABOVE + 1);
        limiter.check_at("late", rule, start + Duration::from_secs(5));
        assert_eq!(limiter.len(), 1, "refilled buckets are forgotten");
        for i in 0..=SWEEP_ABOVE {
            limiter.check_at(&format!("j{i}"), rule, start + Duration::from_secs(5));
        }
        // Just swept: a flood of keys within the same second does not sweep again.
        limiter.check_at("later", rule, start + Duration::from_millis(5500));
        assert_eq!(limiter.len(), SWEEP_ABOVE + 3);
    }
}
