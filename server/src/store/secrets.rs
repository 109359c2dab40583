//! The `server_secrets` table: named secrets every app server shares through the database (the key
//! that signs mailed links).
//!
//! It only stores and reads values: it must not make keys nor sign or check anything with them
//! (`services::links` does).

use super::{now_ms, Db};

/// The value of the secret `name`, if one is stored.
pub async fn find(db: &Db, name: &str) -> Result<Option<String>, super::DbError> {
    let row = sqlx::query_as::<_, (String,)>("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(value,)| value))
}

/// Store the secret `name`; fails if one is already stored (two servers racing: the caller reads
/// back whichever won).
pub async fn insert(db: &Db, name: &str, value: &str) -> Result<(), super::DbError> {
    sqlx::query("INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(value)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The value of the secret `name`; `RowNotFound` if none is stored.
pub async fn get(db: &Db, name: &str) -> Result<String, super::DbError> {
    let (value,): (String,) = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(&db.pool)
        .await?;
    Ok(value)
}
