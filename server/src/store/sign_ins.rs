//! Recent sign-ins of each account (`sign_ins`): when, from where, how, and whether it worked, for
//! My account and the console's user page. Attempts at an account that does not exist are not
//! kept (the throttle counts those); rows older than [`KEEP_MS`] are purged.

use super::{new_id, now_ms, Db, Flag};
use sqlx::{Any, Executor};

/// How long a sign-in is remembered.
pub const KEEP_MS: i64 = 90 * 24 * 3600 * 1000;

/// How a sign-in was made (stored as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Password,
    UnlockLink,
    /// The session registration opens.
    Registration,
    /// A password, then a code from the authenticator app.
    PasswordAndCode,
    /// A password, then a one-time recovery code.
    PasswordAndRecoveryCode,
}

impl Method {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::UnlockLink => "unlock link",
            Self::Registration => "registration",
            Self::PasswordAndCode => "password and app code",
            Self::PasswordAndRecoveryCode => "password and recovery code",
        }
    }
}

/// Remember one attempt at `user_id`.
pub async fn record<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
    ip: &str,
    user_agent: &str,
    method: Method,
    success: bool,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO sign_ins (id, user_id, at, ip, user_agent, method, success) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(now_ms())
    .bind(ip)
    .bind(user_agent.chars().take(255).collect::<String>())
    .bind(method.as_str())
    .bind(success)
    .execute(ex)
    .await?;
    Ok(())
}

/// One remembered attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignInRow {
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub method: String,
    pub success: Flag,
}

/// The newest `limit` attempts at `user_id`.
pub async fn recent(db: &Db, user_id: &str, limit: i64) -> Result<Vec<SignInRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT at, ip, user_agent, method, success FROM sign_ins WHERE user_id = $1 ORDER BY at DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Forget attempts older than [`KEEP_MS`]; returns how many.
pub async fn purge_old(db: &Db) -> Result<u64, super::DbError> {
    Ok(sqlx::query("DELETE FROM sign_ins WHERE at < $1")
        .bind(now_ms() - KEEP_MS)
        .execute(&db.pool)
        .await?
        .rows_affected())
}
