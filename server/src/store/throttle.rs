//! Sign-in and registration attempts per key (`ip:<address>`, `account:<id or identifier>`,
//! `register:<address>`) and other budgets (`notify:<course>`: enrollment mail per day), in the database so every app server sees the same counts. Fixed windows: a
//! key's count starts again when its window has passed. An attempt is counted *before* the password is
//! checked, in one statement, so parallel guesses cannot all slip under the limit.

use super::{now_ms, Db};

/// Count one attempt for `key` and return the count in the current window, this attempt included.
pub async fn hit(db: &Db, key: &str, window_ms: i64) -> Result<i64, super::DbError> {
    hit_by(db, key, 1, window_ms).await
}

/// Count `n` (messages, attempts) for `key` and return the count in the current window, these
/// included.
pub async fn hit_by(db: &Db, key: &str, n: i64, window_ms: i64) -> Result<i64, super::DbError> {
    hit_for(db, key, None, n, window_ms).await
}

/// Count one attempt for `key`, a key that also counts for the account `subject` (so that
/// retirement finds it by account).
pub async fn hit_about(db: &Db, key: &str, subject: &str, window_ms: i64) -> Result<i64, super::DbError> {
    hit_for(db, key, Some(subject), 1, window_ms).await
}

async fn hit_for(
    db: &Db,
    key: &str,
    subject: Option<&str>,
    n: i64,
    window_ms: i64,
) -> Result<i64, super::DbError> {
    let now = now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO login_throttle (key, failures, window_start, last_at, subject) VALUES ($1, $4, $2, $2, $5) \
         ON CONFLICT (key) DO UPDATE SET \
         failures = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.failures + $4 ELSE $4 END, \
         window_start = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.window_start ELSE $2 END, \
         last_at = $2 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_ms)
    .bind(n)
    .bind(subject)
    .fetch_one(&db.pool)
    .await?)
}

/// A key's count in its current window and when it last counted (`(0, None)`: nothing counts).
pub async fn peek(db: &Db, key: &str, window_ms: i64) -> Result<(i64, Option<i64>), super::DbError> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT failures, last_at FROM login_throttle WHERE key = $1 AND window_start > $2")
            .bind(key)
            .bind(now_ms() - window_ms)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.unwrap_or((0, None)))
}

/// Take back `n` counted (they were not used), never below zero.
pub async fn forgive_by(db: &Db, key: &str, n: i64) -> Result<(), super::DbError> {
    sqlx::query("UPDATE login_throttle SET failures = CASE WHEN failures > $2 THEN failures - $2 ELSE 0 END WHERE key = $1")
        .bind(key)
        .bind(n)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Take back one counted attempt (it succeeded), never below zero.
pub async fn forgive(db: &Db, key: &str) -> Result<(), super::DbError> {
    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Forget a key (an account after a successful sign-in).
pub async fn clear(db: &Db, key: &str) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&db.pool).await?;
    Ok(())
}
