//! The `oauth_clients` table: client-credentials clients of the service APIs (a client id, the
//! SHA-256 of its secret, the user it acts as, the scopes its tokens get) and their revocation.
//!
//! It must not make or check secrets (the caller stores and compares digests) nor decide who may
//! hold a client; redacting and deleting a retired learner's clients is `personal_data`'s.

use super::{new_id, now_ms, Db};
use sqlx::{Any, Executor, FromRow};

/// A client as the token endpoint checks it.
#[derive(Debug, Clone, FromRow)]
pub struct ClientRow {
    /// The row id (tokens issued to the client name it).
    pub id: String,
    pub user_id: String,
    pub secret_hash: String,
    pub name: String,
    pub revoked_at: Option<i64>,
    /// What its tokens may do (`registrar::token_scope::TokenScope` names, space-separated).
    pub scopes: String,
}

/// The client with this client id, revoked or not.
pub async fn find(db: &Db, client_id: &str) -> Result<Option<ClientRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.user_id, c.secret_hash, c.name, c.revoked_at, c.scopes FROM oauth_clients c WHERE c.client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Register a client acting as `user_id`, by the digest of its secret, inside the caller's
/// transaction.
pub async fn create<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    client_id: &str,
    secret_hash: &str,
    name: &str,
    user_id: &str,
    scopes: &str,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO oauth_clients (id, client_id, secret_hash, name, user_id, created_at, scopes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(client_id)
    .bind(secret_hash)
    .bind(name)
    .bind(user_id)
    .bind(now_ms())
    .bind(scopes)
    .execute(ex)
    .await?;
    Ok(())
}

/// Revoke every live client of a user, inside the caller's transaction; returns how many.
pub async fn revoke_for_user<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<u64, super::DbError> {
    Ok(sqlx::query("UPDATE oauth_clients SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .execute(ex)
        .await?
        .rows_affected())
}

/// Revoke one client by its client id, inside the caller's transaction; returns its row id and
/// user when it was live.
pub async fn revoke(
    conn: &mut sqlx::AnyConnection,
    client_id: &str,
) -> Result<Option<(String, String)>, super::DbError> {
    Ok(sqlx::query_as(
        "UPDATE oauth_clients SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL RETURNING id, user_id",
    )
    .bind(client_id)
    .bind(now_ms())
    .fetch_optional(conn)
    .await?)
}
