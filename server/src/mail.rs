//! Mail delivery: a worker that sends what the outbox holds over SMTP (lettre), with retries.
//!
//! Changes write their messages into the outbox in their own transaction (`store::outbox::enqueue`);
//! this module only delivers. A failure never touches the change and never loses the message: it is
//! retried with growing pauses and, after the last attempt, kept as `failed` for an admin to see.
//! Without an SMTP URL nothing is sent and messages wait in the outbox.

use crate::store::{now_ms, outbox, Db, DbError};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed message is reserved for the worker that claimed it.
const LEASE_MS: i64 = 5 * 60_000;
/// Messages claimed per round.
const BATCH: i64 = 50;

/// The pause before attempt `attempts + 1`: 30 s doubling, at most an hour.
#[must_use]
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    (30_000_i64.saturating_mul(2_i64.saturating_pow(exp))).min(3_600_000)
}

/// A configuration problem, reported at start.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("REGISTRAR_MAIL_FROM is not a valid address: {0}")]
    From(String),
    #[error("REGISTRAR_SMTP_URL is not a valid SMTP URL: {0}")]
    Url(String),
}

/// Sends mail over SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Mailer {
    /// A mailer for `smtp_url` (`smtp://host:port`, `smtps://user:pass@host`, or with `?tls=required`).
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, MailConfigError> {
        let from = from.parse::<Mailbox>().map_err(|e| MailConfigError::From(e.to_string()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| MailConfigError::Url(e.to_string()))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from })
    }

    fn message(&self, mail: &outbox::Claimed) -> Result<Message, String> {
        let to = mail.to_addr.parse::<Mailbox>().map_err(|e| format!("bad recipient address: {e}"))?;
        let from = match &mail.from_addr {
            Some(addr) => addr.parse::<Mailbox>().map_err(|e| format!("bad From address: {e}"))?,
            None => self.from.clone(),
        };
        let mut builder = Message::builder().from(from).to(to).subject(mail.subject.clone());
        if let Some(reply_to) = &mail.reply_to {
            builder = builder
                .reply_to(reply_to.parse::<Mailbox>().map_err(|e| format!("bad Reply-To address: {e}"))?);
        }
        match &mail.body_html {
            Some(html) => {
                builder.multipart(MultiPart::alternative_plain_html(mail.body_text.clone(), html.clone()))
            }
            None => builder.body(mail.body_text.clone()),
        }
        .map_err(|e| format!("cannot build the message: {e}"))
    }

    /// Claim due messages and try to send each once.
    pub async fn deliver_due(&self, db: &Db) -> Result<Round, DbError> {
        let mut round = Round::default();
        for mail in outbox::claim_due(db, BATCH, LEASE_MS).await? {
            let outcome = match self.message(&mail) {
                Ok(message) => self
                    .transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| (e.to_string(), e.is_permanent())),
                Err(error) => Err((error, true)),
            };
            match outcome {
                Ok(()) => {
                    outbox::mark_sent(db, &mail.id).await?;
                    round.sent += 1;
                }
                Err((error, permanent)) => {
                    let attempts = mail.attempts + 1;
                    let next =
                        (!permanent && attempts < MAX_ATTEMPTS).then(|| now_ms() + retry_delay_ms(attempts));
                    tracing::warn!(mail_id = %mail.id, attempts, permanent, error = %error, "mail delivery failed");
                    outbox::mark_attempt_failed(db, &mail.id, &error, next).await?;
                    if next.is_some() {
                        round.retrying += 1;
                    } else {
                        round.failed += 1;
                    }
                }
            }
        }
        Ok(round)
    }

    /// Deliver forever, every `every`; never stops on an error.
    pub async fn run(self, db: Db, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match self.deliver_due(&db).await {
                Ok(round) if round != Round::default() => tracing::info!(?round, "mail delivery round"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail delivery round could not read the outbox"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(retry_delay_ms(0), 30_000);
        assert_eq!(retry_delay_ms(1), 60_000);
        assert_eq!(retry_delay_ms(3), 240_000);
        assert_eq!(retry_delay_ms(20), 3_600_000);
    }

    #[test]
    fn bad_configuration_is_reported() {
        assert!(matches!(
            Mailer::new("smtp://localhost:2525", "not an address"),
            Err(MailConfigError::From(_))
        ));
        assert!(matches!(Mailer::new("http://x", "a@b.org"), Err(MailConfigError::Url(_))));
    }
}
