//! Mailgun's HTTP API: `POST {base}/v3/{domain}/messages` with basic auth `api:{key}`
//! and the message as form fields. Every call has a timeout; failures are errors the
//! job queue retries with backoff.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::Email;

#[derive(Debug, Clone)]
pub struct Mailgun {
    client: reqwest::Client,
    base_url: url::Url,
    domain: String,
    api_key: SecretString,
    from: String,
}

#[derive(Debug, Deserialize)]
struct Queued {
    id: String,
}

impl Mailgun {
    pub fn new(base_url: url::Url, domain: String, api_key: SecretString, from: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("a plain reqwest client builds");
        Self {
            client,
            base_url,
            domain,
            api_key,
            from,
        }
    }

    /// Sends `email`; returns Mailgun's message id.
    pub async fn send(&self, email: &Email) -> anyhow::Result<String> {
        let url = self
            .base_url
            .join(&format!("v3/{}/messages", self.domain))?;
        let response = self
            .client
            .post(url)
            .basic_auth("api", Some(self.api_key.expose_secret()))
            .form(&[
                ("from", self.from.as_str()),
                ("to", email.to.as_str()),
                ("subject", email.subject.as_str()),
                ("text", email.text.as_str()),
                ("html", email.html.as_str()),
                ("o:tag", email.template.as_str()),
            ])
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            // The body may explain; keep it short, it goes to the job's last error.
            let body = response.text().await.unwrap_or_default();
            anyhow::bail!(
                "Mailgun answered {status}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        Ok(response.json::<Queued>().await?.id)
    }
}
