//! Bearer tokens for service clients: stored hashed, resolved to their user, revocable.

use super::{new_id, now_ms, users::UserRow, Db};
use sqlx::{Any, Executor};

/// Store a new token (by hash) for `user_id`, inside the caller's transaction; returns its id.
pub async fn create<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token_hash: &str,
    user_id: &str,
    name: &str,
    expires_at: Option<i64>,
) -> Result<String, super::DbError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(token_hash)
    .bind(user_id)
    .bind(name)
    .bind(now_ms())
    .bind(expires_at)
    .execute(ex)
    .await?;
    Ok(id)
}

/// The user of a live (unrevoked, unexpired) token, stamping its last use.
pub async fn resolve(db: &Db, token_hash: &str) -> Result<Option<UserRow>, super::DbError> {
    let now = now_ms();
    let user: Option<UserRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.email, u.full_name, u.password_hash, u.is_active, u.is_staff, \
         u.is_superuser, u.date_joined, u.last_login, u.state \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    if user.is_some() {
        // At most once a minute, so that reads with a token do not all queue for the write lock.
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(token_hash)
        .bind(now)
        .bind(now - 60_000)
        .execute(&db.pool)
        .await?;
    }
    Ok(user)
}

/// Revoke every token of a user, inside the caller's transaction.
pub async fn revoke_for_user<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<u64, super::DbError> {
    Ok(sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(now_ms())
        .execute(ex)
        .await?
        .rows_affected())
}
