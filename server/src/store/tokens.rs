//! Bearer tokens for service clients: stored hashed, resolved to their user, revocable.

use super::{new_id, now_ms, users::UserRow, Db};
use sqlx::{Any, Executor, FromRow};

/// A token to store: by hash, for `user_id`, with its scopes (`None`: acts as its user) and the
/// OAuth client it was issued to, if any.
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub expires_at: Option<i64>,
    pub scopes: Option<&'a str>,
    pub client_id: Option<&'a str>,
}

/// Store a new token, inside the caller's transaction; returns its id.
pub async fn create<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token: &NewToken<'_>,
) -> Result<String, super::DbError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, expires_at, scopes, client_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(token.token_hash)
    .bind(token.user_id)
    .bind(token.name)
    .bind(now_ms())
    .bind(token.expires_at)
    .bind(token.scopes)
    .bind(token.client_id)
    .execute(ex)
    .await?;
    Ok(id)
}

/// A live token's user and scopes.
#[derive(Debug, Clone, FromRow)]
pub struct TokenUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub scopes: Option<String>,
}

/// The user and scopes of a live token (unrevoked, unexpired, and its client, if any, not
/// revoked), stamping its last use.
pub async fn resolve(db: &Db, token_hash: &str) -> Result<Option<TokenUser>, super::DbError> {
    let now = now_ms();
    let user: Option<TokenUser> = sqlx::query_as(
        "SELECT u.id, u.username, u.email, u.full_name, u.password_hash, u.is_active, u.is_staff, \
         u.is_superuser, u.date_joined, u.last_login, u.state, u.email_verified_at, t.scopes \
         FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN oauth_clients c ON c.id = t.client_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
         AND c.revoked_at IS NULL",
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

/// Revoke the tokens issued to an OAuth client, inside the caller's transaction; returns how many.
pub async fn revoke_for_client<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    client_row_id: &str,
) -> Result<u64, super::DbError> {
    Ok(sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL")
        .bind(client_row_id)
        .bind(now_ms())
        .execute(ex)
        .await?
        .rows_affected())
}
