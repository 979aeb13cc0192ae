//! Webhook delivery as Stripe does it: each event POSTed as JSON to the endpoint with
//! `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">` (one `v1` per
//! signing secret), asynchronously, retried with exponential backoff on anything but
//! a 2xx (redirects included) or on a connection error or timeout.
//!
//! Faults a test can switch on: duplicate every delivery, deliver each batch (the
//! events of one operation) reversed or shuffled with a seed, delay, never deliver
//! some event types. The receiver's own faults (500, 429) exercise the retries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Notify;

use super::store::unix_now;

/// `t=<timestamp>,v1=<sig>[,v1=<sig>…]`: one signature per secret, over `"{t}.{body}"`.
pub fn signature_header(body: &str, timestamp: i64, secrets: &[String]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(format!("{timestamp}.{body}").as_bytes());
        header.push_str(",v1=");
        header.push_str(&hex::encode(mac.finalize().into_bytes()));
    }
    header
}

/// In which order a batch of events goes out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// As emitted (Stripe does not promise this either).
    #[default]
    Emitted,
    Reverse,
    /// Shuffled with `Faults::seed` (and the batch's number, so batches differ).
    Shuffle,
}

/// Delivery faults; all off by default. `POST /_fake/faults` takes this as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Deliver every event twice (the copy after the whole batch).
    pub duplicate: bool,
    pub order: Order,
    pub seed: u64,
    /// Wait this long before delivering each batch.
    pub delay_ms: u64,
    /// Event types never delivered (recorded as dropped).
    pub drop: Vec<String>,
}

/// How often and how soon failed deliveries are tried again. Stripe retries for days;
/// tests want milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the second attempt; each later wait doubles.
    pub first_delay_ms: u64,
    /// How long one attempt may take.
    pub timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            first_delay_ms: 1_000,
            timeout_ms: 10_000,
        }
    }
}

impl RetryPolicy {
    /// Quick retries for tests: 5 attempts, 20 ms apart and doubling.
    pub fn fast() -> Self {
        Self {
            attempts: 5,
            first_delay_ms: 20,
            timeout_ms: 2_000,
        }
    }

    fn delay_before(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(2).min(20);
        Duration::from_millis(self.first_delay_ms.saturating_mul(1 << doublings))
    }
}

/// Where events go. `POST /_fake/webhook` takes this as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Endpoint {
    pub url: Option<String>,
    /// Signing secrets (`whsec_…`); several while rotating.
    pub secrets: Vec<String>,
    pub retry: RetryPolicy,
}

/// What became of one attempt at delivering an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of this copy.
    pub attempt: u32,
    /// `delivered` (2xx), `failed` (will be retried or gave up) or `dropped` (a fault).
    pub outcome: String,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub signature: String,
    pub body: String,
}

#[derive(Default)]
pub struct Webhooks {
    endpoint: Mutex<Endpoint>,
    faults: Mutex<Faults>,
    log: Mutex<Vec<Delivery>>,
    /// Delivery chains (batches and retries) still under way.
    pending: AtomicUsize,
    idle: Notify,
    batches: AtomicUsize,
    client: std::sync::OnceLock<reqwest::Client>,
}

impl Webhooks {
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint.lock().expect("not poisoned").clone()
    }

    pub fn set_endpoint(&self, endpoint: Endpoint) {
        *self.endpoint.lock().expect("not poisoned") = endpoint;
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().expect("not poisoned").clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().expect("not poisoned") = faults;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.log.lock().expect("not poisoned").clone()
    }

    fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                // A redirect is a failed delivery for Stripe.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent("Stripe/1.0 (+https://stripe.com/docs/webhooks)")
                .build()
                .expect("an HTTP client")
        })
    }

    /// Waits until every delivery, retries included, has succeeded, given up or been
    /// dropped.
    pub async fn settled(&self) {
        loop {
            let idle = self.idle.notified();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }

    fn begin(&self) {
        self.pending.fetch_add(1, Ordering::SeqCst);
    }

    fn end(&self) {
        if self.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Sends the events one operation emitted, in the background.
    pub fn dispatch(self: &Arc<Self>, events: Vec<Value>) {
        let endpoint = self.endpoint();
        if events.is_empty() || endpoint.url.is_none() {
            return;
        }
        let faults = self.faults();
        let batch = self.batches.fetch_add(1, Ordering::SeqCst) as u64;
        let mut queue = Vec::new();
        for event in events {
            let kind = event["type"].as_str().unwrap_or_default().to_owned();
            if faults.drop.contains(&kind) {
                self.log.lock().expect("not poisoned").push(Delivery {
                    event_id: event["id"].as_str().unwrap_or_default().to_owned(),
                    event_type: kind,
                    attempt: 0,
                    outcome: "dropped".to_owned(),
                    status: None,
                    error: None,
                    signature: String::new(),
                    body: String::new(),
                });
            } else {
                queue.push(event);
            }
        }
        match faults.order {
            Order::Emitted => {}
            Order::Reverse => queue.reverse(),
            Order::Shuffle => {
                let mut rng = rand::rngs::StdRng::seed_from_u64(faults.seed ^ batch);
                queue.shuffle(&mut rng);
            }
        }
        if faults.duplicate {
            queue.extend(queue.clone());
        }
        if queue.is_empty() {
            return;
        }
        self.begin();
        let this = Arc::clone(self);
        tokio::spawn(async move {
            if faults.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
            }
            for event in queue {
                let body = serde_json::to_string(&event).expect("JSON");
                if !this.attempt(&event, &body, 1).await {
                    this.begin();
                    let again = Arc::clone(&this);
                    tokio::spawn(async move {
                        again.retry(event, body).await;
                        again.end();
                    });
                }
            }
            this.end();
        });
    }

    async fn retry(&self, event: Value, body: String) {
        let policy = self.endpoint().retry;
        for attempt in 2..=policy.attempts {
            tokio::time::sleep(policy.delay_before(attempt)).await;
            if self.attempt(&event, &body, attempt).await {
                return;
            }
        }
    }

    /// One POST of `body`, signed now; whether the receiver took it (2xx).
    async fn attempt(&self, event: &Value, body: &str, attempt: u32) -> bool {
        let endpoint = self.endpoint();
        let Some(url) = endpoint.url else {
            return true;
        };
        let signature = signature_header(body, unix_now(), &endpoint.secrets);
        let result = self
            .client()
            .post(&url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Stripe-Signature", &signature)
            .timeout(Duration::from_millis(endpoint.retry.timeout_ms))
            .body(body.to_owned())
            .send()
            .await;
        let (status, error) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                // Read the answer so the connection can be reused.
                _ = response.bytes().await;
                (Some(status), None)
            }
            Err(err) => (None, Some(err.to_string())),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        self.log.lock().expect("not poisoned").push(Delivery {
            event_id: event["id"].as_str().unwrap_or_default().to_owned(),
            event_type: event["type"].as_str().unwrap_or_default().to_owned(),
            attempt,
            outcome: if delivered { "delivered" } else { "failed" }.to_owned(),
            status,
            error,
            signature,
            body: body.to_owned(),
        });
        delivered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_v1_per_secret() {
        let header = signature_header("{}", 1_700_000_000, &["whsec_a".into(), "whsec_b".into()]);
        let parts: Vec<&str> = header.split(',').collect();
        assert_eq!(parts[0], "t=1700000000");
        assert_eq!(parts.len(), 3);
        assert!(parts[1].starts_with("v1=") && parts[1].len() == 3 + 64);
        assert_ne!(parts[1], parts[2]);
    }

    #[test]
    fn retries_back_off_exponentially() {
        let policy = RetryPolicy {
            attempts: 5,
            first_delay_ms: 10,
            timeout_ms: 100,
        };
        assert_eq!(policy.delay_before(2), Duration::from_millis(10));
        assert_eq!(policy.delay_before(3), Duration::from_millis(20));
        assert_eq!(policy.delay_before(5), Duration::from_millis(80));
    }
}
