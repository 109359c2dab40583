//! Browser sessions: stored by the SHA-256 of the cookie secret, ended server-side.

use super::{now_ms, users::UserRow, Db};
use sqlx::{Any, Executor};

/// Open a session for `user_id`, valid for `ttl_ms`.
pub async fn create<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id_hash: &str,
    user_id: &str,
    ttl_ms: i64,
    ip: &str,
    user_agent: &str,
) -> Result<(), super::DbError> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(now)
    .bind(now.saturating_add(ttl_ms))
    .bind(ip)
    .bind(user_agent.chars().take(255).collect::<String>())
    .execute(ex)
    .await?;
    Ok(())
}

/// The user of a live session, or `None` if the session is unknown or expired.
pub async fn resolve(db: &Db, id_hash: &str) -> Result<Option<UserRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.username, u.email, u.full_name, u.password_hash, u.is_active, u.is_staff, \
         u.is_superuser, u.date_joined, u.last_login, u.state, u.email_verified_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2",
    )
    .bind(id_hash)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?)
}

/// End one session.
pub async fn delete(db: &Db, id_hash: &str) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&db.pool).await?;
    Ok(())
}

/// End every session of a user (deactivation, password change, retirement).
pub async fn delete_for_user<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<u64, super::DbError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(ex)
        .await?
        .rows_affected())
}

/// A live session as its owner sees it listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// A user's live sessions, most recently used first.
pub async fn live_of(db: &Db, user_id: &str) -> Result<Vec<SessionRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT id_hash, created_at, last_seen_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(user_id)
    .bind(now_ms())
    .fetch_all(&db.pool)
    .await?)
}

/// End every session of a user but `keep` (the one the request came with, if any).
pub async fn delete_others<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, super::DbError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or_default())
        .execute(ex)
        .await?
        .rows_affected())
}

/// End the named sessions of a user (only theirs, whatever the list names).
pub async fn delete_many(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    id_hashes: &[String],
) -> Result<u64, super::DbError> {
    let mut ended = 0;
    for id_hash in id_hashes {
        ended += sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
            .bind(user_id)
            .bind(id_hash)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(ended)
}

/// Live sessions of a user.
pub async fn count_live(db: &Db, user_id: &str) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
        .bind(user_id)
        .bind(now_ms())
        .fetch_one(&db.pool)
        .await?)
}

/// Remove expired sessions; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64, super::DbError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms())
        .execute(&db.pool)
        .await?
        .rows_affected())
}
