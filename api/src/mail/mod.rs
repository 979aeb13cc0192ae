//! Outgoing email. Messages are rendered when the state change that causes them commits,
//! and delivered by a job ([`SendEmail`]) so a slow or failing provider never blocks or
//! breaks a request; failures retry with backoff.
//!
//! Transports: the development outbox (every message is stored in `emails` and logged;
//! nothing leaves the machine), Mailgun's HTTP API, and SMTP. Either way the sent message is
//! recorded in `emails`. Delivery is at least once: a crash between the provider's
//! answer and the record means the job runs, and the message is sent, again.

pub mod mailgun;
pub mod smtp;
pub mod templates;

use serde::{Deserialize, Serialize};

use crate::db::tokens::{self as q, NewEmail};
use crate::jobs::{Job, JobContext};

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    /// Which template made it (for the record and for tests).
    pub template: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// How email leaves Gatehouse.
#[derive(Debug, Clone, Default)]
pub enum Mailer {
    /// Stored in the `emails` table and printed to the log.
    #[default]
    Outbox,
    /// Mailgun's `POST /v3/{domain}/messages`.
    Mailgun(mailgun::Mailgun),
    /// Any SMTP relay.
    Smtp(smtp::Smtp),
}

/// Delivers one email. The payload holds one-time links, so it is erased once sent.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendEmail(pub Email);

impl Job for SendEmail {
    const KIND: &'static str = "mail.send";
    const MAX_ATTEMPTS: i32 = 8;
    const ERASE_PAYLOAD_WHEN_DONE: bool = true;

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let email = self.0;
        let (transport, provider_id) = match &ctx.services.mailer {
            Mailer::Outbox => {
                tracing::info!(
                    to = %email.to,
                    template = %email.template,
                    subject = %email.subject,
                    body = %email.text,
                    "email stored in the development outbox"
                );
                ("outbox", None)
            }
            Mailer::Mailgun(mailgun) => {
                let id = mailgun.send(&email).await?;
                tracing::info!(to = %email.to, template = %email.template, provider.id = %id, "email sent through Mailgun");
                ("mailgun", Some(id))
            }
            Mailer::Smtp(smtp) => {
                let reply = smtp.send(&email).await?;
                tracing::info!(to = %email.to, template = %email.template, smtp.reply = %reply, "email sent over SMTP");
                ("smtp", Some(reply))
            }
        };
        let mut conn = ctx.pool.get().await?;
        q::insert_email(
            &mut conn,
            NewEmail {
                to_address: &email.to,
                template: &email.template,
                subject: &email.subject,
                text_body: &email.text,
                html_body: &email.html,
                transport,
                provider_id: provider_id.as_deref(),
            },
        )
        .await?;
        Ok(())
    }
}
