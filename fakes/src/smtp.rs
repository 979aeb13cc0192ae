//! A fake SMTP server (RFC 5321, plain text, no TLS or AUTH): it accepts mail the way a
//! relay does and keeps every message, or refuses recipients with a chosen reply.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA section as sent (headers and body, dot-unstuffed).
    pub data: String,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answer `RCPT TO` with this (e.g. `451 4.3.0 try again later`) instead of 250.
    refuse_recipients: Option<String>,
}

/// The server's shared state; clone freely.
#[derive(Clone, Default)]
pub struct FakeSmtp {
    inner: Arc<Mutex<Inner>>,
}

impl FakeSmtp {
    /// Serves on a free local port; returns `host:port`.
    pub async fn spawn(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound").to_string();
        let this = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let this = this.clone();
                tokio::spawn(async move {
                    _ = this.session(stream).await;
                });
            }
        });
        addr
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().expect("not poisoned").received.clone()
    }

    /// From now on, refuse every recipient with `reply` (`None`: accept again).
    pub fn refuse_recipients(&self, reply: Option<&str>) {
        self.inner.lock().expect("not poisoned").refuse_recipients = reply.map(str::to_owned);
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write
            .write_all(b"220 fake-smtp.test ESMTP ready\r\n")
            .await?;
        let mut from = String::new();
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                "250-fake-smtp.test\r\n250-8BITMIME\r\n250 SMTPUTF8".to_owned()
            } else if upper.starts_with("HELO") {
                "250 fake-smtp.test".to_owned()
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&line[10..]);
                to.clear();
                "250 2.1.0 OK".to_owned()
            } else if upper.starts_with("RCPT TO:") {
                let refusal = self
                    .inner
                    .lock()
                    .expect("not poisoned")
                    .refuse_recipients
                    .clone();
                match refusal {
                    Some(reply) => reply,
                    None => {
                        to.push(address(&line[8..]));
                        "250 2.1.5 OK".to_owned()
                    }
                }
            } else if upper == "DATA" {
                if to.is_empty() {
                    "554 5.5.1 no valid recipients".to_owned()
                } else {
                    write
                        .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut data = String::new();
                    while let Some(line) = lines.next_line().await? {
                        if line == "." {
                            break;
                        }
                        let line = line
                            .strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line);
                        data.push_str(line);
                        data.push_str("\r\n");
                    }
                    self.inner
                        .lock()
                        .expect("not poisoned")
                        .received
                        .push(Received {
                            from: from.clone(),
                            to: std::mem::take(&mut to),
                            data,
                        });
                    "250 2.0.0 OK queued as fake".to_owned()
                }
            } else if upper == "RSET" {
                to.clear();
                "250 2.0.0 OK".to_owned()
            } else if upper == "NOOP" {
                "250 2.0.0 OK".to_owned()
            } else if upper == "QUIT" {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            } else {
                "502 5.5.2 command not recognised".to_owned()
            };
            write.write_all(reply.as_bytes()).await?;
            write.write_all(b"\r\n").await?;
        }
        Ok(())
    }
}

/// The address inside `<…>` (parameters after it ignored).
fn address(rest: &str) -> String {
    let rest = rest.trim();
    match (rest.find('<'), rest.find('>')) {
        (Some(start), Some(end)) if start < end => rest[start + 1..end].to_owned(),
        _ => rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}
