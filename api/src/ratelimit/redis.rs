//! Token buckets in Redis, updated atomically by a Lua script using the server's clock,
//! so every node shares one bucket per key.

use std::time::Duration;

use deadpool_redis::redis::Script;

use super::{Decision, RateLimitError, Rule};

const SCRIPT: &str = r#"
local capacity = tonumber(ARGV[1])
local per_token_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) / per_token_ms)
local allowed = 0
local retry_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry_ms = math.ceil((1 - tokens) * per_token_ms)
end
local reset_ms = math.ceil((capacity - tokens) * per_token_ms)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], reset_ms + 1000)
return {allowed, math.floor(tokens), retry_ms, reset_ms}
"#;

#[derive(Clone)]
pub struct RedisLimiter {
    pool: deadpool_redis::Pool,
    prefix: String,
    script: std::sync::Arc<Script>,
}

impl RedisLimiter {
    /// Keys are stored as `{prefix}:{key}`.
    pub fn new(pool: deadpool_redis::Pool, prefix: impl Into<String>) -> Self {
        Self {
            pool,
            prefix: prefix.into(),
            script: std::sync::Arc::new(Script::new(SCRIPT)),
        }
    }

    pub async fn check(&self, key: &str, rule: Rule) -> Result<Decision, RateLimitError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|err| RateLimitError::Redis(err.to_string()))?;
        // Fractional milliseconds, so both backends do the same arithmetic.
        let per_token_ms = rule.refill_every().as_secs_f64() * 1000.0;
        let (allowed, remaining, retry_ms, reset_ms): (i64, i64, i64, i64) = self
            .script
            .key(format!("{}:{key}", self.prefix))
            .arg(rule.capacity())
            .arg(per_token_ms)
            .invoke_async(&mut *conn)
            .await
            .map_err(|err| RateLimitError::Redis(err.to_string()))?;
        Ok(Decision {
            allowed: allowed == 1,
            limit: rule.capacity(),
            remaining: remaining.max(0) as u32,
            retry_after: Duration::from_millis(retry_ms.max(0) as u64),
            reset_after: Duration::from_millis(reset_ms.max(0) as u64),
        })
    }
}
