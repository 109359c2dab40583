//! Second factors (`second_factors`: an authenticator app's secret, per account) and one-time
//! recovery codes (`recovery_codes`, by SHA-256). Storage only: the rules are
//! `registrar::second_factor`'s and the use cases the accounts area's.

use super::{now_ms, Db};
use sqlx::AnyConnection;

/// An account's second factor.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactorRow {
    pub secret: String,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub last_step: Option<i64>,
}

/// The account's factor, set up or not.
pub async fn of(db: &Db, user_id: &str) -> Result<Option<FactorRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT secret, created_at, confirmed_at, last_step FROM second_factors WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Start (or start again) setting up a factor: a new secret and recovery codes (by hash), not
/// confirmed. A factor already confirmed is left alone (`false`), also when it is confirmed while
/// this runs (the insert then finds its row).
pub async fn start(
    db: &Db,
    user_id: &str,
    secret: &str,
    code_hashes: &[String],
) -> Result<bool, super::DbError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO second_factors (user_id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(secret)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    set_recovery_codes(&mut tx, user_id, code_hashes).await?;
    tx.commit().await?;
    Ok(true)
}

/// Accept time step `step` for the account's factor with `secret` (confirming it if it was being
/// set up), unless a later or equal step was accepted meanwhile or the secret changed (`false`).
pub async fn accept_step(
    conn: &mut AnyConnection,
    user_id: &str,
    step: i64,
    secret: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
         WHERE user_id = $1 AND secret = $4 AND (last_step IS NULL OR last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .bind(now_ms())
    .bind(secret)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Replace the account's recovery codes with these (by hash).
pub async fn set_recovery_codes(
    conn: &mut AnyConnection,
    user_id: &str,
    hashes: &[String],
) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Use one recovery code (by hash); `false` if it is not one of the account's unused codes.
pub async fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(hash)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Unused recovery codes of the account.
pub async fn recovery_codes_left(db: &Db, user_id: &str) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?)
}

/// Remove the account's factor and recovery codes; whether there was a factor.
pub async fn remove(conn: &mut AnyConnection, user_id: &str) -> Result<bool, super::DbError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    let done = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
