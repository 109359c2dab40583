//! The mail outbox: messages written in the same transaction as the change that caused them, and
//! their delivery state. Nothing here deletes a message: failed ones stay readable and retryable.

use super::{new_id, now_ms, values_placeholders, Db, Dialect};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor, FromRow};

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct NewMail<'a> {
    /// The person it concerns, if any (for retirement and "download my data").
    pub user_id: Option<&'a str>,
    pub to: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: Option<&'a str>,
    /// Overrides the configured From address (the site's partner address).
    pub from: Option<&'a str>,
    /// Where replies go (the learner, for mail sent on their behalf).
    pub reply_to: Option<&'a str>,
}

impl<'a> NewMail<'a> {
    /// A message to one account at `to` (its address when the mail was written).
    #[must_use]
    pub fn to_account(user_id: &'a str, to: &'a str, subject: &'a str, body_text: &'a str) -> Self {
        Self { user_id: Some(user_id), to, subject, body_text, ..Self::default() }
    }
}

/// Queue a message inside the caller's transaction; returns its id.
pub async fn enqueue<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    mail: &NewMail<'_>,
) -> Result<String, super::DbError> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_outbox (id, user_id, to_addr, subject, body_text, body_html, state, attempts, created_at, \
         next_try_at, from_addr, reply_to) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $8, $9)",
    )
    .bind(&id)
    .bind(mail.user_id)
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(mail.body_html)
    .bind(now)
    .bind(mail.from)
    .bind(mail.reply_to)
    .execute(ex)
    .await?;
    Ok(id)
}

/// Queue many messages inside the caller's transaction, in multi-row statements.
pub async fn enqueue_many(conn: &mut AnyConnection, mails: &[NewMail<'_>]) -> Result<(), super::DbError> {
    let now = now_ms();
    for chunk in mails.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO mail_outbox (id, user_id, to_addr, subject, body_text, body_html, state, attempts, \
             created_at, next_try_at, from_addr, reply_to) VALUES {}",
            values_placeholders(Dialect::of_connection(conn), chunk.len(), 12)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for m in chunk {
            q = q
                .bind(new_id())
                .bind(m.user_id)
                .bind(m.to)
                .bind(m.subject)
                .bind(m.body_text)
                .bind(m.body_html)
                .bind("pending")
                .bind(0_i64)
                .bind(now)
                .bind(now)
                .bind(m.from)
                .bind(m.reply_to);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A message claimed for delivery.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attempts: i64,
    pub from_addr: Option<String>,
    pub reply_to: Option<String>,
}

/// Claim up to `limit` due messages for `lease_ms`, so that no other worker (on any node) sends them
/// meanwhile. One statement; PostgreSQL skips rows another worker holds.
pub async fn claim_due(db: &Db, limit: i64, lease_ms: i64) -> Result<Vec<Claimed>, super::DbError> {
    let now = now_ms();
    let skip_locked = if db.dialect == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE mail_outbox SET next_try_at = $1 WHERE id IN (SELECT id FROM mail_outbox \
         WHERE state = 'pending' AND next_try_at <= $2 ORDER BY next_try_at LIMIT $3{skip_locked}) \
         RETURNING id, to_addr, subject, body_text, body_html, attempts, from_addr, reply_to"
    )))
    .bind(now + lease_ms)
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Record a delivery.
pub async fn mark_sent(db: &Db, id: &str) -> Result<(), super::DbError> {
    sqlx::query("UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, sent_at = $2, last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Record a failed attempt: try again at `next_try_at`, or give up (`state = 'failed'`, kept) when
/// `next_try_at` is `None`.
pub async fn mark_attempt_failed(
    db: &Db,
    id: &str,
    error: &str,
    next_try_at: Option<i64>,
) -> Result<(), super::DbError> {
    let error: String = error.chars().take(1000).collect();
    sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, \
         state = CASE WHEN $3 THEN 'pending' ELSE 'failed' END, next_try_at = COALESCE($4, next_try_at) WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(next_try_at.is_some())
    .bind(next_try_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A message as the console's outbox lists it.
#[derive(Debug, Clone, FromRow)]
pub struct Listed {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The newest messages, optionally only those to one address (any case).
pub async fn recent(db: &Db, to: &str, limit: i64) -> Result<Vec<Listed>, super::DbError> {
    let to = to.trim();
    let columns = "id, to_addr, subject, body_text, state, attempts, last_error, created_at, sent_at";
    if to.is_empty() {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {columns} FROM mail_outbox ORDER BY created_at DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
    } else {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {columns} FROM mail_outbox WHERE to_addr IN ($1, $2) ORDER BY created_at DESC LIMIT $3"
        )))
        .bind(to)
        .bind(to.to_lowercase())
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
    }
}
