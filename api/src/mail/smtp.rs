//! SMTP submission through lettre: `GATEHOUSE_SMTP_URL` names the relay, its TLS mode
//! and credentials (`smtps://user:pass@host:465`, `smtp://user:pass@host:587?tls=required`,
//! or plain `smtp://host:25` on a trusted network). Messages are multipart text + HTML.
//! A refusal or a dropped connection is an error the job queue retries with backoff.
//! One connection per message (no pool: mail volume is low, and a pool would need the
//! async runtime already while the configuration is read).

use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::Email;

#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: never print it.
        f.debug_struct("Smtp")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Smtp {
    /// From the relay URL and the sender (`Name <address>`).
    pub fn new(url: &SecretString, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            // lettre's error may quote the URL, which holds the password.
            .map_err(|_| anyhow::anyhow!("not a valid SMTP URL (smtp:// or smtps://)"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = from
            .parse()
            .with_context(|| format!("{from:?} is not a valid sender address"))?;
        Ok(Self { transport, from })
    }

    /// Sends `email`; returns the relay's final reply (its queue id, usually).
    pub async fn send(&self, email: &Email) -> anyhow::Result<String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse().context("recipient address")?)
            .subject(&email.subject)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))?;
        let response = self.transport.send(message).await?;
        Ok(response.message().collect::<Vec<_>>().join(" "))
    }
}
